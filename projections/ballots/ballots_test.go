package ballots_test

import (
	"bytes"
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
	"github.com/govledger/govledger/projections/ballots"
	"github.com/govledger/govledger/projections/projectiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var staff = events.Actor{Kind: events.ActorStaff, ID: "cm-staff", Unit: eventstest.Community2}

// Voters of the rich story.
var voters = []string{"voter-alice", "voter-bob", "voter-carol", "voter-dave", "voter-erin", "voter-frank",
	"voter-mallory", "voter-ann", "voter-ben", "voter-cat", "voter-gus", "voter-hal"}

// story tells four topics (times +08:00, one event every 10 minutes):
//
// T-1, secret, cm-1, voters alice bob carol dave erin frank, window
// [2026-11-02 09:00, 11:00):
//
//	09:10 alice yes      counted
//	09:20 bob no         counted
//	09:30 carol yes      counted
//	09:40 alice no       refused: repeat
//	09:50 mallory yes    refused: ineligible
//	10:00 dave maybe     refused: unknown_option (dave may vote again)
//	10:10 dave yes       counted
//	11:00 erin yes       refused: outside_window (closes_at is exclusive)
//	11:10 closed, published yes=3 no=1 turnout 4   -> match
//	11:20 frank no       refused: after_close
//
// => eligible 6, counted 4, turnout 4/6 = 0.6667, tally yes=3 no=1,
// refused 5 (one of each reason but unknown_topic).
//
// T-2, open, cm-2, voters ann ben cat, opened 11:30, window [12:00, 13:00):
//
//	11:40 ann approve    refused: outside_window (before opens_at)
//	12:00 ann approve    counted (opens_at is inclusive)
//	12:10 ben reject     counted
//	12:20 closed, published approve=2 reject=1 turnout 3 -> mismatch
//
// => eligible 3, counted 2, turnout 0.6667, tally approve=1 reject=1.
//
// T-9 was never opened: 12:30 ann approve -> refused: unknown_topic.
//
// T-3, secret, cm-1, voters gus hal, opened 2026-12-01 10:00 for 48h:
// 10:10 gus yes counted; still open => eligible 2, counted 1, turnout 0.5.
func story() *eventstest.Story {
	s := eventstest.New()
	t1 := s.Topic("T-1")
	t1.Open(2*time.Hour, true, voters[:6]...)
	t1.Ballot("voter-alice", "yes")
	t1.Ballot("voter-bob", "no")
	t1.Ballot("voter-carol", "yes")
	t1.Ballot("voter-alice", "no")
	t1.Ballot("voter-mallory", "yes")
	t1.Ballot("voter-dave", "maybe")
	t1.Ballot("voter-dave", "yes")
	s.At(time.Date(2026, 11, 2, 11, 0, 0, 0, eventstest.Zone))
	t1.Ballot("voter-erin", "yes")
	t1.Close(events.OptionCount{Option: "yes", Votes: 3}, events.OptionCount{Option: "no", Votes: 1})
	t1.Ballot("voter-frank", "no")

	t2 := s.Topic("T-2")
	opens := time.Date(2026, 11, 2, 12, 0, 0, 0, eventstest.Zone)
	s.Draft(t2.Stream, staff, &events.TopicOpened{
		Community: eventstest.Community2, Question: "Approve the new parking rules?",
		Options: []string{"approve", "reject"}, Eligible: []string{"voter-cat", "voter-ann", "voter-ben"},
		OpensAt: opens, ClosesAt: opens.Add(time.Hour),
	})
	t2.Ballot("voter-ann", "approve")
	s.At(opens)
	t2.Ballot("voter-ann", "approve")
	t2.Ballot("voter-ben", "reject")
	t2.Close(events.OptionCount{Option: "approve", Votes: 2}, events.OptionCount{Option: "reject", Votes: 1})

	s.Topic("T-9").Ballot("voter-ann", "approve")

	s.At(time.Date(2026, 12, 1, 10, 0, 0, 0, eventstest.Zone))
	t3 := s.Topic("T-3")
	t3.Open(48*time.Hour, true, "voter-hal", "voter-gus")
	t3.Ballot("voter-gus", "yes")
	return s
}

func run(t testing.TB, drafts []events.Draft) *ballots.Projection {
	t.Helper()
	p := ballots.New(ballots.Config{})
	projectiontest.Apply(t, p, projectiontest.Events(t, drafts))
	return p
}

func TestKit(t *testing.T) {
	projectiontest.Run(t, func() projections.Projection { return ballots.New(ballots.Config{}) },
		projectiontest.Events(t, story().Drafts()))
}

func TestTopics(t *testing.T) {
	p := run(t, story().Drafts())
	tests := []struct {
		id                string
		opened, secret    bool
		closed, mismatch  bool
		eligible, counted int64
		tally             string
		refused           ballots.Refusals
	}{
		{"T-1", true, true, true, false, 6, 4, "yes=3; no=1",
			ballots.Refusals{AfterClose: 1, OutsideWindow: 1, Ineligible: 1, Repeat: 1, UnknownOption: 1}},
		{"T-2", true, false, true, true, 3, 2, "approve=1; reject=1", ballots.Refusals{OutsideWindow: 1}},
		{"T-3", true, true, false, false, 2, 1, "yes=1; no=0", ballots.Refusals{}},
		{"T-9", false, false, false, false, 0, 0, "", ballots.Refusals{UnknownTopic: 1}},
	}
	all := p.Topics()
	if len(all) != len(tests) {
		t.Fatalf("%d topics, want %d", len(all), len(tests))
	}
	for i, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got := all[i]
			if got.ID != tc.id || got.Opened != tc.opened || got.Secret != tc.secret || got.Closed != tc.closed || got.Mismatch != tc.mismatch {
				t.Errorf("got id %s opened %v secret %v closed %v mismatch %v", got.ID, got.Opened, got.Secret, got.Closed, got.Mismatch)
			}
			if got.Eligible != tc.eligible || got.Counted != tc.counted {
				t.Errorf("eligible %d counted %d, want %d %d", got.Eligible, got.Counted, tc.eligible, tc.counted)
			}
			if s := tally(got.Tally); s != tc.tally {
				t.Errorf("tally %q, want %q", s, tc.tally)
			}
			if got.Refused != tc.refused {
				t.Errorf("refused %+v, want %+v", got.Refused, tc.refused)
			}
		})
	}
	if got := all[0].Turnout(); projections.Round4(got) != 0.6667 {
		t.Errorf("T-1 turnout %v, want 4/6", got)
	}
	if r := all[1].Published; r == nil || r.Turnout != 3 || tally(r.Tally) != "approve=2; reject=1" {
		t.Errorf("T-2 published %+v", r)
	}
	if all[2].Published != nil {
		t.Errorf("open topic T-3 has a published result")
	}
}

func tally(v []ballots.OptionVotes) string {
	var parts []string
	for _, c := range v {
		parts = append(parts, c.Option+"="+itoa(c.Votes))
	}
	return strings.Join(parts, "; ")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestPublishedResultOffTheBallot(t *testing.T) {
	s := eventstest.New()
	tp := s.Topic("T-1")
	tp.Open(time.Hour, true, "v-1", "v-2")
	tp.Ballot("v-1", "yes")
	// published: yes=1 plus a vote for an option not on the ballot
	tp.Close(events.OptionCount{Option: "yes", Votes: 1}, events.OptionCount{Option: "maybe", Votes: 1})
	got, _ := run(t, s.Drafts()).Topic("T-1")
	if !got.Mismatch || got.Published.Turnout != 2 || tally(got.Published.Tally) != "yes=1; no=0; (not on the ballot)=1" {
		t.Errorf("got mismatch %v, published %+v", got.Mismatch, got.Published)
	}
}

func TestOpenBallots(t *testing.T) {
	p := run(t, story().Drafts())
	got, err := p.OpenBallots("T-2")
	if err != nil {
		t.Fatal(err)
	}
	want := []ballots.Vote{{Voter: "voter-ann", Choice: "approve"}, {Voter: "voter-ben", Choice: "reject"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("open ballots %v, want %v", got, want)
	}
	for _, tc := range []struct {
		id   string
		want error
	}{{"T-1", ballots.ErrSecret}, {"T-3", ballots.ErrSecret}, {"T-9", ballots.ErrUnknownTopic}, {"nope", ballots.ErrUnknownTopic}} {
		if _, err := p.OpenBallots(tc.id); !errors.Is(err, tc.want) {
			t.Errorf("OpenBallots(%s): %v, want %v", tc.id, err, tc.want)
		}
	}
}

// secretStory: five voters of a secret topic; a and b cast choiceA and
// choiceB, c, d and e fixed choices.
func secretStory(choiceA, choiceB string, close bool) []events.Draft {
	s := eventstest.New()
	tp := s.Topic("T-1")
	tp.Open(2*time.Hour, true, "voter-a", "voter-b", "voter-c", "voter-d", "voter-e")
	tp.Ballot("voter-a", choiceA)
	tp.Ballot("voter-b", choiceB)
	tp.Ballot("voter-c", "yes")
	tp.Ballot("voter-d", "no")
	if close {
		tp.Close(events.OptionCount{Option: "yes", Votes: 2}, events.OptionCount{Option: "no", Votes: 2})
	}
	return s.Drafts()
}

func TestSecretBallotHoldsNoVoterChoicePair(t *testing.T) {
	for _, closed := range []bool{false, true} {
		name := map[bool]string{false: "open-voting", true: "closed"}[closed]
		t.Run(name, func(t *testing.T) {
			// Ledger 1: a yes, b no. Ledger 2: a no, b yes. Same counts,
			// same voters: nothing may tell them apart.
			p1 := run(t, secretStory("yes", "no", closed))
			p2 := run(t, secretStory("no", "yes", closed))
			s1, s2 := projectiontest.State(t, p1), projectiontest.State(t, p2)
			if !bytes.Equal(s1, s2) {
				t.Errorf("swapping two voters' choices changed the state of a secret topic")
			}
			if r1, r2 := allReports(t, p1), allReports(t, p2); r1 != r2 {
				t.Errorf("swapping two voters' choices changed a report")
			}
			// The state does tell who voted while voting is open: a
			// different voter set must give different bytes.
			other := secretStory("yes", "no", closed)
			other[2].Payload = &events.BallotCast{Voter: "voter-e", Choice: "no"} // b -> e
			p3 := run(t, other)
			if differ := !bytes.Equal(projectiontest.State(t, p3), s1); differ == closed {
				t.Errorf("voter set in state: differs %v, want %v (released once closed)", differ, !closed)
			}
			if closed && bytes.Contains(s1, []byte("voter-")) {
				t.Errorf("a closed secret topic still keeps voter ids in its state")
			}
			if _, err := p1.OpenBallots("T-1"); !errors.Is(err, ballots.ErrSecret) {
				t.Errorf("OpenBallots on a secret topic: %v", err)
			}
		})
	}
}

// allReports is the JSON of every report the projection answers.
func allReports(t testing.TB, p *ballots.Projection) string {
	var b strings.Builder
	for _, q := range []projections.Query{{}, {By: projections.ByCommunity}, {Period: projections.PeriodDay}, {By: projections.ByCommunity, Period: projections.PeriodMonth}} {
		b.WriteString(projectiontest.ReportJSON(t, p, q))
	}
	return b.String()
}

func TestReportHasNoVoterIDs(t *testing.T) {
	p := run(t, story().Drafts())
	reports := allReports(t, p)
	for _, v := range voters {
		if strings.Contains(reports, v) {
			t.Errorf("voter id %q appears in a report", v)
		}
	}
	if !strings.Contains(reports, "yes=3; no=1") {
		t.Fatalf("report lacks the T-1 tally: the test reads the wrong JSON")
	}
}

func TestReportRows(t *testing.T) {
	p := run(t, story().Drafts())
	tests := []struct {
		name string
		q    projections.Query
		cols []string
		want [][]any
	}{
		{
			name: "per-topic",
			q:    projections.Query{},
			cols: []string{"topic", "community", "ballot", "status", "eligible", "counted", "turnout", "tally", "refused",
				"refused_unknown_topic", "refused_after_close", "refused_outside_window", "refused_ineligible", "refused_repeat",
				"refused_unknown_option", "published_turnout", "result_check"},
			want: [][]any{
				{"T-1", "cm-1", "secret", "closed", 6, 4, 0.6667, "yes=3; no=1", 5, 0, 1, 1, 1, 1, 1, 4, "match"},
				{"T-2", "cm-2", "open", "closed", 3, 2, 0.6667, "approve=1; reject=1", 1, 0, 0, 1, 0, 0, 0, 3, "mismatch"},
				{"T-3", "cm-1", "secret", "open", 2, 1, 0.5, "yes=1; no=0", 0, 0, 0, 0, 0, 0, 0, nil, nil},
				{"T-9", "(unknown)", nil, "unopened", 0, 0, nil, nil, 1, 1, 0, 0, 0, 0, 0, nil, nil},
			},
		},
		{
			name: "by-community",
			q:    projections.Query{By: projections.ByCommunity},
			// cm-1: T-1 + T-3 => eligible 6+2 = 8, counted 4+1 = 5, turnout 5/8 = 0.625
			cols: []string{"community", "topics", "closed_topics", "eligible", "counted", "turnout", "refused", "mismatched_topics"},
			want: [][]any{
				{"(unknown)", 1, 0, 0, 0, nil, 1, 0},
				{"cm-1", 2, 1, 8, 5, 0.625, 5, 0},
				{"cm-2", 1, 1, 3, 2, 0.6667, 1, 1},
			},
		},
		{
			name: "month-period",
			q:    projections.Query{Period: projections.PeriodMonth},
			cols: []string{"topic", "period"},
			want: [][]any{{"T-1", "2026-11"}, {"T-2", "2026-11"}, {"T-3", "2026-12"}, {"T-9", "(unknown)"}},
		},
		{
			name: "from-december",
			q:    projections.Query{From: time.Date(2026, 12, 1, 0, 0, 0, 0, eventstest.Zone)},
			cols: []string{"topic", "counted"},
			want: [][]any{{"T-3", 1}},
		},
		{
			name: "to-december-by-community-week",
			q:    projections.Query{By: projections.ByCommunity, Period: projections.PeriodWeek, To: time.Date(2026, 12, 1, 0, 0, 0, 0, eventstest.Zone)},
			cols: []string{"community", "period", "counted"},
			want: [][]any{{"cm-1", "2026-W45", 4}, {"cm-2", "2026-W45", 2}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := p.Report(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := pick(t, rep, tc.cols)
			if g, w := jsonOf(t, got), jsonOf(t, tc.want); g != w {
				t.Errorf("rows\n got %s\nwant %s", g, w)
			}
		})
	}
}

// pick returns the named columns of every row.
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

func TestReportGolden(t *testing.T) {
	p := run(t, story().Drafts())
	for _, tc := range []struct {
		file string
		q    projections.Query
	}{
		{"report.json", projections.Query{}},
		{"report-by-community.json", projections.Query{By: projections.ByCommunity}},
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
	a, b := run(t, story().Drafts()), run(t, story().Drafts())
	if ra, rb := allReports(t, a), allReports(t, b); ra != rb {
		t.Errorf("the same events gave different reports")
	}
}

func TestBadQueries(t *testing.T) {
	p := run(t, story().Drafts())
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, eventstest.Zone)
	for name, q := range map[string]projections.Query{
		"by-unit":     {By: projections.ByUnit},
		"by-street":   {By: projections.ByStreet},
		"period-year": {Period: "year"},
		"to-before":   {From: from, To: from.Add(-time.Hour)},
		"empty-range": {From: from, To: from},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := p.Report(q); !errors.Is(err, projections.ErrQuery) {
				t.Errorf("Report(%+v): %v, want ErrQuery", q, err)
			}
		})
	}
}

func TestCorruptStateRefused(t *testing.T) {
	good := projectiontest.State(t, run(t, story().Drafts()))
	t.Run("truncated", func(t *testing.T) {
		for n := range len(good) {
			if err := ballots.New(ballots.Config{}).UnmarshalState(good[:n]); !errors.Is(err, ballots.ErrState) {
				t.Fatalf("state cut to %d of %d bytes: %v, want ErrState", n, len(good), err)
			}
		}
	})
	t.Run("trailing", func(t *testing.T) {
		if err := ballots.New(ballots.Config{}).UnmarshalState(append(bytes.Clone(good), 0)); !errors.Is(err, ballots.ErrState) {
			t.Errorf("trailing byte: %v", err)
		}
	})
	t.Run("version", func(t *testing.T) {
		bad := bytes.Clone(good)
		bad[0] = 9
		if err := ballots.New(ballots.Config{}).UnmarshalState(bad); !errors.Is(err, ballots.ErrState) {
			t.Errorf("version 9: %v", err)
		}
	})
	t.Run("count-does-not-add-up", func(t *testing.T) {
		// The last run of bytes 1, 0 x 6 is T-3's counted (1) and its
		// six refusal counts (0): make it count 2 ballots for 1 vote.
		bad := bytes.Clone(good)
		i := bytes.LastIndex(bad, []byte{1, 0, 0, 0, 0, 0, 0})
		if i < 0 {
			t.Fatal("layout changed: fix the test")
		}
		bad[i] = 2
		if err := ballots.New(ballots.Config{}).UnmarshalState(bad); !errors.Is(err, ballots.ErrState) {
			t.Errorf("counted 2 with one vote: %v", err)
		}
	})
	t.Run("every-byte-flipped", func(t *testing.T) {
		for i := range good {
			bad := bytes.Clone(good)
			bad[i] ^= 0xff
			_ = ballots.New(ballots.Config{}).UnmarshalState(bad) // must not panic
		}
	})
}
