package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/govledger/govledger/events"
)

// topicSim is one community topic (社区议事) from announcement to result.
// Its voter lists exist only while the topic is open.
type topicSim struct {
	index             int
	id, stream        string
	comm              int32
	step              uint8 // topicOpen, topicBallot, topicClose
	lead, window      int64 // ms from announcement to opening, opening to closing
	opensAt, closesAt int64
	options           []string
	eligible          []string
	ballots           []ballot
	next              int
	tally             []int
	actor             events.Actor
}

type ballot struct {
	at     int64
	voter  int32 // index into eligible
	choice int32
}

const (
	topicOpen uint8 = iota
	topicBallot
	topicClose
)

// topicTemplate is a question with its options.
type topicTemplate struct {
	question string
	options  []string
}

var topicTemplates = []topicTemplate{
	{"Install a covered e-bike charging shed next to building %d?", []string{"yes", "no", "abstain"}},
	{"Which plan should be used to renovate the courtyard of building %d?", []string{"plan-a", "plan-b", "plan-c"}},
	{"Use the maintenance fund to replace the elevator of building %d?", []string{"approve", "reject"}},
	{"Which property management company should be hired (tender lot %d)?", []string{"company-a", "company-b", "company-c", "none"}},
	{"Turn the vacant lot behind building %d into parking or a pocket park?", []string{"parking", "pocket-park"}},
	{"Raise the monthly parking fee to 150 yuan (%d spaces)?", []string{"yes", "no"}},
	{"Open a community canteen for seniors in building %d?", []string{"yes", "no", "abstain"}},
}

// scheduleTopics spreads the topics' announcements over the period.
func (e *engine) scheduleTopics() {
	r := e.r
	period := e.end - e.start
	for i := range e.cfg.Topics {
		t := &topicSim{index: i}
		t.window = min(int64(r.between(3, 7)*24*3600e3), period/3)
		t.lead = min(int64(r.between(0.25, 2)*24*3600e3), period/6)
		latest := max(e.start+1, e.end-t.window-t.lead-24*3600e3)
		earliest := min(e.start+period/50, latest-1)
		at := earliest + r.Int64N(max(1, latest-earliest))
		at = e.cal.addWorking(e.t(at), 0).UnixMilli()
		e.q.push(action{at: at, kind: actTopic, t: t})
	}
}

// topicStep runs a topic's next step: open, one ballot, or close.
func (e *engine) topicStep(t *topicSim) error {
	switch t.step {
	case topicOpen:
		return e.openTopic(t)
	case topicBallot:
		b := t.ballots[t.next]
		t.next++
		t.tally[b.choice]++
		voter := t.eligible[b.voter]
		p := &events.BallotCast{Voter: voter, Choice: t.options[b.choice]}
		if err := e.put(t.stream, events.Actor{Kind: events.ActorCitizen, ID: voter}, p); err != nil {
			return err
		}
		e.sum.Ballots++
		e.nextTopicStep(t)
		return nil
	}
	return e.closeTopic(t)
}

func (e *engine) nextTopicStep(t *topicSim) {
	if t.next < len(t.ballots) {
		t.step = topicBallot
		e.q.push(action{at: t.ballots[t.next].at, kind: actTopic, t: t})
		return
	}
	t.step = topicClose
	closeAt := max(e.now, e.cal.addWorking(e.t(t.closesAt), hours(e.r.lognormal(2, 0.7))).UnixMilli())
	e.q.push(action{at: closeAt, kind: actTopic, t: t})
}

// openTopic announces the topic with its eligible voters and draws who will
// vote, when and how.
func (e *engine) openTopic(t *topicSim) error {
	w, r := e.w, e.r
	t.comm = int32(w.commCum.pick(r))
	cu := w.units[w.comms[t.comm].unit].id
	y, m, d := e.t(e.now).Date()
	t.id = fmt.Sprintf("T%04d%02d%02d-%03d", y, int(m), d, t.index+1)
	t.stream = events.TopicStream(t.id)
	t.actor = events.Actor{Kind: events.ActorStaff, ID: "cw-" + cu, Unit: cu}
	t.opensAt = e.now + t.lead
	t.closesAt = t.opensAt + max(t.window, 3600e3)

	n := min(events.MaxVoters, residents, 20+int(r.lognormal(350, 0.6)))
	pool := make([]int32, residents)
	for i := range pool {
		pool[i] = int32(i)
	}
	t.eligible = make([]string, n)
	for i := range n {
		j := i + r.IntN(residents-i)
		pool[i], pool[j] = pool[j], pool[i]
		t.eligible[i] = subject(t.comm, int(pool[i]))
	}
	tpl := topicTemplates[r.IntN(len(topicTemplates))]
	t.options = slices.Clone(tpl.options)
	t.tally = make([]int, len(t.options))
	prefs := make([]float64, len(t.options))
	for i := range prefs {
		prefs[i] = math.Exp(0.8 * r.NormFloat64())
	}
	choose := newCumulative(prefs)

	k := int(math.Round(float64(n) * r.between(0.25, 0.85)))
	order := r.Perm(n)[:k] // who votes
	t.ballots = make([]ballot, k)
	span := t.closesAt - t.opensAt
	for i, v := range order {
		at := t.opensAt + r.Int64N(span)
		for try := 0; try < 10 && e.t(at).Hour() < 7 && r.chance(0.85); try++ {
			at = t.opensAt + r.Int64N(span) // few vote at night
		}
		t.ballots[i] = ballot{at: at, voter: int32(v), choice: int32(choose.pick(r))}
	}
	slices.SortFunc(t.ballots, func(a, b ballot) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.voter, b.voter)
	})
	p := &events.TopicOpened{
		Community: cu, Question: fmt.Sprintf(tpl.question, 1+r.IntN(30)), Options: t.options, Eligible: t.eligible,
		OpensAt: e.t(t.opensAt), ClosesAt: e.t(t.closesAt), Secret: r.chance(0.3),
	}
	if err := e.put(t.stream, t.actor, p); err != nil {
		return err
	}
	e.sum.Topics++
	e.sum.Eligible += n
	e.nextTopicStep(t)
	return nil
}

// closeTopic publishes the exact tally.
func (e *engine) closeTopic(t *topicSim) error {
	p := &events.TopicClosed{Turnout: len(t.ballots)}
	best, tie := 0, false
	for i, o := range t.options {
		p.Tally = append(p.Tally, events.OptionCount{Option: o, Votes: t.tally[i]})
		switch {
		case t.tally[i] > t.tally[best]:
			best, tie = i, false
		case i != best && t.tally[i] == t.tally[best]:
			tie = true
		}
	}
	switch {
	case p.Turnout*2 < len(t.eligible):
		p.Outcome = fmt.Sprintf("no decision: turnout %d of %d eligible is below half", p.Turnout, len(t.eligible))
	case tie:
		p.Outcome = "no decision: tie"
	default:
		p.Outcome = fmt.Sprintf("carried: %s (%d of %d votes)", t.options[best], t.tally[best], p.Turnout)
	}
	if err := e.put(t.stream, t.actor, p); err != nil {
		return err
	}
	e.sum.TopicsClosed++
	t.eligible, t.ballots = nil, nil
	return nil
}
