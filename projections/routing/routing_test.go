package routing

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func fresh() projections.Projection { return New(Config{}) }

// folded returns the projection after the whole story.
func folded(t *testing.T) *Projection {
	t.Helper()
	p := New(Config{})
	projectiontest.Apply(t, p, projectiontest.Events(t, story().Drafts()))
	return p
}

func TestKit(t *testing.T) {
	projectiontest.Run(t, fresh, projectiontest.Events(t, story().Drafts()))
}

// rows returns a report's rows as maps from column key to cell.
func rows(t *testing.T, r *projections.Report) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(r.Rows))
	for i, row := range r.Rows {
		if len(row) != len(r.Columns) {
			t.Fatalf("row %d has %d cells for %d columns", i, len(row), len(r.Columns))
		}
		m := map[string]any{}
		for j, c := range r.Columns {
			m[c.Key] = row[j]
		}
		out[i] = m
	}
	return out
}

// check compares the cells named in want with the row whose group (and
// period) they name.
func check(t *testing.T, got []map[string]any, group string, want map[string]any) {
	t.Helper()
	for _, row := range got {
		match := true
		for k, v := range want {
			if (k == group || k == "period") && row[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		for k, v := range want {
			if !reflect.DeepEqual(row[k], v) {
				t.Errorf("%v: %s = %#v, want %#v", want[group], k, row[k], v)
			}
		}
		return
	}
	t.Errorf("no row %v", want)
}

func report(t *testing.T, p *Projection, q projections.Query) *projections.Report {
	t.Helper()
	r, err := p.Report(q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestByUnit checks every column of the default report against the
// figures worked out by hand from story() (see the comments there).
func TestByUnit(t *testing.T) {
	p := folded(t)
	got := rows(t, report(t, p, projections.Query{}))
	units := []string{}
	for _, r := range got {
		units = append(units, r["unit"].(string))
	}
	wantUnits := []string{Unassigned, center, dist, env, roads, water, st1, st2}
	if !reflect.DeepEqual(units, wantUnits) {
		t.Fatalf("units %v, want %v", units, wantUnits)
	}
	z := int64(0)
	for _, w := range []map[string]any{
		// C-12 only: reported, nothing else.
		{"unit": Unassigned, "cases": int64(1), "first_dispatches": z, "auto_dispatch_rate": nil, "mean_hops": nil, "dispatches": z, "return_rate": nil},
		// C-10 answered by the centre: a case, no dispatch.
		{"unit": center, "cases": int64(1), "first_dispatches": z, "rule_first_dispatches": z, "auto_dispatch_rate": nil, "mean_hops": nil,
			"dispatches": z, "returns": z, "return_rate": nil, "ping_pong_cases": z},
		// d-1 handles nothing but received C-5's fallback dispatch.
		{"unit": dist, "cases": z, "first_dispatches": z, "dispatches": int64(1), "fallback": int64(1), "forced": z,
			"returns": z, "return_rate": 0.0, "contradictions": z},
		// env handles C-3 (rule, 4 hops, ping-pong), C-5 (fallback, 2), C-8 (rule, 2):
		// auto 2/3 = 0.6667, mean hops 8/3 = 2.6667. Received C-2, C-3 x2, C-5, C-8 = 5,
		// C-3's forced, C-2's contradiction; returned C-2 (overlapping), C-3 (unclear): 2/5.
		{"unit": env, "cases": int64(3), "first_dispatches": int64(3), "rule_first_dispatches": int64(2),
			"auto_dispatch_rate": 0.6667, "mean_hops": 2.6667,
			"hops_1": z, "hops_2": int64(2), "hops_3": z, "hops_4plus": int64(1),
			"dispatches": int64(5), "returns": int64(2), "return_rate": 0.4,
			"returns_wrong_area": z, "returns_unclear_ownership": int64(1), "returns_overlapping_duties": int64(1), "returns_other": z,
			"ping_pong_cases": int64(1), "fallback": z, "forced": int64(1), "contradictions": int64(1)},
		// roads handles C-1 (1 hop), C-4 (3, ping-pong), C-6 (2): all first by rule, 6/3 = 2.
		// Received C-1, C-2, C-3, C-4 x2, C-6 x2 = 7; contradictions C-2, C-3;
		// returned C-2 (unclear), C-3 (other): 2/7 = 0.2857.
		{"unit": roads, "cases": int64(3), "first_dispatches": int64(3), "rule_first_dispatches": int64(3),
			"auto_dispatch_rate": 1.0, "mean_hops": 2.0,
			"hops_1": int64(1), "hops_2": int64(1), "hops_3": int64(1), "hops_4plus": z,
			"dispatches": int64(7), "returns": int64(2), "return_rate": 0.2857,
			"returns_wrong_area": z, "returns_unclear_ownership": int64(1), "returns_overlapping_duties": z, "returns_other": int64(1),
			"ping_pong_cases": int64(1), "fallback": z, "forced": z, "contradictions": int64(2)},
		// water handles C-2 (manual first, 3 hops) and C-7 (rule, 1): auto 1/2, hops 4/2.
		// Received C-2, C-4, C-7, C-8 = 4; contradictions C-4 and C-8; returned C-8: 1/4.
		{"unit": water, "cases": int64(2), "first_dispatches": int64(2), "rule_first_dispatches": int64(1),
			"auto_dispatch_rate": 0.5, "mean_hops": 2.0,
			"hops_1": int64(1), "hops_2": z, "hops_3": int64(1), "hops_4plus": z,
			"dispatches": int64(4), "returns": int64(1), "return_rate": 0.25,
			"returns_unclear_ownership": int64(1), "ping_pong_cases": z, "contradictions": int64(2)},
		// st-1 received C-3's manual dispatch (a contradiction) and returned it.
		{"unit": st1, "cases": z, "dispatches": int64(1), "returns": int64(1), "return_rate": 1.0,
			"returns_wrong_area": int64(1), "contradictions": int64(1)},
		// st-2 handles C-11, routed by the street-specific rule.
		{"unit": st2, "cases": int64(1), "first_dispatches": int64(1), "auto_dispatch_rate": 1.0, "mean_hops": 1.0,
			"hops_1": int64(1), "dispatches": int64(1), "returns": z, "contradictions": z},
	} {
		check(t, got, "unit", w)
	}
}

// TestViews checks the other groupings, periods and the From/To window.
func TestViews(t *testing.T) {
	p := folded(t)
	z := int64(0)
	day3 := time.Date(2026, 11, 3, 0, 0, 0, 0, eventstest.Zone)
	tests := []struct {
		name  string
		q     projections.Query
		group string
		nrows int
		want  []map[string]any
	}{
		{
			name: "by-street", q: projections.Query{By: projections.ByStreet}, group: "street", nrows: 2,
			want: []map[string]any{
				// Every case but C-11: 10 cases, 8 dispatched (all but C-10, C-12),
				// 6 first by rule (C-1, C-3, C-4, C-6, C-7, C-8): 0.75; 18 hops / 8 = 2.25;
				// 1 hop C-1, C-7; 2 hops C-5, C-6, C-8; 3 hops C-2, C-4; 4+ C-3.
				// 6 returns / 18 dispatches = 0.3333.
				{"street": st1, "cases": int64(10), "first_dispatches": int64(8), "rule_first_dispatches": int64(6),
					"auto_dispatch_rate": 0.75, "mean_hops": 2.25,
					"hops_1": int64(2), "hops_2": int64(3), "hops_3": int64(2), "hops_4plus": int64(1),
					"dispatches": int64(18), "returns": int64(6), "return_rate": 0.3333,
					"returns_wrong_area": int64(1), "returns_unclear_ownership": int64(3), "returns_overlapping_duties": int64(1), "returns_other": int64(1),
					"ping_pong_cases": int64(2), "fallback": int64(1), "forced": int64(1), "contradictions": int64(6)},
				{"street": st2, "cases": int64(1), "first_dispatches": int64(1), "auto_dispatch_rate": 1.0, "mean_hops": 1.0,
					"dispatches": int64(1), "returns": z, "return_rate": 0.0, "contradictions": z},
			},
		},
		{
			name: "by-category", q: projections.Query{By: projections.ByCategory}, group: "category", nrows: 5,
			want: []map[string]any{
				// Leaks: C-2 (manual, 3 hops), C-7 (rule, 1), C-8 (rule, 2): 2/3, 6/3 = 2;
				// dispatches 3+1+2 = 6, returns C-2 x2, C-8 = 3: 0.5; contradictions C-2 x2, C-8.
				{"category": eventstest.Leak, "cases": int64(3), "first_dispatches": int64(3), "rule_first_dispatches": int64(2),
					"auto_dispatch_rate": 0.6667, "mean_hops": 2.0, "dispatches": int64(6), "returns": int64(3), "return_rate": 0.5,
					"contradictions": int64(3), "ping_pong_cases": z},
				// Potholes: C-1 (1), C-4 (3), C-6 (2), C-12 (none): 3 dispatched, 6 hops.
				{"category": eventstest.Pothole, "cases": int64(4), "first_dispatches": int64(3), "mean_hops": 2.0,
					"dispatches": int64(6), "returns": z, "ping_pong_cases": int64(1), "contradictions": int64(1)},
				{"category": "misc.info", "cases": int64(1), "first_dispatches": z, "mean_hops": nil, "dispatches": z, "return_rate": nil},
				{"category": "misc.other", "cases": int64(1), "first_dispatches": int64(1), "rule_first_dispatches": z,
					"auto_dispatch_rate": 0.0, "fallback": int64(1), "dispatches": int64(2), "contradictions": z},
				// Noise: C-3 (4 hops, forced, ping-pong), C-11 (1).
				{"category": eventstest.Noise, "cases": int64(2), "mean_hops": 2.5, "forced": int64(1), "returns": int64(3),
					"dispatches": int64(5), "return_rate": 0.6, "contradictions": int64(2), "ping_pong_cases": int64(1)},
			},
		},
		{
			name: "by-channel", q: projections.Query{By: projections.ByChannel}, group: "channel", nrows: 3,
			want: []map[string]any{
				// App: C-3, C-11.
				{"channel": events.ChannelApp, "cases": int64(2), "dispatches": int64(5)},
				// Grid patrol: C-5.
				{"channel": events.ChannelGridPatrol, "cases": int64(1), "dispatches": int64(2), "fallback": int64(1)},
				// Hotline: C-1, C-2, C-4, C-6, C-7, C-8, C-10, C-12.
				{"channel": events.ChannelHotline, "cases": int64(8), "first_dispatches": int64(6), "dispatches": int64(12)},
			},
		},
		{
			name: "community-and-grid", q: projections.Query{By: projections.ByGrid}, group: "grid", nrows: 2,
			want: []map[string]any{
				{"grid": eventstest.Grid1, "cases": int64(10)},
				{"grid": eventstest.Grid2, "cases": int64(1)},
			},
		},
		{
			// Day 3 only: C-7 (water, 1 hop) and C-8 (env, 2 hops; its first
			// dispatch went to water, which returned it).
			name: "from-day-3", q: projections.Query{From: day3}, group: "unit", nrows: 2,
			want: []map[string]any{
				{"unit": env, "cases": int64(1), "first_dispatches": int64(1), "auto_dispatch_rate": 1.0, "mean_hops": 2.0,
					"hops_2": int64(1), "dispatches": int64(1), "returns": z, "contradictions": z},
				{"unit": water, "cases": int64(1), "mean_hops": 1.0, "hops_1": int64(1), "dispatches": int64(2),
					"returns": int64(1), "return_rate": 0.5, "contradictions": int64(1)},
			},
		},
		{
			// Day 2 only (To is exclusive): water handles C-2 and received C-2's and C-4's dispatches.
			name: "to-day-3", q: projections.Query{To: day3}, group: "unit", nrows: 8,
			want: []map[string]any{
				{"unit": water, "cases": int64(1), "first_dispatches": int64(1), "rule_first_dispatches": z, "mean_hops": 3.0,
					"dispatches": int64(2), "returns": z, "return_rate": 0.0, "contradictions": int64(1)},
				{"unit": env, "cases": int64(2), "dispatches": int64(4), "returns": int64(2)},
			},
		},
		{
			name: "by-unit-per-day", q: projections.Query{Period: projections.PeriodDay}, group: "unit", nrows: 10,
			want: []map[string]any{
				{"unit": water, "period": "2026-11-02", "cases": int64(1), "dispatches": int64(2), "returns": z},
				{"unit": water, "period": "2026-11-03", "cases": int64(1), "dispatches": int64(2), "returns": int64(1), "contradictions": int64(1)},
				{"unit": env, "period": "2026-11-02", "cases": int64(2), "dispatches": int64(4)},
				{"unit": env, "period": "2026-11-03", "cases": int64(1), "dispatches": int64(1)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rows(t, report(t, p, tt.q))
			if len(got) != tt.nrows {
				t.Errorf("%d rows, want %d: %v", len(got), tt.nrows, got)
			}
			for _, w := range tt.want {
				check(t, got, tt.group, w)
			}
		})
	}
}

func TestTotalsAndUnits(t *testing.T) {
	p := folded(t)
	// 11 cases, 9 dispatched, 7 first by rule: 0.7778; 19 hops / 9 = 2.1111;
	// 1 hop: C-1, C-7, C-11; 2: C-5, C-6, C-8; 3: C-2, C-4; 4+: C-3.
	// 6 returns / 19 dispatches = 0.3158.
	want := Figures{Unit: "(all)", Cases: 11, FirstDispatches: 9, RuleFirstDispatches: 7, AutoDispatchRate: 0.7778,
		MeanHops: 2.1111, Hops: [4]int64{3, 3, 2, 1}, Dispatches: 19, Returns: 6, ReturnRate: 0.3158,
		PingPong: 2, Fallback: 1, Forced: 1, Contradictions: 6}
	if got := p.Totals(); got != want {
		t.Errorf("Totals() = %+v\nwant       %+v", got, want)
	}
	f, ok := p.Unit(roads)
	wantRoads := Figures{Unit: roads, Cases: 3, FirstDispatches: 3, RuleFirstDispatches: 3, AutoDispatchRate: 1, MeanHops: 2,
		Hops: [4]int64{1, 1, 1, 0}, Dispatches: 7, Returns: 2, ReturnRate: 0.2857, PingPong: 1, Contradictions: 2}
	if !ok || f != wantRoads {
		t.Errorf("Unit(roads) = %+v, %v\nwant %+v", f, ok, wantRoads)
	}
	if _, ok := p.Unit("nobody"); ok {
		t.Error("Unit(nobody) found")
	}
	if n := len(p.Units()); n != 8 {
		t.Errorf("Units() has %d units, want 8", n)
	}
}

func TestPingPong(t *testing.T) {
	got := folded(t).PingPong()
	want := []PingPongCase{
		{Case: "C-3", Reported: time.Date(2026, 11, 2, 11, 20, 0, 0, eventstest.Zone), Handler: env,
			Path: []string{center, env, st1, roads, env}, Revisited: env},
		{Case: "C-4", Reported: time.Date(2026, 11, 2, 11, 30, 0, 0, eventstest.Zone), Handler: roads,
			Path: []string{center, roads, water, roads}, Revisited: roads},
	}
	if len(got) != len(want) {
		t.Fatalf("PingPong() = %+v, want %+v", got, want)
	}
	for i := range want {
		g := got[i]
		if g.Case != want[i].Case || !g.Reported.Equal(want[i].Reported) || g.Handler != want[i].Handler ||
			!reflect.DeepEqual(g.Path, want[i].Path) || g.Revisited != want[i].Revisited {
			t.Errorf("PingPong()[%d] = %+v, want %+v", i, g, want[i])
		}
	}
}

func TestContradictions(t *testing.T) {
	got := folded(t).Contradictions()
	d2 := func(h, m int) time.Time { return time.Date(2026, 11, 2, h, m, 0, 0, eventstest.Zone) }
	want := []Contradiction{
		{Case: "C-2", At: d2(11, 10), Mode: "manual", Category: eventstest.Leak, Street: st1, ListVersion: 1, Expected: water, Actual: roads},
		{Case: "C-2", At: d2(12, 40), Mode: "manual", Category: eventstest.Leak, Street: st1, ListVersion: 1, Expected: water, Actual: env},
		{Case: "C-3", At: d2(13, 20), Mode: "manual", Category: eventstest.Noise, Street: st1, ListVersion: 1, Expected: env, Actual: st1},
		{Case: "C-3", At: d2(14, 50), Mode: "manual", Category: eventstest.Noise, Street: st1, ListVersion: 1, Expected: env, Actual: roads},
		{Case: "C-4", At: d2(14, 0), Mode: "manual", Category: eventstest.Pothole, Street: st1, ListVersion: 1, Expected: roads, Actual: water},
		// After v2 took effect (day 3 12:00) a rule dispatch by v1: v2 routes leaks to env.
		{Case: "C-8", At: time.Date(2026, 11, 3, 13, 30, 0, 0, eventstest.Zone), Mode: "rule", Category: eventstest.Leak, Street: st1,
			ListVersion: 2, CitedVersion: 1, Expected: env, Actual: water},
	}
	if len(got) != len(want) {
		t.Fatalf("Contradictions() has %d, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) {
			t.Errorf("[%d] At %v, want %v", i, g.At, w.At)
		}
		g.At, w.At = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("Contradictions()[%d] = %+v, want %+v", i, g, w)
		}
	}
}

// TestJudge covers the contradiction rules one dispatch at a time.
func TestJudge(t *testing.T) {
	type disp struct {
		cat, street, to, mode string
		cited                 int
	}
	tests := []struct {
		name     string
		noList   bool
		d        disp
		contra   bool
		expected string
	}{
		{"rule-matches", false, disp{eventstest.Pothole, st1, roads, events.ModeRule, 1}, false, ""},
		{"rule-other-unit", false, disp{eventstest.Pothole, st1, water, events.ModeRule, 1}, true, roads},
		{"rule-stale-version-same-unit", false, disp{eventstest.Pothole, st1, roads, events.ModeRule, 7}, true, roads},
		{"rule-no-rule-for-category", false, disp{"misc.other", st1, roads, events.ModeRule, 1}, true, ""},
		{"rule-no-list", true, disp{eventstest.Pothole, st1, roads, events.ModeRule, 1}, true, ""},
		{"manual-matches", false, disp{eventstest.Leak, st1, water, events.ModeManual, 0}, false, ""},
		{"manual-contradicts", false, disp{eventstest.Leak, st1, roads, events.ModeManual, 0}, true, water},
		{"manual-no-rule", false, disp{"misc.other", st1, roads, events.ModeManual, 0}, false, ""},
		{"manual-no-list", true, disp{eventstest.Leak, st1, roads, events.ModeManual, 0}, false, ""},
		{"street-rule-wins", false, disp{eventstest.Noise, st2, env, events.ModeManual, 0}, true, st2},
		{"district-rule-elsewhere", false, disp{eventstest.Noise, st1, env, events.ModeManual, 0}, false, ""},
		{"fallback-not-judged", false, disp{eventstest.Pothole, st1, dist, events.ModeFallback, 0}, false, ""},
		{"forced-not-judged", false, disp{eventstest.Pothole, st1, water, events.ModeForced, 0}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := eventstest.New()
			if !tt.noList {
				s.District()
			}
			c := s.Case("X")
			reportCase(c, events.ChannelHotline, tt.d.cat, tt.d.street)
			p := &events.CaseDispatched{FromUnit: center, ToUnit: tt.d.to, Mode: tt.d.mode, ListVersion: tt.d.cited}
			if tt.d.mode == events.ModeRule {
				p.RuleID = "r-x"
			}
			c.DispatchedWith(p)
			pr := New(Config{})
			projectiontest.Apply(t, pr, projectiontest.Events(t, s.Drafts()))
			got := pr.Contradictions()
			if (len(got) == 1) != tt.contra || len(got) > 1 {
				t.Fatalf("contradictions %+v, want contradiction: %v", got, tt.contra)
			}
			if tt.contra && got[0].Expected != tt.expected {
				t.Errorf("expected %q, want %q", got[0].Expected, tt.expected)
			}
			if n := pr.Totals().Contradictions; (n == 1) != tt.contra {
				t.Errorf("Totals().Contradictions = %d", n)
			}
		})
	}
}

// TestRouteMatchesEvents checks the interned index against
// events.ResponsibilityPublished.Route for every category and street.
func TestRouteMatchesEvents(t *testing.T) {
	pub := &events.ResponsibilityPublished{ListVersion: 1, Fallback: dist, Rules: []events.Rule{
		{ID: "a", Category: "c1", Unit: "u1"},
		{ID: "b", Category: "c1", Street: "s1", Unit: "u2"},
		{ID: "c", Category: "c2", Street: "s2", Unit: "u3"},
		{ID: "d", Category: "c3", Unit: "u4"},
	}}
	p := New(Config{})
	p.publish(pub)
	for _, cat := range []string{"c1", "c2", "c3", "c4", ""} {
		for _, st := range []string{"", "s1", "s2", "s3"} {
			want, wok := pub.Route(cat, st)
			got, gok := p.lists[0].route(p.tab.Name(cat), p.tab.Name(st))
			if wok != gok || gok && p.tab.Names[got.unit] != want.Unit {
				t.Errorf("route(%q, %q) = %q %v, Route gives %q %v", cat, st, p.tab.Names[got.unit], gok, want.Unit, wok)
			}
		}
	}
}

func TestNetwork(t *testing.T) {
	got := folded(t).Network()
	// Dwell (minutes) per edge, worked out in story():
	// center->roads: C-1 30, C-2 10, C-3 30, C-4 30, C-6 30, C-6 60: mean 190/6 min = 0.5278 h, median (3rd of 6) 30 min.
	// center->env: C-2 30, C-3 30, C-3 60, C-8 30: mean 37.5 min, median (2nd) 30.
	// center->water: C-2 60, C-7 60, C-8 30: mean 50 min = 0.8333 h, median (2nd of 30,60,60) 60.
	want := []Handover{
		{From: center, To: dist, Count: 1, MeanHours: 0.5, MedianHours: 0.5},
		{From: center, To: env, Count: 4, MeanHours: 0.625, MedianHours: 0.5},
		{From: center, To: roads, Count: 6, MeanHours: 0.5278, MedianHours: 0.5},
		{From: center, To: water, Count: 3, MeanHours: 0.8333, MedianHours: 1},
		{From: center, To: st1, Count: 1, MeanHours: 0.5, MedianHours: 0.5},
		{From: center, To: st2, Count: 1, MeanHours: 1, MedianHours: 1},
		{From: dist, To: env, Count: 1, MeanHours: 1, MedianHours: 1},
		{From: roads, To: water, Count: 1, MeanHours: 2, MedianHours: 2},
		{From: water, To: roads, Count: 1, MeanHours: 1, MedianHours: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Network() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestCharts(t *testing.T) {
	r := report(t, folded(t), projections.Query{})
	if len(r.Charts) != 4 {
		t.Fatalf("%d charts", len(r.Charts))
	}
	net, hist, bar := r.Charts[1], r.Charts[2], r.Charts[3]
	if net.Kind != "network" || len(net.Edges) != 9 || len(net.Nodes) != 7 {
		t.Errorf("network chart: kind %q, %d edges, %d nodes", net.Kind, len(net.Edges), len(net.Nodes))
	}
	wantHist := []projections.Point{{X: "1", Y: 3}, {X: "2", Y: 3}, {X: "3", Y: 2}, {X: "4+", Y: 1}}
	if hist.Kind != "histogram" || !reflect.DeepEqual(hist.Series[0].Points, wantHist) {
		t.Errorf("hops histogram %+v", hist)
	}
	wantBar := []projections.Point{{X: "wrong_area", Y: 1}, {X: "unclear_ownership", Y: 3}, {X: "overlapping_duties", Y: 1}, {X: "other", Y: 1}}
	if bar.Kind != "bar" || !reflect.DeepEqual(bar.Series[0].Points, wantBar) {
		t.Errorf("returns chart %+v", bar)
	}
	if len(r.Notes) == 0 || r.Projection != Name {
		t.Error("report without notes or projection name")
	}
}

// TestGolden pins the JSON of the default report and of a per-day
// category report, and checks that the same events give the same bytes.
func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		q    projections.Query
	}{
		{"by-unit", projections.Query{}},
		{"by-category-week", projections.Query{By: projections.ByCategory, Period: projections.PeriodWeek}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := projectiontest.ReportJSON(t, folded(t), tt.q)
			b := projectiontest.ReportJSON(t, folded(t), tt.q)
			if a != b {
				t.Fatal("the same events gave different report JSON")
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, []byte(a), "", "  "); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("report differs from %s (run with -update if intended):\n%s", path, buf.String())
			}
		})
	}
}

func TestBadQueries(t *testing.T) {
	p := folded(t)
	d := time.Date(2026, 11, 3, 0, 0, 0, 0, eventstest.Zone)
	for _, tt := range []struct {
		name string
		q    projections.Query
	}{
		{"unknown-dimension", projections.Query{By: "reporter"}},
		{"unknown-period", projections.Query{Period: "year"}},
		{"empty-window", projections.Query{From: d, To: d}},
		{"reversed-window", projections.Query{From: d, To: d.Add(-time.Hour)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := p.Report(tt.q); !errors.Is(err, projections.ErrQuery) {
				t.Errorf("Report(%+v) error %v, want ErrQuery", tt.q, err)
			}
		})
	}
}

func TestCorruptState(t *testing.T) {
	good := projectiontest.State(t, folded(t))
	t.Run("every-truncation", func(t *testing.T) {
		for n := range len(good) {
			if err := New(Config{}).UnmarshalState(good[:n]); !errors.Is(err, ErrState) {
				t.Fatalf("truncated to %d of %d bytes: error %v, want ErrState", n, len(good), err)
			}
		}
	})
	t.Run("trailing-byte", func(t *testing.T) {
		if err := New(Config{}).UnmarshalState(append(bytes.Clone(good), 0)); !errors.Is(err, ErrState) {
			t.Errorf("error %v, want ErrState", err)
		}
	})
	t.Run("flipped-bytes-never-panic", func(t *testing.T) {
		for i := len(stateMagic); i < len(good); i++ {
			for _, x := range []byte{0x01, 0x40, 0xff} {
				b := bytes.Clone(good)
				b[i] ^= x
				p := New(Config{})
				if p.UnmarshalState(b) == nil {
					// Accepted: it must still report without panicking.
					if _, err := p.Report(projections.Query{By: projections.ByStreet}); err != nil {
						t.Fatal(err)
					}
					p.PingPong()
					p.Contradictions()
					p.Network()
				}
			}
		}
	})
	t.Run("failed-unmarshal-leaves-empty", func(t *testing.T) {
		p := folded(t)
		if err := p.UnmarshalState([]byte("nonsense")); !errors.Is(err, ErrState) {
			t.Fatalf("error %v", err)
		}
		if p.Totals().Cases != 0 {
			t.Error("state kept after a refused unmarshal")
		}
	})
}

// TestClosedCasesReleased checks that closing a case drops its live entry
// and that events after closure are ignored.
func TestClosedCasesReleased(t *testing.T) {
	p := folded(t)
	// Closed: C-1, C-3, C-5, C-10. Live: the other 7.
	if len(p.live) != 7 {
		t.Errorf("%d live cases, want 7", len(p.live))
	}
	s := eventstest.New()
	c := s.Case("C-1")
	c.Dispatched(center, water, events.ModeManual)
	projectiontest.ApplyFrom(t, p, 1000, projectiontest.Events(t, s.Drafts()))
	if p.Totals().Dispatches != 19 {
		t.Error("a dispatch of a closed case was counted")
	}
}

// TestPingPongRules covers what "a unit it has already left" means, one
// small case at a time.
func TestPingPongRules(t *testing.T) {
	type step func(c *eventstest.Case)
	disp := func(from, to string) step {
		return func(c *eventstest.Case) { c.Dispatched(from, to, events.ModeManual) }
	}
	ret := func(u string) step { return func(c *eventstest.Case) { c.Returned(u, events.ReasonOther) } }
	acc := func(u string) step { return func(c *eventstest.Case) { c.Accepted(u) } }
	res := func(u string) step { return func(c *eventstest.Case) { c.Resolved(u, events.OutcomeFixed) } }
	reopen := func(c *eventstest.Case) { c.Reopened() }
	tests := []struct {
		name      string
		steps     []step
		pingPong  bool
		revisited string
	}{
		{"transfer-back", []step{disp(center, roads), acc(roads), disp(roads, water), disp(water, roads)}, true, roads},
		{"returned-then-again", []step{disp(center, roads), ret(roads), disp(center, roads)}, true, roads},
		{"three-units", []step{disp(center, roads), ret(roads), disp(center, water), ret(water), disp(center, env), ret(env), disp(center, roads)}, true, roads},
		{"first-sender-reached-again", []step{disp(st1, roads), ret(roads), disp(center, st1)}, true, st1},
		{"holder-displaced", []step{disp(center, roads), acc(roads), disp(center, water), disp(center, roads)}, true, roads},
		{"sent-again-to-holder", []step{disp(center, roads), acc(roads), disp(center, roads)}, false, ""},
		{"reopened-back-to-resolver", []step{disp(center, roads), acc(roads), res(roads), reopen, disp(center, roads)}, false, ""},
		{"each-unit-once", []step{disp(center, roads), ret(roads), disp(center, water), ret(water), disp(center, env)}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := eventstest.New()
			c := s.Case("X")
			c.Reported(events.ChannelHotline, eventstest.Pothole)
			for _, f := range tt.steps {
				f(c)
			}
			p := New(Config{})
			projectiontest.Apply(t, p, projectiontest.Events(t, s.Drafts()))
			got := p.PingPong()
			if (len(got) == 1) != tt.pingPong {
				t.Fatalf("PingPong() = %+v, want ping-pong %v", got, tt.pingPong)
			}
			if tt.pingPong && got[0].Revisited != tt.revisited {
				t.Errorf("revisited %q, want %q", got[0].Revisited, tt.revisited)
			}
			if n := p.Totals().PingPong; (n == 1) != tt.pingPong {
				t.Errorf("Totals().PingPong = %d", n)
			}
		})
	}
}

func TestDefaultZone(t *testing.T) {
	if z := DefaultZone(); z.String() != "Asia/Shanghai" {
		t.Errorf("DefaultZone() = %q", z)
	}
	// A case reported at 23:30 UTC on Nov 1 is on Nov 2 in Shanghai.
	s := eventstest.NewAt(time.Date(2026, 11, 1, 23, 30, 0, 0, time.UTC))
	s.Case("Z").Reported(events.ChannelHotline, eventstest.Pothole)
	for _, tt := range []struct {
		zone *time.Location
		want string
	}{{nil, "2026-11-02"}, {time.UTC, "2026-11-01"}} {
		p := New(Config{Zone: tt.zone})
		projectiontest.Apply(t, p, projectiontest.Events(t, s.Drafts()))
		r := report(t, p, projections.Query{Period: projections.PeriodDay})
		if got := r.Rows[0][1]; got != tt.want {
			t.Errorf("zone %v: period %v, want %s", tt.zone, got, tt.want)
		}
	}
}

// TestTransfers: a case passed round three units and back is three
// transfers, one per edge of the ring; a case dispatched once is none.
func TestTransfers(t *testing.T) {
	s := eventstest.New()
	x, y := s.Case("X"), s.Case("Y")
	x.Reported(events.ChannelHotline, eventstest.Pothole)
	x.Dispatched(center, roads, events.ModeRule)
	x.Returned(roads, events.ReasonWrongArea)
	x.Dispatched(center, water, events.ModeManual)
	x.Returned(water, events.ReasonUnclearOwnership)
	x.Dispatched(center, env, events.ModeManual)
	x.Returned(env, events.ReasonOverlappingDuties)
	x.Dispatched(center, roads, events.ModeForced)
	y.Reported(events.ChannelApp, eventstest.Leak)
	y.Dispatched(center, water, events.ModeRule)
	p := New(Config{})
	projectiontest.Apply(t, p, projectiontest.Events(t, s.Drafts()))
	want := []Transfer{{From: env, To: roads, Count: 1}, {From: roads, To: water, Count: 1}, {From: water, To: env, Count: 1}}
	if got := p.Transfers(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Transfers() = %+v, want %+v", got, want)
	}
	r := report(t, p, projections.Query{})
	if c := r.Charts[0]; c.ID != "transfer-network" || len(c.Edges) != 3 || len(c.Nodes) != 3 {
		t.Errorf("transfer chart %+v", c)
	}
}
