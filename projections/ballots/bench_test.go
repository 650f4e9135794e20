package ballots_test

import (
	"testing"

	"github.com/govledger/govledger/projections/ballots"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// BenchmarkApply replays the deliberation events of a simulated month with
// 400 topics (about 100k ballots) and reports events/s and the state size.
func BenchmarkApply(b *testing.B) {
	p0 := ballots.New(ballots.Config{})
	evs, pls, _ := simulated.Events(b, sim.Config{Seed: 1, Cases: 1000, Topics: 400}, p0.Types())
	var p *ballots.Projection
	var n int
	for b.Loop() {
		p = ballots.New(ballots.Config{})
		for i := range evs {
			if err := p.Apply(uint64(i+1), &evs[i], pls[i]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	state, _ := p.MarshalState()
	var counted int64
	for _, t := range p.Topics() {
		counted += t.Counted
	}
	b.ReportMetric(float64(len(state))/float64(len(p.Topics())), "state-bytes/topic")
	b.ReportMetric(float64(counted), "ballots")
}
