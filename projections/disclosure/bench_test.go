package disclosure_test

import (
	"testing"

	"github.com/govledger/govledger/projections/disclosure"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// BenchmarkApply replays the events the projection reads from a simulated
// month of 20,000 cases and 40 topics (payloads decoded beforehand, as the
// runner hands them over) and reports events/s and the bytes of
// serialized state per case.
func BenchmarkApply(b *testing.B) {
	p0, err := disclosure.New(disclosure.Config{})
	if err != nil {
		b.Fatal(err)
	}
	types := p0.Types()
	evs, pls, sum := simulated.Events(b, sim.Config{Seed: 1, Cases: 20000}, types)
	var p *disclosure.Projection
	n := 0
	for b.Loop() {
		p, _ = disclosure.New(disclosure.Config{})
		for i := range evs {
			if err := p.Apply(uint64(i+1), &evs[i], pls[i]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	state, err := p.MarshalState()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(state))/float64(sum.Cases), "state-bytes/case")
}
