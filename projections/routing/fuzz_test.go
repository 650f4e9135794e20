package routing

import (
	"bytes"
	"testing"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest"
)

// FuzzUnmarshalState: any bytes are refused with an error or accepted as
// a state that reports, lists and round-trips.
func FuzzUnmarshalState(f *testing.F) {
	p := New(Config{})
	projectiontest.Apply(f, p, projectiontest.Events(f, story().Drafts()))
	good := projectiontest.State(f, p)
	f.Add(good)
	f.Add([]byte(stateMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := New(Config{})
		if p.UnmarshalState(b) != nil {
			return
		}
		if _, err := p.Report(projections.Query{Period: projections.PeriodWeek}); err != nil {
			t.Fatal(err)
		}
		p.PingPong()
		p.Contradictions()
		p.Network()
		again, err := p.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		q := New(Config{})
		if err := q.UnmarshalState(again); err != nil {
			t.Fatalf("a state written from an accepted state is refused: %v", err)
		}
		if third, _ := q.MarshalState(); !bytes.Equal(third, again) {
			t.Fatal("an accepted state does not round-trip")
		}
	})
}
