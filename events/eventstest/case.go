package eventstest

import (
	"time"

	"github.com/govledger/govledger/events"
)

// Case tells the story of one case.
type Case struct {
	s      *Story
	ID     string
	Stream string
}

// Case starts telling case id.
func (s *Story) Case(id string) *Case { return &Case{s: s, ID: id, Stream: events.CaseStream(id)} }

func (c *Case) draft(actor events.Actor, p events.Payload) events.Draft {
	return c.s.Draft(c.Stream, actor, p)
}

// Reported reports the case from a channel in a category, located in
// street 1 / community 1 / grid 1, by citizen S-<id>, without a
// description (a reporter's description is sealed personal data).
func (c *Case) Reported(channel, category string) events.Draft {
	return c.draft(Citizen("S-"+c.ID), &events.CaseReported{
		Channel: channel, Category: category,
		Location:       events.Location{Street: Street1, Community: Community1, Grid: Grid1},
		Reporter:       "S-" + c.ID,
		DeadlinePolicy: "standard-5wd",
	})
}

// ReportedWith reports the case with a payload of the caller's.
func (c *Case) ReportedWith(p *events.CaseReported) events.Draft {
	return c.draft(Citizen("S-"+c.ID), p)
}

// Dispatched sends the case from one unit to another.
func (c *Case) Dispatched(from, to, mode string) events.Draft {
	p := &events.CaseDispatched{FromUnit: from, ToUnit: to, Mode: mode}
	if mode == events.ModeRule {
		p.ListVersion = 1
		switch to {
		case Roads:
			p.RuleID = "r-pothole"
		case Water:
			p.RuleID = "r-leak"
		case Street2:
			p.RuleID = "r-noise-st2"
		default:
			p.RuleID = "r-noise"
		}
	}
	return c.draft(System, p)
}

// DispatchedWith sends the case with a payload of the caller's.
func (c *Case) DispatchedWith(p *events.CaseDispatched) events.Draft { return c.draft(System, p) }

// Returned records that unit refused the order for a reason.
func (c *Case) Returned(unit, reason string) events.Draft {
	return c.draft(UnitActor(unit), &events.CaseReturned{Unit: unit, Reason: reason})
}

// Accepted records that unit signed for the order.
func (c *Case) Accepted(unit string) events.Draft {
	return c.draft(UnitActor(unit), &events.CaseAccepted{Unit: unit})
}

// Contacted records that unit phoned the citizen.
func (c *Case) Contacted(unit string) events.Draft {
	return c.draft(UnitActor(unit), &events.CaseContacted{Unit: unit, Means: events.MeansPhone})
}

// Extended grants an extension to now + d.
func (c *Case) Extended(d time.Duration) events.Draft {
	return c.draft(Dispatcher, &events.CaseExtended{NewDeadline: c.s.now.Add(d), Reason: "needs parts"})
}

// Resolved records that unit finished the case with an outcome.
func (c *Case) Resolved(unit, outcome string) events.Draft {
	p := &events.CaseResolved{Unit: unit, Outcome: outcome, Summary: "done"}
	if outcome == events.OutcomeDuplicate {
		p.DuplicateOf = "C-0"
	}
	return c.draft(UnitActor(unit), p)
}

// Reopened reopens the case at the citizen's request.
func (c *Case) Reopened() events.Draft {
	return c.draft(Dispatcher, &events.CaseReopened{Reason: "citizen unsatisfied", By: events.ReopenByCitizen})
}

// Rated records a valid return-visit answer.
func (c *Case) Rated(contacted, solved bool, satisfaction string) events.Draft {
	return c.draft(Dispatcher, &events.CaseRated{Contacted: contacted, Solved: solved, Satisfaction: satisfaction, Valid: true})
}

// RatedInvalid records a rating that cannot be counted.
func (c *Case) RatedInvalid(reason string) events.Draft {
	return c.draft(Dispatcher, &events.CaseRated{Valid: false, InvalidReason: reason})
}

// Merged marks the case a duplicate of parent.
func (c *Case) Merged(parent string) events.Draft {
	return c.draft(Dispatcher, &events.CaseMerged{Parent: parent})
}

// Closed archives the case.
func (c *Case) Closed() events.Draft { return c.draft(Dispatcher, &events.CaseClosed{}) }

// Topic tells the story of one community topic.
type Topic struct {
	s      *Story
	ID     string
	Stream string
	Opened events.TopicOpened
}

// Topic starts telling topic id.
func (s *Story) Topic(id string) *Topic { return &Topic{s: s, ID: id, Stream: events.TopicStream(id)} }

// Open opens the topic in community 1 for the voters, with options yes/no,
// voting from now for d.
func (t *Topic) Open(d time.Duration, secret bool, voters ...string) events.Draft {
	t.Opened = events.TopicOpened{
		Community: Community1, Question: "Install a charging shed for e-bikes?",
		Options: []string{"yes", "no"}, Eligible: voters,
		OpensAt: t.s.now, ClosesAt: t.s.now.Add(d), Secret: secret,
	}
	p := t.Opened
	return t.s.Draft(t.Stream, events.Actor{Kind: events.ActorStaff, ID: "cm-staff", Unit: Community1}, &p)
}

// Ballot records voter's ballot for choice.
func (t *Topic) Ballot(voter, choice string) events.Draft {
	return t.s.Draft(t.Stream, Citizen(voter), &events.BallotCast{Voter: voter, Choice: choice})
}

// Close publishes a result with the given tally.
func (t *Topic) Close(tally ...events.OptionCount) events.Draft {
	n := 0
	for _, c := range tally {
		n += c.Votes
	}
	return t.s.Draft(t.Stream, events.Actor{Kind: events.ActorStaff, ID: "cm-staff", Unit: Community1}, &events.TopicClosed{Turnout: n, Tally: tally})
}
