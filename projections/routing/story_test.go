package routing

import (
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
)

// Short names of the story's units.
const (
	center = eventstest.Center
	roads  = eventstest.Roads
	water  = eventstest.Water
	env    = eventstest.Environment
	st1    = eventstest.Street1
	st2    = eventstest.Street2
	dist   = eventstest.DistrictUnit
)

// at sets the story clock to 2026-11-<day> hh:mm +08:00.
func at(s *eventstest.Story, day, hh, mm int) *eventstest.Story {
	return s.At(time.Date(2026, 11, day, hh, mm, 0, 0, eventstest.Zone))
}

// report reports case c from channel in category, located in street st.
func reportCase(c *eventstest.Case, channel, category, street string) {
	loc := events.Location{Street: eventstest.Street1, Community: eventstest.Community1, Grid: eventstest.Grid1}
	if street == eventstest.Street2 {
		loc = events.Location{Street: eventstest.Street2, Community: eventstest.Community2, Grid: eventstest.Grid2}
	}
	c.ReportedWith(&events.CaseReported{Channel: channel, Category: category, Location: loc, Reporter: "S-" + c.ID, DeadlinePolicy: "standard-5wd"})
}

// ruleV2 is a rule dispatch citing list version 2.
func ruleV2(c *eventstest.Case, from, to, ruleID string) {
	c.DispatchedWith(&events.CaseDispatched{FromUnit: from, ToUnit: to, Mode: events.ModeRule, RuleID: ruleID, ListVersion: 2})
}

// story is the hand-computed fixture of routing_test.go. Times are
// 2026-11-02 (day 2) and 2026-11-03 (day 3), +08:00. List v1 (pothole ->
// roads, leak -> water, noise -> env, noise in st-2 -> st-2) is in force
// from day 2 10:50; list v2, published on day 3 at 09:00, moves leaks to
// env from day 3 12:00.
func story() *eventstest.Story {
	s := eventstest.New() // 2026-11-02 09:00
	s.District()          // 12 drafts, 09:00 .. 10:50; list v1 effective 10:50

	// C-1: rule dispatch that matches the list. 1 hop.
	c1 := s.Case("C-1")
	at(s, 2, 11, 0)
	reportCase(c1, events.ChannelHotline, eventstest.Pothole, st1)
	at(s, 2, 11, 30)
	c1.Dispatched(center, roads, events.ModeRule) // dwell 30m
	c1.Accepted(roads)
	at(s, 2, 14, 0)
	c1.Resolved(roads, events.OutcomeFixed)
	c1.Closed()

	// C-2: returned twice, then accepted. Two manual dispatches that
	// contradict v1 (leak -> water), then a rule dispatch that matches.
	c2 := s.Case("C-2")
	at(s, 2, 11, 0)
	reportCase(c2, events.ChannelHotline, eventstest.Leak, st1)
	at(s, 2, 11, 10)
	c2.Dispatched(center, roads, events.ModeManual) // dwell 10m, contradiction
	at(s, 2, 12, 10)
	c2.Returned(roads, events.ReasonUnclearOwnership)
	at(s, 2, 12, 40)
	c2.Dispatched(center, env, events.ModeManual) // dwell 30m, contradiction
	at(s, 2, 13, 40)
	c2.Returned(env, events.ReasonOverlappingDuties)
	at(s, 2, 14, 40)
	c2.Dispatched(center, water, events.ModeRule) // dwell 60m, matches
	at(s, 2, 15, 0)
	c2.Accepted(water)
	at(s, 2, 16, 0)
	c2.Resolved(water, events.OutcomeFixed)

	// C-3: ping-pong across three units: env -> st-1 -> roads -> env.
	c3 := s.Case("C-3")
	at(s, 2, 11, 20)
	reportCase(c3, events.ChannelApp, eventstest.Noise, st1)
	at(s, 2, 11, 50)
	c3.Dispatched(center, env, events.ModeRule) // dwell 30m, matches
	at(s, 2, 12, 50)
	c3.Returned(env, events.ReasonUnclearOwnership)
	at(s, 2, 13, 20)
	c3.Dispatched(center, st1, events.ModeManual) // dwell 30m, contradiction
	at(s, 2, 14, 20)
	c3.Returned(st1, events.ReasonWrongArea)
	at(s, 2, 14, 50)
	c3.Dispatched(center, roads, events.ModeManual) // dwell 30m, contradiction
	at(s, 2, 15, 50)
	c3.Returned(roads, events.ReasonOther)
	at(s, 2, 16, 50)
	c3.Dispatched(center, env, events.ModeForced) // dwell 60m, ping-pong, not judged
	c3.Accepted(env)
	at(s, 2, 18, 0)
	c3.Resolved(env, events.OutcomeFixed)
	c3.Closed()

	// C-4: A -> B -> A by direct transfers: roads -> water -> roads.
	c4 := s.Case("C-4")
	at(s, 2, 11, 30)
	reportCase(c4, events.ChannelHotline, eventstest.Pothole, st1)
	at(s, 2, 12, 0)
	c4.Dispatched(center, roads, events.ModeRule) // dwell 30m, matches
	c4.Accepted(roads)
	at(s, 2, 14, 0)
	c4.Dispatched(roads, water, events.ModeManual) // dwell 2h, contradiction
	at(s, 2, 15, 0)
	c4.Dispatched(water, roads, events.ModeManual) // dwell 1h, matches, ping-pong
	at(s, 2, 16, 0)
	c4.Resolved(roads, events.OutcomeFixed)

	// C-5: no rule for its category: fallback to the district, which
	// passes it on by hand (not judged: the list routes nothing).
	c5 := s.Case("C-5")
	at(s, 2, 12, 0)
	reportCase(c5, events.ChannelGridPatrol, "misc.other", st1)
	at(s, 2, 12, 30)
	c5.Dispatched(center, dist, events.ModeFallback) // dwell 30m
	c5.Accepted(dist)
	at(s, 2, 13, 30)
	c5.Dispatched(dist, env, events.ModeManual) // dwell 1h
	c5.Accepted(env)
	at(s, 2, 15, 0)
	c5.Resolved(env, events.OutcomeExplained)
	c5.Closed()

	// C-6: resolved, reopened and sent back to the unit that resolved it:
	// two hops, not ping-pong.
	c6 := s.Case("C-6")
	at(s, 2, 13, 0)
	reportCase(c6, events.ChannelHotline, eventstest.Pothole, st1)
	at(s, 2, 13, 30)
	c6.Dispatched(center, roads, events.ModeRule) // dwell 30m
	c6.Accepted(roads)
	at(s, 2, 15, 0)
	c6.Resolved(roads, events.OutcomeFixed)
	c6.Rated(true, false, events.Unsatisfied)
	at(s, 2, 16, 0)
	c6.Reopened()
	at(s, 2, 17, 0)
	c6.Dispatched(center, roads, events.ModeManual) // dwell 60m (since the reopening), matches
	at(s, 2, 18, 0)
	c6.Resolved(roads, events.OutcomeFixed)

	// C-10: answered by the centre on the call: never dispatched.
	c10 := s.Case("C-10")
	at(s, 2, 14, 0)
	reportCase(c10, events.ChannelHotline, "misc.info", st1)
	c10.Resolved(center, events.OutcomeExplained)
	c10.Closed()

	// C-11: noise in street 2: the street-specific rule routes it to st-2.
	c11 := s.Case("C-11")
	at(s, 2, 14, 0)
	reportCase(c11, events.ChannelApp, eventstest.Noise, st2)
	at(s, 2, 15, 0)
	c11.Dispatched(center, st2, events.ModeRule) // dwell 1h, matches
	at(s, 2, 16, 0)
	c11.Resolved(st2, events.OutcomeFixed)

	// C-12: reported, never dispatched nor resolved.
	c12 := s.Case("C-12")
	at(s, 2, 17, 0)
	reportCase(c12, events.ChannelHotline, eventstest.Pothole, st1)

	// Day 3: list v2 published at 09:00, in force from 12:00: leaks go to env.
	at(s, 3, 9, 0)
	s.Draft(events.ResponsibilityStream, eventstest.Registrar, &events.ResponsibilityPublished{
		ListVersion: 2, EffectiveFrom: time.Date(2026, 11, 3, 12, 0, 0, 0, eventstest.Zone), Fallback: dist,
		Rules: []events.Rule{
			{ID: "r-pothole", Category: eventstest.Pothole, Unit: roads},
			{ID: "r2-leak", Category: eventstest.Leak, Unit: env},
			{ID: "r-noise", Category: eventstest.Noise, Unit: env},
			{ID: "r-noise-st2", Category: eventstest.Noise, Street: st2, Unit: st2},
		},
	})

	// C-7: dispatched before v2 takes effect: judged against v1 (water): matches.
	c7 := s.Case("C-7")
	at(s, 3, 10, 0)
	reportCase(c7, events.ChannelHotline, eventstest.Leak, st1)
	at(s, 3, 11, 0)
	c7.Dispatched(center, water, events.ModeRule) // v1, dwell 60m, matches
	c7.Accepted(water)
	at(s, 3, 12, 30)
	c7.Resolved(water, events.OutcomeFixed)

	// C-8: dispatched after v2 takes effect, still by v1: contradiction
	// (cites v1, v2 routes leaks to env); returned and re-dispatched by v2.
	c8 := s.Case("C-8")
	at(s, 3, 13, 0)
	reportCase(c8, events.ChannelHotline, eventstest.Leak, st1)
	at(s, 3, 13, 30)
	c8.Dispatched(center, water, events.ModeRule) // dwell 30m, contradiction
	at(s, 3, 14, 30)
	c8.Returned(water, events.ReasonUnclearOwnership)
	at(s, 3, 15, 0)
	ruleV2(c8, center, env, "r2-leak") // dwell 30m, matches v2
	at(s, 3, 15, 30)
	c8.Accepted(env)
	return s
}
