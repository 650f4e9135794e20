package ratings

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
)

// Invalid reasons of the story.
const (
	unreachable = "citizen unreachable after three calls"
	notReporter = "respondent is not the reporter"
)

// at sets the story clock to 2026-11-<day> hh:mm +08:00. Day 2 and day 3
// are in ISO week 2026-W45, day 9 in 2026-W46.
func at(s *eventstest.Story, day, hh, mm int) *eventstest.Story {
	return s.At(time.Date(2026, 11, day, hh, mm, 0, 0, eventstest.Zone))
}

// story is the hand-computed fixture of ratings_test.go.
func story() *eventstest.Story {
	s := eventstest.New()
	s.District()

	// one valid rating (contacted, solved, satisfied) by roads on day 2.
	r1 := s.Case("R-1")
	at(s, 2, 11, 0)
	r1.Reported(events.ChannelHotline, eventstest.Pothole)
	r1.Dispatched(center, roads, events.ModeRule)
	r1.Resolved(roads, events.OutcomeFixed)
	at(s, 2, 15, 0)
	r1.Rated(true, true, events.Satisfied)
	r1.Closed()

	// reopened and rated twice. The first rating (water, day 2:
	// contacted, not solved, unsatisfied) is superseded by the second
	// (env, day 9: contacted, solved, basically), which counts for env.
	r2 := s.Case("R-2")
	at(s, 2, 11, 10)
	r2.Reported(events.ChannelHotline, eventstest.Leak)
	r2.Dispatched(center, water, events.ModeRule)
	r2.Resolved(water, events.OutcomeExplained)
	at(s, 2, 16, 0)
	r2.Rated(true, false, events.Unsatisfied)
	r2.Reopened()
	r2.Dispatched(center, env, events.ModeManual)
	at(s, 9, 10, 0)
	r2.Resolved(env, events.OutcomeFixed)
	r2.Rated(true, true, events.Basically)

	// an invalid rating (env, day 2), then a valid one (env, day 3:
	// not contacted, solved, basically).
	r3 := s.Case("R-3")
	at(s, 2, 11, 20)
	r3.Reported(events.ChannelApp, eventstest.Noise)
	r3.Dispatched(center, env, events.ModeRule)
	r3.Resolved(env, events.OutcomeFixed)
	at(s, 2, 17, 0)
	r3.RatedInvalid(unreachable)
	at(s, 3, 10, 0)
	r3.Rated(false, true, events.Basically)
	r3.Closed()

	// a valid rating (roads, day 3: not contacted, not solved,
	// unsatisfied), reopened, resolved again by roads, then an invalid
	// rating on day 9: the invalid one does not supersede the valid one.
	r4 := s.Case("R-4")
	at(s, 2, 11, 30)
	r4.Reported(events.ChannelHotline, eventstest.Pothole)
	r4.Dispatched(center, roads, events.ModeRule)
	r4.Resolved(roads, events.OutcomeNoAction)
	at(s, 3, 11, 0)
	r4.Rated(false, false, events.Unsatisfied)
	r4.Reopened()
	r4.Dispatched(center, roads, events.ModeManual)
	r4.Resolved(roads, events.OutcomeFixed)
	at(s, 9, 11, 0)
	r4.RatedInvalid(notReporter)

	// resolved by water, never rated.
	r5 := s.Case("R-5")
	at(s, 2, 11, 40)
	r5.Reported(events.ChannelHotline, eventstest.Leak)
	r5.Dispatched(center, water, events.ModeRule)
	r5.Resolved(water, events.OutcomeFixed)

	// dispatched to roads, never resolved.
	r6 := s.Case("R-6")
	at(s, 2, 11, 50)
	r6.Reported(events.ChannelHotline, eventstest.Pothole)
	r6.Dispatched(center, roads, events.ModeRule)

	// rated (env, day 2: contacted, not solved, unsatisfied), then
	// reopened and sent to water, not resolved again: the rating stays
	// env's, the reopening goes to water (its handling unit now).
	r7 := s.Case("R-7")
	at(s, 2, 12, 0)
	r7.Reported(events.ChannelApp, eventstest.Noise)
	r7.Dispatched(center, env, events.ModeRule)
	r7.Resolved(env, events.OutcomeExplained)
	at(s, 2, 18, 0)
	r7.Rated(true, false, events.Unsatisfied)
	at(s, 3, 9, 0)
	r7.Reopened()
	r7.Dispatched(center, water, events.ModeManual)

	// reported on day 9, rated by roads (contacted, solved, satisfied).
	r8 := s.Case("R-8")
	at(s, 9, 12, 0)
	r8.Reported(events.ChannelHotline, eventstest.Pothole)
	r8.Dispatched(center, roads, events.ModeRule)
	r8.Resolved(roads, events.OutcomeFixed)
	r8.Rated(true, true, events.Satisfied)
	return s
}
