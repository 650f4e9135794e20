package ledger

import (
	"fmt"
	"sort"
	"strings"

	"github.com/govledger/govledger/events"
)

// fixedStream names the one registry stream each registry type lives on.
var fixedStream = map[string]string{
	events.TypeUnitRegistered: events.UnitsStream,
	events.TypeRespPublished:  events.ResponsibilityStream,
	events.TypeSubjectErased:  events.SubjectsStream,
	events.TypeImportRecorded: events.ImportsStream,
}

// violation is a broken rule: its short name and the detail.
type violation struct{ rule, detail string }

func broke(rule, format string, args ...any) *violation {
	return &violation{rule: rule, detail: fmt.Sprintf(format, args...)}
}

// checker checks one event against the state of its stream and the
// registry overlay of its batch.
type checker struct {
	reg *overlay
	// caseExists reports whether a case stream exists (in the store or
	// earlier in the batch).
	caseExists func(stream string) (bool, error)
}

func (c *checker) unit(field, id string) *violation {
	if id == "" {
		return nil
	}
	if _, ok := c.reg.unitKind(id); !ok {
		return broke("unknown-unit", "%s %q is not a registered unit", field, id)
	}
	return nil
}

// check returns the rule ev breaks on st, or nil. It does not change st.
func (c *checker) check(st *streamState, ev *events.Event, p events.Payload) (*violation, error) {
	if st.version >= 0 && ev.OccurredAt.Before(st.lastTime) {
		return broke("time-backwards", "occurred_at %s is before the stream's previous event (%s)",
			ev.OccurredAt.Format("2006-01-02T15:04:05Z07:00"), st.lastTime.Format("2006-01-02T15:04:05Z07:00")), nil
	}
	if want, ok := fixedStream[ev.Type]; ok && ev.Stream != want {
		return broke("stream-kind", "%s events go on %s", ev.Type, want), nil
	}
	kind, _ := events.SplitStream(ev.Stream)
	switch kind {
	case events.StreamCase:
		return c.checkCase(st, ev, p)
	case events.StreamTopic:
		return c.checkTopic(st, ev, p), nil
	case events.StreamRegistry:
		return c.checkRegistry(p), nil
	case events.StreamTrace:
		if _, ok := p.(*events.ActivityRecorded); !ok {
			return broke("stream-kind", "%s does not belong on a trace stream", ev.Type), nil
		}
		return nil, nil
	}
	return broke("stream-kind", "unknown stream kind %q", kind), nil
}

func (c *checker) checkCase(st *streamState, ev *events.Event, p events.Payload) (*violation, error) {
	if rep, ok := p.(*events.CaseReported); ok {
		if st.version >= 0 {
			return broke("case-already-reported", "%s already exists (version %d)", ev.Stream, st.version), nil
		}
		for _, f := range []struct{ n, v string }{{"location.street", rep.Location.Street}, {"location.community", rep.Location.Community}, {"location.grid", rep.Location.Grid}} {
			if v := c.unit(f.n, f.v); v != nil {
				return v, nil
			}
		}
		if rep.Reporter != "" && c.reg.isErased(rep.Reporter) {
			return broke("subject-erased", "reporter %q has been erased", rep.Reporter), nil
		}
		return nil, nil
	}
	if st.version < 0 || st.c == nil {
		return broke("unknown-case", "%s has not been reported", ev.Stream), nil
	}
	cs := st.c
	if cs.status == caseClosed {
		return broke("case-closed", "%s is closed; no further events", ev.Stream), nil
	}
	if cs.status == caseMerged && ev.Type != events.TypeCaseClosed {
		return broke("case-merged", "%s was merged into another case; only case.closed may follow", ev.Stream), nil
	}
	switch p := p.(type) {
	case *events.CaseDispatched:
		if cs.status != caseOpen {
			return broke("not-open", "cannot dispatch a %s case; reopen it first", cs.status), nil
		}
		if v := c.unit("from_unit", p.FromUnit); v != nil {
			return v, nil
		}
		if v := c.unit("to_unit", p.ToUnit); v != nil {
			return v, nil
		}
		if p.ListVersion > 0 {
			rules, ok := c.reg.list(p.ListVersion)
			if !ok {
				return broke("unknown-list", "responsibility list version %d has not been published", p.ListVersion), nil
			}
			if p.RuleID != "" {
				if _, ok := rules[p.RuleID]; !ok {
					return broke("unknown-list", "rule %q is not in responsibility list version %d", p.RuleID, p.ListVersion), nil
				}
			}
		}
	case *events.CaseReturned:
		if cs.status != caseOpen {
			return broke("not-open", "cannot return a %s case", cs.status), nil
		}
		if p.Unit != cs.pending && p.Unit != cs.holder {
			return broke("not-pending", "%q does not hold the order (pending: %q, holder: %q)", p.Unit, cs.pending, cs.holder), nil
		}
		if v := c.unit("suggested_unit", p.SuggestedUnit); v != nil {
			return v, nil
		}
	case *events.CaseAccepted:
		if cs.status != caseOpen {
			return broke("not-open", "cannot accept a %s case", cs.status), nil
		}
		if cs.pending == "" || p.Unit != cs.pending {
			return broke("not-pending", "%q was not dispatched the case (pending: %q)", p.Unit, cs.pending), nil
		}
	case *events.CaseContacted:
		if v := c.unit("unit", p.Unit); v != nil {
			return v, nil
		}
	case *events.CaseExtended:
		if cs.status != caseOpen {
			return broke("not-open", "cannot extend a %s case", cs.status), nil
		}
		if !p.NewDeadline.After(ev.OccurredAt) {
			return broke("extension-in-past", "new_deadline %s is not after the extension itself", p.NewDeadline.Format("2006-01-02T15:04:05Z07:00")), nil
		}
	case *events.CaseResolved:
		if cs.status != caseOpen {
			return broke("not-open", "cannot resolve a %s case", cs.status), nil
		}
		if cs.holder == "" || p.Unit != cs.holder {
			// A dispatch centre may answer a case itself (直接答复, e.g. a
			// hotline question answered on the call) while no unit has it.
			kind, _ := c.reg.unitKind(p.Unit)
			if !(kind == events.UnitCenter && cs.holder == "" && cs.pending == "") {
				return broke("not-holder", "%q has not accepted the case (holder: %q; only a dispatch centre may resolve a case no unit holds)", p.Unit, cs.holder), nil
			}
		}
	case *events.CaseReopened:
		if cs.status != caseResolved {
			return broke("not-resolved", "only a resolved case can be reopened; %s is %s", ev.Stream, cs.status), nil
		}
	case *events.CaseRated:
		if cs.status != caseResolved {
			return broke("not-resolved", "no rating before resolution; %s is %s", ev.Stream, cs.status), nil
		}
		if cs.rated {
			return broke("already-rated", "this resolution of %s is already rated", ev.Stream), nil
		}
		if p.Respondent != "" && c.reg.isErased(p.Respondent) {
			return broke("subject-erased", "respondent %q has been erased", p.Respondent), nil
		}
	case *events.CaseMerged:
		parent := events.CaseStream(p.Parent)
		if parent == ev.Stream {
			return broke("unknown-case", "a case cannot be merged into itself"), nil
		}
		ok, err := c.caseExists(parent)
		if err != nil {
			return nil, err
		}
		if !ok {
			return broke("unknown-case", "parent %s has not been reported", parent), nil
		}
	case *events.ActivityRecorded:
		// An imported activity no mapping turned into a lifecycle event:
		// it is kept, and changes nothing about the case.
	case *events.CaseClosed:
		if cs.status != caseResolved && cs.status != caseMerged {
			return broke("close-unresolved", "only a resolved or merged case can be closed; %s is %s", ev.Stream, cs.status), nil
		}
	default:
		return broke("stream-kind", "%s does not belong on a case stream", ev.Type), nil
	}
	return nil, nil
}

func (c *checker) checkTopic(st *streamState, ev *events.Event, p events.Payload) *violation {
	if op, ok := p.(*events.TopicOpened); ok {
		if st.version >= 0 {
			return broke("topic-exists", "%s is already open", ev.Stream)
		}
		return c.unit("community", op.Community)
	}
	if st.version < 0 || st.t == nil {
		return broke("unknown-topic", "%s has not been opened", ev.Stream)
	}
	ts := st.t
	if ts.closed {
		return broke("topic-closed", "%s is closed", ev.Stream)
	}
	switch p := p.(type) {
	case *events.BallotCast:
		if ev.OccurredAt.Before(ts.opensAt) || !ev.OccurredAt.Before(ts.closesAt) {
			return broke("ballot-window", "ballot at %s is outside the voting window [%s, %s)",
				ev.OccurredAt.Format("2006-01-02T15:04:05Z07:00"), ts.opensAt.Format("2006-01-02T15:04:05Z07:00"), ts.closesAt.Format("2006-01-02T15:04:05Z07:00"))
		}
		if !ts.eligible[p.Voter] {
			return broke("not-eligible", "voter %q is not on the eligible list", p.Voter)
		}
		if ts.voted[p.Voter] {
			return broke("already-voted", "voter %q has already cast a counted ballot", p.Voter)
		}
		if _, ok := ts.options[p.Choice]; !ok {
			return broke("unknown-option", "%q is not an option of %s", p.Choice, ev.Stream)
		}
		if c.reg.isErased(p.Voter) {
			return broke("subject-erased", "voter %q has been erased", p.Voter)
		}
	case *events.TopicClosed:
		if ev.OccurredAt.Before(ts.closesAt) {
			return broke("voting-not-over", "voting closes at %s", ts.closesAt.Format("2006-01-02T15:04:05Z07:00"))
		}
		if p.Turnout != len(ts.voted) {
			return broke("tally-mismatch", "turnout %d, ballots counted %d", p.Turnout, len(ts.voted))
		}
		got := map[string]int{}
		for _, oc := range p.Tally {
			if _, dup := got[oc.Option]; dup {
				return broke("tally-mismatch", "option %q listed twice", oc.Option)
			}
			got[oc.Option] = oc.Votes
		}
		var diffs []string
		for opt, n := range ts.options {
			if got[opt] != n {
				diffs = append(diffs, fmt.Sprintf("%s: published %d, counted %d", opt, got[opt], n))
			}
		}
		for opt := range got {
			if _, ok := ts.options[opt]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s: not an option", opt))
			}
		}
		if len(diffs) > 0 {
			sort.Strings(diffs)
			return broke("tally-mismatch", "%s", strings.Join(diffs, "; "))
		}
	default:
		return broke("stream-kind", "%s does not belong on a topic stream", ev.Type)
	}
	return nil
}

func (c *checker) checkRegistry(p events.Payload) *violation {
	switch p := p.(type) {
	case *events.UnitRegistered:
		if _, ok := c.reg.unitKind(p.Unit); ok {
			return broke("unit-exists", "unit %q is already registered", p.Unit)
		}
		if p.Parent != "" {
			if _, ok := c.reg.unitKind(p.Parent); !ok {
				return broke("unknown-unit", "parent %q is not a registered unit", p.Parent)
			}
		}
	case *events.ResponsibilityPublished:
		if want := c.reg.latestList() + 1; p.ListVersion != want {
			return broke("list-version", "list_version %d, next version is %d", p.ListVersion, want)
		}
		if v := c.unit("fallback", p.Fallback); v != nil {
			return v
		}
		for i, r := range p.Rules {
			if v := c.unit(fmt.Sprintf("rules[%d].unit", i), r.Unit); v != nil {
				return v
			}
			if v := c.unit(fmt.Sprintf("rules[%d].street", i), r.Street); v != nil {
				return v
			}
		}
	case *events.SubjectErased:
		if c.reg.isErased(p.Subject) {
			return broke("subject-erased", "subject %q is already erased", p.Subject)
		}
	case *events.ImportRecorded:
	default:
		return broke("stream-kind", "%s does not belong on a registry stream", p.EventType())
	}
	return nil
}

// apply folds an event into its stream state (and registry overlay). It
// assumes the event passed check, or was read back from the store.
func apply(st *streamState, reg *overlay, ev *events.Event, p events.Payload) {
	st.version = int64(ev.Version)
	st.last = ev.Hash
	st.lastTime = ev.OccurredAt
	switch p := p.(type) {
	case *events.CaseReported:
		st.c = &caseState{}
	case *events.CaseDispatched:
		if st.c != nil {
			st.c.pending, st.c.holder = p.ToUnit, ""
		}
	case *events.CaseReturned:
		if st.c != nil {
			st.c.pending, st.c.holder = "", ""
		}
	case *events.CaseAccepted:
		if st.c != nil {
			st.c.holder, st.c.pending = p.Unit, ""
		}
	case *events.CaseResolved:
		if st.c != nil {
			st.c.status, st.c.rated, st.c.pending = caseResolved, false, ""
		}
	case *events.CaseReopened:
		if st.c != nil {
			st.c.status, st.c.pending, st.c.holder, st.c.rated = caseOpen, "", "", false
		}
	case *events.CaseRated:
		if st.c != nil {
			st.c.rated = true
		}
	case *events.CaseMerged:
		if st.c != nil {
			st.c.status = caseMerged
		}
	case *events.CaseClosed:
		if st.c != nil {
			st.c.status = caseClosed
		}
	case *events.TopicOpened:
		t := &topicState{
			options:  make(map[string]int, len(p.Options)),
			eligible: make(map[string]bool, len(p.Eligible)),
			voted:    map[string]bool{},
			opensAt:  p.OpensAt, closesAt: p.ClosesAt,
		}
		for _, o := range p.Options {
			t.options[o] = 0
		}
		for _, v := range p.Eligible {
			t.eligible[v] = true
		}
		st.t = t
	case *events.BallotCast:
		if st.t != nil {
			st.t.own()
			st.t.voted[p.Voter] = true
			st.t.options[p.Choice]++
		}
	case *events.TopicClosed:
		if st.t != nil {
			st.t.closed = true
		}
	case *events.UnitRegistered, *events.ResponsibilityPublished, *events.SubjectErased:
		if reg != nil {
			reg.apply(p)
		}
	}
}
