package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
)

// fixture is a ledger over a fresh store with the eventstest district registered.
type fixture struct {
	t  *testing.T
	s  *eventstest.Story
	st store.Store
	l  *ledger.Ledger
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := memstore.New()
	t.Cleanup(func() { st.Close() })
	l, err := ledger.New(context.Background(), st, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, s: eventstest.New(), st: st, l: l}
	f.mustAppend(f.s.District()...)
	return f
}

// append appends each draft on its own, stopping at the first error.
func (f *fixture) append(drafts ...events.Draft) error {
	for _, d := range drafts {
		if _, err := f.l.Append(context.Background(), d.Stream, ledger.Any, d); err != nil {
			return err
		}
	}
	return nil
}

func (f *fixture) mustAppend(drafts ...events.Draft) {
	f.t.Helper()
	if err := f.append(drafts...); err != nil {
		f.t.Fatal(err)
	}
}

// snapshot is the ledger's full content, to prove a refusal wrote nothing.
func (f *fixture) snapshot() []events.Hash {
	var hs []events.Hash
	err := f.st.ReadAll(context.Background(), 0, func(r store.Record) error {
		hs = append(hs, r.Event.Hash)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return hs
}

func (f *fixture) refused(err error, rule string) {
	f.t.Helper()
	var re *ledger.RuleError
	if !errors.As(err, &re) {
		f.t.Fatalf("want rule %q refused, got %v", rule, err)
	}
	if re.Rule != rule {
		f.t.Fatalf("want rule %q, got %q: %v", rule, re.Rule, err)
	}
}

func TestLifecycleRules(t *testing.T) {
	tests := []struct {
		name string
		rule string
		// story tells the accepted prefix and returns the draft that must be refused.
		story func(s *eventstest.Story) ([]events.Draft, events.Draft)
	}{
		{"dispatch unknown case", "unknown-case", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Case("C-9").Dispatched(eventstest.Center, eventstest.Roads, events.ModeManual)
		}},
		{"report twice", "case-already-reported", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Reported(events.ChannelApp, eventstest.Pothole)
		}},
		{"dispatch to unregistered unit", "unknown-unit", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Dispatched(eventstest.Center, "dept-ghost", events.ModeManual)
		}},
		{"report in unregistered grid", "unknown-unit", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Case("C-1").ReportedWith(&events.CaseReported{Channel: events.ChannelApp, Category: "x", Location: events.Location{Grid: "g-404"}, DeadlinePolicy: "standard-5wd"})
		}},
		{"rule dispatch naming an unpublished list", "unknown-list", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)},
				c.DispatchedWith(&events.CaseDispatched{FromUnit: eventstest.Center, ToUnit: eventstest.Roads, Mode: events.ModeRule, RuleID: "r-pothole", ListVersion: 7})
		}},
		{"rule dispatch naming an unknown rule", "unknown-list", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)},
				c.DispatchedWith(&events.CaseDispatched{FromUnit: eventstest.Center, ToUnit: eventstest.Roads, Mode: events.ModeRule, RuleID: "r-nope", ListVersion: 1})
		}},
		{"accept by a unit not dispatched to", "not-pending", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)}, c.Accepted(eventstest.Water)
		}},
		{"return by a unit not holding the order", "not-pending", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)}, c.Returned(eventstest.Water, events.ReasonWrongArea)
		}},
		{"resolve without accepting", "not-holder", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)}, c.Resolved(eventstest.Roads, events.OutcomeFixed)
		}},
		{"centre resolving a case a unit was sent", "not-holder", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)}, c.Resolved(eventstest.Center, events.OutcomeExplained)
		}},
		{"department resolving a case nobody holds", "not-holder", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Resolved(eventstest.Roads, events.OutcomeFixed)
		}},
		{"rating before resolution", "not-resolved", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Rated(true, true, events.Satisfied)
		}},
		{"rating a resolution twice", "already-rated", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule),
				c.Accepted(eventstest.Roads), c.Resolved(eventstest.Roads, events.OutcomeFixed), c.Rated(true, true, events.Satisfied)}, c.Rated(true, false, events.Unsatisfied)
		}},
		{"reopen an open case", "not-resolved", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Reopened()
		}},
		{"dispatch a resolved case", "not-open", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule),
				c.Accepted(eventstest.Roads), c.Resolved(eventstest.Roads, events.OutcomeFixed)}, c.Dispatched(eventstest.Center, eventstest.Water, events.ModeManual)
		}},
		{"close an unresolved case", "close-unresolved", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Closed()
		}},
		{"event on a closed case", "case-closed", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule),
				c.Accepted(eventstest.Roads), c.Resolved(eventstest.Roads, events.OutcomeFixed), c.Closed()}, c.Reopened()
		}},
		{"event on a merged case", "case-merged", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			p, c := s.Case("C-0"), s.Case("C-1")
			return []events.Draft{p.Reported(events.ChannelHotline, eventstest.Pothole), c.Reported(events.ChannelApp, eventstest.Pothole), c.Merged("C-0")},
				c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
		}},
		{"merge into an unknown case", "unknown-case", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Merged("C-404")
		}},
		{"timestamp running backwards", "time-backwards", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			first := c.Reported(events.ChannelHotline, eventstest.Pothole)
			s.At(first.OccurredAt.Add(-time.Minute))
			return []events.Draft{first}, c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
		}},
		{"extension into the past", "extension-in-past", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			c := s.Case("C-1")
			return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}, c.Extended(-time.Hour)
		}},
		{"ballot before the window", "ballot-window", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			open := tp.Open(24*time.Hour, false, "V-1", "V-2")
			s.At(open.OccurredAt) // same instant is inside the window
			ok := tp.Ballot("V-1", "yes")
			s.At(open.OccurredAt.Add(25 * time.Hour))
			return []events.Draft{open, ok}, tp.Ballot("V-2", "no")
		}},
		{"ballot on a topic never opened", "unknown-topic", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Topic("T-404").Ballot("V-1", "yes")
		}},
		{"topic opened twice", "topic-exists", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			return []events.Draft{tp.Open(time.Hour, false, "V-1")}, tp.Open(time.Hour, false, "V-2")
		}},
		{"invalid payload", "invalid", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Case("C-1").ReportedWith(&events.CaseReported{Channel: "carrier-pigeon", Category: "x", Location: events.Location{Grid: eventstest.Grid1}, DeadlinePolicy: "p"})
		}},
		{"ballot from an ineligible voter", "not-eligible", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			return []events.Draft{tp.Open(24*time.Hour, false, "V-1")}, tp.Ballot("V-9", "yes")
		}},
		{"second ballot from one voter", "already-voted", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			return []events.Draft{tp.Open(24*time.Hour, true, "V-1"), tp.Ballot("V-1", "yes")}, tp.Ballot("V-1", "no")
		}},
		{"ballot for an unknown option", "unknown-option", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			return []events.Draft{tp.Open(24*time.Hour, false, "V-1")}, tp.Ballot("V-1", "maybe")
		}},
		{"closing with a wrong tally", "tally-mismatch", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			pre := []events.Draft{tp.Open(time.Hour, false, "V-1", "V-2"), tp.Ballot("V-1", "yes"), tp.Ballot("V-2", "yes")}
			s.Advance(2 * time.Hour)
			return pre, tp.Close(events.OptionCount{Option: "yes", Votes: 1}, events.OptionCount{Option: "no", Votes: 1})
		}},
		{"closing before the window ends", "voting-not-over", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			return []events.Draft{tp.Open(48*time.Hour, false, "V-1")}, tp.Close(events.OptionCount{Option: "yes"}, events.OptionCount{Option: "no"})
		}},
		{"ballot after close", "topic-closed", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			tp := s.Topic("T-1")
			open := tp.Open(time.Hour, false, "V-1", "V-2")
			s.Advance(2 * time.Hour)
			cl := tp.Close(events.OptionCount{Option: "yes"}, events.OptionCount{Option: "no"})
			return []events.Draft{open, cl}, tp.Ballot("V-1", "yes")
		}},
		{"unit registered twice", "unit-exists", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Unit(eventstest.Roads, events.UnitDepartment, eventstest.DistrictUnit)
		}},
		{"unit under an unregistered parent", "unknown-unit", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Unit("g-9", events.UnitGrid, "cm-404")
		}},
		{"responsibility list skipping a version", "list-version", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Responsibility(3, events.Rule{ID: "r", Category: "c", Unit: eventstest.Roads})
		}},
		{"responsibility rule naming an unregistered unit", "unknown-unit", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return nil, s.Responsibility(2, events.Rule{ID: "r", Category: "c", Unit: "dept-ghost"})
		}},
		{"registry event on the wrong registry stream", "stream-kind", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			d := s.Unit("dept-x", events.UnitDepartment, eventstest.DistrictUnit)
			d.Stream = events.RegistryStream("other")
			return nil, d
		}},
		{"reporter already erased", "subject-erased", func(s *eventstest.Story) ([]events.Draft, events.Draft) {
			return []events.Draft{s.Erase("S-C-1")}, s.Case("C-1").Reported(events.ChannelHotline, eventstest.Pothole)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			prefix, bad := tc.story(f.s)
			f.mustAppend(prefix...)
			before := f.snapshot()
			err := f.append(bad)
			f.refused(err, tc.rule)
			if !errors.Is(err, ledger.ErrRule) {
				t.Fatalf("%v does not unwrap to ErrRule", err)
			}
			if after := f.snapshot(); len(after) != len(before) {
				t.Fatalf("refused event changed the ledger: %d events before, %d after", len(before), len(after))
			}
		})
	}
}

func TestFullCaseStoryIsAccepted(t *testing.T) {
	f := newFixture(t)
	s := f.s
	c := s.Case("C-1")
	f.mustAppend(
		c.Reported(events.ChannelHotline, eventstest.Noise),
		c.Dispatched(eventstest.Center, eventstest.Environment, events.ModeRule),
		c.Returned(eventstest.Environment, events.ReasonWrongArea),
		c.Dispatched(eventstest.Center, eventstest.Street2, events.ModeManual),
		c.Returned(eventstest.Street2, events.ReasonOverlappingDuties),
		c.Dispatched(eventstest.Center, eventstest.Environment, events.ModeForced),
		c.Accepted(eventstest.Environment),
		c.Contacted(eventstest.Environment),
		c.Extended(72*time.Hour),
		c.Resolved(eventstest.Environment, events.OutcomeFixed),
		c.Rated(true, false, events.Unsatisfied),
		c.Reopened(),
		c.Dispatched(eventstest.Center, eventstest.Environment, events.ModeManual),
		c.Accepted(eventstest.Environment),
		c.Resolved(eventstest.Environment, events.OutcomeFixed),
		c.Rated(true, true, events.Basically),
		c.Closed(),
	)
	var prev events.Hash
	var n int
	err := f.st.ReadStream(context.Background(), c.Stream, 0, func(r store.Record) error {
		e := r.Event
		if e.Version != uint64(n) || e.PrevHash != prev {
			return fmt.Errorf("version %d: chain broken (prev %s, want %s)", e.Version, e.PrevHash, prev)
		}
		body := events.AppendBody(nil, &e)
		if events.HashBody(body) != e.Hash {
			return fmt.Errorf("version %d: hash does not cover the event", e.Version)
		}
		prev, n = e.Hash, n+1
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 17 {
		t.Fatalf("stream has %d events, want 17", n)
	}
}

func TestCentreAnswersDirectly(t *testing.T) {
	f := newFixture(t)
	c := f.s.Case("C-1")
	f.mustAppend(
		c.Reported(events.ChannelHotline, eventstest.Noise),
		c.Resolved(eventstest.Center, events.OutcomeExplained),
		c.Rated(true, true, events.Satisfied),
		c.Closed(),
	)
}

func TestIdempotentResend(t *testing.T) {
	f := newFixture(t)
	c := f.s.Case("C-1")
	d := c.Reported(events.ChannelHotline, eventstest.Pothole)
	first, err := f.l.Append(context.Background(), c.Stream, ledger.NoStream, d)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := f.st.Head(context.Background())
	again, err := f.l.Append(context.Background(), c.Stream, ledger.NoStream, d)
	if err != nil {
		t.Fatalf("re-send of an acknowledged event: %v", err)
	}
	if !again.Duplicate[0] || again.Positions[0] != first.Positions[0] {
		t.Fatalf("re-send: duplicate=%v position=%d, want true and %d", again.Duplicate[0], again.Positions[0], first.Positions[0])
	}
	if h, _ := f.st.Head(context.Background()); h != head {
		t.Fatalf("re-send wrote: head %d -> %d", head, h)
	}

	// A ledger with a cold cache (a restart) acknowledges the re-send too.
	cold, err := ledger.New(context.Background(), f.st, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	again, err = cold.Append(context.Background(), c.Stream, ledger.Any, d)
	if err != nil || !again.Duplicate[0] || again.Positions[0] != first.Positions[0] {
		t.Fatalf("re-send after restart: %v, duplicate=%v position=%d", err, again.Duplicate, again.Positions)
	}

	changed := d
	changed.Payload = &events.CaseReported{Channel: events.ChannelApp, Category: eventstest.Pothole, Location: events.Location{Street: eventstest.Street1}, DeadlinePolicy: "standard-5wd"}
	_, err = f.l.Append(context.Background(), c.Stream, ledger.Any, changed)
	if !errors.Is(err, ledger.ErrIDConflict) {
		t.Fatalf("same id, different content: want ErrIDConflict, got %v", err)
	}
	if h, _ := f.st.Head(context.Background()); h != head {
		t.Fatalf("conflicting re-send wrote: head %d -> %d", head, h)
	}
}

func TestExpectedVersion(t *testing.T) {
	f := newFixture(t)
	c := f.s.Case("C-1")
	if _, err := f.l.Append(context.Background(), c.Stream, ledger.ExpectVersion(0), c.Reported(events.ChannelHotline, eventstest.Pothole)); !errors.Is(err, store.ErrWrongExpectedVersion) {
		t.Fatalf("expect 0 on a missing stream: want ErrWrongExpectedVersion, got %v", err)
	}
	if _, err := f.l.Append(context.Background(), c.Stream, ledger.NoStream, c.Reported(events.ChannelHotline, eventstest.Pothole)); err != nil {
		t.Fatal(err)
	}
	d := c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
	_, err := f.l.Append(context.Background(), c.Stream, ledger.NoStream, d)
	f.refused(err, "wrong-expected-version")
	if _, err := f.l.Append(context.Background(), c.Stream, ledger.ExpectVersion(0), d); err != nil {
		t.Fatal(err)
	}
}

func TestAtomicAcrossStreams(t *testing.T) {
	f := newFixture(t)
	a, b := f.s.Case("C-1"), f.s.Case("C-2")
	before := f.snapshot()
	_, err := f.l.AppendAtomic(context.Background(),
		ledger.Batch{Stream: a.Stream, Drafts: []events.Draft{a.Reported(events.ChannelHotline, eventstest.Pothole), a.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)}},
		ledger.Batch{Stream: b.Stream, Drafts: []events.Draft{b.Reported(events.ChannelApp, eventstest.Leak), b.Accepted(eventstest.Water)}}, // not dispatched
	)
	f.refused(err, "not-pending")
	if after := f.snapshot(); len(after) != len(before) {
		t.Fatalf("refused atomic append wrote %d events", len(after)-len(before))
	}
	// The first stream's state must not have leaked from the refused batch.
	f.mustAppend(a.Reported(events.ChannelHotline, eventstest.Pothole))
}

func TestBatchSeesEarlierDrafts(t *testing.T) {
	f := newFixture(t)
	unit := f.s.Unit("dept-new", events.UnitDepartment, eventstest.DistrictUnit)
	c := f.s.Case("C-1")
	_, err := f.l.AppendAtomic(context.Background(),
		ledger.Batch{Stream: events.UnitsStream, Drafts: []events.Draft{unit}},
		ledger.Batch{Stream: c.Stream, Drafts: []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, "dept-new", events.ModeManual)}},
	)
	if err != nil {
		t.Fatalf("a dispatch to a unit registered earlier in the same batch: %v", err)
	}
}

func TestRegistryReloadedOnOpen(t *testing.T) {
	f := newFixture(t)
	l2, err := ledger.New(context.Background(), f.st, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := f.s.Case("C-1")
	for _, d := range []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)} {
		if _, err := l2.Append(context.Background(), d.Stream, ledger.Any, d); err != nil {
			t.Fatalf("a reopened ledger forgot the registry: %v", err)
		}
	}
	_, err = l2.Append(context.Background(), events.UnitsStream, ledger.Any, f.s.Unit(eventstest.Roads, events.UnitDepartment, eventstest.DistrictUnit))
	f.refused(err, "unit-exists")
}

func TestStateFoldedFromStoreWhenNotCached(t *testing.T) {
	f := newFixture(t)
	c := f.s.Case("C-1")
	f.mustAppend(c.Reported(events.ChannelHotline, eventstest.Pothole), c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule))
	l2, err := ledger.New(context.Background(), f.st, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l2.Append(context.Background(), c.Stream, ledger.Any, c.Resolved(eventstest.Roads, events.OutcomeFixed))
	f.refused(err, "not-holder")
	if _, err := l2.Append(context.Background(), c.Stream, ledger.Any, c.Accepted(eventstest.Roads)); err != nil {
		t.Fatal(err)
	}
}

func TestRecordedTimeNeverRunsBackwards(t *testing.T) {
	st := memstore.New()
	clock := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	l, err := ledger.New(context.Background(), st, ledger.Config{Clock: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	s := eventstest.New()
	for _, d := range s.District()[:2] {
		if _, err := l.Append(context.Background(), d.Stream, ledger.Any, d); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(-time.Hour)
	}
	var times []time.Time
	st.ReadAll(context.Background(), 0, func(r store.Record) error { times = append(times, r.Event.RecordedAt); return nil })
	if len(times) != 2 || times[1].Before(times[0]) {
		t.Fatalf("recorded times %v run backwards", times)
	}
}

func TestConcurrentWriters(t *testing.T) {
	f := newFixture(t)
	const writers, perWriter = 16, 20
	// Every writer reports its own case and also races on one shared topic.
	shared := f.s.Topic("T-shared")
	var voters []string
	for i := 0; i < writers*perWriter; i++ {
		voters = append(voters, fmt.Sprintf("V-%d", i))
	}
	f.mustAppend(shared.Open(24*time.Hour, false, voters...))
	f.s.Step = 0 // concurrent ballots arrive in any order: give them one instant
	ballots := make([][]events.Draft, writers)
	cases := make([][]events.Draft, writers)
	for w := 0; w < writers; w++ {
		for i := 0; i < perWriter; i++ {
			ballots[w] = append(ballots[w], shared.Ballot(voters[w*perWriter+i], "yes"))
			cases[w] = append(cases[w], f.s.Case(fmt.Sprintf("C-%d-%d", w, i)).Reported(events.ChannelApp, eventstest.Leak))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				for _, d := range []events.Draft{ballots[w][i], cases[w][i]} {
					if _, err := f.l.Append(context.Background(), d.Stream, ledger.Any, d); err != nil {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, _, err := f.st.StreamHead(context.Background(), shared.Stream)
	if err != nil || v != writers*perWriter {
		t.Fatalf("shared topic at version %d (%v), want %d", v, err, writers*perWriter)
	}
}

func TestResendBesideNewEvents(t *testing.T) {
	f := newFixture(t)
	a, b := f.s.Case("C-1"), f.s.Case("C-2")
	ra, rb := a.Reported(events.ChannelHotline, eventstest.Pothole), b.Reported(events.ChannelApp, eventstest.Leak)
	f.mustAppend(ra, rb)
	// One call: stream A only re-sends its acknowledged report, stream B
	// moves on. B's new event must chain to B's head, not to anything of A.
	res, err := f.l.AppendAtomic(context.Background(),
		ledger.Batch{Stream: a.Stream, Drafts: []events.Draft{ra}},
		ledger.Batch{Stream: b.Stream, Drafts: []events.Draft{rb, b.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Duplicate[0] || !res[1].Duplicate[0] || res[1].Duplicate[1] {
		t.Fatalf("duplicates %v %v, want [true] [true false]", res[0].Duplicate, res[1].Duplicate)
	}
	verifyChains(t, f.st)
}

// verifyChains fails the test unless every chain in st verifies.
func verifyChains(t *testing.T, st store.Store) {
	t.Helper()
	v := integrity.NewChainVerifier(1)
	err := st.ReadAll(context.Background(), 1, func(r store.Record) error {
		if fs := v.Check(r.Position, &r.Event); len(fs) > 0 {
			return fs[0]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
