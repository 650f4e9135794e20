package casetrace

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func storyEvents(t testing.TB) []events.Event { return projectiontest.Events(t, story().Drafts()) }

func build(t *testing.T) *Projection {
	t.Helper()
	p := New(Config{})
	projectiontest.Apply(t, p, storyEvents(t))
	return p
}

func TestKit(t *testing.T) {
	projectiontest.Run(t, func() projections.Projection { return New(Config{}) }, storyEvents(t))
}

// streams splits the events by case stream, in order.
func streams(evs []events.Event) (ids []string, by map[string][]events.Event) {
	by = map[string][]events.Event{}
	for _, e := range evs {
		id := e.CaseID()
		if id == "" {
			continue
		}
		if _, ok := by[id]; !ok {
			ids = append(ids, id)
		}
		by[id] = append(by[id], e)
	}
	return ids, by
}

// Build over one stream equals the projection's Trace, for every case,
// also after the projection's state went through serialization.
func TestBuildEqualsTrace(t *testing.T) {
	evs := storyEvents(t)
	p := build(t)
	resumed := New(Config{})
	if err := resumed.UnmarshalState(projectiontest.State(t, p)); err != nil {
		t.Fatal(err)
	}
	ids, by := streams(evs)
	if len(ids) != 8 || p.Cases() != 8 {
		t.Fatalf("%d streams, %d cases traced, want 8", len(ids), p.Cases())
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			want, err := Build(by[id])
			if err != nil {
				t.Fatal(err)
			}
			for name, q := range map[string]*Projection{"projection": p, "resumed": resumed} {
				got, ok := q.Trace(id)
				if !ok {
					t.Fatalf("%s: no trace", name)
				}
				if !reflect.DeepEqual(got, want) {
					gj, _ := json.Marshal(got)
					wj, _ := json.Marshal(want)
					t.Fatalf("%s: Trace differs from Build:\n%s\n%s", name, gj, wj)
				}
			}
		})
	}
	if _, ok := p.Trace("C-none"); ok {
		t.Error("trace of an unknown case")
	}
}

type hold struct {
	unit  string
	secs  int64
	ended string
}

func TestTraces(t *testing.T) {
	p := build(t)
	tests := []struct {
		id        string
		steps     int
		holds     []hold
		after     []string // transfers' after_return
		returns   []string // unit:reason:suggested
		unit      string
		deadline  string
		original  string
		ext       int
		status    string
		resolved  string
		reopened  int
		heldBy    string
		known     bool
		closed    bool
		mergedTo  string
		lastLocal string
	}{
		{
			// Returned twice, then accepted. Holds: water 09:30 -> 10:30
			// (returned) 1 h; env 11:00 -> 13:00 (returned) 2 h; roads
			// 13:30 -> 16:00 (resolved) 2 h 30 min. Deadline Mon + 5 wd.
			id: "C-ret2", steps: 11,
			holds:   []hold{{eventstest.Water, 3600, "return"}, {eventstest.Environment, 7200, "return"}, {eventstest.Roads, 9000, "resolve"}},
			after:   []string{"", events.ReasonWrongArea, events.ReasonUnclearOwnership},
			returns: []string{"dept-water:wrong_area:dept-env", "dept-env:unclear_ownership:"},
			unit:    eventstest.Roads, deadline: "2026-11-09 09:00", original: "2026-11-09 09:00", status: StatusOnTime,
			resolved: "2026-11-02 16:00", heldBy: "dept-water 1h0m, dept-env 2h0m, dept-roads 2h30m", known: true, closed: true,
			lastLocal: "2026-11-02 16:40",
		},
		{
			// Reopened: the hold ends at the first resolution (Mon 10:20 ->
			// Tue 10:00 = 23 h 40 min); the case is resolved again Wed 09:00.
			id: "C-reopen", steps: 7,
			holds: []hold{{eventstest.Water, 85200, "resolve"}}, after: []string{""},
			unit: eventstest.Water, deadline: "2026-11-09 10:00", original: "2026-11-09 10:00", status: StatusOnTime,
			resolved: "2026-11-04 09:00", reopened: 1, heldBy: "dept-water 23h40m", known: true, lastLocal: "2026-11-04 09:00",
		},
		{
			// Extended on Tue 09:00, before the urgent-24h deadline Tue
			// 11:05, to Wed 18:00; resolved Wed 17:00: on time. Hold Mon
			// 11:15 -> Wed 17:00 = 53 h 45 min.
			id: "C-ext", steps: 6,
			holds: []hold{{eventstest.Environment, 193500, "resolve"}}, after: []string{""},
			unit: eventstest.Environment, deadline: "2026-11-04 18:00", original: "2026-11-03 11:05", ext: 1, status: StatusOnTime,
			resolved: "2026-11-04 17:00", heldBy: "dept-env 2d5h45m", known: true, closed: true, lastLocal: "2026-11-04 17:30",
		},
		{
			// 23:59 -> 00:01. Hold 00:00 -> 00:01.
			id: "C-night", steps: 4,
			holds: []hold{{eventstest.Roads, 60, "resolve"}}, after: []string{""},
			unit: eventstest.Roads, deadline: "2026-11-09 23:59", original: "2026-11-09 23:59", status: StatusOnTime,
			resolved: "2026-11-03 00:01", heldBy: "dept-roads 1m", known: true, lastLocal: "2026-11-03 00:01",
		},
		{
			// Dispatched, never signed: at its own last event (Mon 12:05)
			// its deadline (Tue 12:00) has not passed.
			id: "C-open", steps: 2,
			holds: []hold{{eventstest.Roads, 0, ""}}, after: []string{""},
			unit: eventstest.Roads, deadline: "2026-11-03 12:00", original: "2026-11-03 12:00", status: StatusOpen,
			heldBy: "dept-roads 0s", known: true, lastLocal: "2026-11-02 12:05",
		},
		{
			id: "C-centre", steps: 2, unit: eventstest.Center, deadline: "2026-11-10 09:05", original: "2026-11-10 09:05",
			status: StatusOnTime, resolved: "2026-11-03 09:15", known: true, lastLocal: "2026-11-03 09:15",
		},
		{
			// Unknown policy: the default standard-5wd, Tue + 5 wd.
			id: "C-odd", steps: 1, unit: "", deadline: "2026-11-10 10:05", original: "2026-11-10 10:05",
			status: StatusOpen, known: false, lastLocal: "2026-11-03 10:05",
		},
		{
			id: "C-dup", steps: 5, unit: eventstest.Center, deadline: "2026-11-11 18:00", original: "2026-11-11 18:00",
			status: StatusOnTime, resolved: "2026-11-04 18:20", known: true, closed: true, mergedTo: "C-reopen", lastLocal: "2026-11-04 18:40",
		},
	}
	const layout = "2006-01-02 15:04"
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			tr, ok := p.Trace(tc.id)
			if !ok {
				t.Fatal("no trace")
			}
			if len(tr.Steps) != tc.steps {
				t.Errorf("steps %d, want %d", len(tr.Steps), tc.steps)
			}
			var holds []hold
			for _, h := range tr.Holds {
				holds = append(holds, hold{h.Unit, h.Seconds, h.Ended})
			}
			if !reflect.DeepEqual(holds, tc.holds) {
				t.Errorf("holds %v, want %v", holds, tc.holds)
			}
			var after, returns []string
			for _, x := range tr.Transfers {
				after = append(after, x.AfterReturn)
			}
			for _, r := range tr.Returns {
				returns = append(returns, r.Unit+":"+r.Reason+":"+r.SuggestedUnit)
			}
			if !reflect.DeepEqual(after, tc.after) || !reflect.DeepEqual(returns, tc.returns) {
				t.Errorf("transfers after %q returns %q, want %q %q", after, returns, tc.after, tc.returns)
			}
			if tr.HandlingUnit != tc.unit || tr.Deadline.Status != tc.status || tr.Deadline.Extensions != tc.ext ||
				tr.Deadline.At.Format(layout) != tc.deadline || tr.Deadline.Original.Format(layout) != tc.original {
				t.Errorf("unit %q deadline %+v, want %q %s (from %s, %d ext) %s", tr.HandlingUnit, tr.Deadline, tc.unit, tc.deadline, tc.original, tc.ext, tc.status)
			}
			res := ""
			if tr.Resolved != nil {
				res = tr.Resolved.Format(layout)
			}
			if res != tc.resolved || tr.Reopened != tc.reopened || tr.HeldBySummary() != tc.heldBy || tr.PolicyKnown != tc.known ||
				tr.Closed != tc.closed || tr.Merged != tc.mergedTo || tr.Last.Format(layout) != tc.lastLocal {
				t.Errorf("resolved %q reopened %d held %q known %v closed %v merged %q last %s", res, tr.Reopened, tr.HeldBySummary(), tr.PolicyKnown, tr.Closed, tr.Merged, tr.Last.Format(layout))
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update and review the diff):\n%s", path, got)
	}
}

func TestTextAndJSON(t *testing.T) {
	p := build(t)
	for _, id := range []string{"C-ret2", "C-ext", "C-reopen", "C-dup"} {
		tr, _ := p.Trace(id)
		var b bytes.Buffer
		if err := tr.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, id+".txt", b.Bytes())
	}
	tr, _ := p.Trace("C-ret2")
	js, err := json.MarshalIndent(tr, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "C-ret2.json", append(js, '\n'))
	var back Trace
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(back); !bytes.Contains(js, []byte(`"held_seconds": 3600`)) || len(again) == 0 {
		t.Error("JSON form lacks the hold of the first step that ended one")
	}
	// The text names the hold each return and the resolution ended.
	var b bytes.Buffer
	_ = tr.WriteText(&b)
	for _, want := range []string{
		"2026-11-02 10:30:00  unit dept-water          returned by dept-water: wrong_area, suggests dept-env  [held by dept-water 1h0m]",
		"2026-11-02 16:00:00  unit dept-roads          resolved by dept-roads: fixed  [held by dept-roads 2h30m]",
		"held by: dept-water 1h0m, dept-env 2h0m, dept-roads 2h30m",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}

// The report measures open cases to the latest event seen (Wed 18:40):
// C-open's hold runs Mon 12:05 -> Wed 18:40 = 2 d 6 h 35 min and its
// deadline Tue 12:00 has passed.
func TestReport(t *testing.T) {
	p := build(t)
	rep, err := p.Report(projections.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 8 {
		t.Fatalf("%d rows", len(rep.Rows))
	}
	rows := map[string][]any{}
	for i, r := range rep.Rows {
		rows[r[0].(string)] = r
		if i > 0 && rep.Rows[i-1][0].(string) >= r[0].(string) {
			t.Errorf("rows not sorted by case id")
		}
	}
	want := map[string][]any{
		"C-open": {"C-open", "2026-11-02T12:00:00+08:00", eventstest.Pothole, eventstest.Street1, eventstest.Roads, int64(1), int64(0), "dept-roads 2d6h35m", "2026-11-03T12:00:00+08:00", int64(0), StatusOpenOverdue},
		"C-ret2": {"C-ret2", "2026-11-02T09:00:00+08:00", eventstest.Pothole, eventstest.Street1, eventstest.Roads, int64(3), int64(2), "dept-water 1h0m, dept-env 2h0m, dept-roads 2h30m", "2026-11-09T09:00:00+08:00", int64(0), StatusOnTime},
		"C-odd":  {"C-odd", "2026-11-03T10:05:00+08:00", "other.general", eventstest.Street1, "(unassigned)", int64(0), int64(0), "", "2026-11-10T10:05:00+08:00", int64(0), StatusOpen},
		"C-ext":  {"C-ext", "2026-11-02T11:05:00+08:00", eventstest.Noise, eventstest.Street1, eventstest.Environment, int64(1), int64(0), "dept-env 2d5h45m", "2026-11-04T18:00:00+08:00", int64(1), StatusOnTime},
	}
	for id, w := range want {
		if !reflect.DeepEqual(rows[id], w) {
			t.Errorf("%s:\n got %#v\nwant %#v", id, rows[id], w)
		}
	}
	// The window keeps cases reported on Tue (C-centre, C-odd).
	rep, err = p.Report(projections.Query{From: clock("2026-11-03 00:00"), To: clock("2026-11-04 00:00")})
	if err != nil || len(rep.Rows) != 2 || rep.Rows[0][0] != "C-centre" || rep.Rows[1][0] != "C-odd" {
		t.Errorf("window: %v %v", err, rep)
	}
	a, b := projectiontest.ReportJSON(t, p, projections.Query{}), projectiontest.ReportJSON(t, build(t), projections.Query{})
	if a != b {
		t.Error("two runs gave different reports")
	}
}

func TestBadQueries(t *testing.T) {
	p := build(t)
	for _, q := range []projections.Query{{By: projections.ByUnit}, {Period: projections.PeriodDay}, {Period: "year"}} {
		if _, err := p.Report(q); !errors.Is(err, projections.ErrQuery) {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	evs := storyEvents(t)
	_, by := streams(evs)
	mixed := append(append([]events.Event(nil), by["C-ret2"]...), by["C-ext"]...)
	tests := map[string]struct {
		evs  []events.Event
		want error
	}{
		"empty":         {nil, ErrNoCase},
		"no report":     {by["C-ret2"][1:], ErrNoCase},
		"registry":      {evs[:1], ErrNoCase},
		"mixed streams": {mixed, ErrMixed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Build(tc.evs); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCorruptState(t *testing.T) {
	good := projectiontest.State(t, build(t))
	for name, b := range map[string][]byte{
		"empty":    {},
		"version":  append([]byte{7}, good[1:]...),
		"trailing": append(append([]byte(nil), good...), 1),
	} {
		if err := New(Config{}).UnmarshalState(b); !errors.Is(err, ErrState) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for i := range len(good) {
		if err := New(Config{}).UnmarshalState(good[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", i)
		}
	}
	// A flipped byte is refused or decodes to some state, never a panic.
	for i := range len(good) {
		b := append([]byte(nil), good...)
		b[i] ^= 0x5a
		_ = New(Config{}).UnmarshalState(b)
	}
}
