package ratings

import (
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/sim"
)

// TestAgainstSimulator checks the counts against what the simulator says
// it emitted: every valid rating is either counted or superseded, every
// invalid rating is counted as invalid, and the reopened cases match.
func TestAgainstSimulator(t *testing.T) {
	p := mustNew(t, Config{})
	pos := uint64(0)
	sum, err := sim.Generate(sim.Config{Seed: 7, Days: 10, Cases: 3000, Topics: 1}, func(d events.Draft) error {
		pos++
		e := events.Event{Stream: d.Stream, Type: d.Payload.EventType(), OccurredAt: d.OccurredAt}
		return p.Apply(pos, &e, d.Payload)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Totals()
	if got.Valid+got.Superseded != int64(sum.Ratings) || got.Invalid != int64(sum.InvalidRatings) {
		t.Errorf("valid %d + superseded %d, invalid %d; simulator %d valid, %d invalid",
			got.Valid, got.Superseded, got.Invalid, sum.Ratings, sum.InvalidRatings)
	}
	if got.Reopened != int64(sum.Reopened) || got.Superseded == 0 {
		t.Errorf("reopened %d, simulator %d; superseded %d", got.Reopened, sum.Reopened, got.Superseded)
	}
	var reasons int64
	for _, r := range p.InvalidReasons() {
		reasons += r.Count
	}
	if reasons != got.Invalid {
		t.Errorf("invalid by reason adds up to %d, not %d", reasons, got.Invalid)
	}
	var units Rates
	for _, u := range p.Units() {
		units.Valid += u.Valid
		units.Resolved += u.Resolved
	}
	if units.Valid != got.Valid || units.Resolved != got.Resolved {
		t.Errorf("units add up to %d valid, %d resolved; totals %d, %d", units.Valid, units.Resolved, got.Valid, got.Resolved)
	}
}
