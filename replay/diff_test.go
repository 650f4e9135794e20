package replay_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
)

var (
	june1 = time.Date(2026, 6, 1, 0, 0, 0, 0, eventstest.Zone)
	july1 = time.Date(2026, 7, 1, 0, 0, 0, 0, eventstest.Zone)
	june  = projections.Query{From: june1, To: july1}
)

// juneStory is a month of cases and what came after it: in June, J-1 and
// J-2 (roads) and J-3 (water) are resolved and J-4 (water) stays open. On
// 2 July J-2 is reopened (a correction); on 3 July an intake system that
// was down delivers L-1, reported on 29 June and dispatched to water (a
// late event: occurred in June, recorded in July); on 5 July comes a July
// case, outside June.
func juneStory(t *testing.T) []store.Record {
	t.Helper()
	s := eventstest.NewAt(june1.Add(9 * time.Hour))
	s.District()
	day := func(d, h int) { s.At(time.Date(2026, 6, d, h, 0, 0, 0, eventstest.Zone)) }
	handled := func(id, cat, unit string, resolve bool) {
		c := s.Case(id)
		c.Reported(events.ChannelHotline, cat)
		c.Dispatched(eventstest.Center, unit, events.ModeRule)
		c.Accepted(unit)
		if resolve {
			s.Advance(5 * time.Hour)
			c.Resolved(unit, events.OutcomeFixed)
		}
	}
	day(2, 9)
	handled("J-1", eventstest.Pothole, eventstest.Roads, true)
	day(4, 9)
	handled("J-2", eventstest.Pothole, eventstest.Roads, true)
	day(9, 9)
	handled("J-3", eventstest.Leak, eventstest.Water, true)
	day(20, 9)
	handled("J-4", eventstest.Leak, eventstest.Water, false)
	s.At(time.Date(2026, 7, 2, 10, 0, 0, 0, eventstest.Zone))
	s.Case("J-2").Reopened()
	day(29, 10)
	late := s.Case("L-1")
	late.Reported(events.ChannelApp, eventstest.Leak)
	late.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)
	s.At(time.Date(2026, 7, 5, 9, 0, 0, 0, eventstest.Zone))
	handled("X-1", eventstest.Noise, eventstest.Environment, true)
	delivered := time.Date(2026, 7, 3, 8, 0, 0, 0, eventstest.Zone)
	return build(t, s.Drafts(), func(d events.Draft) time.Time {
		if d.Stream == "case/L-1" {
			return delivered
		}
		return d.OccurredAt
	})
}

func TestDiffJuneAsPublishedAndAsNow(t *testing.T) {
	ctx := context.Background()
	recs := juneStory(t)
	opts := func(c replay.Cutoff) replay.Options {
		return replay.Options{Registry: timelinessOnly(t), Queries: map[string][]projections.Query{"timeliness": {june}}, Cutoff: c, Origin: "test"}
	}
	// June as published in July, and June as the ledger says now.
	a, err := replay.Run(ctx, source(recs), opts(replay.AsOf(july1)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := replay.Run(ctx, source(recs), opts(replay.AtPosition(uint64(len(recs)))))
	if err != nil {
		t.Fatal(err)
	}
	reopen := recs[find(recs, "case/J-2", 4)].Position
	lateDispatch := recs[find(recs, "case/L-1", 1)].Position
	if a.Ledger.TreeSize != reopen-1 || a.Events.Included != reopen-1 {
		t.Fatalf("A scanned %d, included %d; the first event after 1 July is at %d", a.Ledger.TreeSize, a.Events.Included, reopen)
	}

	d := replay.Diff(a, b)
	if d.Identical() {
		t.Fatal("June changed after it was published")
	}
	header := map[string]bool{}
	for _, h := range d.Header {
		header[h.Field] = true
	}
	for _, f := range []string{"ledger.tree_size", "ledger.root", "cutoff", "events.included", "projection timeliness digest"} {
		if !header[f] {
			t.Errorf("header differences %+v lack %s", d.Header, f)
		}
	}
	q := replay.QueryLabel(june)
	roads := replay.FigureID{Projection: "timeliness/v1", Query: q, Row: eventstest.Roads, Column: "resolved"}
	water := replay.FigureID{Projection: "timeliness/v1", Query: q, Row: eventstest.Water, Column: "cases"}
	env := replay.FigureID{Projection: "timeliness/v1", Query: q, Row: eventstest.Environment, Column: "cases"}
	changed := map[replay.FigureID]replay.Change{}
	for _, c := range d.Changed {
		changed[c.FigureID] = c
	}
	if c := changed[roads]; c.A != "2" || c.B != "1" {
		t.Fatalf("roads resolved: %+v (changed: %+v)", c, d.Changed)
	}
	if c := changed[water]; c.A != "2" || c.B != "3" {
		t.Fatalf("water cases: %+v", c)
	}
	for _, f := range append(d.OnlyA, d.OnlyB...) {
		if f.FigureID == env {
			t.Fatal("a July case changed June")
		}
	}

	// The events that explain them: the reopening, and the late dispatch.
	only := replay.DiffResult{Changed: []replay.Change{changed[roads], changed[water]}}
	exps, capped, err := replay.ExplainDiff(ctx, source(recs), a, b, only, replay.DiffOptions{Fresh: fresh, Explain: replay.ExplainOptions{Snapshots: 4}})
	if err != nil || capped || len(exps) != 2 {
		t.Fatalf("%+v, %v, %v", exps, capped, err)
	}
	for i, want := range []struct {
		id            replay.FigureID
		pos           uint64
		before, after string
		stream        string
	}{{roads, reopen, "2", "1", "case/J-2"}, {water, lateDispatch, "2", "3", "case/L-1"}} {
		e := exps[i]
		if e.Figure != want.id || e.From != a.Ledger.TreeSize || e.To != b.Ledger.TreeSize || e.AtFrom != want.before || e.AtTo != want.after || e.Note != "" {
			t.Fatalf("explanation %d: %+v", i, e)
		}
		if len(e.Changes) != 1 {
			t.Fatalf("explanation %d: changes %+v", i, e.Changes)
		}
		c := e.Changes[0]
		if c.Position != want.pos || c.Before != want.before || c.After != want.after || c.Stream != want.stream {
			t.Fatalf("explanation %d: change %+v, want position %d", i, c, want.pos)
		}
		if want.stream == "case/L-1" && (c.OccurredAt.Month() != time.June || c.RecordedAt.Month() != time.July) {
			t.Fatalf("the late event: occurred %s, recorded %s", c.OccurredAt, c.RecordedAt)
		}
	}

	// Every changed figure is explained the same way, within the caps.
	all, capped, err := replay.ExplainDiff(ctx, source(recs), a, b, d, replay.DiffOptions{Fresh: fresh, Explain: replay.ExplainOptions{MaxFigures: 3}})
	if err != nil || !capped || len(all) != 3 {
		t.Fatalf("capped at 3 figures: %d, %v, %v", len(all), capped, err)
	}
	// Backwards, or against another ledger, it refuses.
	if _, _, err := replay.ExplainDiff(ctx, source(recs), b, a, d, replay.DiffOptions{Fresh: fresh}); err == nil {
		t.Fatal("B before A explained")
	}
	other := juneStory(t)
	restamp(other, find(other, "case/J-1", 0), june1.Add(48*time.Hour))
	if _, _, err := replay.ExplainDiff(ctx, source(other), a, b, d, replay.DiffOptions{Fresh: fresh}); !errors.Is(err, replay.ErrLedgerMismatch) {
		t.Fatalf("another ledger: %v", err)
	}
	if again := replay.Diff(a, a); !again.Identical() || len(again.Header) != 0 {
		t.Fatalf("a manifest against itself: %+v", again)
	}
}
