// Package interoptest builds ledgers for the import and export tests:
// simulated districts and hand-told stories, written through a ledger
// that seals personal fields, as a real ledger holds them.
package interoptest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store/memstore"
)

// Simulated returns a store holding three simulated days of a district
// (seed 3) with cases cases and topics community topics.
func Simulated(t testing.TB, cases, topics int) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	clock := sim.NewClock(time.Time{})
	l, err := ledger.New(ctx, st, ledger.Config{Clock: clock.Now, KeyStore: privacy.NewMemKeys(sim.KeySource(3))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(ctx, l, clock, sim.Config{Seed: 3, Cases: cases, Days: 3, Topics: topics}, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// Write appends drafts one by one through a ledger that seals personal
// fields, and returns the store.
func Write(t testing.TB, drafts []events.Draft) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	l, err := ledger.New(ctx, st, ledger.Config{KeyStore: privacy.NewMemKeys(sim.KeySource(3))})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drafts {
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			t.Fatalf("append %s %s: %v", d.Stream, d.Payload.EventType(), err)
		}
	}
	return st
}

// Plaintexts SealedCase seals: none may appear in an export.
const (
	SecretDescription = "Water pouring from the flat of Mrs Jasmine Wang"
	SecretAddress     = "Flat 3, 17 Jasmine Road"
	SecretComment     = "The worker was rude to Jasmine"
)

// SealedCase tells case C-1 through its whole life, with its reporter's
// description and address and its respondent's comment sealed: reported
// with coordinates, dispatched to the wrong unit, returned, dispatched
// again, accepted, contacted, extended, resolved, rated unsatisfied,
// reopened, resolved again and closed; and C-2, merged into it. The story
// needs the district (s.District()).
func SealedCase(s *eventstest.Story) {
	c := s.Case("C-1")
	lat, lon := 31.23, 121.47
	c.ReportedWith(&events.CaseReported{
		Channel: events.ChannelHotline, Category: eventstest.Leak,
		Location:       events.Location{Street: eventstest.Street1, Community: eventstest.Community1, Grid: eventstest.Grid1, Address: events.Plain(SecretAddress), Lat: &lat, Lon: &lon},
		Reporter:       "S-C-1",
		Description:    events.Plain(SecretDescription),
		DeadlinePolicy: "standard-5wd",
	})
	c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeManual)
	c.Returned(eventstest.Roads, events.ReasonWrongArea)
	c.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)
	c.Accepted(eventstest.Water)
	c.Contacted(eventstest.Water)
	c.Extended(72 * time.Hour)
	c.Resolved(eventstest.Water, events.OutcomeFixed)
	s.Draft(c.Stream, eventstest.Dispatcher, &events.CaseRated{Contacted: true, Solved: false, Satisfaction: events.Unsatisfied, Valid: true, Respondent: "S-C-1", Comment: events.Plain(SecretComment)})
	c.Reopened()
	c.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)
	c.Accepted(eventstest.Water)
	c.Resolved(eventstest.Water, events.OutcomeFixed)
	c.Closed()
	d := s.Case("C-2")
	d.Reported(events.ChannelApp, eventstest.Leak)
	d.Merged("C-1")
}

// Count returns the number of records src holds.
func Count(t testing.TB, src interop.Source) int {
	t.Helper()
	n := 0
	if err := src.Records(context.Background(), func(interop.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// WrittenBeforeEnd runs write over src and returns how many bytes it had
// written when src delivered its last record, and how many in all. A
// writer that streams has written most of its output by then; one that
// holds everything until the end has written nothing.
func WrittenBeforeEnd(t testing.TB, src interop.Source, write func(io.Writer, interop.Source) error) (atLast, total int) {
	t.Helper()
	w := &CountingWriter{}
	ws := &watched{Source: src, w: w, last: Count(t, src)}
	if err := write(w, ws); err != nil {
		t.Fatal(err)
	}
	return ws.atLast, w.N
}

// CountingWriter counts the bytes written to it and keeps none.
type CountingWriter struct{ N int }

// Write implements io.Writer.
func (w *CountingWriter) Write(p []byte) (int, error) { w.N += len(p); return len(p), nil }

// watched is a source that notes how much the writer had written when the
// last record was delivered.
type watched struct {
	interop.Source
	w         *CountingWriter
	last      int
	atLast    int
	delivered int
}

func (s *watched) Records(ctx context.Context, fn func(interop.Record) error) error {
	return s.Source.Records(ctx, func(r interop.Record) error {
		s.delivered++
		if s.delivered == s.last {
			s.atLast = s.w.N
		}
		return fn(r)
	})
}
