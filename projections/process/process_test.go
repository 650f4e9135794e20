package process_test

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
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/process"
	"github.com/govledger/govledger/projections/projectiontest"
	"github.com/govledger/govledger/projections/stats"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

func newP(t testing.TB, cfg process.Config) *process.Projection {
	t.Helper()
	p, err := process.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fed(t testing.TB, cfg process.Config) *process.Projection {
	t.Helper()
	p := newP(t, cfg)
	projectiontest.Apply(t, p, projectiontest.Events(t, story()))
	return p
}

func result(t testing.TB, p *process.Projection, q projections.Query) *process.Result {
	t.Helper()
	rs, err := p.Results(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d results, want 1", len(rs))
	}
	return rs[0]
}

func TestKit(t *testing.T) {
	for name, cfg := range map[string]process.Config{
		"default":        {},
		"topics-refined": {Topics: true, Activities: process.Refined()},
	} {
		t.Run(name, func(t *testing.T) {
			projectiontest.Run(t, func() projections.Projection { return newP(t, cfg) }, projectiontest.Events(t, story()))
		})
	}
}

const min10 = 600 // seconds

// TestStory checks every figure of the story against the hand computation
// in the comments (see story for the timeline).
func TestStory(t *testing.T) {
	r := result(t, fed(t, process.Config{}), projections.Query{})

	t.Run("counts", func(t *testing.T) {
		// Cases C-1..C-6 (the topic is left out by default); C-4 is open.
		// Events: C-1 7 + C-2 7 + C-3 10 + C-5 3 + C-6 7 + C-4 7 = 41.
		// Rework: C-2 (D twice), C-3 (S, T twice), C-4 (D thrice, Ret twice) = 3.
		// Handovers: C-1 2 + C-2 3 + C-3 4 + C-5 1 + C-6 2 + C-4 3 = 15 (see "handovers").
		got := [...]int64{r.Cases, r.Ended, r.Open, r.Events, r.ReworkCases, r.Handovers}
		want := [...]int64{6, 5, 1, 41, 3, 15}
		if got != want {
			t.Errorf("cases, ended, open, events, rework, handovers = %v, want %v", got, want)
		}
	})

	t.Run("activities", func(t *testing.T) {
		// Events per activity (cases holding it; rework cases):
		//   R   6 = one per case (6; 0), starts all 6 cases
		//   D   8 = C-1 1 + C-2 2 + C-3 1 + C-6 1 + C-4 3 (5 cases; rework C-2, C-4 = 2)
		//   A   5 = C-1, C-2, C-3, C-6, C-4 (5; 0)
		//   C   2 = C-1, C-6 (2; 0)
		//   S   5 = C-1 1 + C-2 1 + C-3 2 + C-6 1 (4; rework C-3 = 1)
		//   T   4 = C-1 1 + C-3 2 + C-6 1 (3; rework C-3 = 1)
		//   O, E, M   1 each (1; 0)
		//   X   5 = every ended case (5; 0), ends all 5 ended cases
		//   Ret 3 = C-2 1 + C-4 2 (2; rework C-4 = 1)
		// Sum 6+8+5+2+5+4+1+1+1+5+3 = 41 events.
		want := []process.Activity{
			{Name: A, Events: 5, Cases: 5},
			{Name: X, Events: 5, Cases: 5, Ends: 5},
			{Name: C, Events: 2, Cases: 2},
			{Name: D, Events: 8, Cases: 5, Rework: 2},
			{Name: E, Events: 1, Cases: 1},
			{Name: M, Events: 1, Cases: 1},
			{Name: T, Events: 4, Cases: 3, Rework: 1},
			{Name: O, Events: 1, Cases: 1},
			{Name: R, Events: 6, Cases: 6, Starts: 6},
			{Name: S, Events: 5, Cases: 4, Rework: 1},
			{Name: Ret, Events: 3, Cases: 2, Rework: 1},
		}
		if !reflect.DeepEqual(r.Activities, want) {
			t.Errorf("activities:\n got %+v\nwant %+v", r.Activities, want)
		}
	})

	t.Run("variants", func(t *testing.T) {
		// C-1 and C-6 share the happy path (2 cases); every other case has a
		// trace of its own (1 case). Ties are ordered by the text: after
		// "R > D > " C-3 goes on with "case.accepted", C-2 and C-4 with
		// "case.returned > case.dispatched > ", then C-2 "case.accepted"
		// before C-4 "case.returned"; C-5's "R > case.merged" sorts after
		// "R > case.dispatched".
		want := []process.Variant{
			{Activities: []string{R, D, A, C, S, T, X}, Cases: 2},
			{Activities: []string{R, D, A, S, T, O, E, S, T, X}, Cases: 1},
			{Activities: []string{R, D, Ret, D, A, S, X}, Cases: 1},
			{Activities: []string{R, D, Ret, D, Ret, D, A}, Cases: 1, Open: 1},
			{Activities: []string{R, M, X}, Cases: 1},
		}
		for i := range want {
			want[i].Text = strings.Join(want[i].Activities, " > ")
		}
		if !reflect.DeepEqual(r.Variants, want) {
			t.Errorf("variants:\n got %+v\nwant %+v", r.Variants, want)
		}
	})

	t.Run("dfg", func(t *testing.T) {
		// Gaps in minutes, per case:
		//   C-1 R-D 10, D-A 10, A-C 10, C-S 10, S-T 10, T-X 10
		//   C-2 R-D 10, D-Ret 50 (10:20 -> 11:10), Ret-D 10, D-A 10, A-S 10, S-X 10
		//   C-3 R-D 10, D-A 10, A-S 10, S-T 10, T-O 10, O-E 10, E-S 10, S-T 10, T-X 10
		//   C-5 R-M 10, M-X 10
		//   C-6 R-D 10, D-A 130 (14:20 -> 16:30), A-C 10, C-S 10, S-T 10, T-X 10
		//   C-4 R-D 10, D-Ret 10, Ret-D 10, D-Ret 10, Ret-D 10, D-A 10
		// D -> A: [10 10 10 10 130]: mean 170/5 = 34 min, median (rank 3) 10 min.
		// D -> Ret: [10 10 50]: mean 70/3 = 23.33 min, median (rank 2) 10 min.
		// Every other edge has only 10-minute gaps.
		// 35 pairs = 41 events - 6 cases.
		e := func(from, to string, n int64, mean float64, median int64) process.Edge {
			return process.Edge{From: from, To: to, Count: n, Mean: mean, Median: median, Exact: true}
		}
		want := []process.Edge{
			e(A, C, 2, min10, min10),
			e(A, S, 2, min10, min10),
			e(C, S, 2, min10, min10),
			e(D, A, 5, 34*60, min10),
			e(D, Ret, 3, 70*60/3.0, min10),
			e(E, S, 1, min10, min10),
			e(M, X, 1, min10, min10),
			e(T, X, 3, min10, min10),
			e(T, O, 1, min10, min10),
			e(O, E, 1, min10, min10),
			e(R, D, 5, min10, min10),
			e(R, M, 1, min10, min10),
			e(S, X, 1, min10, min10),
			e(S, T, 4, min10, min10),
			e(Ret, D, 3, min10, min10),
		}
		if !reflect.DeepEqual(r.Edges, want) {
			t.Errorf("edges:\n got %+v\nwant %+v", r.Edges, want)
		}
		var n int64
		for _, x := range r.Edges {
			n += x.Count
		}
		if n != r.Events-r.Cases {
			t.Errorf("edge pairs %d, want events - cases = %d", n, r.Events-r.Cases)
		}
	})

	t.Run("handovers", func(t *testing.T) {
		// Resources per case, consecutive differing pairs marked:
		//   C-1 ch:hotline > roads roads roads roads > center center      (2)
		//   C-2 ch:app > env env > st-1 st-1 st-1 > center                 (3)
		//   C-3 ch:hotline > water water water > center center center > water > center center (4)
		//   C-5 ch:app > center center                                     (1)
		//   C-6 as C-1                                                     (2)
		//   C-4 ch:grid_patrol > roads roads > water water > roads roads   (3): the ping-pong
		want := []process.Handover{
			{"center", "dept-water", 1},
			{"channel:app", "center", 1},
			{"channel:app", "dept-env", 1},
			{"channel:grid_patrol", "dept-roads", 1},
			{"channel:hotline", "dept-roads", 2},
			{"channel:hotline", "dept-water", 1},
			{"dept-env", "st-1", 1},
			{"dept-roads", "center", 2},
			{"dept-roads", "dept-water", 1},
			{"dept-water", "center", 2},
			{"dept-water", "dept-roads", 1},
			{"st-1", "center", 1},
		}
		if !reflect.DeepEqual(r.ResourceHandovers, want) {
			t.Errorf("handovers:\n got %+v\nwant %+v", r.ResourceHandovers, want)
		}
	})

	t.Run("duration", func(t *testing.T) {
		// Ended cases: C-1 60, C-2 100, C-3 90, C-5 20, C-6 180 minutes;
		// sorted 20 60 90 100 180. p50 = rank ceil(2.5) = 3 -> 90 min;
		// p90, p95, p99 = rank 5 -> 180 min; mean 450/5 = 90 min.
		// Histogram: 20 min in "<1h", the other four in "1-4h".
		d := r.Duration
		got := [...]int64{d.Cases, d.P50, d.P90, d.P95, d.P99, d.Max}
		want := [...]int64{5, 90 * 60, 180 * 60, 180 * 60, 180 * 60, 180 * 60}
		if got != want || d.Mean != 90*60 || !d.Exact {
			t.Errorf("duration %v mean %v exact %v, want %v mean 5400 exact", got, d.Mean, d.Exact, want)
		}
		if d.Histogram[0] != (process.Bucket{Label: "<1h", Count: 1}) || d.Histogram[1] != (process.Bucket{Label: "1-4h", Count: 4}) {
			t.Errorf("histogram %v", d.Histogram)
		}
	})
}

// TestReportRows checks the table cells a reviewer scripts against.
func TestReportRows(t *testing.T) {
	p := fed(t, process.Config{})
	views, err := p.Views(projections.Query{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*projections.Report{}
	names := []string{"summary", "activities", "variants", "dfg", "rework", "handovers"}
	if len(views) != len(names) {
		t.Fatalf("%d views, want %d", len(views), len(names))
	}
	for i, v := range views {
		byName[names[i]] = v
		if v.Projection != "process/v1" || len(v.Notes) == 0 {
			t.Errorf("view %d: projection %q, %d notes", i, v.Projection, len(v.Notes))
		}
	}
	row := func(view string, key ...any) []any {
		t.Helper()
		for _, r := range byName[view].Rows {
			if reflect.DeepEqual(r[:len(key)], key) {
				return r
			}
		}
		t.Fatalf("%s: no row %v", view, key)
		return nil
	}
	for _, tc := range []struct {
		name string
		got  []any
		want []any
	}{
		// 6 cases, 5 ended, 1 open, 41 events, 11 activities, 5 variants,
		// 3 rework cases (3/6 = 0.5), 15 handovers; durations 20 60 90 100
		// 180 min: mean 1.5 h, p50 1.5 h, p90..max 3 h.
		{"summary", byName["summary"].Rows[0], []any{int64(6), int64(5), int64(1), int64(41), int64(11), int64(5),
			int64(3), 0.5, int64(15), 1.5, 1.5, 3.0, 3.0, 3.0, 3.0}},
		// D: 8 events in 5 of 6 cases (0.8333), no starts or ends, 2 rework.
		{"activities D", row("activities", D), []any{D, int64(8), int64(5), 0.8333, int64(0), int64(0), int64(2)}},
		// Happy path: rank 1, 7 events, 2 of 6 cases (0.3333), none open.
		{"variants 1", byName["variants"].Rows[0], []any{int64(1), strings.Join([]string{R, D, A, C, S, T, X}, " > "), int64(7), int64(2), int64(0), 0.3333}},
		// Ping-pong: rank 4 (ties by text), open.
		{"variants 4", byName["variants"].Rows[3], []any{int64(4), strings.Join([]string{R, D, Ret, D, Ret, D, A}, " > "), int64(7), int64(1), int64(1), 0.1667}},
		// D -> A: mean 34 min = 0.5667 h, median 10 min = 0.1667 h.
		{"dfg D-A", row("dfg", D, A), []any{D, A, int64(5), 0.5667, 0.1667}},
		// D -> Ret: mean 23.33 min = 0.3889 h, median 0.1667 h.
		{"dfg D-Ret", row("dfg", D, Ret), []any{D, Ret, int64(3), 0.3889, 0.1667}},
		{"dfg start", row("dfg", "(start)", R), []any{"(start)", R, int64(6), nil, nil}},
		{"dfg end", row("dfg", X, "(end)"), []any{X, "(end)", int64(5), nil, nil}},
		// S: 4 cases, 1 repeats it (C-3): 0.25.
		{"rework S", row("rework", S), []any{S, int64(4), int64(1), 0.25}},
		// 2 of 15 handovers: 0.1333.
		{"handovers roads-center", row("handovers", "dept-roads", "center"), []any{"dept-roads", "center", int64(2), 0.1333}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", tc.got, tc.want)
			}
		})
	}
	// The default report is the activities table with three charts.
	rep, err := p.Report(projections.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Rows, byName["activities"].Rows) {
		t.Error("Report rows differ from the activities view")
	}
	var kinds []string
	for _, c := range rep.Charts {
		kinds = append(kinds, c.Kind+":"+c.ID)
	}
	if want := []string{"network:process-dfg", "bar:process-variants", "histogram:process-duration"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("charts %v, want %v", kinds, want)
	}
	// 15 activity-to-activity edges + 1 start edge + 1 end edge.
	if n := len(rep.Charts[0].Edges); n != 17 {
		t.Errorf("dfg chart has %d edges, want 17", n)
	}
}

func TestGolden(t *testing.T) {
	p := fed(t, process.Config{})
	views, err := p.Views(projections.Query{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(views, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	again, _ := fed(t, process.Config{}).Views(projections.Query{})
	if b, _ := json.MarshalIndent(again, "", "  "); !bytes.Equal(append(b, '\n'), got) {
		t.Fatal("the same events gave different JSON views")
	}
	path := filepath.Join("testdata", "views.golden.json")
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
		t.Errorf("views differ from %s (go test -update rewrites it)", path)
	}
}

func TestOptions(t *testing.T) {
	t.Run("topics-off-by-default", func(t *testing.T) {
		r := result(t, fed(t, process.Config{}), projections.Query{})
		for _, a := range r.Activities {
			if strings.HasPrefix(a.Name, "topic.") || a.Name == events.TypeBallotCast {
				t.Errorf("topic activity %q without Config.Topics", a.Name)
			}
		}
	})
	t.Run("topics", func(t *testing.T) {
		// T-1 becomes a seventh case, ended at topic.closed: trace
		// topic.opened > ballot.cast > ballot.cast > topic.closed.
		r := result(t, fed(t, process.Config{Topics: true}), projections.Query{})
		if r.Cases != 7 || r.Ended != 6 || r.Events != 45 {
			t.Errorf("cases %d ended %d events %d, want 7 6 45", r.Cases, r.Ended, r.Events)
		}
		want := "topic.opened > ballot.cast > ballot.cast > topic.closed"
		found := false
		for _, v := range r.Variants {
			found = found || v.Text == want && v.Cases == 1 && v.Open == 0
		}
		if !found {
			t.Errorf("no ended variant %q", want)
		}
	})
	t.Run("refined", func(t *testing.T) {
		// C-4 under Refined: dispatches by mode, returns by reason.
		r := result(t, fed(t, process.Config{Activities: process.Refined()}), projections.Query{})
		want := strings.Join([]string{R, "dispatch:manual", "return:unclear_ownership", "dispatch:manual",
			"return:overlapping_duties", "dispatch:forced", A}, " > ")
		found := false
		for _, v := range r.Variants {
			found = found || v.Text == want && v.Open == 1
		}
		if !found {
			t.Errorf("no variant %q in %+v", want, r.Variants)
		}
		// dispatch:manual: C-2 twice, C-4 twice = 4 events in 2 cases, both rework.
		for _, a := range r.Activities {
			if a.Name == "dispatch:manual" && (a.Events != 4 || a.Cases != 2 || a.Rework != 2) {
				t.Errorf("dispatch:manual %+v, want 4 events, 2 cases, 2 rework", a)
			}
			if a.Name == D {
				t.Errorf("%s should be refined away", D)
			}
		}
	})
	t.Run("drop-and-rename", func(t *testing.T) {
		// Dropping case.extended shortens C-3's trace to 9 events (40 in all);
		// the edge O -> S (10 min + 10 min = 20 min) replaces O -> E -> S.
		r := result(t, fed(t, process.Config{Activities: map[string]string{E: "", X: "close"}}), projections.Query{})
		if r.Events != 40 {
			t.Errorf("events %d, want 40", r.Events)
		}
		for _, e := range r.Edges {
			if e.From == O && (e.To != S || e.Median != 1200) {
				t.Errorf("edge %+v, want reopened -> resolved, 20 min", e)
			}
		}
		if r.Ended != 5 {
			t.Errorf("ended %d: a renamed case.closed must still end the case", r.Ended)
		}
	})
	t.Run("dropped-close-still-ends", func(t *testing.T) {
		r := result(t, fed(t, process.Config{Activities: map[string]string{X: ""}}), projections.Query{})
		if r.Ended != 5 || r.Events != 36 {
			t.Errorf("ended %d events %d, want 5 and 36", r.Ended, r.Events)
		}
	})
}

func TestBadConfig(t *testing.T) {
	for name, acts := range map[string]map[string]string{
		"unknown-type":   {"case.teleported": "x"},
		"unknown-detail": {"case.dispatched/teleport": "x"},
		"detail-no-kind": {"case.accepted/phone": "x"},
		"drop-opening":   {R: ""},
		"topic-off":      {"topic.opened": "open"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := process.New(process.Config{Activities: acts}); !errors.Is(err, process.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
}

func TestBadQueries(t *testing.T) {
	p := fed(t, process.Config{})
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, eventstest.Zone)
	for name, q := range map[string]projections.Query{
		"by-unit":         {By: projections.ByUnit},
		"by-category":     {By: projections.ByCategory},
		"period-year":     {Period: "year"},
		"from-not-midday": {From: day.Add(time.Hour)},
		"to-not-midnight": {To: day.Add(30 * time.Minute)},
		"to-before-from":  {From: day, To: day.Add(-24 * time.Hour)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := p.Report(q); !errors.Is(err, projections.ErrQuery) {
				t.Errorf("Report: %v, want ErrQuery", err)
			}
			if _, err := p.Views(q); !errors.Is(err, projections.ErrQuery) {
				t.Errorf("Views: %v, want ErrQuery", err)
			}
		})
	}
}

// TestDays checks From/To and Period: cases are kept by the local day
// (Asia/Shanghai) of their first event.
func TestDays(t *testing.T) {
	s := eventstest.NewAt(time.Date(2026, 11, 2, 23, 40, 0, 0, eventstest.Zone))
	a := s.Case("A") // reported 11-02 23:40, closed 11-03 00:00 (local)
	a.Reported(events.ChannelApp, eventstest.Noise)
	a.Dispatched(eventstest.Center, eventstest.Environment, events.ModeRule)
	a.Closed()
	b := s.Case("B") // reported 11-03 00:10, open
	b.Reported(events.ChannelApp, eventstest.Noise)
	p := newP(t, process.Config{})
	projectiontest.Apply(t, p, projectiontest.Events(t, s.Drafts()))

	d3 := time.Date(2026, 11, 3, 0, 0, 0, 0, eventstest.Zone)
	for _, tc := range []struct {
		name string
		q    projections.Query
		want []string // period: cases/ended
	}{
		{"all", projections.Query{}, []string{":2/1"}},
		{"from-11-03", projections.Query{From: d3}, []string{":1/0"}},
		{"to-11-03", projections.Query{To: d3}, []string{":1/1"}},
		{"from-11-03-utc", projections.Query{From: d3.UTC()}, []string{":1/0"}},
		{"by-day", projections.Query{Period: projections.PeriodDay}, []string{"2026-11-02:1/1", "2026-11-03:1/0"}},
		{"by-month", projections.Query{Period: projections.PeriodMonth}, []string{"2026-11:2/1"}},
		{"empty-window", projections.Query{From: d3.Add(24 * time.Hour)}, []string{":0/0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := p.Results(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Period+":"+itoa(r.Cases)+"/"+itoa(r.Ended))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	rep, err := p.Report(projections.Query{Period: projections.PeriodDay})
	if err != nil {
		t.Fatal(err)
	}
	// Rows by activity, then period: case.reported holds one case per day.
	if rep.Columns[0].Key != "period" || len(rep.Rows) != 4 {
		t.Fatalf("columns %v, %d rows", rep.Columns[0], len(rep.Rows))
	}
	want := [][]any{
		{"2026-11-02", X, int64(1), int64(1), 1.0, int64(0), int64(1), int64(0)},
		{"2026-11-02", D, int64(1), int64(1), 1.0, int64(0), int64(0), int64(0)},
		{"2026-11-02", R, int64(1), int64(1), 1.0, int64(1), int64(0), int64(0)},
		{"2026-11-03", R, int64(1), int64(1), 1.0, int64(1), int64(0), int64(0)},
	}
	if !reflect.DeepEqual(rep.Rows, want) {
		t.Errorf("rows %v, want %v", rep.Rows, want)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestUnknownCaseIgnored(t *testing.T) {
	s := eventstest.New()
	c := s.Case("C-9") // never reported: its events are ignored
	c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
	c.Closed()
	p := newP(t, process.Config{})
	projectiontest.Apply(t, p, projectiontest.Events(t, s.Drafts()))
	if r := result(t, p, projections.Query{}); r.Cases != 0 || r.Events != 0 {
		t.Errorf("cases %d events %d, want 0", r.Cases, r.Events)
	}
}

func TestCorruptState(t *testing.T) {
	good := projectiontest.State(t, fed(t, process.Config{}))
	t.Run("truncated", func(t *testing.T) {
		for n := range len(good) {
			if err := newP(t, process.Config{}).UnmarshalState(good[:n]); !errors.Is(err, stats.ErrCorrupt) {
				t.Fatalf("prefix of %d/%d bytes: %v, want ErrCorrupt", n, len(good), err)
			}
		}
	})
	t.Run("trailing", func(t *testing.T) {
		if err := newP(t, process.Config{}).UnmarshalState(append(bytes.Clone(good), 0)); !errors.Is(err, stats.ErrCorrupt) {
			t.Errorf("trailing byte: %v", err)
		}
	})
	t.Run("flipped-no-panic", func(t *testing.T) {
		for i := range good {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(good)
				b[i] ^= x
				p := newP(t, process.Config{})
				if p.UnmarshalState(b) == nil {
					// Accepted: it must still report without panicking.
					if _, err := p.Views(projections.Query{}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		if err := newP(t, process.Config{}).UnmarshalState(nil); !errors.Is(err, stats.ErrCorrupt) {
			t.Errorf("empty: %v", err)
		}
	})
}
