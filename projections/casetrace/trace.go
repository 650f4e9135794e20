package casetrace

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections/policy"
)

var (
	// ErrNoCase is returned by Build for an empty event list or one that
	// does not start with case.reported.
	ErrNoCase = errors.New("casetrace: not a case stream")
	// ErrMixed is returned by Build for events of more than one stream.
	ErrMixed = errors.New("casetrace: events of more than one case")
)

// Deadline statuses, at the case's last event.
const (
	StatusOnTime      = "on-time"      // resolved at or before the deadline
	StatusOverdue     = "overdue"      // resolved after the deadline
	StatusOpen        = "open"         // not resolved, deadline not passed
	StatusOpenOverdue = "open-overdue" // not resolved, deadline passed
)

// Trace is the complete timeline of one case, generated from its events.
// Its JSON form (field names below) is stable within casetrace/v1; times
// are RFC 3339 in the policy zone, durations whole seconds.
type Trace struct {
	// Case is the case id.
	Case string `json:"case"`
	// Channel, Category, Street, Community and Grid are as reported.
	Channel   string `json:"channel"`
	Category  string `json:"category"`
	Street    string `json:"street,omitempty"`
	Community string `json:"community,omitempty"`
	Grid      string `json:"grid,omitempty"`
	// Policy is the deadline policy named; PolicyKnown is false when the
	// table did not know it and the default policy was used.
	Policy      string `json:"policy"`
	PolicyKnown bool   `json:"policy_known"`
	// Reported is when the case was reported; Last is its last event.
	Reported time.Time `json:"reported"`
	Last     time.Time `json:"last"`
	// Steps are every event of the case, in order.
	Steps []Step `json:"steps"`
	// Holds are who held the case and for how long: from each dispatch
	// to the next dispatch, return or resolution.
	Holds []Hold `json:"holds"`
	// Transfers are the dispatches, each with the reason of the return
	// before it (if any).
	Transfers []Transfer `json:"transfers"`
	// Returns are the orders refused, with reason and suggested unit.
	Returns []Return `json:"returns"`
	// HandlingUnit is the unit of the final resolution, or the unit last
	// dispatched to ("" if none).
	HandlingUnit string `json:"handling_unit"`
	// Deadline is the deadline and its status at the last event.
	Deadline Deadline `json:"deadline"`
	// Resolved is the final resolution time if the case is resolved (and
	// not reopened since).
	Resolved *time.Time `json:"resolved,omitempty"`
	// Reopened counts reopenings; Merged is the parent case if merged;
	// Closed says whether the case was archived.
	Reopened int    `json:"reopened"`
	Merged   string `json:"merged,omitempty"`
	Closed   bool   `json:"closed"`
}

// Step is one event of the case. Only the fields of its type are set.
type Step struct {
	At    time.Time    `json:"at"`
	Type  string       `json:"type"`
	Actor events.Actor `json:"actor"`
	// case.reported
	Channel   string `json:"channel,omitempty"`
	Category  string `json:"category,omitempty"`
	Street    string `json:"street,omitempty"`
	Community string `json:"community,omitempty"`
	Grid      string `json:"grid,omitempty"`
	Policy    string `json:"policy,omitempty"`
	// case.dispatched
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	Mode        string `json:"mode,omitempty"`
	Rule        string `json:"rule,omitempty"`
	ListVersion int64  `json:"list_version,omitempty"`
	// case.returned, accepted, contacted, resolved: the unit acting
	Unit          string `json:"unit,omitempty"`
	Reason        string `json:"reason,omitempty"` // returned, extended, reopened
	SuggestedUnit string `json:"suggested_unit,omitempty"`
	Means         string `json:"means,omitempty"`
	// case.extended
	NewDeadline *time.Time `json:"new_deadline,omitempty"`
	ApprovedBy  string     `json:"approved_by,omitempty"`
	// case.resolved
	Outcome     string `json:"outcome,omitempty"`
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// case.reopened
	By string `json:"by,omitempty"`
	// case.rated
	Rating *Rating `json:"rating,omitempty"`
	// case.merged
	Parent string `json:"parent,omitempty"`
	// Held, on a step that ended a hold: the unit that held the case
	// and for how many seconds.
	HeldBy      string `json:"held_by,omitempty"`
	HeldSeconds int64  `json:"held_seconds,omitempty"`
}

// Rating is a return-visit answer.
type Rating struct {
	Contacted     bool   `json:"contacted"`
	Solved        bool   `json:"solved"`
	Satisfaction  string `json:"satisfaction,omitempty"`
	Valid         bool   `json:"valid"`
	InvalidReason string `json:"invalid_reason,omitempty"`
}

// Hold is one span during which a unit held the case.
type Hold struct {
	Unit string    `json:"unit"`
	From time.Time `json:"from"`
	// To is when the hold ended, nil while it lasts (Seconds then runs
	// to the case's last event).
	To      *time.Time `json:"to,omitempty"`
	Seconds int64      `json:"seconds"`
	// Ended is what ended it: "dispatch", "return", "resolve" or "" (open).
	Ended string `json:"ended,omitempty"`
}

// Transfer is one dispatch.
type Transfer struct {
	At   time.Time `json:"at"`
	From string    `json:"from"`
	To   string    `json:"to"`
	Mode string    `json:"mode"`
	// AfterReturn is the reason code of the return just before, if any.
	AfterReturn string `json:"after_return,omitempty"`
}

// Return is one refused order.
type Return struct {
	At            time.Time `json:"at"`
	Unit          string    `json:"unit"`
	Reason        string    `json:"reason"`
	SuggestedUnit string    `json:"suggested_unit,omitempty"`
}

// Deadline is the case's deadline and its status at its last event.
type Deadline struct {
	// At is the deadline in force; Original the policy's; Extensions
	// counts case.extended events (the last one's new deadline is At).
	At         time.Time `json:"at"`
	Original   time.Time `json:"original"`
	Extensions int       `json:"extensions"`
	// Status is on-time, overdue, open or open-overdue.
	Status string `json:"status"`
}

// Extend measures an open case to asOf, a time after its last event (for
// instance the latest event a projection has seen, or the ledger head's
// time): the open hold then runs to asOf, and an unresolved case whose
// deadline is before asOf becomes open-overdue. A resolved case, and an
// asOf not after Last, are left as they are.
func (t *Trace) Extend(asOf time.Time) {
	if !asOf.After(t.Last) || t.Resolved != nil {
		return
	}
	if n := len(t.Holds); n > 0 && t.Holds[n-1].To == nil {
		t.Holds[n-1].Seconds = max(asOf.Unix()-t.Holds[n-1].From.Unix(), 0)
	}
	if asOf.After(t.Deadline.At) {
		t.Deadline.Status = StatusOpenOverdue
	}
}

// HeldBy sums the holds per unit, in order of first hold.
func (t *Trace) HeldBy() []Hold {
	var out []Hold
	for _, h := range t.Holds {
		found := false
		for i := range out {
			if out[i].Unit == h.Unit {
				out[i].Seconds += h.Seconds
				found = true
			}
		}
		if !found {
			out = append(out, Hold{Unit: h.Unit, From: h.From, Seconds: h.Seconds})
		}
	}
	return out
}

// HeldBySummary renders HeldBy as "dept-water 1h0m, dept-roads 2h30m".
func (t *Trace) HeldBySummary() string {
	var b strings.Builder
	for i, h := range t.HeldBy() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(h.Unit)
		b.WriteByte(' ')
		b.WriteString(dur(h.Seconds))
	}
	return b.String()
}

func dur(s int64) string {
	d := time.Duration(s) * time.Second
	if d >= 24*time.Hour {
		return fmt.Sprintf("%dd%s", d/(24*time.Hour), strings.TrimSuffix((d%(24*time.Hour)).String(), "0s"))
	}
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	return out
}

// WriteText writes the trace for a reader: a header, one line per step
// (local time, actor, what happened, and how long the unit held the case
// when a hold ends), and the held-by summary.
func (t *Trace) WriteText(w io.Writer) error {
	const layout = "2006-01-02 15:04:05"
	var b strings.Builder
	fmt.Fprintf(&b, "case %s  %s via %s  at %s\n", t.Case, t.Category, t.Channel, strings.Trim(strings.Join([]string{t.Street, t.Community, t.Grid}, "/"), "/"))
	pol := t.Policy
	if !t.PolicyKnown {
		pol += " (unknown: default policy used)"
	}
	fmt.Fprintf(&b, "policy %s  deadline %s  %s", pol, t.Deadline.At.Format(layout), t.Deadline.Status)
	if t.Deadline.Extensions > 0 {
		fmt.Fprintf(&b, " (extended %d time(s) from %s)", t.Deadline.Extensions, t.Deadline.Original.Format(layout))
	}
	fmt.Fprintf(&b, "\nhandling unit %s  hops %d  returns %d\n", cmpOr(t.HandlingUnit, "(unassigned)"), len(t.Transfers), len(t.Returns))
	for i := range t.Steps {
		s := &t.Steps[i]
		actor := string(s.Actor.Kind) + " " + s.Actor.ID
		fmt.Fprintf(&b, "%s  %-24s %s", s.At.Format(layout), actor, s.what(layout))
		if s.HeldBy != "" {
			fmt.Fprintf(&b, "  [held by %s %s]", s.HeldBy, dur(s.HeldSeconds))
		}
		b.WriteByte('\n')
	}
	if len(t.Holds) > 0 {
		if h := t.Holds[len(t.Holds)-1]; h.To == nil {
			fmt.Fprintf(&b, "still held by %s, %s as of the last event\n", h.Unit, dur(h.Seconds))
		}
		fmt.Fprintf(&b, "held by: %s\n", t.HeldBySummary())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// what says in words what the step did.
func (s *Step) what(layout string) string {
	switch s.Type {
	case events.TypeCaseReported:
		return fmt.Sprintf("reported via %s: %s (policy %s)", s.Channel, s.Category, s.Policy)
	case events.TypeCaseDispatched:
		out := fmt.Sprintf("dispatched %s -> %s (%s", s.From, s.To, s.Mode)
		if s.Rule != "" {
			out += fmt.Sprintf(" %s v%d", s.Rule, s.ListVersion)
		}
		return out + ")"
	case events.TypeCaseReturned:
		out := fmt.Sprintf("returned by %s: %s", s.Unit, s.Reason)
		if s.SuggestedUnit != "" {
			out += ", suggests " + s.SuggestedUnit
		}
		return out
	case events.TypeCaseAccepted:
		return "accepted (signed for) by " + s.Unit
	case events.TypeCaseContacted:
		return fmt.Sprintf("%s contacted the citizen by %s", s.Unit, s.Means)
	case events.TypeCaseExtended:
		return fmt.Sprintf("deadline extended to %s: %s", s.NewDeadline.Format(layout), s.Reason)
	case events.TypeCaseResolved:
		out := fmt.Sprintf("resolved by %s: %s", s.Unit, s.Outcome)
		if s.DuplicateOf != "" {
			out += " of " + s.DuplicateOf
		}
		return out
	case events.TypeCaseReopened:
		return fmt.Sprintf("reopened by %s: %s", s.By, s.Reason)
	case events.TypeCaseRated:
		r := s.Rating
		if !r.Valid {
			return "rating not counted: " + r.InvalidReason
		}
		return fmt.Sprintf("rated: contacted %s, solved %s, %s", yn(r.Contacted), yn(r.Solved), r.Satisfaction)
	case events.TypeCaseMerged:
		return "merged into " + s.Parent
	case events.TypeCaseClosed:
		return "closed"
	}
	return s.Type
}

func yn(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Build folds the events of one case stream, in stream order, into its
// trace, with the default policy (policy.Default()). It is what
// `govledger trace <id>` runs over the one stream it reads; it gives the
// same trace as (*Projection).Trace for the same events.
func Build(evs []events.Event) (Trace, error) { return BuildWith(policy.Default(), evs) }

// BuildWith is Build with the given policy rules.
func BuildWith(rules *policy.Rules, evs []events.Event) (Trace, error) {
	if len(evs) == 0 {
		return Trace{}, fmt.Errorf("%w: no events", ErrNoCase)
	}
	id := evs[0].CaseID()
	if id == "" || evs[0].Type != events.TypeCaseReported {
		return Trace{}, fmt.Errorf("%w: %s starts with %s, not case.reported", ErrNoCase, evs[0].Stream, evs[0].Type)
	}
	raws := make([]raw, 0, len(evs))
	for i := range evs {
		e := &evs[i]
		if e.Stream != evs[0].Stream {
			return Trace{}, fmt.Errorf("%w: %s and %s", ErrMixed, evs[0].Stream, e.Stream)
		}
		if _, known := events.Lookup(e.Type); !known {
			continue
		}
		pl, err := e.Payload()
		if err != nil {
			return Trace{}, fmt.Errorf("casetrace: %s version %d: %w", e.Stream, e.Version, err)
		}
		if r, ok := toRaw(e, pl); ok {
			raws = append(raws, r)
		}
	}
	return fold(rules, id, raws), nil
}
