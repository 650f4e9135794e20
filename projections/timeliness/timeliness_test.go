package timeliness

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/policy"
	"github.com/govledger/govledger/projections/projectiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func storyEvents(t testing.TB) []events.Event {
	return projectiontest.Events(t, story().Drafts())
}

func TestKit(t *testing.T) {
	projectiontest.Run(t, func() projections.Projection { return New(Config{}) }, storyEvents(t))
}

func build(t *testing.T, evs []events.Event) *Projection {
	t.Helper()
	p := New(Config{})
	projectiontest.Apply(t, p, evs)
	return p
}

// rows indexes a report's rows by group (and period) and column key.
func rows(t *testing.T, rep *projections.Report) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range rep.Rows {
		if len(r) != len(rep.Columns) {
			t.Fatalf("row %v has %d cells for %d columns", r, len(r), len(rep.Columns))
		}
		m := map[string]any{}
		for i, c := range rep.Columns {
			m[c.Key] = r[i]
		}
		key := r[0].(string)
		if rep.Columns[1].Key == "period" {
			key += " " + r[1].(string)
		}
		out[key] = m
	}
	return out
}

func check(t *testing.T, got map[string]map[string]any, want map[string]map[string]any) {
	t.Helper()
	for g, cells := range want {
		row, ok := got[g]
		if !ok {
			t.Errorf("no row %q", g)
			continue
		}
		for k, v := range cells {
			if row[k] != v {
				t.Errorf("%s %s = %#v, want %#v", g, k, row[k], v)
			}
		}
	}
}

func report(t *testing.T, p *Projection, q projections.Query) *projections.Report {
	t.Helper()
	rep, err := p.Report(q)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// As of the latest event read, Wed 11-04 17:30 (C-ext closed).
func TestByUnit(t *testing.T) {
	p := build(t, storyEvents(t))
	got := rows(t, report(t, p, projections.Query{}))
	if len(got) != 5 {
		t.Errorf("%d rows, want 5 (roads, water, env, center, unassigned): %v", len(got), got)
	}
	check(t, got, map[string]map[string]any{
		// C-ret2, C-night resolved, C-open open.
		// citizen: C-ret2 09:00 -> 16:00 = 25200 s; C-night 23:59 -> 00:01 = 120 s.
		// mean (25200+120)/2 = 12660 s = 3.5167 h; p50 rank ceil(0.5x2)=1 -> 120 s;
		// p90..p99 rank 2 -> 7 h.
		// official: 14:00 -> 16:00 = 7200 s; 00:00 -> 00:01 = 60 s; mean 3630 s.
		// intake: 1800 (09:00->09:30) + 60 (23:59->00:00) + 300 (12:00->12:05) / 3 = 720 s = 0.2 h.
		// dwell hops of roads: C-ret2 13:30 -> 14:00 = 1800 s, C-night 0 s
		// (C-open's dispatch is still unsigned): mean 900 s = 0.25 h.
		// same-day: C-ret2 yes, C-night no, C-open open since Mon (< Wed): 1/3.
		// on time: both resolved by their deadlines; C-open's deadline
		// Tue 12:00 has passed: 2/3. C-open age Mon 12:00 -> Wed 17:30 = 53.5 h.
		eventstest.Roads: {
			"cases": int64(3), "resolved": int64(2), "open": int64(1), "open_overdue": int64(1),
			"mean_citizen_h": 3.5167, "p50_citizen_h": 0.0333, "p90_citizen_h": 7.0, "p95_citizen_h": 7.0, "p99_citizen_h": 7.0,
			"mean_official_h": 1.0083, "p50_official_h": 0.0167, "p90_official_h": 2.0,
			"mean_intake_h": 0.2,
			"dwell_hops":    int64(2), "mean_dwell_h": 0.25, "total_dwell_h": 0.5,
			"same_day": int64(1), "same_day_rate": 0.3333,
			"on_time": int64(2), "on_time_rate": 0.6667,
			"mean_open_age_h": 53.5, "max_open_age_h": 53.5,
		},
		// C-reopen: its clocks run to the second resolution, Wed 09:00.
		// citizen Mon 10:00 -> Wed 09:00 = 47 h; official Mon 10:50 -> Wed
		// 09:00 = 46 h 10 min = 46.1667 h; intake 20 min = 0.3333 h.
		// dwell hops of water: C-ret2 09:30 -> 10:30 (returned) = 1 h and
		// C-reopen 10:20 -> 10:50 = 0.5 h: mean 0.75 h, total 1.5 h.
		eventstest.Water: {
			"cases": int64(1), "resolved": int64(1), "open": int64(0),
			"mean_citizen_h": 47.0, "p50_citizen_h": 47.0, "p99_citizen_h": 47.0,
			"mean_official_h": 46.1667, "mean_intake_h": 0.3333,
			"dwell_hops": int64(2), "mean_dwell_h": 0.75, "total_dwell_h": 1.5,
			"same_day": int64(0), "same_day_rate": 0.0, "on_time": int64(1), "on_time_rate": 1.0,
			"mean_open_age_h": nil, "max_open_age_h": nil,
		},
		// C-ext: Mon 11:05 -> Wed 17:00 = 53 h 55 min = 53.9167 h; official
		// Mon 12:15 -> Wed 17:00 = 52.75 h. Its urgent-24h deadline (Tue
		// 11:05) was extended on Tue 09:00 to Wed 18:00: on time.
		// dwell hops of env: C-ret2 11:00 -> 13:00 (returned) = 2 h, C-ext
		// 11:15 -> 12:15 = 1 h.
		eventstest.Environment: {
			"cases": int64(1), "resolved": int64(1),
			"mean_citizen_h": 53.9167, "p90_citizen_h": 53.9167, "mean_official_h": 52.75, "p50_official_h": 52.75,
			"mean_intake_h": 0.1667,
			"dwell_hops":    int64(2), "mean_dwell_h": 1.5, "total_dwell_h": 3.0,
			"same_day": int64(0), "on_time": int64(1), "on_time_rate": 1.0,
		},
		// C-centre: 09:05 -> 09:15, never dispatched nor accepted.
		eventstest.Center: {
			"cases": int64(1), "resolved": int64(1), "mean_citizen_h": 0.1667,
			"mean_official_h": nil, "p50_official_h": nil, "mean_intake_h": nil,
			"dwell_hops": int64(0), "mean_dwell_h": nil, "total_dwell_h": 0.0,
			"same_day": int64(1), "same_day_rate": 1.0, "on_time_rate": 1.0,
		},
		// C-odd: open since Tue 10:05: 31 h 25 min; deadline (default
		// standard-5wd) Tue 11-10 10:05, not overdue, so no on-time figure.
		"(unassigned)": {
			"cases": int64(1), "resolved": int64(0), "open": int64(1), "open_overdue": int64(0),
			"mean_citizen_h": nil, "p50_citizen_h": nil,
			"same_day": int64(0), "same_day_rate": 0.0, "on_time": int64(0), "on_time_rate": nil,
			"mean_open_age_h": 31.4167,
		},
	})
	if p.UnknownPolicies() != 1 {
		t.Errorf("unknown policies %d, want 1 (C-odd)", p.UnknownPolicies())
	}
	if !p.AsOf().Equal(clock("2026-11-04 17:30")) {
		t.Errorf("as of %s", p.AsOf())
	}
}

// Dwell is attributed to the unit of each hop by unit, and to the case's
// group otherwise: all four hops of C-ret2 count for road.pothole.
func TestByCategoryAndStreet(t *testing.T) {
	p := build(t, storyEvents(t))
	check(t, rows(t, report(t, p, projections.Query{By: projections.ByCategory})), map[string]map[string]any{
		// C-ret2 hops 3600 + 7200 + 1800, C-night 0: 4 hops, 12600 s.
		eventstest.Pothole: {"cases": int64(3), "dwell_hops": int64(4), "total_dwell_h": 3.5, "mean_dwell_h": 0.875},
		// C-centre and C-odd.
		"other.general": {"cases": int64(2), "resolved": int64(1), "open": int64(1)},
	})
	check(t, rows(t, report(t, p, projections.Query{By: projections.ByStreet})), map[string]map[string]any{
		eventstest.Street2: {"cases": int64(1), "same_day": int64(0), "same_day_rate": 0.0, "p50_citizen_h": 0.0333},
		eventstest.Street1: {"cases": int64(6)},
	})
	check(t, rows(t, report(t, p, projections.Query{By: projections.ByChannel})), map[string]map[string]any{
		events.ChannelHotline: {"cases": int64(4)}, events.ChannelApp: {"cases": int64(1)},
		events.ChannelGridPatrol: {"cases": int64(1)}, events.ChannelOther: {"cases": int64(1)},
	})
}

func TestWindowAndPeriod(t *testing.T) {
	p := build(t, storyEvents(t))
	// From Tue 00:00: C-night (reported Mon 23:59) is out; C-centre and C-odd are in.
	got := rows(t, report(t, p, projections.Query{From: clock("2026-11-03 00:00")}))
	if len(got) != 2 || got[eventstest.Center]["cases"] != int64(1) || got["(unassigned)"]["cases"] != int64(1) {
		t.Errorf("window from Tue: %v", got)
	}
	got = rows(t, report(t, p, projections.Query{By: projections.ByCategory, Period: projections.PeriodDay}))
	check(t, got, map[string]map[string]any{
		// C-ret2, C-open and C-night are all reported on Monday (23:59).
		eventstest.Pothole + " 2026-11-02": {"cases": int64(3)},
		"other.general 2026-11-03":         {"cases": int64(2)},
	})
	if len(got) != 4 {
		t.Errorf("by category and day: %d rows, want 4", len(got))
	}
	got = rows(t, report(t, p, projections.Query{Period: projections.PeriodWeek}))
	if got[eventstest.Roads+" 2026-W45"]["cases"] != int64(3) {
		t.Errorf("by unit and week: %v", got)
	}
}

// While C-reopen is reopened and not resolved again, it is open backlog,
// not a resolved case, and it is attributed to the unit last dispatched to.
func TestReopenedIsOpenUntilResolvedAgain(t *testing.T) {
	evs := storyEvents(t)
	cut := -1
	for i, e := range evs {
		if e.Type == events.TypeCaseReopened {
			cut = i + 1
		}
	}
	p := build(t, evs[:cut])
	got := rows(t, report(t, p, projections.Query{}))
	// As of Tue 12:10: open since Mon 10:00 = 26 h 10 min = 26.1667 h.
	check(t, got, map[string]map[string]any{
		eventstest.Water: {"cases": int64(1), "resolved": int64(0), "open": int64(1), "mean_citizen_h": nil, "mean_open_age_h": 26.1667},
	})
	full := build(t, evs)
	for _, u := range full.Units() {
		if u.Unit == eventstest.Water && (u.Cases != 1 || u.Resolved != 1) {
			t.Errorf("water after resolving again: %+v (a reopened case is updated, not duplicated)", u)
		}
	}
}

func TestUnits(t *testing.T) {
	us := build(t, storyEvents(t)).Units()
	want := []string{"(unassigned)", eventstest.Center, eventstest.Environment, eventstest.Roads, eventstest.Water}
	if len(us) != len(want) {
		t.Fatalf("units %+v", us)
	}
	for i, u := range us {
		if u.Unit != want[i] {
			t.Errorf("unit %d = %s, want %s", i, u.Unit, want[i])
		}
	}
	r := us[3] // dept-roads, see TestByUnit
	sd, ok1 := r.SameDayRate()
	ot, ok2 := r.OnTimeRate()
	if r.Cases != 3 || r.P50CitizenH != 0.0333 || r.P90CitizenH != 7 || !ok1 || !ok2 || projections.Round4(sd) != 0.3333 || projections.Round4(ot) != 0.6667 {
		t.Errorf("roads %+v", r)
	}
	if _, ok := us[0].OnTimeRate(); ok {
		t.Errorf("unassigned on-time rate is undefined, got defined")
	}
}

// A working-day deadline over a holiday: C-hol is reported Fri 10-30 10:00
// (standard-5wd) and resolved Fri 11-06 09:00. Without holidays the
// deadline is Fri 11-06 10:00 (Mon..Fri 11-02..11-06): on time. With Mon
// 11-02 a holiday it is Mon 11-09 10:00: still on time. With Sat 10-31 a
// make-up workday and no holiday, it is Thu 11-05 10:00 (Sat 1, Mon 2,
// Tue 3, Wed 4, Thu 5): late.
func TestDeadlineCalendar(t *testing.T) {
	s := eventstest.New()
	c := s.Case("C-hol")
	s.At(clock("2026-10-30 10:00"))
	c.Reported(events.ChannelHotline, eventstest.Pothole)
	s.At(clock("2026-11-06 09:00"))
	c.Resolved(eventstest.Center, events.OutcomeExplained)
	evs := projectiontest.Events(t, s.Drafts())
	day := func(d string) time.Time { return clock(d + " 00:00") }
	tests := []struct {
		name    string
		entries []policy.Entry
		want    any
	}{
		{"no holidays", nil, int64(1)},
		{"holiday Monday", []policy.Entry{{Date: day("2026-11-02"), Kind: policy.Holiday}}, int64(1)},
		{"make-up Saturday", []policy.Entry{{Date: day("2026-10-31"), Kind: policy.Workday}}, int64(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cal, err := policy.NewCalendar(tc.entries...)
			if err != nil {
				t.Fatal(err)
			}
			rules, err := policy.New(policy.Config{Calendar: cal})
			if err != nil {
				t.Fatal(err)
			}
			p := New(Config{Rules: rules})
			projectiontest.Apply(t, p, evs)
			got := rows(t, report(t, p, projections.Query{}))
			if got[eventstest.Center]["on_time"] != tc.want {
				t.Fatalf("on_time = %v, want %v", got[eventstest.Center]["on_time"], tc.want)
			}
		})
	}
}

func TestReportIsByteIdentical(t *testing.T) {
	evs := storyEvents(t)
	for _, q := range []projections.Query{{}, {By: projections.ByGrid, Period: projections.PeriodMonth}, {By: projections.ByCommunity, From: clock("2026-11-02 10:00"), To: clock("2026-11-03 10:00")}} {
		a := projectiontest.ReportJSON(t, build(t, evs), q)
		b := projectiontest.ReportJSON(t, build(t, evs), q)
		if a != b {
			t.Fatalf("query %+v: two runs differ", q)
		}
	}
}

func TestGolden(t *testing.T) {
	rep := report(t, build(t, storyEvents(t)), projections.Query{})
	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "by-unit.json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(append(got, '\n'), want) {
		t.Errorf("report differs from %s (run go test -update and review the diff)", path)
	}
}

func TestBadQueries(t *testing.T) {
	p := build(t, storyEvents(t))
	for _, q := range []projections.Query{
		{By: "reporter"},
		{Period: "year"},
		{From: clock("2026-11-03 00:00"), To: clock("2026-11-02 00:00")},
	} {
		if _, err := p.Report(q); !errors.Is(err, projections.ErrQuery) {
			t.Errorf("query %+v: err = %v, want ErrQuery", q, err)
		}
	}
}

func TestCorruptState(t *testing.T) {
	p := build(t, storyEvents(t))
	good, err := p.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":         {},
		"version":       append([]byte{9}, good[1:]...),
		"truncated":     good[:len(good)/2],
		"trailing":      append(append([]byte(nil), good...), 0),
		"last byte cut": good[:len(good)-1],
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if err := New(Config{}).UnmarshalState(b); !errors.Is(err, ErrState) {
				t.Fatalf("err = %v, want ErrState", err)
			}
		})
	}
	// Every single-byte truncation is refused, never a panic.
	for i := range len(good) {
		if err := New(Config{}).UnmarshalState(good[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", i)
		}
	}
}

// A duplicate merged into another case and closed is neither backlog nor
// late: it is counted as closed unresolved and left out of the rates.
func TestMergedAndClosedIsNotBacklog(t *testing.T) {
	s := eventstest.New()
	dup := s.Case("C-dup")
	dup.Reported(events.ChannelHotline, eventstest.Pothole)
	dup.Merged("C-1")
	s.Advance(30 * 24 * time.Hour) // long past any deadline
	dup.Closed()
	p := build(t, projectiontest.Events(t, s.Drafts()))
	check(t, rows(t, report(t, p, projections.Query{})), map[string]map[string]any{
		"(unassigned)": {
			"cases": int64(1), "resolved": int64(0), "open": int64(0), "open_overdue": int64(0),
			"closed_unresolved": int64(1), "same_day_rate": nil, "on_time_rate": nil, "max_open_age_h": nil,
		},
	})
}
