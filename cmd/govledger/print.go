package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/govledger/govledger/events"
)

// printByType prints event counts in catalogue order (then any unknown types).
func printByType(w io.Writer, byType map[string]uint64) {
	fmt.Fprintln(w, "events by type:")
	done := map[string]bool{}
	order := append(caseOrder(), events.Types()...)
	for _, t := range order {
		if done[t] {
			continue
		}
		done[t] = true
		if n := byType[t]; n > 0 {
			fmt.Fprintf(w, "  %-26s %10d\n", t, n)
		}
	}
	for _, t := range sortedKeys(byType) {
		if !done[t] {
			fmt.Fprintf(w, "  %-26s %10d\n", t, byType[t])
		}
	}
}

// caseOrder is the order a reader expects: registry, the case lifecycle, deliberation.
func caseOrder() []string {
	return []string{
		events.TypeUnitRegistered, events.TypeRespPublished, events.TypeSubjectErased,
		events.TypeCaseReported, events.TypeCaseDispatched, events.TypeCaseReturned, events.TypeCaseAccepted,
		events.TypeCaseContacted, events.TypeCaseExtended, events.TypeCaseResolved, events.TypeCaseRated,
		events.TypeCaseReopened, events.TypeCaseMerged, events.TypeCaseClosed,
		events.TypeTopicOpened, events.TypeBallotCast, events.TypeTopicClosed,
	}
}

// describe is a one-line human summary of an event's payload.
func describe(p events.Payload) string {
	switch p := p.(type) {
	case *events.CaseReported:
		loc := p.Location.Street
		if p.Location.Community != "" {
			loc += "/" + p.Location.Community
		}
		if p.Location.Grid != "" {
			loc += "/" + p.Location.Grid
		}
		return fmt.Sprintf("%s via %s at %s, deadline policy %s", p.Category, p.Channel, loc, p.DeadlinePolicy)
	case *events.CaseDispatched:
		s := fmt.Sprintf("%s -> %s (%s", p.FromUnit, p.ToUnit, p.Mode)
		if p.RuleID != "" {
			s += fmt.Sprintf(", rule %s of list v%d", p.RuleID, p.ListVersion)
		}
		return s + ")"
	case *events.CaseReturned:
		s := fmt.Sprintf("%s returned it: %s", p.Unit, p.Reason)
		if p.SuggestedUnit != "" {
			s += ", suggests " + p.SuggestedUnit
		}
		return s
	case *events.CaseAccepted:
		return p.Unit + " signed for it"
	case *events.CaseContacted:
		return fmt.Sprintf("%s contacted the citizen by %s", p.Unit, p.Means)
	case *events.CaseExtended:
		return fmt.Sprintf("deadline extended to %s: %s", p.NewDeadline.Format("2006-01-02 15:04 -07:00"), p.Reason)
	case *events.CaseResolved:
		s := fmt.Sprintf("%s resolved it: %s", p.Unit, p.Outcome)
		if p.DuplicateOf != "" {
			s += " of " + p.DuplicateOf
		}
		return s
	case *events.CaseReopened:
		return fmt.Sprintf("reopened by %s: %s", p.By, p.Reason)
	case *events.CaseRated:
		if !p.Valid {
			return "invalid rating: " + p.InvalidReason
		}
		return fmt.Sprintf("contacted=%v solved=%v %s", p.Contacted, p.Solved, p.Satisfaction)
	case *events.CaseMerged:
		return "merged into " + p.Parent
	case *events.CaseClosed:
		return "closed"
	case *events.TopicOpened:
		kind := "open"
		if p.Secret {
			kind = "secret"
		}
		return fmt.Sprintf("%q in %s, %d options, %d eligible, %s ballot until %s", p.Question, p.Community, len(p.Options), len(p.Eligible), kind, p.ClosesAt.Format("2006-01-02 15:04 -07:00"))
	case *events.BallotCast:
		return p.Voter + " voted"
	case *events.TopicClosed:
		s := fmt.Sprintf("turnout %d:", p.Turnout)
		for _, c := range p.Tally {
			s += fmt.Sprintf(" %s %d", c.Option, c.Votes)
		}
		return s
	case *events.UnitRegistered:
		return fmt.Sprintf("%s %s (%s) under %s", p.Kind, p.Unit, p.Name, p.Parent)
	case *events.ResponsibilityPublished:
		return fmt.Sprintf("list v%d, %d rules, fallback %s, effective %s", p.ListVersion, len(p.Rules), p.Fallback, p.EffectiveFrom.Format("2006-01-02 15:04 -07:00"))
	case *events.SubjectErased:
		return fmt.Sprintf("subject %s erased: %s", p.Subject, p.Reason)
	case *events.ActivityRecorded:
		return describeActivity(p)
	case *events.ImportRecorded:
		skipped := 0
		for _, c := range p.Skipped {
			skipped += c.Count
		}
		return fmt.Sprintf("%s import of %s (sha256 %.12s…): %d traces, %d events, %d skipped", p.Format, p.Source, p.SHA256, p.Traces, p.Events, skipped)
	}
	return ""
}

// describeActivity is an imported activity: its name and transition, who
// performed it, how many other attributes it has, and whether it opens or
// ends its trace.
func describeActivity(p *events.ActivityRecorded) string {
	var b strings.Builder
	b.WriteString(p.Activity)
	if p.Lifecycle != "" {
		b.WriteString(" (" + p.Lifecycle + ")")
	}
	if who := strings.Join(nonEmpty(p.Resource, p.Role, p.Group), ", "); who != "" {
		b.WriteString(" by " + who)
	}
	if n := len(p.Attributes); n > 0 {
		fmt.Fprintf(&b, ", %d attribute(s)", n)
	}
	if p.Trace != nil {
		fmt.Fprintf(&b, "; trace %q starts", p.Trace.Name)
	}
	if p.Last {
		b.WriteString("; trace ends")
	}
	return b.String()
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
