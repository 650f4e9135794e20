package events

import (
	"fmt"
	"time"
)

// Deliberation type names.
const (
	TypeTopicOpened = "topic.opened"
	TypeBallotCast  = "ballot.cast"
	TypeTopicClosed = "topic.closed"
)

// MaxVoters bounds a topic's eligible voter list (one payload).
const MaxVoters = 2000

// TopicOpened opens a community topic (社区议事) for a vote.
type TopicOpened struct {
	Community string   `json:"community"`
	Question  string   `json:"question"`
	Options   []string `json:"options"`
	// Eligible lists the subject ids allowed to vote, one counted ballot each.
	Eligible []string  `json:"eligible"`
	OpensAt  time.Time `json:"opens_at"`
	ClosesAt time.Time `json:"closes_at"`
	// Secret ballots are tallied without linking a voter to a choice.
	Secret bool `json:"secret"`
}

// EventType implements Payload.
func (*TopicOpened) EventType() string { return TypeTopicOpened }

// Validate implements Payload.
func (p *TopicOpened) Validate() error {
	if err := checkID("community", p.Community, true); err != nil {
		return err
	}
	if err := checkText("question", p.Question, true); err != nil {
		return err
	}
	if len(p.Options) < 2 || len(p.Options) > 32 {
		return invalid("options", fmt.Sprintf("has %d entries, need 2..32", len(p.Options)))
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		if err := checkID(fmt.Sprintf("options[%d]", i), o, true); err != nil {
			return err
		}
		if seen[o] {
			return invalid("options", fmt.Sprintf("repeats %q", o))
		}
		seen[o] = true
	}
	if len(p.Eligible) == 0 || len(p.Eligible) > MaxVoters {
		return invalid("eligible", fmt.Sprintf("has %d voters, need 1..%d", len(p.Eligible), MaxVoters))
	}
	voters := make(map[string]bool, len(p.Eligible))
	for i, v := range p.Eligible {
		if err := checkID(fmt.Sprintf("eligible[%d]", i), v, true); err != nil {
			return err
		}
		if voters[v] {
			return invalid("eligible", fmt.Sprintf("lists %q twice", v))
		}
		voters[v] = true
	}
	if err := CheckTime("opens_at", p.OpensAt, true); err != nil {
		return err
	}
	if err := CheckTime("closes_at", p.ClosesAt, true); err != nil {
		return err
	}
	if !p.ClosesAt.After(p.OpensAt) {
		return invalid("closes_at", "is not after opens_at")
	}
	return nil
}

// BallotCast is one voter's ballot.
type BallotCast struct {
	Voter  string `json:"voter"`
	Choice string `json:"choice"`
}

// EventType implements Payload.
func (*BallotCast) EventType() string { return TypeBallotCast }

// Validate implements Payload.
func (p *BallotCast) Validate() error {
	if err := checkID("voter", p.Voter, true); err != nil {
		return err
	}
	return checkID("choice", p.Choice, true)
}

// OptionCount is one line of a published tally.
type OptionCount struct {
	Option string `json:"option"`
	Votes  int    `json:"votes"`
}

// TopicClosed closes voting and publishes the result. The ledger refuses
// a result that does not equal the tally of the ballots it holds.
type TopicClosed struct {
	Turnout int           `json:"turnout"`
	Tally   []OptionCount `json:"tally"`
	Outcome string        `json:"outcome,omitempty"`
}

// EventType implements Payload.
func (*TopicClosed) EventType() string { return TypeTopicClosed }

// Validate implements Payload.
func (p *TopicClosed) Validate() error {
	if p.Turnout < 0 {
		return invalid("turnout", "is negative")
	}
	sum := 0
	for i, c := range p.Tally {
		if err := checkID(fmt.Sprintf("tally[%d].option", i), c.Option, true); err != nil {
			return err
		}
		if c.Votes < 0 {
			return invalid(fmt.Sprintf("tally[%d].votes", i), "is negative")
		}
		sum += c.Votes
	}
	if sum != p.Turnout {
		return invalid("tally", fmt.Sprintf("sums to %d, turnout is %d", sum, p.Turnout))
	}
	return checkText("outcome", p.Outcome, false)
}
