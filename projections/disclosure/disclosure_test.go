package disclosure_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/disclosure"
	"github.com/govledger/govledger/projections/projectiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Personal data told by the story; none of it may reach a report.
var (
	staffActor = events.Actor{Kind: events.ActorStaff, ID: "staff-zhang-wei", Unit: eventstest.Center}
	unitActor  = events.Actor{Kind: events.ActorStaff, ID: "staff-li-na", Unit: eventstest.Roads}
	lat, lon   = 31.230416, 121.473701
	plainDesc  = "Broken manhole cover outside Wang Fang's noodle shop"
	plainAddr  = "Room 1203, 88 Huaihai Middle Road"
	plainNote  = "Call me back on 13800138000"
	sealedBox  = []byte("nonce-12-byt" + "ciphertext-and-16-byte-tag!!")
	personal   = []string{
		plainDesc, plainAddr, plainNote, "31.23", "121.47", "13800138000", "Wang Fang", "Huaihai",
		"S-A1", "S-A2", "S-A3", "S-A4", "S-B1", "S-B2", "S-B3", "S-B4", "S-D1",
		"staff-zhang-wei", "staff-li-na", "cm-staff", "dispatcher", "op-1",
		base64.StdEncoding.EncodeToString(sealedBox), "nonce-12-byt",
		"voter-alice", "voter-bob", "voter-carol", "voter-dave", "voter-erin", "voter-fay", "voter-gil",
	}
)

func sealed(subject string) events.Personal {
	return events.Personal{Sealed: &events.Sealed{Subject: subject, Box: sealedBox}}
}

func nov(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, eventstest.Zone) }

type teller struct{ s *eventstest.Story }

func (t teller) reported(at time.Time, id, category string, loc events.Location, reporter string) string {
	t.s.At(at)
	p := &events.CaseReported{Channel: events.ChannelHotline, Category: category, Location: loc, DeadlinePolicy: "standard-5wd"}
	if reporter != "" {
		p.Reporter, p.Description = reporter, sealed(reporter)
		p.Location.Address = sealed(reporter)
	} else {
		p.Channel, p.Description = events.ChannelGridPatrol, events.Plain(plainDesc)
		p.Location.Address = events.Plain(plainAddr)
	}
	p.Location.Lat, p.Location.Lon = &lat, &lon
	t.s.Draft(events.CaseStream(id), staffActor, p)
	return id
}

func (t teller) draft(at time.Time, id string, p events.Payload) {
	t.s.At(at)
	t.s.Draft(events.CaseStream(id), staffActor, p)
}

func (t teller) resolved(at time.Time, id string) {
	t.s.At(at)
	t.s.Draft(events.CaseStream(id), unitActor, &events.CaseResolved{Unit: eventstest.Roads, Outcome: events.OutcomeFixed, Summary: "fixed for " + plainAddr})
}

func (t teller) rated(at time.Time, id, satisfaction, respondent string) {
	p := &events.CaseRated{Contacted: true, Solved: true, Satisfaction: satisfaction, Valid: true, Respondent: respondent}
	if respondent != "" {
		p.Comment = sealed(respondent)
	} else {
		p.Comment = events.Plain(plainNote)
	}
	t.draft(at, id, p)
}

func (t teller) closed(at time.Time, id string) { t.draft(at, id, &events.CaseClosed{Note: plainNote}) }

// story tells (all times +08:00, November 2026):
//
// Group A, st-1 x road.pothole, reported on Nov 2 (5 cases: shown at k=5):
//
//	A1 09:00 -> resolved 11:00 (2h, same day), rated satisfied, closed
//	A2 09:10 -> resolved Nov 3 09:10 (24h, not same day), rated unsatisfied, closed
//	A3 09:20 -> resolved 09:50, rated basically, reopened, resolved 14:20
//	           (final: 5h, same day); not closed
//	A4 09:30 -> resolved 09:59 (29 min: 0h, same day), rating invalid, closed
//	A5 09:40 (grid patrol, no reporter) -> dispatched, never resolved
//
// => reported 5, resolved 4 (A1..A4), same day 3/4 = 0.75 (A1, A3, A4),
// clocks {0, 2, 5, 24} h: nearest-rank median = 2nd of 4 = 2 h,
// satisfied share 1/3 = 0.3333 (valid ratings A1 satisfied, A2
// unsatisfied, A3 basically; A4's is invalid).
//
// Group B, water.leak, located by grid g-2 only (-> community cm-2 ->
// street st-2), reported Nov 5 10:00-10:30, each resolved an hour later
// and rated satisfied: 4 cases, suppressed at k=5 (shown at k=4: reported
// 4, resolved 4, same day 1, median 1 h, satisfied 1).
//
// Group D, one env.noise case on Nov 4 in a community nobody registered:
// street "(unknown)", suppressed.
//
// Topics (all secret): T-1 in cm-1, 5 voters, yes 3 no 2, closed: shown
// (counted 5, turnout 1, tally yes=3; no=2). T-2 in cm-2, 6 voters, 4
// ballots, closed: suppressed (4 < 5). T-3 in cm-1, 6 voters, 5 ballots,
// still open: suppressed until it closes.
//
// The latest event is T-3's last ballot, Nov 6 09:50: as of Nov 6 09:00.
func story() *eventstest.Story {
	s := eventstest.NewAt(nov(1, 8, 0))
	s.District()
	t := teller{s}
	st1 := events.Location{Street: eventstest.Street1, Community: eventstest.Community1, Grid: eventstest.Grid1}

	a1 := t.reported(nov(2, 9, 0), "A1", eventstest.Pothole, st1, "S-A1")
	a2 := t.reported(nov(2, 9, 10), "A2", eventstest.Pothole, st1, "S-A2")
	a3 := t.reported(nov(2, 9, 20), "A3", eventstest.Pothole, st1, "S-A3")
	a4 := t.reported(nov(2, 9, 30), "A4", eventstest.Pothole, st1, "S-A4")
	a5 := t.reported(nov(2, 9, 40), "A5", eventstest.Pothole, st1, "")
	t.draft(nov(2, 9, 50), a5, &events.CaseDispatched{FromUnit: eventstest.Center, ToUnit: eventstest.Roads, Mode: events.ModeManual, Note: plainNote})
	t.resolved(nov(2, 9, 50), a3)
	t.resolved(nov(2, 9, 59), a4)
	t.rated(nov(2, 10, 0), a3, events.Basically, "S-A3")
	t.draft(nov(2, 10, 10), a3, &events.CaseReopened{Reason: plainNote, By: events.ReopenByCitizen})
	t.draft(nov(2, 10, 30), a4, &events.CaseRated{Valid: false, InvalidReason: "not the reporter: " + plainNote, Respondent: "S-A4", Comment: sealed("S-A4")})
	t.closed(nov(2, 10, 40), a4)
	t.resolved(nov(2, 11, 0), a1)
	t.rated(nov(2, 12, 0), a1, events.Satisfied, "S-A1")
	t.closed(nov(2, 12, 10), a1)
	t.resolved(nov(2, 14, 20), a3)
	t.resolved(nov(3, 9, 10), a2)
	t.rated(nov(3, 10, 0), a2, events.Unsatisfied, "")
	t.closed(nov(3, 10, 10), a2)

	t.reported(nov(4, 20, 0), "D1", eventstest.Noise, events.Location{Community: "cm-404"}, "S-D1")

	g2 := events.Location{Grid: eventstest.Grid2}
	for i, id := range []string{"B1", "B2", "B3", "B4"} {
		at := nov(5, 10, 10*i)
		t.reported(at, id, eventstest.Leak, g2, "S-"+id)
		t.resolved(at.Add(time.Hour), id)
		t.rated(at.Add(time.Hour+time.Minute), id, events.Satisfied, "S-"+id)
		t.closed(at.Add(time.Hour+2*time.Minute), id)
	}

	s.At(nov(3, 9, 0))
	t1 := s.Topic("T-1")
	t1.Open(24*time.Hour, true, "voter-alice", "voter-bob", "voter-carol", "voter-dave", "voter-erin")
	for i, v := range []string{"voter-alice", "voter-bob", "voter-carol", "voter-dave", "voter-erin"} {
		t1.Ballot(v, map[bool]string{true: "yes", false: "no"}[i < 3])
	}
	s.At(nov(4, 10, 0))
	t1.Close(events.OptionCount{Option: "yes", Votes: 3}, events.OptionCount{Option: "no", Votes: 2})

	s.At(nov(3, 10, 0))
	t2 := s.Topic("T-2")
	cm2 := []string{"voter-alice", "voter-bob", "voter-carol", "voter-dave", "voter-erin", "voter-fay"}
	s.Draft(t2.Stream, events.Actor{Kind: events.ActorStaff, ID: "cm-staff", Unit: eventstest.Community2}, &events.TopicOpened{
		Community: eventstest.Community2, Question: "Repaint the bike shed?", Options: []string{"yes", "no"},
		Eligible: cm2, OpensAt: s.Now(), ClosesAt: s.Now().Add(24 * time.Hour), Secret: true,
	})
	for _, v := range cm2[:4] {
		t2.Ballot(v, "no")
	}
	t2.Close(events.OptionCount{Option: "yes", Votes: 0}, events.OptionCount{Option: "no", Votes: 4})

	s.At(nov(6, 9, 0))
	t3 := s.Topic("T-3")
	t3.Open(72*time.Hour, true, "voter-alice", "voter-bob", "voter-carol", "voter-dave", "voter-erin", "voter-gil")
	for _, v := range []string{"voter-alice", "voter-bob", "voter-carol", "voter-dave", "voter-gil"} {
		t3.Ballot(v, "yes") // 09:10 .. 09:50
	}
	return s
}

func newP(t testing.TB, cfg disclosure.Config) *disclosure.Projection {
	t.Helper()
	p, err := disclosure.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t testing.TB, cfg disclosure.Config, drafts []events.Draft) *disclosure.Projection {
	t.Helper()
	p := newP(t, cfg)
	projectiontest.Apply(t, p, projectiontest.Events(t, drafts))
	return p
}

func TestKit(t *testing.T) {
	projectiontest.Run(t, func() projections.Projection { return newP(t, disclosure.Config{}) },
		projectiontest.Events(t, story().Drafts()))
}

func TestConfig(t *testing.T) {
	if _, err := disclosure.New(disclosure.Config{K: -1}); !errors.Is(err, disclosure.ErrConfig) {
		t.Errorf("K -1: %v, want ErrConfig", err)
	}
	if k := newP(t, disclosure.Config{}).K(); k != 5 {
		t.Errorf("default K %d, want 5", k)
	}
}

func TestReportRows(t *testing.T) {
	drafts := story().Drafts()
	k5 := run(t, disclosure.Config{}, drafts)
	k4 := run(t, disclosure.Config{K: 4}, drafts)
	cases := []string{"street", "category", "period", "suppressed", "cases_reported", "cases_resolved", "same_day_rate", "median_citizen_h", "satisfied_share"}
	topics := []string{"community", "topic", "status", "suppressed", "eligible", "counted", "turnout", "tally"}
	tests := []struct {
		name string
		p    *disclosure.Projection
		q    projections.Query
		cols []string
		want [][]any
	}{
		{"k5-month", k5, projections.Query{}, cases, [][]any{
			{"(unknown)", "env.noise", "2026-11", true, nil, nil, nil, nil, nil},
			{"st-1", "road.pothole", "2026-11", false, 5, 4, 0.75, 2, 0.3333},
			{"st-2", "water.leak", "2026-11", true, nil, nil, nil, nil, nil},
		}},
		{"k4-by-category", k4, projections.Query{By: projections.ByCategory}, cases, [][]any{
			{"(unknown)", "env.noise", "2026-11", true, nil, nil, nil, nil, nil},
			{"st-1", "road.pothole", "2026-11", false, 5, 4, 0.75, 2, 0.3333},
			{"st-2", "water.leak", "2026-11", false, 4, 4, 1, 1, 1},
		}},
		{"k5-day-from-nov3", k5, projections.Query{Period: projections.PeriodDay, From: nov(3, 12, 0)}, cases, [][]any{
			{"(unknown)", "env.noise", "2026-11-04", true, nil, nil, nil, nil, nil},
			{"st-2", "water.leak", "2026-11-05", true, nil, nil, nil, nil, nil},
		}},
		{"k5-week-to-nov2-noon", k5, projections.Query{Period: projections.PeriodWeek, To: nov(2, 12, 0)}, cases, [][]any{
			// the whole ISO week 45 (Nov 2..8) overlaps the window: shown in full
			{"(unknown)", "env.noise", "2026-W45", true, nil, nil, nil, nil, nil},
			{"st-1", "road.pothole", "2026-W45", false, 5, 4, 0.75, 2, 0.3333},
			{"st-2", "water.leak", "2026-W45", true, nil, nil, nil, nil, nil},
		}},
		{"k5-topics", k5, projections.Query{By: projections.ByCommunity}, topics, [][]any{
			{"cm-1", "T-1", "closed", false, 5, 5, 1, "yes=3; no=2"},
			{"cm-1", "T-3", "open", true, 6, nil, nil, nil},
			{"cm-2", "T-2", "closed", true, 6, nil, nil, nil},
		}},
		{"k4-topics", k4, projections.Query{By: projections.ByCommunity}, topics, [][]any{
			{"cm-1", "T-1", "closed", false, 5, 5, 1, "yes=3; no=2"},
			{"cm-1", "T-3", "open", true, 6, nil, nil, nil},
			{"cm-2", "T-2", "closed", false, 6, 4, 0.6667, "yes=0; no=4"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := tc.p.Report(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := jsonOf(t, pick(t, rep, tc.cols)), jsonOf(t, tc.want); g != w {
				t.Errorf("rows\n got %s\nwant %s", g, w)
			}
		})
	}
	if got, want := k5.AsOf(), nov(6, 9, 0); !got.Equal(want) {
		t.Errorf("as of %v, want %v", got, want)
	}
}

func pick(t *testing.T, rep *projections.Report, cols []string) [][]any {
	t.Helper()
	idx := map[string]int{}
	for i, c := range rep.Columns {
		idx[c.Key] = i
	}
	out := [][]any{}
	for _, row := range rep.Rows {
		if len(row) != len(rep.Columns) {
			t.Fatalf("row has %d cells, %d columns", len(row), len(rep.Columns))
		}
		var r []any
		for _, c := range cols {
			i, ok := idx[c]
			if !ok {
				t.Fatalf("no column %q", c)
			}
			r = append(r, row[i])
		}
		out = append(out, r)
	}
	return out
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// allQueries are every shape of report the projection answers.
var allQueries = []projections.Query{
	{}, {By: projections.ByStreet}, {By: projections.ByCategory},
	{Period: projections.PeriodDay}, {Period: projections.PeriodWeek}, {By: projections.ByCategory, Period: projections.PeriodMonth},
	{By: projections.ByCommunity}, {By: projections.ByCommunity, Period: projections.PeriodDay},
}

func allReports(t *testing.T, p *disclosure.Projection) string {
	var b strings.Builder
	for _, q := range allQueries {
		b.WriteString(projectiontest.ReportJSON(t, p, q))
	}
	return b.String()
}

func TestNoPersonalDataInReports(t *testing.T) {
	for _, k := range []int{1, 5} { // k=1 suppresses nothing: every figure is out
		p := run(t, disclosure.Config{K: k}, story().Drafts())
		got := allReports(t, p)
		for _, s := range personal {
			if strings.Contains(got, s) {
				t.Errorf("k=%d: a report contains personal data %q", k, s)
			}
		}
		for _, s := range []string{"st-1", "road.pothole", "yes=3; no=2"} {
			if !strings.Contains(got, s) {
				t.Fatalf("k=%d: reports lack %q: the test reads the wrong JSON", k, s)
			}
		}
		// Location no finer than the street, time no finer than the hour.
		for _, s := range []string{"cm-404", "g-1", "g-2", ":10", ":20", ":30", ":40", ":50"} {
			if strings.Contains(got, s) {
				t.Errorf("k=%d: a report contains %q, finer than street or hour", k, s)
			}
		}
		cells, _ := p.Cells(projections.Query{})
		tallies, _ := p.Tallies(projections.Query{By: projections.ByCommunity})
		typed := jsonOf(t, []any{cells, tallies})
		for _, s := range personal {
			if strings.Contains(typed, s) {
				t.Errorf("k=%d: the typed API returns personal data %q", k, s)
			}
		}
	}
}

// TestHourBoundaries: k = 1, one case each.
func TestHourBoundaries(t *testing.T) {
	cst := eventstest.Zone
	at := func(y int, m time.Month, d, h, min, sec int) time.Time {
		return time.Date(y, m, d, h, min, sec, 0, cst)
	}
	tests := []struct {
		name               string
		reported, resolved time.Time
		period             projections.Query
		wantPeriod         string
		wantSameDay        float64
		wantHours          int64
		wantAsOf           time.Time
	}{
		// 23:59 -> 00:01 next day: 2 min, 0 h; not the same day; the case
		// stays in the day (and month) it was reported; as of 00:00.
		{"23:59-to-00:01", at(2026, 11, 30, 23, 59, 0), at(2026, 12, 1, 0, 1, 0), projections.Query{}, "2026-11", 0, 0, at(2026, 12, 1, 0, 0, 0)},
		{"23:59-to-00:01-by-day", at(2026, 11, 30, 23, 59, 0), at(2026, 12, 1, 0, 1, 0), projections.Query{Period: projections.PeriodDay}, "2026-11-30", 0, 0, at(2026, 12, 1, 0, 0, 0)},
		// 00:01 -> 23:59 the same day: 23 h 58 min rounds to 24 h; as of 23:00.
		{"00:01-to-23:59", at(2026, 12, 1, 0, 1, 0), at(2026, 12, 1, 23, 59, 0), projections.Query{Period: projections.PeriodDay}, "2026-12-01", 1, 24, at(2026, 12, 1, 23, 0, 0)},
		// Half an hour rounds up, a second less rounds down.
		{"30-min", at(2026, 12, 1, 10, 0, 0), at(2026, 12, 1, 10, 30, 0), projections.Query{}, "2026-12", 1, 1, at(2026, 12, 1, 10, 0, 0)},
		{"29:59", at(2026, 12, 1, 10, 0, 0), at(2026, 12, 1, 10, 29, 59), projections.Query{}, "2026-12", 1, 0, at(2026, 12, 1, 10, 0, 0)},
		// Sunday 23:59 is in ISO week 48, Monday 00:01 in week 49.
		{"week-boundary", at(2026, 11, 29, 23, 59, 0), at(2026, 11, 30, 0, 1, 0), projections.Query{Period: projections.PeriodWeek}, "2026-W48", 0, 0, at(2026, 11, 30, 0, 0, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := eventstest.NewAt(tc.reported)
			c := s.Case("C-1")
			c.Reported(events.ChannelHotline, eventstest.Pothole)
			s.At(tc.resolved)
			c.Resolved(eventstest.Roads, events.OutcomeFixed)
			p := run(t, disclosure.Config{K: 1}, s.Drafts())
			cells, err := p.Cells(tc.period)
			if err != nil {
				t.Fatal(err)
			}
			if len(cells) != 1 {
				t.Fatalf("%d cells, want 1", len(cells))
			}
			c0 := cells[0]
			if c0.Period != tc.wantPeriod || c0.Suppressed || *c0.SameDayRate != tc.wantSameDay || *c0.MedianHours != tc.wantHours {
				t.Errorf("period %s suppressed %v same-day %v hours %v, want %s false %v %v",
					c0.Period, c0.Suppressed, *c0.SameDayRate, *c0.MedianHours, tc.wantPeriod, tc.wantSameDay, tc.wantHours)
			}
			if got := p.AsOf(); !got.Equal(tc.wantAsOf) || got.Minute() != 0 {
				t.Errorf("as of %v, want %v", got, tc.wantAsOf)
			}
		})
	}
}

func TestReportGolden(t *testing.T) {
	p := run(t, disclosure.Config{}, story().Drafts())
	for _, tc := range []struct {
		file string
		q    projections.Query
	}{
		{"report.json", projections.Query{}},
		{"report-topics.json", projections.Query{By: projections.ByCommunity}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := p.Report(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s (run with -update if the change is intended):\n%s", path, got)
			}
		})
	}
}

func TestSameEventsSameReport(t *testing.T) {
	a := run(t, disclosure.Config{}, story().Drafts())
	b := run(t, disclosure.Config{}, story().Drafts())
	if allReports(t, a) != allReports(t, b) {
		t.Errorf("the same events gave different reports")
	}
}

func TestBadQueries(t *testing.T) {
	p := run(t, disclosure.Config{}, story().Drafts())
	for name, q := range map[string]projections.Query{
		"by-unit":     {By: projections.ByUnit},
		"by-grid":     {By: projections.ByGrid},
		"by-channel":  {By: projections.ByChannel},
		"period-year": {Period: "year"},
		"to-before":   {From: nov(3, 0, 0), To: nov(2, 0, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := p.Report(q); !errors.Is(err, projections.ErrQuery) {
				t.Errorf("Report(%+v): %v, want ErrQuery", q, err)
			}
		})
	}
	if _, err := p.Cells(projections.Query{By: projections.ByCommunity}); !errors.Is(err, projections.ErrQuery) {
		t.Errorf("Cells by community: %v, want ErrQuery", err)
	}
	if _, err := p.Tallies(projections.Query{By: projections.ByStreet}); !errors.Is(err, projections.ErrQuery) {
		t.Errorf("Tallies by street: %v, want ErrQuery", err)
	}
}

func TestCorruptStateRefused(t *testing.T) {
	good := projectiontest.State(t, run(t, disclosure.Config{}, story().Drafts()))
	fresh := func() *disclosure.Projection { return newP(t, disclosure.Config{}) }
	t.Run("truncated", func(t *testing.T) {
		for n := range len(good) {
			if err := fresh().UnmarshalState(good[:n]); !errors.Is(err, disclosure.ErrState) {
				t.Fatalf("state cut to %d of %d bytes: %v, want ErrState", n, len(good), err)
			}
		}
	})
	t.Run("trailing", func(t *testing.T) {
		if err := fresh().UnmarshalState(append(bytes.Clone(good), 0)); !errors.Is(err, disclosure.ErrState) {
			t.Errorf("trailing byte: %v", err)
		}
	})
	t.Run("version", func(t *testing.T) {
		bad := bytes.Clone(good)
		bad[0] = 7
		if err := fresh().UnmarshalState(bad); !errors.Is(err, disclosure.ErrState) {
			t.Errorf("version 7: %v", err)
		}
	})
	t.Run("every-byte-flipped", func(t *testing.T) {
		for i := range good {
			bad := bytes.Clone(good)
			bad[i] ^= 0xff
			p := fresh()
			if err := p.UnmarshalState(bad); err == nil {
				_ = allReports(t, p) // what it accepted must report without a panic
			}
		}
	})
	t.Run("refused-leaves-state", func(t *testing.T) {
		p := run(t, disclosure.Config{}, story().Drafts())
		if err := p.UnmarshalState(good[:len(good)/2]); err == nil {
			t.Fatal("half a state accepted")
		}
		if !bytes.Equal(projectiontest.State(t, p), good) {
			t.Errorf("a refused state changed the projection")
		}
	})
}
