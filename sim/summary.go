package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Summary describes what a simulation produced. Counts are of events
// emitted (Generate) or appended (Run).
type Summary struct {
	// Events is the number of events; ByType splits it by type name.
	Events int64
	ByType map[string]int64
	// First and Last are the occurred_at of the first and last event.
	First, Last time.Time

	// Units is the number of units registered; ListVersions the number of
	// responsibility list versions published (1 or 2).
	Units        int
	ListVersions int

	// Cases is the number of cases reported, by channel in CasesByChannel.
	Cases          int
	CasesByChannel map[string]int
	// Dispatches counts dispatches by mode; FirstDispatches counts each
	// case's first dispatch by mode (the auto-dispatch rate's basis).
	Dispatches      map[string]int
	FirstDispatches map[string]int
	// StaleRuleDispatches counts rule dispatches that cite list version 1
	// after version 2 came into force (they contradict the list in force).
	StaleRuleDispatches int
	// Returns counts case.returned events; PingPongCases the cases that
	// were dispatched to a unit that had returned them before.
	Returns       int
	PingPongCases int
	// Merged counts cases merged into an earlier case at intake.
	Merged int
	// DirectAnswers counts hotline cases the centre answered itself,
	// without dispatching them.
	DirectAnswers int
	// Ratings and InvalidRatings count valid and invalid return visits.
	Ratings        int
	InvalidRatings int
	// Reopened counts cases reopened at least once; Reopenings every reopening.
	Reopened   int
	Reopenings int
	// Closed counts cases closed. OpenAtEnd counts cases not closed at
	// the end of the period, UnresolvedAtEnd those of them still open
	// (not resolved). PeakOpenCases is the most cases open at once: the
	// simulator's memory is proportional to it.
	Closed          int
	OpenAtEnd       int
	UnresolvedAtEnd int
	PeakOpenCases   int

	// Topics counts topics opened, TopicsClosed those closed with a
	// tally, TopicsOpenAtEnd those not closed (or not yet announced) at
	// the end. Ballots counts ballots cast, Eligible the voters on the
	// lists of the topics opened.
	Topics          int
	TopicsClosed    int
	TopicsOpenAtEnd int
	Ballots         int
	Eligible        int
}

func (s *Summary) init() {
	s.ByType = map[string]int64{}
	s.CasesByChannel = map[string]int{}
	s.Dispatches = map[string]int{}
	s.FirstDispatches = map[string]int{}
}

func (s *Summary) count(typ string, t time.Time) {
	if s.Events == 0 {
		s.First = t
	}
	s.Events++
	s.ByType[typ]++
	s.Last = t
}

// Report returns a human-readable description of the summary, the same
// text for the same summary (keys are printed in sorted order).
func (s Summary) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "events: %d from %s to %s\n", s.Events, s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339))
	for _, k := range sortedKeys(s.ByType) {
		fmt.Fprintf(&b, "  %-26s %d\n", k, s.ByType[k])
	}
	fmt.Fprintf(&b, "units: %d, responsibility list versions: %d\n", s.Units, s.ListVersions)
	fmt.Fprintf(&b, "cases: %d (closed %d, open at end %d of which unresolved %d, peak open %d)\n",
		s.Cases, s.Closed, s.OpenAtEnd, s.UnresolvedAtEnd, s.PeakOpenCases)
	fmt.Fprintf(&b, "  by channel:%s\n", inline(s.CasesByChannel))
	fmt.Fprintf(&b, "  first dispatch:%s\n", inline(s.FirstDispatches))
	fmt.Fprintf(&b, "  all dispatches:%s\n", inline(s.Dispatches))
	fmt.Fprintf(&b, "  answered directly by the centre %d; returns %d, ping-pong cases %d, stale rule dispatches %d, merged %d\n",
		s.DirectAnswers, s.Returns, s.PingPongCases, s.StaleRuleDispatches, s.Merged)
	fmt.Fprintf(&b, "  ratings valid %d, invalid %d; reopened cases %d (reopenings %d)\n",
		s.Ratings, s.InvalidRatings, s.Reopened, s.Reopenings)
	fmt.Fprintf(&b, "topics: %d opened, %d closed, %d not closed at end; ballots %d of %d eligible\n",
		s.Topics, s.TopicsClosed, s.TopicsOpenAtEnd, s.Ballots, s.Eligible)
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func inline[V int | int64](m map[string]V) string {
	var b strings.Builder
	var total V
	for _, v := range m {
		total += v
	}
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(&b, " %s %d (%.1f%%)", k, m[k], 100*float64(m[k])/float64(max(total, 1)))
	}
	return b.String()
}
