package replay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/timeliness"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
)

var roadsResolved = replay.FigureID{Projection: "timeliness/v1", Query: "default", Row: "dept-roads", Column: "resolved"}

// published replays recs to the head and returns the manifest as a
// publisher would write it.
func published(t *testing.T, recs []store.Record) *replay.Manifest {
	t.Helper()
	m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: timelinessOnly(t), Cutoff: replay.AtPosition(uint64(len(recs))), Origin: "test", Program: "publisher 1.0"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// edit sets the cell of figure id in m to v.
func edit(t *testing.T, m *replay.Manifest, id replay.FigureID, v string) {
	t.Helper()
	for _, p := range m.Projections {
		for _, tab := range p.Reports {
			for _, row := range tab.Rows {
				if string(row[0]) != fmt.Sprintf("%q", id.Row) {
					continue
				}
				for c, col := range tab.Columns {
					if col.Key == id.Column {
						row[c] = []byte(v)
						return
					}
				}
			}
		}
	}
	t.Fatalf("no figure %s", id)
}

func TestAuditMatchesAnHonestManifest(t *testing.T) {
	recs := build(t, district(), nil)
	m := published(t, recs)
	res, err := replay.Audit(context.Background(), source(recs), m, replay.AuditOptions{Fresh: fresh, Program: "auditor 2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Matched != len(replay.Figures(m)) || res.First() != nil || res.Explanation != nil {
		t.Fatalf("honest manifest: %+v", res)
	}
}

// valueAt is the figure's value after positions 1..p, by a direct replay.
func valueAt(t *testing.T, recs []store.Record, p int, id replay.FigureID) string {
	t.Helper()
	for _, f := range direct(t, recs[:p]) {
		if f.FigureID == id {
			return f.Value
		}
	}
	return replay.Absent
}

// truth lists every position at which the figure changed, by replaying
// every prefix: the change points an explanation must find.
func truth(t *testing.T, recs []store.Record, id replay.FigureID) []replay.ChangePoint {
	t.Helper()
	var out []replay.ChangePoint
	prev := replay.Absent
	for p := 1; p <= len(recs); p++ {
		v := valueAt(t, recs, p, id)
		if v != prev {
			e := recs[p-1].Event
			out = append(out, replay.ChangePoint{Position: uint64(p), EventID: e.ID.String(), Stream: e.Stream, Type: e.Type,
				OccurredAt: e.OccurredAt, RecordedAt: e.RecordedAt, Before: prev, After: v})
		}
		prev = v
	}
	return out
}

func TestAuditCatchesAnEditedFigure(t *testing.T) {
	recs := build(t, district(), nil)
	m := published(t, recs)
	total := len(replay.Figures(m))
	edit(t, m, roadsResolved, "4")

	// The hand-checked story of dept-roads' resolved count: C-1, C-2 and
	// C-3 resolved (1, 2, 3), C-2 reopened (2) and resolved again (3).
	pos := func(stream string, version uint64) uint64 { return recs[find(recs, stream, version)].Position }
	want := []struct {
		pos           uint64
		before, after string
	}{
		{pos("case/C-2", 7), "2", "3"},
		{pos("case/C-2", 4), "3", "2"},
		{pos("case/C-3", 3), "2", "3"},
		{pos("case/C-2", 3), "1", "2"},
		{pos("case/C-1", 3), "0", "1"},
	}
	all := truth(t, recs, roadsResolved)
	if len(all) != 6 || all[0].Position != pos("case/C-1", 1) || all[0].Before != replay.Absent {
		t.Fatalf("fixture: the figure's history is %+v", all)
	}

	for _, tc := range []struct {
		name  string
		fresh replay.Fresh
		opts  replay.ExplainOptions
		exact bool // every change point is found (no segment hides a change and its undoing)
	}{
		{"stateful", fresh, replay.ExplainOptions{}, true},
		{"stateful-4-snapshots", fresh, replay.ExplainOptions{Snapshots: 4}, false},
		{"not-stateful", plainFresh, replay.ExplainOptions{}, true},
		{"not-stateful-3-snapshots", plainFresh, replay.ExplainOptions{Snapshots: 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pm := m
			if tc.name[:3] == "not" {
				pm = publishedPlain(t, recs)
				edit(t, pm, roadsResolved, "4")
			}
			res, err := replay.Audit(context.Background(), source(recs), pm, replay.AuditOptions{Fresh: tc.fresh, Explain: tc.opts})
			if err != nil {
				t.Fatal(err)
			}
			first := res.First()
			if res.OK() || len(res.Mismatches) != 1 || res.Matched != total-1 || first.FigureID != roadsResolved || first.Published != "4" || first.Replayed != "3" {
				t.Fatalf("result: matched %d of %d, mismatches %+v", res.Matched, total, res.Mismatches)
			}
			e := res.Explanation
			if e == nil || e.Figure != roadsResolved || e.AtTo != "3" || e.To != uint64(len(recs)) || e.Capped {
				t.Fatalf("explanation %+v", e)
			}
			if tc.exact {
				if len(e.Changes) != len(want) {
					t.Fatalf("changes %+v, want %+v", e.Changes, want)
				}
				for i, w := range want {
					c := e.Changes[i]
					if c.Position != w.pos || c.Before != w.before || c.After != w.after {
						t.Fatalf("change %d: %+v, want %+v", i, c, w)
					}
				}
				if !strings.Contains(e.Note, "earlier too") {
					t.Fatalf("note %q: the appearance of the row is a sixth change", e.Note)
				}
			}
			// Whatever the spacing, every change point reported is one.
			if len(e.Changes) == 0 {
				t.Fatal("no change points")
			}
			for _, c := range e.Changes {
				found := false
				for _, tr := range all {
					found = found || c == tr
				}
				if !found {
					t.Fatalf("change point %+v is not one of the figure's changes %+v", c, all)
				}
			}
		})
	}
}

func TestAuditRefuses(t *testing.T) {
	recs := build(t, district(), nil)
	t.Run("other-events", func(t *testing.T) {
		m := published(t, recs)
		m.Ledger.Root = rootOf(recs[1:]).String()
		_, err := replay.Audit(context.Background(), source(recs), m, replay.AuditOptions{Fresh: fresh})
		var lm *replay.LedgerMismatchError
		if !errors.As(err, &lm) || !errors.Is(err, replay.ErrLedgerMismatch) || lm.TreeSize != uint64(len(recs)) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		m := published(t, recs)
		bad := append([]store.Record(nil), recs...)
		i := find(bad, "case/C-3", 0)
		bad[i].Event.Actor.ID = "someone-else"
		_, err := replay.Audit(context.Background(), source(bad), m, replay.AuditOptions{Fresh: fresh})
		var te *replay.TamperError
		if !errors.As(err, &te) || te.Findings[0].Position != bad[i].Position {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("other-configuration", func(t *testing.T) {
		m := published(t, recs)
		m.Projections[0].Config = "0000"
		_, err := replay.Audit(context.Background(), source(recs), m, replay.AuditOptions{Fresh: fresh})
		if !errors.Is(err, replay.ErrUnavailable) || !strings.Contains(err.Error(), "configuration 0000") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("other-version", func(t *testing.T) {
		m := published(t, recs)
		m.Projections[0].Name = "timeliness/v9"
		_, err := replay.Audit(context.Background(), source(recs), m, replay.AuditOptions{Fresh: fresh})
		if !errors.Is(err, replay.ErrUnavailable) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("edited-digest", func(t *testing.T) {
		m := published(t, recs)
		m.Projections[0].Digest = strings.Repeat("0", 64)
		res, err := replay.Audit(context.Background(), source(recs), m, replay.AuditOptions{Fresh: fresh})
		if err != nil || res.OK() || len(res.Mismatches) != 0 || len(res.Header) != 1 || res.Header[0].Field != "projection timeliness digest" {
			t.Fatalf("got %+v, %v", res, err)
		}
	})
	t.Run("capped", func(t *testing.T) {
		m := published(t, recs)
		edit(t, m, roadsResolved, "4")
		res, err := replay.Audit(context.Background(), source(recs), m, replay.AuditOptions{Fresh: fresh, Explain: replay.ExplainOptions{Snapshots: 4, MaxEvaluations: 7}})
		if err != nil || res.Explanation == nil || !res.Explanation.Capped || !strings.Contains(res.Explanation.Note, "stopped after 7") {
			t.Fatalf("got %+v, %v", res.Explanation, err)
		}
	})
}

// plain is timeliness without MarshalState: explanations replay it from 0.
type plain struct{ p *timeliness.Projection }

func (p plain) Name() string { return p.p.Name() }
func (p plain) Apply(pos uint64, e *events.Event, pl events.Payload) error {
	return p.p.Apply(pos, e, pl)
}
func (p plain) Types() []string                                         { return p.p.Types() }
func (p plain) ConfigFingerprint() string                               { return p.p.ConfigFingerprint() }
func (p plain) Report(q projections.Query) (*projections.Report, error) { return p.p.Report(q) }

func plainFresh(name string) (projections.Projection, error) {
	p := plain{timeliness.New(timeliness.Config{})}
	if name != p.Name() {
		return nil, projections.ErrUnknown
	}
	return p, nil
}

func publishedPlain(t *testing.T, recs []store.Record) *replay.Manifest {
	t.Helper()
	p, _ := plainFresh("timeliness/v1")
	reg := projections.NewRegistry()
	if err := reg.Register(p); err != nil {
		t.Fatal(err)
	}
	m, err := replay.Run(context.Background(), source(recs), replay.Options{Registry: reg, Cutoff: replay.AtPosition(uint64(len(recs)))})
	if err != nil {
		t.Fatal(err)
	}
	if m.Projections[0].Digest != "" {
		t.Fatal("a projection that is not Stateful has a digest")
	}
	b, _ := replay.MarshalManifest(m)
	back, err := replay.ReadManifest(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return back
}
