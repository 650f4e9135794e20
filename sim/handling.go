package sim

import (
	"strconv"

	"github.com/govledger/govledger/events"
)

// plan decides what the unit that just signed for the case will do: pass
// it on (a wrongly dispatched unit, or the district as fallback holder),
// or work on it: contact the citizen, maybe ask for an extension, resolve.
func (e *engine) plan(c *caseSim) {
	w, r := e.w, e.r
	h := c.holder
	c.contactAt, c.extendAt, c.resolveAt, c.transferAt = 0, 0, 0, 0
	switch {
	case c.forced:
	case h == w.district:
		if r.chance(0.6) {
			c.cause = causeDistrict
			e.schedule(c, stDispatch, e.working(hours(r.lognormal(1, 0.8))))
			return
		}
	case h != c.truth && r.chance(0.45):
		// Signed first, then found it is not theirs (转办 back).
		c.transferAt = e.working(hours(r.lognormal(3, 0.8)))
		e.schedule(c, stWork, c.transferAt)
		return
	}
	cat := &w.cats[c.cat]
	urgent := cat.traits&traitUrgent != 0
	work := r.heavy(0.6*cat.work*w.units[h].speed, 0.9, 0.05, 1.2, 300)
	if urgent {
		c.resolveAt = e.after(hours(min(work, 240)))
	} else {
		c.resolveAt = e.working(hours(work))
	}
	if c.reporter != "" && r.chance(0.9) {
		d := hours(r.lognormal(1.2, 0.8))
		at := pick(urgent, e.after(d/2), e.working(d))
		if at >= c.resolveAt {
			at = e.now + (c.resolveAt-e.now)/3
		}
		c.contactAt = max(at, e.now)
	}
	if !urgent && c.extensions == 0 && c.resolveAt > c.deadline && c.deadline > e.now && r.chance(0.55) {
		c.extendAt = e.now + int64(float64(c.deadline-e.now)*r.between(0.3, 0.9))
		n := pick(cat.policy == PolicyComplex15wd, 10, 5)
		c.newDeadline = e.cal.addWorkdays(e.t(c.deadline), n).UnixMilli()
	}
	e.schedule(c, stWork, e.nextWork(c))
}

// nextWork is the earliest planned step of the holder.
func (e *engine) nextWork(c *caseSim) int64 {
	next := c.resolveAt
	for _, t := range []int64{c.contactAt, c.extendAt} {
		if t != 0 && t < next {
			next = t
		}
	}
	return next
}

// work runs the holder's next planned step.
func (e *engine) work(c *caseSim) error {
	w, r := e.w, e.r
	h := c.holder
	switch {
	case c.transferAt != 0:
		c.transferAt = 0
		return e.giveBack(c, h, events.ReasonUnclearOwnership, pick(r.chance(0.8), c.truth, int32(-1)), "signed by mistake; not within our duties")
	case c.contactAt != 0 && c.contactAt <= e.now:
		c.contactAt = 0
		means := events.MeansPhone
		switch x := r.Float64(); {
		case w.cats[c.cat].traits&traitVisit != 0 && x < 0.35, x < 0.1:
			means = events.MeansVisit
		case x < 0.9:
		case x < 0.96:
			means = events.MeansSMS
		default:
			means = events.MeansApp
		}
		if err := e.put(c.stream, e.unitActor(h), &events.CaseContacted{Unit: w.units[h].id, Means: means}); err != nil {
			return err
		}
		c.contacted = true
	case c.extendAt != 0 && c.extendAt <= e.now:
		c.extendAt = 0
		p := &events.CaseExtended{NewDeadline: e.t(c.newDeadline), Reason: extensionReasons[r.IntN(len(extensionReasons))],
			ApprovedBy: e.w.units[e.w.center].id}
		if err := e.put(c.stream, e.operator(), p); err != nil {
			return err
		}
		c.extensions++
		c.deadline = c.newDeadline
	default:
		return e.resolve(c)
	}
	e.schedule(c, stWork, e.nextWork(c))
	return nil
}

var extensionReasons = []string{
	"waiting for parts and a contractor",
	"needs coordination with other departments",
	"owner of the property could not be reached",
	"requires an on-site survey and budget approval",
	"weather delayed the works",
}

var outcomeSummary = map[string]string{
	events.OutcomeFixed:      "problem fixed on site",
	events.OutcomeExplained:  "policy explained to the citizen",
	events.OutcomeNoAction:   "no action possible under current rules",
	events.OutcomeDuplicate:  "duplicate of an earlier request",
	events.OutcomeNotOurDuty: "not within the duties of this unit",
}

// resolve records the holder's resolution and schedules the return visit
// (citizen cases) or the closure.
func (e *engine) resolve(c *caseSim) error {
	w, r := e.w, e.r
	h := c.holder
	x := r.Float64()
	var outcome string
	switch {
	case c.parent != "":
		outcome = events.OutcomeDuplicate
	case h != c.truth && !c.forced && h != w.district:
		outcome = pick(x < 0.4, events.OutcomeNotOurDuty, pick(x < 0.8, events.OutcomeExplained, events.OutcomeFixed))
	case w.cats[c.cat].traits&traitEnterprise != 0 || w.units[h].kind == events.UnitDistrict:
		outcome = pick(x < 0.45, events.OutcomeFixed, pick(x < 0.9, events.OutcomeExplained, events.OutcomeNoAction))
	default:
		outcome = pick(x < 0.72, events.OutcomeFixed, pick(x < 0.92, events.OutcomeExplained, pick(x < 0.97, events.OutcomeNoAction, events.OutcomeNotOurDuty)))
	}
	p := &events.CaseResolved{Unit: w.units[h].id, Outcome: outcome, Summary: outcomeSummary[outcome]}
	if outcome == events.OutcomeDuplicate {
		p.DuplicateOf = c.parent
	}
	if outcome == events.OutcomeFixed || outcome == events.OutcomeExplained {
		p.Evidence = []string{"doc:" + c.id + "/" + strconv.Itoa(c.reopens+1)}
		if w.cats[c.cat].traits&traitVisit != 0 {
			p.Evidence = append(p.Evidence, "photo:"+c.id+"/"+strconv.Itoa(c.reopens+1))
		}
	}
	if err := e.put(c.stream, e.unitActor(h), p); err != nil {
		return err
	}
	c.status, c.outcome, c.holder = statusResolved, outcome, -1
	c.contactAt, c.extendAt, c.resolveAt = 0, 0, 0
	switch {
	case outcome == events.OutcomeDuplicate:
		e.schedule(c, stClose, e.working(hours(r.lognormal(1, 0.5))))
	case c.reporter != "":
		// Return visit (回访), usually within three working days.
		e.schedule(c, stRate, e.working(hours(r.heavy(8, 0.7, 0.03, 1.5, 60))))
	case r.chance(0.03) && c.reopens < 2:
		c.reopenBy, c.reopenWhy = events.ReopenBySupervisor, "inspection found the problem persists"
		e.schedule(c, stReopen, e.working(hours(r.lognormal(16, 0.6))))
	default:
		e.schedule(c, stClose, e.working(hours(r.lognormal(4, 0.7))))
	}
	return nil
}

var invalidReasons = []string{
	"citizen unreachable after three calls",
	"respondent is not the reporter",
	"malicious or repeated complaint",
	"citizen declined to answer",
}

// solvedChance is the chance a citizen says the problem was solved, by outcome.
var solvedChance = map[string]float64{
	events.OutcomeFixed:      0.9,
	events.OutcomeExplained:  0.5,
	events.OutcomeNoAction:   0.2,
	events.OutcomeNotOurDuty: 0.15,
}

// rate records the return visit and decides: reopen or close.
func (e *engine) rate(c *caseSim) error {
	r := e.r
	q := 0.0
	if c.lastHolder >= 0 {
		q = e.w.units[c.lastHolder].quality
	}
	p := &events.CaseRated{Valid: true}
	p.Contacted = r.chance(pick(c.contacted, 0.95, 0.25))
	p.Solved = r.chance(solvedChance[c.outcome] + q)
	x := r.Float64()
	switch {
	case p.Solved && x < 0.8+q, !p.Solved && x < 0.08:
		p.Satisfaction = events.Satisfied
	case p.Solved && x < 0.97, !p.Solved && x < 0.4:
		p.Satisfaction = events.Basically
	default:
		p.Satisfaction = events.Unsatisfied
	}
	if !p.Contacted && p.Satisfaction == events.Satisfied && r.chance(0.3) {
		p.Satisfaction = events.Basically
	}
	if r.chance(0.035) {
		p.Valid = false
		switch x := r.Float64(); {
		case x < 0.55:
			p.InvalidReason = invalidReasons[0]
		case x < 0.7:
			p.InvalidReason = invalidReasons[1]
		case x < 0.85:
			p.InvalidReason = invalidReasons[2]
		default:
			p.InvalidReason = invalidReasons[3]
		}
		if p.InvalidReason == invalidReasons[0] {
			// No answer at all: nothing was said about the case.
			p.Contacted, p.Solved, p.Satisfaction = false, false, ""
		}
	}
	if err := e.put(c.stream, e.operator(), p); err != nil {
		return err
	}
	if p.Valid {
		e.sum.Ratings++
	} else {
		e.sum.InvalidRatings++
	}
	if p.Valid && !p.Solved && p.Satisfaction == events.Unsatisfied && c.reopens < 2 && r.chance(0.5) {
		c.reopenBy = pick(r.chance(0.7), events.ReopenByCitizen, events.ReopenByHotline)
		c.reopenWhy = "citizen unsatisfied: problem not solved"
		e.schedule(c, stReopen, e.working(hours(r.lognormal(2, 0.8))))
		return nil
	}
	e.schedule(c, stClose, e.working(hours(r.lognormal(3, 0.8))))
	return nil
}

// reopen sends a resolved case back to open (no holder) and schedules a
// new dispatch.
func (e *engine) reopen(c *caseSim) error {
	if err := e.put(c.stream, e.operator(), &events.CaseReopened{Reason: c.reopenWhy, By: c.reopenBy}); err != nil {
		return err
	}
	if c.reopens == 0 {
		e.sum.Reopened++
	}
	c.reopens++
	e.sum.Reopenings++
	c.status, c.returns, c.forced, c.contacted, c.pending, c.holder = statusOpen, 0, false, false, -1, -1
	c.cause = causeReopen
	e.schedule(c, stDispatch, e.after(hours(e.r.lognormal(0.5, 0.8))))
	return nil
}

// close archives the case and drops its state.
func (e *engine) close(c *caseSim) error {
	if err := e.put(c.stream, e.operator(), &events.CaseClosed{}); err != nil {
		return err
	}
	e.sum.Closed++
	e.live--
	return nil
}
