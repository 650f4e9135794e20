package sim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/sim"
)

// month is a month of a small district: enough cases for every mix
// assertion, fast enough under -race.
var month = sim.Config{Seed: 42, Cases: 6000}

func generate(t *testing.T, cfg sim.Config) (sim.Summary, []events.Draft) {
	t.Helper()
	var drafts []events.Draft
	sum, err := sim.Generate(cfg, func(d events.Draft) error {
		drafts = append(drafts, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(drafts)) != sum.Events {
		t.Fatalf("emitted %d drafts, summary says %d", len(drafts), sum.Events)
	}
	return sum, drafts
}

func share(n, of int) float64 { return float64(n) / float64(max(of, 1)) }

func inRange(t *testing.T, what string, v, lo, hi float64) {
	t.Helper()
	t.Logf("%s = %.4f (%.3f..%.3f)", what, v, lo, hi)
	if v < lo || v > hi {
		t.Errorf("%s = %.3f, want %.3f..%.3f", what, v, lo, hi)
	}
}

func TestGenerateOrderAndIDs(t *testing.T) {
	_, drafts := generate(t, month)
	cases := map[string]bool{}
	for i, d := range drafts {
		if err := d.Validate(); err != nil {
			t.Fatalf("draft %d: %v", i, err)
		}
		if d.ID.Time() != uint64(d.OccurredAt.UnixMilli()) {
			t.Fatalf("draft %d: ULID time %d, occurred_at %d", i, d.ID.Time(), d.OccurredAt.UnixMilli())
		}
		if i == 0 {
			continue
		}
		if d.OccurredAt.Before(drafts[i-1].OccurredAt) {
			t.Fatalf("draft %d occurred before draft %d", i, i-1)
		}
		if d.ID.Compare(drafts[i-1].ID) <= 0 {
			t.Fatalf("draft %d: ID %s not after %s", i, d.ID, drafts[i-1].ID)
		}
		if _, ok := d.Payload.(*events.CaseReported); ok {
			if cases[d.Stream] {
				t.Fatalf("%s reported twice", d.Stream)
			}
			cases[d.Stream] = true
		}
	}
	if len(cases) != month.Cases {
		t.Errorf("%d cases, want %d", len(cases), month.Cases)
	}
}

func TestCaseMixIsRealistic(t *testing.T) {
	sum, drafts := generate(t, month)
	parent := map[string]string{}
	kind := map[string]string{}
	rules := map[int]map[string]string{} // list version -> rule id -> unit
	returnedBy := map[string][]string{}  // units that returned the case
	ponged := map[string]bool{}
	var pingPong, firstRule, first, resolved, direct, arrivalsPeak, arrivalsNight int
	channels := map[string]int{}
	dispatched := map[string]bool{}
	var weekday, weekend float64
	for _, d := range drafts {
		switch p := d.Payload.(type) {
		case *events.UnitRegistered:
			parent[p.Unit], kind[p.Unit] = p.Parent, p.Kind
		case *events.ResponsibilityPublished:
			rules[p.ListVersion] = map[string]string{}
			for _, r := range p.Rules {
				rules[p.ListVersion][r.ID] = r.Unit
			}
		case *events.CaseReported:
			l := p.Location
			if kind[l.Grid] != events.UnitGrid || parent[l.Grid] != l.Community || parent[l.Community] != l.Street || kind[l.Street] != events.UnitStreet {
				t.Fatalf("%s: location %+v does not follow the hierarchy", d.Stream, l)
			}
			channels[p.Channel]++
			switch h := d.OccurredAt.Hour(); {
			case h >= 9 && h < 11:
				arrivalsPeak++
			case h >= 2 && h < 4:
				arrivalsNight++
			}
			if wd := d.OccurredAt.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend++
			} else {
				weekday++
			}
		case *events.CaseDispatched:
			if !dispatched[d.Stream] {
				dispatched[d.Stream] = true
				first++
				if p.Mode == events.ModeRule {
					firstRule++
				}
			}
			if p.Mode == events.ModeRule && rules[p.ListVersion][p.RuleID] != p.ToUnit {
				t.Fatalf("%s: rule dispatch to %s, but rule %s of list %d names %q", d.Stream, p.ToUnit, p.RuleID, p.ListVersion, rules[p.ListVersion][p.RuleID])
			}
			if slices.Contains(returnedBy[d.Stream], p.ToUnit) && !ponged[d.Stream] {
				ponged[d.Stream] = true
				pingPong++
			}
		case *events.CaseReturned:
			returnedBy[d.Stream] = append(returnedBy[d.Stream], p.Unit)
		case *events.CaseResolved:
			resolved++
			if kind[p.Unit] == events.UnitCenter {
				if dispatched[d.Stream] {
					t.Fatalf("%s: the centre answered a case it had dispatched", d.Stream)
				}
				direct++
			}
		}
	}
	cases := sum.Cases
	inRange(t, "auto-dispatch rate (first dispatches by rule)", share(firstRule, first), 0.60, 0.95)
	inRange(t, "return rate", share(sum.Returns, int(sum.ByType[events.TypeCaseDispatched])), 0.03, 0.30)
	inRange(t, "ping-pong cases", share(pingPong, cases), 0.002, 0.10)
	if pingPong != sum.PingPongCases {
		t.Errorf("events show %d ping-pong cases, summary %d", pingPong, sum.PingPongCases)
	}
	inRange(t, "reopen rate", share(sum.Reopened, resolved), 0.005, 0.15)
	inRange(t, "invalid ratings", share(sum.InvalidRatings, sum.Ratings+sum.InvalidRatings), 0.01, 0.10)
	inRange(t, "open at end", share(sum.OpenAtEnd, cases), 0.02, 0.40)
	inRange(t, "unresolved at end", share(sum.UnresolvedAtEnd, sum.OpenAtEnd), 0.05, 1)
	inRange(t, "merged duplicates", share(sum.Merged, cases), 0.005, 0.08)
	inRange(t, "answered directly by the centre", share(direct, channels[events.ChannelHotline]), 0.05, 0.2)
	if direct != sum.DirectAnswers {
		t.Errorf("events show %d direct answers, summary %d", direct, sum.DirectAnswers)
	}
	inRange(t, "hotline share", share(channels[events.ChannelHotline], cases), 0.35, 0.7)
	for _, ch := range []string{events.ChannelApp, events.ChannelGridPatrol, events.ChannelSuperior, events.ChannelEnterprise} {
		inRange(t, ch+" share", share(channels[ch], cases), 0.005, 0.4)
	}
	for _, mode := range []string{events.ModeManual, events.ModeFallback, events.ModeForced} {
		if sum.Dispatches[mode] == 0 {
			t.Errorf("no %s dispatch", mode)
		}
	}
	inRange(t, "forced dispatches per case", share(sum.Dispatches[events.ModeForced], cases), 0.0005, 0.03)
	if sum.ByType[events.TypeCaseExtended] == 0 || sum.ByType[events.TypeCaseContacted] == 0 {
		t.Error("no extensions or no contacts")
	}
	inRange(t, "morning peak / night arrivals", share(arrivalsPeak, arrivalsNight), 5, 100)
	inRange(t, "weekend / weekday daily arrivals", (weekend/8)/(weekday/22), 0.4, 0.9) // October 2026: 8 weekend days
	if sum.ListVersions != 2 {
		t.Errorf("%d list versions, want 2 (version 2 mid-month)", sum.ListVersions)
	}
}

func TestHandlingTimesAreHeavyTailed(t *testing.T) {
	_, drafts := generate(t, month)
	sent := map[string]time.Time{}
	var dwell []float64
	for _, d := range drafts {
		switch d.Payload.(type) {
		case *events.CaseDispatched:
			sent[d.Stream] = d.OccurredAt
		case *events.CaseAccepted, *events.CaseReturned:
			dwell = append(dwell, d.OccurredAt.Sub(sent[d.Stream]).Hours())
		}
	}
	slices.Sort(dwell)
	p50, p99 := dwell[len(dwell)/2], dwell[len(dwell)*99/100]
	inRange(t, "unsigned dwell p50 (hours)", p50, 0.2, 24)
	inRange(t, "unsigned dwell p99/p50", p99/p50, 5, 1000)
}

func TestTopicsVoteCleanly(t *testing.T) {
	sum, drafts := generate(t, month)
	type topic struct {
		open   *events.TopicOpened
		voted  map[string]bool
		counts map[string]int
	}
	topics := map[string]*topic{}
	secret := 0
	for _, d := range drafts {
		switch p := d.Payload.(type) {
		case *events.TopicOpened:
			topics[d.Stream] = &topic{open: p, voted: map[string]bool{}, counts: map[string]int{}}
			if p.Secret {
				secret++
			}
		case *events.BallotCast:
			tp := topics[d.Stream]
			if d.OccurredAt.Before(tp.open.OpensAt) || !d.OccurredAt.Before(tp.open.ClosesAt) {
				t.Fatalf("%s: ballot at %s outside [%s, %s)", d.Stream, d.OccurredAt, tp.open.OpensAt, tp.open.ClosesAt)
			}
			if !slices.Contains(tp.open.Eligible, p.Voter) || tp.voted[p.Voter] {
				t.Fatalf("%s: voter %s not eligible or voting twice", d.Stream, p.Voter)
			}
			tp.voted[p.Voter] = true
			tp.counts[p.Choice]++
		case *events.TopicClosed:
			tp := topics[d.Stream]
			if p.Turnout != len(tp.voted) || p.Turnout > len(tp.open.Eligible) {
				t.Fatalf("%s: turnout %d, ballots %d, eligible %d", d.Stream, p.Turnout, len(tp.voted), len(tp.open.Eligible))
			}
			for _, c := range p.Tally {
				if tp.counts[c.Option] != c.Votes {
					t.Fatalf("%s: %s published %d, counted %d", d.Stream, c.Option, c.Votes, tp.counts[c.Option])
				}
			}
		}
	}
	if len(topics) != sim.DefaultTopics || sum.TopicsClosed < sim.DefaultTopics*3/4 {
		t.Errorf("%d topics opened, %d closed; want %d, most closed", len(topics), sum.TopicsClosed, sim.DefaultTopics)
	}
	if secret == 0 || secret == len(topics) {
		t.Errorf("%d of %d topics secret, want some", secret, len(topics))
	}
	inRange(t, "turnout", share(sum.Ballots, sum.Eligible), 0.2, 0.9)
}

// TestMemoryFollowsBacklog doubles the period at the same arrival rate:
// the cases held at once (the simulator's state) must not double.
func TestMemoryFollowsBacklog(t *testing.T) {
	count := func(cfg sim.Config) sim.Summary {
		sum, err := sim.Generate(cfg, func(events.Draft) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	one := count(sim.Config{Seed: 3, Days: 30, Cases: 10000, Topics: 1})
	two := count(sim.Config{Seed: 3, Days: 60, Cases: 20000, Topics: 1})
	inRange(t, "peak open cases / cases (60 days)", share(two.PeakOpenCases, two.Cases), 0.02, 0.25)
	inRange(t, "peak open cases, 60 days / 30 days", share(two.PeakOpenCases, one.PeakOpenCases), 0.8, 1.4)
	if two.StaleRuleDispatches == 0 {
		t.Error("no rule dispatch cites list version 1 after version 2 came into force")
	}
}
