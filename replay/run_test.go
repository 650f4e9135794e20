package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/timeliness"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
)

// build appends drafts to a new ledger whose clock stamps each event with
// stamp(draft) as its recorded time (its occurred time if stamp is nil),
// and returns the records.
func build(t *testing.T, drafts []events.Draft, stamp func(events.Draft) time.Time) []store.Record {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	var now time.Time
	l, err := ledger.New(ctx, st, ledger.Config{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drafts {
		now = d.OccurredAt
		if stamp != nil {
			now = stamp(d)
		}
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			t.Fatalf("append %s: %v", d.Payload.EventType(), err)
		}
	}
	var out []store.Record
	st.ReadAll(ctx, 1, func(r store.Record) error {
		r.Event.Data = append([]byte(nil), r.Event.Data...)
		out = append(out, r)
		return nil
	})
	return out
}

// restamp sets the recorded time of recs[i] and re-seals its stream from
// there on, as if a writer had stamped it so: a sound ledger whose
// recorded times are out of position order.
func restamp(recs []store.Record, i int, at time.Time) {
	recs[i].Event.RecordedAt = at.UTC()
	recs[i].Event.Seal(recs[i].Event.PrevHash)
	prev := recs[i].Event.Hash
	for j := i + 1; j < len(recs); j++ {
		if recs[j].Event.Stream == recs[i].Event.Stream {
			recs[j].Event.Seal(prev)
			prev = recs[j].Event.Hash
		}
	}
}

func source(recs []store.Record) sliceSource { return sliceSource{recs: recs, head: uint64(len(recs))} }

func timelinessOnly(t *testing.T) *projections.Registry {
	t.Helper()
	reg := projections.NewRegistry()
	if err := reg.Register(timeliness.New(timeliness.Config{})); err != nil {
		t.Fatal(err)
	}
	return reg
}

// fresh is the program's projections for audits and explanations.
func fresh(name string) (projections.Projection, error) {
	reg := projections.NewRegistry()
	if err := reg.Register(timeliness.New(timeliness.Config{})); err != nil {
		return nil, err
	}
	return reg.Get(name)
}

// direct replays recs with a runner, unverified, the way `report` does:
// the figures a replay must give.
func direct(t *testing.T, recs []store.Record) []replay.Figure {
	t.Helper()
	src := source(recs)
	reg := timelinessOnly(t)
	r, err := projections.NewRunner(projections.RunnerConfig{Source: replay.Events(storeOf{src})}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := reg.All()[0]
	rep, err := p.(projections.Reporter).Report(projections.Query{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := replay.MarshalManifest(&replay.Manifest{Projections: []replay.ProjectionResult{{Name: p.Name(), Reports: []replay.Table{tableOf(t, rep)}}}})
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"format": ""`), []byte(`"format": "`+replay.Format+`"`), 1)
	b = bytes.Replace(b, []byte(`"root": ""`), []byte(`"root": "`+integrity.EmptyRoot().String()+`"`), 1)
	b = bytes.Replace(b, []byte(`"kind": ""`), []byte(`"kind": "position"`), 1)
	m, err := replay.ReadManifest(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return replay.Figures(m)
}

func tableOf(t *testing.T, r *projections.Report) replay.Table {
	t.Helper()
	m := replay.Table{Query: r.Query, Title: r.Title, Columns: r.Columns, Notes: r.Notes}
	for _, row := range r.Rows {
		var cells []jsonRaw
		for _, c := range row {
			cells = append(cells, mustJSON(t, c))
		}
		m.Rows = append(m.Rows, cells)
	}
	return m
}

// storeOf gives a sliceSource the Follow replay.Events wants (unused).
type storeOf struct{ sliceSource }

func (storeOf) Follow(context.Context, uint64, func(store.Record) error) error {
	return errors.New("no follow")
}

// district returns the drafts of a small district and six cases over a
// day, each event 10 minutes after the one before.
func district() []events.Draft {
	s := eventstest.New()
	s.District()
	for _, id := range []string{"C-1", "C-2", "C-3"} {
		c := s.Case(id)
		c.Reported(events.ChannelHotline, eventstest.Pothole)
		c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
		c.Accepted(eventstest.Roads)
	}
	for _, id := range []string{"W-1", "W-2", "W-3"} {
		c := s.Case(id)
		c.Reported(events.ChannelApp, eventstest.Leak)
		c.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)
	}
	s.Case("C-1").Resolved(eventstest.Roads, events.OutcomeFixed)
	s.Case("W-1").Accepted(eventstest.Water)
	s.Case("C-2").Resolved(eventstest.Roads, events.OutcomeFixed)
	s.Case("W-1").Resolved(eventstest.Water, events.OutcomeFixed)
	s.Case("C-3").Resolved(eventstest.Roads, events.OutcomeFixed)
	c2 := s.Case("C-2")
	c2.Reopened()
	c2.Dispatched(eventstest.Center, eventstest.Roads, events.ModeManual)
	c2.Accepted(eventstest.Roads)
	c2.Resolved(eventstest.Roads, events.OutcomeFixed)
	return s.Drafts()
}

func TestRunAtPositionEqualsADirectReplay(t *testing.T) {
	recs := build(t, district(), nil)
	for _, n := range []uint64{1, 20, uint64(len(recs)) - 3, uint64(len(recs))} {
		m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t), Cutoff: replay.AtPosition(n), Origin: "test"})
		if err != nil {
			t.Fatalf("position %d: %v", n, err)
		}
		if m.Ledger.TreeSize != n || m.Events.Scanned != n || m.Events.Included != n || m.Events.LastIncludedPosition != n || m.Projections[0].Position != n {
			t.Fatalf("position %d: ledger %+v events %+v projection at %d", n, m.Ledger, m.Events, m.Projections[0].Position)
		}
		if want := rootOf(recs[:n]); m.Ledger.Root != want.String() {
			t.Fatalf("position %d: root %s, want %s", n, m.Ledger.Root, want)
		}
		got, want := replay.Figures(m), direct(t, recs[:n])
		if n >= 20 && len(got) == 0 || !sameFigures(got, want) {
			t.Fatalf("position %d: figures differ from a direct replay:\n%v\n%v", n, got, want)
		}
	}
	_, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t), Cutoff: replay.AtPosition(uint64(len(recs)) + 1)})
	if !errors.Is(err, replay.ErrCutoff) {
		t.Fatalf("a position past the head: %v", err)
	}
}

func sameFigures(a, b []replay.Figure) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func rootOf(recs []store.Record) events.Hash {
	tr := integrity.NewTree()
	for _, r := range recs {
		tr.Add(r.Event.Hash)
	}
	return tr.Root()
}

// signed returns a checkpoint of the first n records, signed, and parsed
// back as a caller would.
func signed(t *testing.T, recs []store.Record, size uint64, root events.Hash) (*integrity.Checkpoint, []byte) {
	t.Helper()
	skey, vkey, err := integrity.GenerateKey("test.example/ledger")
	if err != nil {
		t.Fatal(err)
	}
	note, err := integrity.SignCheckpoint(skey, integrity.Checkpoint{Origin: "test.example/ledger", Size: size, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := integrity.ParseCheckpoint(note, vkey)
	if err != nil {
		t.Fatal(err)
	}
	return &cp, note
}

func TestRunAtACheckpoint(t *testing.T) {
	recs := build(t, district(), nil)
	n := uint64(len(recs) - 4)
	tests := []struct {
		name string
		size uint64
		root events.Hash
		kind string // the finding, "" for a sound replay
	}{
		{"sound", n, rootOf(recs[:n]), ""},
		{"root-of-other-events", n, rootOf(recs[1 : n+1]), integrity.RootMismatch},
		{"covers-more-than-the-ledger", uint64(len(recs)) + 2, rootOf(recs), integrity.Truncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp, note := signed(t, recs, tc.size, tc.root)
			var seen []*integrity.Finding
			m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t),
				Cutoff: replay.AtCheckpoint(), Checkpoint: cp, CheckpointNote: note,
				OnFinding: func(f *integrity.Finding) { seen = append(seen, f) }})
			if tc.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				if m.Ledger.Origin != "test.example/ledger" || m.Ledger.Checkpoint != string(note) || m.Cutoff != (replay.Cutoff{Kind: replay.CutoffCheckpoint, Position: n}) || m.Ledger.Root != tc.root.String() {
					t.Fatalf("manifest header %+v %+v", m.Ledger, m.Cutoff)
				}
				if !sameFigures(replay.Figures(m), direct(t, recs[:n])) {
					t.Fatal("figures differ from a direct replay to the checkpoint's size")
				}
				return
			}
			var te *replay.TamperError
			if !errors.As(err, &te) || !errors.Is(err, integrity.ErrTampered) || m != nil {
				t.Fatalf("got %v, %v; want a tamper error", m, err)
			}
			if te.Findings[0].Kind != tc.kind || len(seen) == 0 || seen[0] != te.Findings[0] {
				t.Fatalf("findings %v (seen %v), want %s", te.Findings, seen, tc.kind)
			}
		})
	}
}

// The as-of filter is by recorded time, not a position cut: an event
// stamped before T that committed after one stamped after T is included,
// and the scan goes on to the first event recorded more than AsOfSlack
// after T.
func TestRunAsOfFiltersByRecordedTime(t *testing.T) {
	recs := build(t, district(), nil)
	asOf := recs[25].Event.RecordedAt // positions 1..26 recorded at or before
	// Position 24 was stamped 30 s after T by a slow writer, position 27
	// was stamped 20 s before T but committed after 26: by recorded time,
	// 24 is out and 27 is in.
	restamp(recs, 23, asOf.Add(30*time.Second))
	restamp(recs, 26, asOf.Add(-20*time.Second))
	// Position 28 was stamped 50 s after T (inside the slack), 29 ten
	// minutes after: the scan stops before 29.
	restamp(recs, 27, asOf.Add(50*time.Second))
	if recs[28].Event.RecordedAt.Sub(asOf) <= replay.AsOfSlack {
		t.Fatalf("fixture: position 29 recorded at %s", recs[28].Event.RecordedAt)
	}
	var includedRecs []store.Record
	for _, r := range recs[:28] {
		if !r.Event.RecordedAt.After(asOf) {
			includedRecs = append(includedRecs, r)
		}
	}
	m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t), Cutoff: replay.AsOf(asOf)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Ledger.TreeSize != 28 || m.Events.Scanned != 28 || m.Events.Included != 26 || m.Events.LastIncludedPosition != 27 {
		t.Fatalf("ledger %+v events %+v; want 28 scanned, 26 included, the last at 27", m.Ledger, m.Events)
	}
	if m.Ledger.Root != rootOf(recs[:28]).String() || m.Cutoff.Kind != replay.CutoffAsOf || !m.Cutoff.AsOf.Equal(asOf) {
		t.Fatalf("header %+v %+v", m.Ledger, m.Cutoff)
	}
	if got := m.Projections[0].Position; got != 27 {
		t.Fatalf("projection at %d, want 27", got)
	}
	// The figures are those of the included events alone, in position
	// order (a direct replay of them, renumbered, gives the same figures
	// unless a figure names a position: timeliness names none).
	kept := append([]store.Record(nil), includedRecs...)
	renumber(kept)
	if !sameFigures(replay.Figures(m), direct(t, kept)) {
		t.Fatal("as-of figures are not those of the events recorded by T")
	}
	// An audit scans exactly the published size, even with the head
	// further on.
	again, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t), Cutoff: replay.AsOf(asOf), Scan: 30})
	if err != nil || again.Ledger.TreeSize != 30 || again.Events.Included != 26 {
		t.Fatalf("with Scan 30: %+v %v", again, err)
	}
}

func TestRunRefusesATamperedLedger(t *testing.T) {
	recs := build(t, district(), nil)
	i := find(recs, "case/C-2", 1)
	recs[i].Event.Data = bytes.Replace(recs[i].Event.Data, []byte(eventstest.Roads), []byte(eventstest.Water), 1)
	for _, cut := range []replay.Cutoff{replay.AtPosition(uint64(len(recs))), replay.AsOf(recs[len(recs)-1].Event.RecordedAt)} {
		m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t), Cutoff: cut})
		var te *replay.TamperError
		if !errors.As(err, &te) || m != nil {
			t.Fatalf("%s: %v, %v; want a tamper error", cut, m, err)
		}
		f := te.Findings[0]
		if f.Kind != integrity.HashMismatch || f.Position != recs[i].Position || f.Stream != "case/C-2" || te.Total != 1 {
			t.Fatalf("%s: findings %v", cut, te.Findings)
		}
	}
	// A cutoff before the edit replays: the edit is after what it covers.
	if _, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t), Cutoff: replay.AtPosition(recs[i].Position - 1)}); err != nil {
		t.Fatal(err)
	}
}

// The same ledger and options give the same manifest, byte for byte, but
// for created_at.
func TestManifestsAreDeterministic(t *testing.T) {
	recs := build(t, district(), nil)
	var out [][]byte
	for i := range 3 {
		at := time.Date(2026, 12, 1+i, 0, 0, 0, 0, time.UTC)
		m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t),
			Queries: map[string][]projections.Query{"timeliness": {{}, {By: projections.ByCategory, Period: projections.PeriodDay}}},
			Cutoff:  replay.AsOf(recs[30].Event.RecordedAt), Program: "govledger test", Origin: "test",
			Clock: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		b, err := replay.MarshalManifest(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := replay.ReadManifest(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := replay.MarshalManifest(back); !bytes.Equal(again, b) {
			t.Fatalf("a manifest read back does not write the same bytes:\n%s\n%s", b, again)
		}
		out = append(out, bytes.Replace(b, []byte(at.Format(time.RFC3339)), []byte("CREATED"), 1))
	}
	if !bytes.Equal(out[0], out[1]) || !bytes.Equal(out[1], out[2]) {
		t.Fatalf("manifests differ beyond created_at:\n%s\n%s", out[0], out[1])
	}
	if !bytes.Contains(out[0], []byte(`"created_at": "CREATED"`)) || bytes.Count(out[0], []byte(`"query"`)) != 2 {
		t.Fatalf("manifest:\n%s", out[0])
	}
}

func TestFiguresNameRowsByTheirKeyColumns(t *testing.T) {
	recs := build(t, district(), nil)
	m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t),
		Queries: map[string][]projections.Query{"timeliness/v1": {{Period: projections.PeriodDay}}}, Cutoff: replay.AtPosition(uint64(len(recs)))})
	if err != nil {
		t.Fatal(err)
	}
	figs := replay.Figures(m)
	want := replay.FigureID{Projection: "timeliness/v1", Query: "period=day", Row: "dept-roads / 2026-11-02", Column: "resolved"}
	for _, f := range figs {
		if f.FigureID == want {
			if f.Value != "3" {
				t.Fatalf("%s = %s, want 3", want, f.Value)
			}
			return
		}
	}
	t.Fatalf("no figure %s among %v", want, figs)
}

type jsonRaw = json.RawMessage

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
