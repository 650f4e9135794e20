// Package ballots tallies community topics (社区议事) from the ledger and
// checks every ballot again, so that a reviewer can trust a published
// result without trusting whoever published it.
//
// For each topic it reports the community, the question, the options,
// whether the ballot is secret or open, the voting window, the number of
// eligible voters, the ballots counted, the turnout (counted / eligible),
// the tally per option and the ballots refused, by reason. It compares the
// result published in topic.closed (turnout and tally) with the tally it
// recomputed and flags a mismatch per topic.
//
// # Re-checking ballots
//
// The write side refuses ineligible, repeat and out-of-window ballots, so a
// verified ledger normally holds none. The projection does not rely on it:
// every ballot.cast is checked against its topic, and a ballot that fails
// is counted under the first reason that applies, in this order, instead
// of being tallied:
//
//   - unknown_topic: no topic.opened on the ballot's stream before it;
//   - after_close: the topic's topic.closed came before it;
//   - outside_window: cast before opens_at or at or after closes_at;
//   - ineligible: the voter is not on the topic's eligible list;
//   - repeat: the voter already has a counted ballot;
//   - unknown_option: the choice is not one of the topic's options.
//
// A refused ballot does not mark its voter as having voted. A non-zero
// refused count in a verified ledger means the write side let through a
// ballot it must refuse.
//
// # Secret ballots
//
// For a secret topic nothing the projection keeps or outputs links a voter
// to a choice: its state holds the set of voters who cast a counted ballot
// (only to refuse repeats; released when the topic closes) and the count
// per option, never the pair. The state of a secret topic therefore does
// not change when two voters swap choices. For an open ballot the choice of
// each voter is kept, for the community notice board (OpenBallots); the
// Report shows aggregates only, for every topic.
package ballots

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
)

// Name is the projection's name and version.
const Name = "ballots/v1"

// Refusal reason codes, in the order the checks are made.
const (
	ReasonUnknownTopic  = "unknown_topic"
	ReasonAfterClose    = "after_close"
	ReasonOutsideWindow = "outside_window"
	ReasonIneligible    = "ineligible"
	ReasonRepeat        = "repeat"
	ReasonUnknownOption = "unknown_option"
)

// Reasons lists every refusal reason code, in the order the checks are made.
var Reasons = []string{ReasonUnknownTopic, ReasonAfterClose, ReasonOutsideWindow, ReasonIneligible, ReasonRepeat, ReasonUnknownOption}

const nReasons = 6

// Errors of the typed API and of state decoding.
var (
	// ErrUnknownTopic is returned for a topic the projection never saw.
	ErrUnknownTopic = errors.New("ballots: unknown topic")
	// ErrSecret is returned when asked who chose what in a secret topic.
	ErrSecret = errors.New("ballots: secret ballot: voters are not linked to choices")
	// ErrState is returned by UnmarshalState for bytes it cannot read.
	ErrState = errors.New("ballots: corrupt state")
)

// Config configures the projection. The zero Config is the default.
type Config struct {
	// Zone is the zone of period keys and of the times the report prints.
	// nil means Asia/Shanghai.
	Zone *time.Location
}

// Projection tallies topics and re-checks ballots. It is used by one
// goroutine at a time.
type Projection struct {
	loc    *time.Location
	topics map[string]*topic
}

// topic is one topic's state. Times are unix nanoseconds.
type topic struct {
	id        string
	opened    bool
	secret    bool
	closed    bool
	released  bool // secret topic closed: the voter set was dropped
	openedAt  int64
	community string
	question  string
	options   []string
	opensAt   int64
	closesAt  int64
	eligibleN int64
	// eligible is sorted; nil once released. voted (secret) is a bitset
	// over eligible; choice (open) holds 1+option index per eligible
	// voter, 0 for none. Exactly one of them is used.
	eligible []string
	voted    []byte
	choice   []uint8
	counts   []int64 // per option
	counted  int64
	refused  [nReasons]int64
	closedAt int64
	// The published result: turnout, votes per option (aligned with
	// options) and votes published for options not on the ballot.
	pubTurnout int64
	pubVotes   []int64
	pubExtra   int64
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Stateful   = (*Projection)(nil)
	_ projections.Filter     = (*Projection)(nil)
	_ projections.Reporter   = (*Projection)(nil)
)

// New returns an empty projection configured by cfg.
func New(cfg Config) *Projection {
	loc := cfg.Zone
	if loc == nil {
		loc = DefaultZone()
	}
	return &Projection{loc: loc, topics: map[string]*topic{}}
}

// DefaultZone returns Asia/Shanghai from the tz database, or a fixed +08:00
// zone of that name where the database is missing (China has kept +08:00
// without daylight saving time since 1991).
func DefaultZone() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}

// Name returns "ballots/v1".
func (p *Projection) Name() string { return Name }

// Types returns the deliberation event types the projection reads.
func (p *Projection) Types() []string {
	return []string{events.TypeTopicOpened, events.TypeBallotCast, events.TypeTopicClosed}
}

// get returns the topic of a topic stream, creating an empty one.
func (p *Projection) get(stream string) *topic {
	kind, id := events.SplitStream(stream)
	if kind != events.StreamTopic || id == "" {
		return nil
	}
	t := p.topics[id]
	if t == nil {
		t = &topic{id: strings.Clone(id)} // e.Stream may alias store memory
		p.topics[id] = t
	}
	return t
}

// Apply folds one deliberation event. Other types are ignored.
func (p *Projection) Apply(_ uint64, e *events.Event, payload events.Payload) error {
	switch pl := payload.(type) {
	case *events.TopicOpened:
		if t := p.get(e.Stream); t != nil && !t.opened {
			t.open(e.OccurredAt.UnixNano(), pl)
		}
	case *events.BallotCast:
		if t := p.get(e.Stream); t != nil {
			t.cast(e.OccurredAt.UnixNano(), pl)
		}
	case *events.TopicClosed:
		if t := p.get(e.Stream); t != nil && !t.closed {
			t.close(e.OccurredAt.UnixNano(), pl)
		}
	}
	return nil
}

func (t *topic) open(at int64, pl *events.TopicOpened) {
	t.opened, t.openedAt = true, at
	t.community, t.question, t.secret = pl.Community, pl.Question, pl.Secret
	// A choice is kept in one byte: options beyond maxOptions (the
	// write side allows 32) are treated as not on the ballot.
	t.options = slices.Clone(pl.Options[:min(len(pl.Options), maxOptions)])
	t.opensAt, t.closesAt = pl.OpensAt.UnixNano(), pl.ClosesAt.UnixNano()
	el := slices.Clone(pl.Eligible)
	slices.Sort(el)
	el = slices.Compact(el)
	t.eligible, t.eligibleN = el, int64(len(el))
	if t.secret {
		t.voted = make([]byte, (len(el)+7)/8)
	} else {
		t.choice = make([]uint8, len(el))
	}
	t.counts = make([]int64, len(t.options))
	if t.closed {
		// A result published before the topic was opened: every vote
		// it published is off the ballot (pubExtra) already.
		t.pubVotes = make([]int64, len(t.options))
	}
	if t.closed && t.secret {
		t.release()
	}
}

func (t *topic) cast(at int64, pl *events.BallotCast) {
	var reason int
	switch {
	case !t.opened:
		reason = 0
	case t.closed:
		reason = 1
	case at < t.opensAt || at >= t.closesAt:
		reason = 2
	default:
		v, ok := slices.BinarySearch(t.eligible, pl.Voter)
		if !ok {
			reason = 3
			break
		}
		if t.hasVoted(v) {
			reason = 4
			break
		}
		o := slices.Index(t.options, pl.Choice)
		if o < 0 {
			reason = 5
			break
		}
		if t.secret {
			t.voted[v/8] |= 1 << (v % 8)
		} else {
			t.choice[v] = uint8(o + 1)
		}
		t.counts[o]++
		t.counted++
		return
	}
	t.refused[reason]++
}

func (t *topic) hasVoted(v int) bool {
	if t.secret {
		return t.voted[v/8]&(1<<(v%8)) != 0
	}
	return t.choice[v] != 0
}

func (t *topic) close(at int64, pl *events.TopicClosed) {
	t.closed, t.closedAt = true, at
	t.pubTurnout = int64(pl.Turnout)
	t.pubVotes = make([]int64, len(t.options))
	for _, c := range pl.Tally {
		if o := slices.Index(t.options, c.Option); o >= 0 {
			t.pubVotes[o] += int64(c.Votes)
		} else {
			t.pubExtra += int64(c.Votes)
		}
	}
	if t.secret {
		t.release()
	}
}

// release drops a closed secret topic's voter set: no more ballot can be
// counted, so nothing about who voted needs to be kept.
func (t *topic) release() {
	t.eligible, t.voted, t.released = nil, nil, true
}

// mismatch reports whether the published result differs from the tally.
func (t *topic) mismatch() bool {
	if !t.closed {
		return false
	}
	if t.pubTurnout != t.counted || t.pubExtra != 0 {
		return true
	}
	for i, n := range t.counts {
		if t.pubVotes[i] != n {
			return true
		}
	}
	return false
}

// OptionVotes is the number of votes for one option.
type OptionVotes struct {
	Option string `json:"option"`
	Votes  int64  `json:"votes"`
}

// Refusals counts refused ballots by reason.
type Refusals struct {
	UnknownTopic  int64 `json:"unknown_topic"`
	AfterClose    int64 `json:"after_close"`
	OutsideWindow int64 `json:"outside_window"`
	Ineligible    int64 `json:"ineligible"`
	Repeat        int64 `json:"repeat"`
	UnknownOption int64 `json:"unknown_option"`
}

// Total is the number of refused ballots.
func (r Refusals) Total() int64 {
	return r.UnknownTopic + r.AfterClose + r.OutsideWindow + r.Ineligible + r.Repeat + r.UnknownOption
}

// Result is a result published in topic.closed. Votes published for an
// option not on the ballot are listed after the ballot's options under
// the option "(not on the ballot)".
type Result struct {
	Turnout int64         `json:"turnout"`
	Tally   []OptionVotes `json:"tally"`
}

// OffBallot is the option under which Result lists votes published for
// options that are not on the ballot.
const OffBallot = "(not on the ballot)"

// Topic is one topic's figures, aggregates only: it never says who chose
// what (see OpenBallots for open ballots).
type Topic struct {
	ID        string
	Opened    bool // false: ballots or a result on a topic never opened
	Community string
	Question  string
	Options   []string
	Secret    bool
	OpenedAt  time.Time // occurred_at of topic.opened
	OpensAt   time.Time
	ClosesAt  time.Time
	Eligible  int64
	Counted   int64
	Tally     []OptionVotes // recomputed, in option order
	Refused   Refusals
	Closed    bool
	ClosedAt  time.Time
	Published *Result // nil until closed
	Mismatch  bool    // the published result differs from Tally or Counted
}

// Turnout is Counted / Eligible, 0 when nobody is eligible.
func (t Topic) Turnout() float64 {
	if t.Eligible == 0 {
		return 0
	}
	return float64(t.Counted) / float64(t.Eligible)
}

func (p *Projection) view(t *topic) Topic {
	v := Topic{
		ID: t.id, Opened: t.opened, Community: t.community, Question: t.question,
		Options: slices.Clone(t.options), Secret: t.secret,
		Eligible: t.eligibleN, Counted: t.counted, Closed: t.closed, Mismatch: t.mismatch(),
		Refused: Refusals{t.refused[0], t.refused[1], t.refused[2], t.refused[3], t.refused[4], t.refused[5]},
	}
	if t.opened {
		v.OpenedAt = time.Unix(0, t.openedAt).In(p.loc)
		v.OpensAt = time.Unix(0, t.opensAt).In(p.loc)
		v.ClosesAt = time.Unix(0, t.closesAt).In(p.loc)
	}
	v.Tally = make([]OptionVotes, len(t.options))
	for i, o := range t.options {
		v.Tally[i] = OptionVotes{o, t.counts[i]}
	}
	if t.closed {
		v.ClosedAt = time.Unix(0, t.closedAt).In(p.loc)
		r := &Result{Turnout: t.pubTurnout, Tally: make([]OptionVotes, 0, len(t.options)+1)}
		for i, o := range t.options {
			r.Tally = append(r.Tally, OptionVotes{o, t.pubVotes[i]})
		}
		if t.pubExtra != 0 {
			r.Tally = append(r.Tally, OptionVotes{OffBallot, t.pubExtra})
		}
		v.Published = r
	}
	return v
}

// Topics returns every topic's figures, sorted by topic id.
func (p *Projection) Topics() []Topic {
	out := make([]Topic, 0, len(p.topics))
	for _, id := range p.ids() {
		out = append(out, p.view(p.topics[id]))
	}
	return out
}

// Topic returns the figures of one topic (the id after "topic/").
func (p *Projection) Topic(id string) (Topic, bool) {
	t := p.topics[id]
	if t == nil {
		return Topic{}, false
	}
	return p.view(t), true
}

// Vote is one voter's counted choice in an open ballot.
type Vote struct {
	Voter  string `json:"voter"`
	Choice string `json:"choice"`
}

// OpenBallots returns who chose what in an open-ballot topic, sorted by
// voter, for the community notice board. It returns ErrSecret for a secret
// topic and ErrUnknownTopic for a topic never opened.
func (p *Projection) OpenBallots(id string) ([]Vote, error) {
	t := p.topics[id]
	if t == nil || !t.opened {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTopic, id)
	}
	if t.secret {
		return nil, fmt.Errorf("%w: topic %q", ErrSecret, id)
	}
	out := make([]Vote, 0, t.counted)
	for i, c := range t.choice {
		if c != 0 {
			out = append(out, Vote{t.eligible[i], t.options[c-1]})
		}
	}
	return out, nil
}

func (p *Projection) ids() []string {
	ids := make([]string, 0, len(p.topics))
	for id := range p.topics {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// tallyText renders a tally as "yes=3; no=2".
func tallyText(tally []OptionVotes) string {
	var b strings.Builder
	for i, c := range tally {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s=%d", c.Option, c.Votes)
	}
	return b.String()
}
