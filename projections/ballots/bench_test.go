package ballots_test

import (
	"slices"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections/ballots"
	"github.com/govledger/govledger/sim"
)

// simEvents returns the events of a simulated month that the projection
// reads, with their payloads decoded (as the runner hands them over).
func simEvents(b *testing.B, cfg sim.Config, types []string) ([]events.Event, []events.Payload) {
	b.Helper()
	var evs []events.Event
	var pls []events.Payload
	_, err := sim.Generate(cfg, func(d events.Draft) error {
		typ := d.Payload.EventType()
		if slices.Contains(types, typ) {
			evs = append(evs, events.Event{ID: d.ID, Stream: d.Stream, Type: typ, OccurredAt: d.OccurredAt, Actor: d.Actor})
			pls = append(pls, d.Payload)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return evs, pls
}

// BenchmarkApply replays the deliberation events of a simulated month with
// 400 topics (about 100k ballots) and reports events/s and the state size.
func BenchmarkApply(b *testing.B) {
	p0 := ballots.New(ballots.Config{})
	evs, pls := simEvents(b, sim.Config{Seed: 1, Cases: 1000, Topics: 400}, p0.Types())
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
