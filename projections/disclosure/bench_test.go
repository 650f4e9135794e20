package disclosure_test

import (
	"slices"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections/disclosure"
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
	var evs []events.Event
	var pls []events.Payload
	sum, err := sim.Generate(sim.Config{Seed: 1, Cases: 20000}, func(d events.Draft) error {
		if typ := d.Payload.EventType(); slices.Contains(types, typ) {
			evs = append(evs, events.Event{ID: d.ID, Stream: d.Stream, Type: typ, OccurredAt: d.OccurredAt, Actor: d.Actor})
			pls = append(pls, d.Payload)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
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
