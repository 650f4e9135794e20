package sim

import (
	"strconv"
	"time"

	"github.com/govledger/govledger/events"
)

// Channel indices.
const (
	chHotline = iota
	chApp
	chPatrol
	chSuperior
	chEnterprise
)

var channelNames = [5]string{events.ChannelHotline, events.ChannelApp, events.ChannelGridPatrol, events.ChannelSuperior, events.ChannelEnterprise}

// channelShare is the share of each channel in office hours.
var channelShare = [5]float64{0.44, 0.22, 0.26, 0.03, 0.05}

// Case status, as the ledger sees it.
const (
	statusOpen uint8 = iota
	statusResolved
	statusMerged
)

// Case steps: what the case's one pending action does.
const (
	stIntake     uint8 = iota // the centre reads the report: merge or dispatch
	stMergeClose              // close a merged duplicate
	stDispatch                // dispatch (cause says why)
	stAnswer                  // the pending unit signs for or returns the order
	stWork                    // the holder's next planned step
	stRate                    // the return visit
	stReopen                  // reopen after an unsatisfied rating or an inspection
	stClose                   // archive
)

// Why a case is being dispatched.
const (
	causeFirst    uint8 = iota
	causeReturn         // the centre re-dispatches a returned order
	causeReopen         // the centre re-dispatches a reopened case
	causeDistrict       // the district (fallback holder) passes it on
)

// caseSim is the state of one open case. It is dropped when the case is
// closed: nothing about a closed case is kept.
type caseSim struct {
	id, stream string
	reporter   string
	parent     string // earlier case this one duplicates, "" if none

	cat, comm, grid, street int32
	channel                 uint8
	status, step, cause     uint8

	reported, deadline int64
	truth              int32 // the unit that should really handle it

	pending, holder, lastHolder int32
	left                        []int32 // units that returned the case
	suggested, returner         int32
	returns, hops, reopens      int
	forced, pingPong, contacted bool
	extensions                  int

	// The holder's plan, unix ms (0: nothing planned).
	contactAt, extendAt, resolveAt, transferAt int64
	newDeadline                                int64
	outcome                                    string
	reopenBy, reopenWhy                        string
}

func (e *engine) schedule(c *caseSim, step uint8, at int64) {
	c.step = step
	e.q.push(action{at: max(at, e.now), kind: actCase, c: c})
}

// step runs a case's pending action.
func (e *engine) step(c *caseSim) error {
	switch c.step {
	case stIntake:
		return e.intake(c)
	case stMergeClose, stClose:
		return e.close(c)
	case stDispatch:
		return e.redispatch(c)
	case stAnswer:
		return e.answer(c)
	case stWork:
		return e.work(c)
	case stRate:
		return e.rate(c)
	case stReopen:
		return e.reopen(c)
	}
	return nil
}

// arrive reports a new case.
func (e *engine) arrive() error {
	w, r := e.w, e.r
	now := e.t(e.now)
	share := channelShare
	if !e.cal.inOfficeHours(now) {
		share[chPatrol] *= 0.05
		share[chSuperior] *= 0.1
		share[chEnterprise] *= 0.3
	}
	ch := newCumulative(share[:]).pick(r)
	c := &caseSim{id: e.caseID(), channel: uint8(ch), pending: -1, holder: -1, lastHolder: -1, suggested: -1, returner: -1}
	c.stream = events.CaseStream(c.id)
	if e.nRecent > 0 && (ch == chHotline || ch == chApp) && r.chance(0.03) {
		src := e.recent[(e.nRecent-1-r.IntN(min(e.nRecent, recentSize)))%recentSize]
		c.parent, c.cat, c.comm, c.grid = src.id, src.cat, src.comm, src.grid
	} else {
		c.cat = int32(w.catCum[ch].pick(r))
		c.comm = int32(w.commCum.pick(r))
		g := w.comms[c.comm].grids
		c.grid = g[r.IntN(len(g))]
	}
	cm := &w.comms[c.comm]
	c.street = cm.street
	cat := &w.cats[c.cat]
	if ch == chHotline || ch == chApp || ch == chEnterprise {
		n := r.IntN(residents)
		if r.chance(0.2) {
			n = r.IntN(40) // frequent callers
		}
		c.reporter = subject(c.comm, n)
	}
	c.reported = e.now
	pol := policyByName(cat.policy)
	if pol.Hours > 0 {
		c.deadline = e.after(time.Duration(pol.Hours) * time.Hour)
	} else {
		c.deadline = e.cal.addWorkdays(now, pol.WorkingDays).UnixMilli()
	}
	c.truth = e.trueOwner(c)

	p := &events.CaseReported{
		Channel: channelNames[ch], Category: cat.id, DeadlinePolicy: cat.policy, Reporter: c.reporter,
		Location: events.Location{
			Street: w.units[w.streets[c.street].unit].id, Community: w.units[cm.unit].id, Grid: w.units[c.grid].id,
			Address: events.Plain("Building " + strconv.Itoa(1+r.IntN(40)) + ", " + w.units[cm.unit].name),
		},
		Description: events.Plain(cat.desc),
	}
	var actor events.Actor
	switch ch {
	case chHotline, chSuperior:
		actor = e.operator()
	case chPatrol:
		gid := w.units[c.grid].id
		actor = events.Actor{Kind: events.ActorStaff, ID: "gw-" + gid, Unit: gid}
	default:
		actor = events.Actor{Kind: events.ActorCitizen, ID: c.reporter}
	}
	if err := e.put(c.stream, actor, p); err != nil {
		return err
	}
	e.sum.Cases++
	e.sum.CasesByChannel[channelNames[ch]]++
	e.live++
	e.sum.PeakOpenCases = max(e.sum.PeakOpenCases, e.live)
	e.recent[e.nRecent%recentSize] = recentCase{id: c.id, cat: c.cat, comm: c.comm, grid: c.grid}
	e.nRecent++

	// Intake: urgent at once, others within the hour, night reports
	// mostly when the morning shift starts.
	var at int64
	switch {
	case cat.traits&traitUrgent != 0:
		at = e.after(hours(r.lognormal(0.1, 0.6)))
	case (now.Hour() >= 22 || now.Hour() < 7) && r.chance(0.6):
		y, m, d := now.Date()
		morning := time.Date(y, m, d, 7, 30, 0, 0, e.loc)
		if now.Hour() >= 22 {
			morning = morning.AddDate(0, 0, 1)
		}
		at = morning.Add(hours(r.lognormal(0.5, 0.8))).UnixMilli()
	default:
		at = e.after(hours(r.heavy(0.3, 0.9, 0.03, 1.5, 24)))
	}
	e.schedule(c, stIntake, at)
	return nil
}

// trueOwner decides which unit should really handle the case: usually the
// unit the list in force names, sometimes the other unit of an overlapping
// duty, the neighbouring street for a case on a street border, or, for
// uncategorised requests, a street or a department.
func (e *engine) trueOwner(c *caseSim) int32 {
	w, r := e.w, e.r
	cat := &w.cats[c.cat]
	street := c.street
	if cat.traits&traitTerritory != 0 && len(w.streets) > 1 && r.chance(0.05) {
		street = (street + 1) % int32(len(w.streets)) // reported across the border
	}
	owner := int32(-1)
	if ref, ok := e.list().route(c.cat, street); ok {
		owner = ref.unit
	} else if r.chance(0.4) {
		owner = w.streets[street].unit
	} else {
		owner = w.depts[r.IntN(min(12, len(w.depts)))]
	}
	if cat.alt >= 0 && r.chance(0.25) {
		owner = cat.alt
	}
	return owner
}

// intake merges a recognised duplicate or dispatches the case.
func (e *engine) intake(c *caseSim) error {
	r := e.r
	if c.parent != "" && r.chance(0.8) {
		if err := e.put(c.stream, e.operator(), &events.CaseMerged{Parent: c.parent}); err != nil {
			return err
		}
		c.status = statusMerged
		e.sum.Merged++
		e.schedule(c, stMergeClose, e.after(hours(r.between(0.05, 0.3))))
		return nil
	}
	w := e.w
	if c.channel == chHotline && c.parent == "" && r.chance(directAnswerShare) {
		return e.answerDirectly(c)
	}
	list := e.list()
	ref, ok := list.route(c.cat, c.street)
	u := r.Float64()
	switch {
	case !ok || u < 0.04:
		return e.dispatch(c, w.center, w.district, events.ModeFallback, ruleRef{}, 0, "", e.operator())
	case u < 0.14:
		to := c.truth
		if r.chance(0.2) {
			to = ref.unit
		}
		return e.dispatch(c, w.center, to, events.ModeManual, ruleRef{}, 0, "", e.operator())
	}
	version := list.version
	if version == 2 && w.moved[c.cat] && e.now < e.v2From+48*3600e3 && r.chance(0.35) {
		// A dispatcher still working from the old list: a rule dispatch
		// that contradicts the list in force.
		version, ref = 1, e.w.lists[0].general[c.cat]
		e.sum.StaleRuleDispatches++
	}
	return e.dispatch(c, w.center, ref.unit, events.ModeRule, ref, version, "", dispatchEngine)
}

// directAnswerShare is the share of hotline reports the centre answers on
// the call (policy questions, information requests) without dispatching.
const directAnswerShare = 0.12

// answerDirectly records the centre's own answer (直接答复) and schedules
// the return visit.
func (e *engine) answerDirectly(c *caseSim) error {
	w := e.w
	p := &events.CaseResolved{Unit: w.units[w.center].id, Outcome: events.OutcomeExplained, Summary: "answered by the hotline on the call"}
	if err := e.put(c.stream, e.operator(), p); err != nil {
		return err
	}
	e.sum.DirectAnswers++
	c.status, c.outcome, c.holder = statusResolved, events.OutcomeExplained, -1
	e.schedule(c, stRate, e.working(hours(e.r.heavy(8, 0.7, 0.03, 1.5, 60))))
	return nil
}

// dispatch sends the case from one unit to another and schedules the
// receiver's answer.
func (e *engine) dispatch(c *caseSim, from, to int32, mode string, ref ruleRef, version int, note string, actor events.Actor) error {
	w := e.w
	p := &events.CaseDispatched{FromUnit: w.units[from].id, ToUnit: w.units[to].id, Mode: mode, Note: note}
	if ref.id != "" {
		p.RuleID, p.ListVersion = ref.id, version
	}
	if err := e.put(c.stream, actor, p); err != nil {
		return err
	}
	c.hops++
	if c.hops == 1 {
		e.sum.FirstDispatches[mode]++
	}
	e.sum.Dispatches[mode]++
	if !c.pingPong && contains(c.left, to) {
		c.pingPong = true
		e.sum.PingPongCases++
	}
	c.pending, c.holder = to, -1
	e.schedule(c, stAnswer, e.answerAt(c, to))
	return nil
}

// answerAt draws when unit u answers an order: heavy-tailed and
// unit-dependent, in office hours unless the category is urgent.
func (e *engine) answerAt(c *caseSim, u int32) int64 {
	med := e.w.units[u].signMedian
	if e.w.cats[c.cat].traits&traitUrgent != 0 {
		return e.after(hours(e.r.heavy(0.15*med, 0.8, 0.03, 1.5, 24)))
	}
	return e.working(hours(e.r.heavy(med, 1.0, 0.04, 1.3, 60)))
}

// answer: the pending unit signs for the order or returns it.
func (e *engine) answer(c *caseSim) error {
	w, r := e.w, e.r
	u := c.pending
	cat := &w.cats[c.cat]
	p := 0.0
	switch {
	case c.forced || u == w.district:
	case u == c.truth:
		p = w.units[u].buck
		if cat.alt >= 0 {
			p += 0.04 // overlapping duties: even the owner pushes back
		}
	case u == cat.alt || u == cat.owner:
		p = 0.55 // a party to an overlapping duty: often takes it anyway
	default:
		p = 0.7
	}
	if !r.chance(p) {
		if err := e.put(c.stream, e.unitActor(u), &events.CaseAccepted{Unit: w.units[u].id}); err != nil {
			return err
		}
		c.pending, c.holder, c.lastHolder = -1, u, u
		e.plan(c)
		return nil
	}
	reason, suggest := e.returnReason(c, u)
	return e.giveBack(c, u, reason, suggest, "")
}

// returnReason says why unit u returns the case and whom it suggests.
func (e *engine) returnReason(c *caseSim, u int32) (string, int32) {
	w, r := e.w, e.r
	cat := &w.cats[c.cat]
	switch {
	case u == c.truth && cat.alt >= 0:
		other := cat.alt
		if other == u {
			other = cat.owner
		}
		return events.ReasonOverlappingDuties, other
	case u == c.truth:
		return events.ReasonOther, -1
	case w.units[u].kind == events.UnitStreet && w.units[c.truth].kind == events.UnitStreet:
		return events.ReasonWrongArea, pick(r.chance(0.9), c.truth, int32(-1))
	case cat.alt >= 0 && (u == cat.alt || u == cat.owner):
		other := pick(u == cat.alt, cat.owner, cat.alt)
		return events.ReasonOverlappingDuties, other
	case len(c.left) > 0 && r.chance(0.2):
		return events.ReasonUnclearOwnership, c.left[r.IntN(len(c.left))] // "it was theirs"
	case r.chance(0.7):
		return events.ReasonUnclearOwnership, c.truth
	}
	return events.ReasonOther, -1
}

// giveBack records that unit u (pending or holding) returns the case, and
// schedules the centre's next dispatch.
func (e *engine) giveBack(c *caseSim, u int32, reason string, suggest int32, note string) error {
	w := e.w
	p := &events.CaseReturned{Unit: w.units[u].id, Reason: reason, Note: note}
	if suggest >= 0 && suggest != u {
		p.SuggestedUnit = w.units[suggest].id
	} else {
		suggest = -1
	}
	if err := e.put(c.stream, e.unitActor(u), p); err != nil {
		return err
	}
	e.sum.Returns++
	c.left = append(c.left, u)
	c.pending, c.holder, c.returner, c.suggested = -1, -1, u, suggest
	c.returns++
	c.cause = causeReturn
	e.schedule(c, stDispatch, e.after(hours(e.r.heavy(0.6, 0.9, 0.03, 1.5, 24))))
	return nil
}

// redispatch sends the case on after a return, a reopening, or from the
// district that took it as fallback.
func (e *engine) redispatch(c *caseSim) error {
	w, r := e.w, e.r
	switch c.cause {
	case causeDistrict:
		actor := events.Actor{Kind: events.ActorStaff, ID: "coord-01", Unit: w.units[w.district].id}
		return e.dispatch(c, w.district, c.truth, events.ModeManual, ruleRef{}, 0, "", actor)
	case causeReopen:
		to := c.lastHolder
		if to < 0 || r.chance(0.25) {
			to = c.truth
		}
		list := e.list()
		if ref, ok := list.route(c.cat, c.street); ok && ref.unit == to && r.chance(0.5) {
			return e.dispatch(c, w.center, to, events.ModeRule, ref, list.version, "re-dispatched after reopening", dispatchEngine)
		}
		return e.dispatch(c, w.center, to, events.ModeManual, ruleRef{}, 0, "re-dispatched after reopening", e.operator())
	}
	// After a return.
	if c.returns >= 3 {
		to := c.truth
		if r.chance(0.15) {
			to = c.returner
		}
		c.forced = true
		return e.dispatch(c, w.center, to, events.ModeForced, ruleRef{}, 0, "ruling after "+strconv.Itoa(c.returns)+" returns", e.operator())
	}
	var to int32
	switch {
	case c.suggested >= 0 && r.chance(pick(contains(c.left, c.suggested), 0.35, 0.75)):
		// The centre follows the suggestion, less readily when the
		// suggested unit has returned the case before.
		to = c.suggested
	case r.chance(0.6):
		to = c.truth
	default:
		ref, ok := e.list().route(c.cat, c.street)
		to = pick(ok, ref.unit, c.truth)
	}
	if to == c.returner && to != c.truth {
		to = c.truth
	}
	if to == c.returner && r.chance(0.5) { // the owner returned it: try the other party
		if alt := w.cats[c.cat].alt; alt >= 0 && alt != to {
			to = alt
		}
	}
	return e.dispatch(c, w.center, to, events.ModeManual, ruleRef{}, 0, "", e.operator())
}

func contains(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
