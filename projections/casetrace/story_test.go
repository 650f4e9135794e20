package casetrace

import (
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
)

// clock returns the time of "2006-01-02 15:04" in +08:00.
func clock(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, eventstest.Zone)
	if err != nil {
		panic(err)
	}
	return t
}

// story tells seven cases over Mon 2026-11-02 .. Wed 2026-11-04, in time
// order. The hand-computed figures in the tests come from these times:
//
//	C-ret2    returned twice, then accepted (intake and dwell with returns)
//	C-reopen  resolved, rated unsatisfied, reopened, resolved again
//	C-ext     urgent-24h, extended before its deadline, resolved within the extension
//	C-night   reported 23:59, resolved 00:01 the next day (not same-day)
//	C-open    urgent-24h, dispatched, never signed: open and overdue
//	C-centre  answered by the centre on the call, no dispatch
//	C-odd     unknown deadline policy, never dispatched: open, unassigned
//	C-dup     merged into C-reopen, resolved as a duplicate, rating invalid, closed
func story() *eventstest.Story {
	s := eventstest.New()
	s.District()
	const (
		center = eventstest.Center
		roads  = eventstest.Roads
		water  = eventstest.Water
		env    = eventstest.Environment
	)
	a, b, c := s.Case("C-ret2"), s.Case("C-reopen"), s.Case("C-ext")
	d, e, f, g := s.Case("C-night"), s.Case("C-open"), s.Case("C-centre"), s.Case("C-odd")
	loc1 := events.Location{Street: eventstest.Street1, Community: eventstest.Community1, Grid: eventstest.Grid1}
	loc2 := events.Location{Street: eventstest.Street2, Community: eventstest.Community2, Grid: eventstest.Grid2}
	rep := func(c *eventstest.Case, channel, cat, policy string, loc events.Location) {
		c.ReportedWith(&events.CaseReported{Channel: channel, Category: cat, Location: loc, Reporter: "S-" + c.ID, DeadlinePolicy: policy})
	}

	s.At(clock("2026-11-02 09:00"))
	rep(a, events.ChannelHotline, eventstest.Pothole, "standard-5wd", loc1)
	s.At(clock("2026-11-02 09:30"))
	a.Dispatched(center, water, events.ModeManual)
	s.At(clock("2026-11-02 10:00"))
	rep(b, events.ChannelApp, eventstest.Leak, "standard-5wd", loc1)
	s.At(clock("2026-11-02 10:20"))
	b.Dispatched(center, water, events.ModeRule)
	s.At(clock("2026-11-02 10:30"))
	s.Draft(a.Stream, eventstest.UnitActor(water), &events.CaseReturned{Unit: water, Reason: events.ReasonWrongArea, SuggestedUnit: env})
	s.At(clock("2026-11-02 10:50"))
	b.Accepted(water)
	s.At(clock("2026-11-02 11:00"))
	a.Dispatched(center, env, events.ModeManual)
	s.At(clock("2026-11-02 11:05"))
	rep(c, events.ChannelHotline, eventstest.Noise, "urgent-24h", loc1)
	s.At(clock("2026-11-02 11:15"))
	c.Dispatched(center, env, events.ModeRule)
	s.At(clock("2026-11-02 12:00"))
	rep(e, events.ChannelHotline, eventstest.Pothole, "urgent-24h", loc1)
	s.At(clock("2026-11-02 12:05"))
	e.Dispatched(center, roads, events.ModeManual)
	s.At(clock("2026-11-02 12:15"))
	c.Accepted(env)
	s.At(clock("2026-11-02 13:00"))
	a.Returned(env, events.ReasonUnclearOwnership)
	s.At(clock("2026-11-02 13:30"))
	a.Dispatched(center, roads, events.ModeRule)
	s.At(clock("2026-11-02 14:00"))
	a.Accepted(roads)
	s.At(clock("2026-11-02 15:00"))
	a.Contacted(roads)
	s.At(clock("2026-11-02 16:00"))
	a.Resolved(roads, events.OutcomeFixed)
	s.At(clock("2026-11-02 16:30"))
	a.Rated(true, true, events.Satisfied)
	a.Closed() // 16:40
	s.At(clock("2026-11-02 23:59"))
	rep(d, events.ChannelGridPatrol, eventstest.Pothole, "standard-5wd", loc2)
	s.At(clock("2026-11-03 00:00"))
	d.Dispatched(center, roads, events.ModeRule)
	s.At(clock("2026-11-03 00:00"))
	d.Accepted(roads)
	s.At(clock("2026-11-03 00:01"))
	d.Resolved(roads, events.OutcomeFixed)
	s.At(clock("2026-11-03 09:00"))
	s.Draft(c.Stream, eventstest.Dispatcher, &events.CaseExtended{NewDeadline: clock("2026-11-04 18:00"), Reason: "needs parts"})
	s.At(clock("2026-11-03 09:05"))
	rep(f, events.ChannelHotline, "other.general", "standard-5wd", loc1)
	s.At(clock("2026-11-03 09:15"))
	f.Resolved(center, events.OutcomeExplained)
	s.At(clock("2026-11-03 10:00"))
	b.Resolved(water, events.OutcomeFixed)
	s.At(clock("2026-11-03 10:05"))
	rep(g, events.ChannelOther, "other.general", "weird-3d", loc1)
	s.At(clock("2026-11-03 12:00"))
	b.Rated(true, false, events.Unsatisfied)
	s.At(clock("2026-11-03 12:10"))
	b.Reopened()
	s.At(clock("2026-11-04 09:00"))
	b.Resolved(water, events.OutcomeFixed)
	s.At(clock("2026-11-04 17:00"))
	c.Resolved(env, events.OutcomeFixed)
	s.At(clock("2026-11-04 17:30"))
	c.Closed()
	h := s.Case("C-dup")
	s.At(clock("2026-11-04 18:00"))
	rep(h, events.ChannelApp, eventstest.Leak, "standard-5wd", loc1)
	h.Merged("C-reopen")
	h.Resolved(center, events.OutcomeDuplicate)
	h.RatedInvalid("unreachable")
	h.Closed()
	return s
}
