package process_test

import (
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
)

// Abbreviations used in the hand computations below:
//
//	R case.reported  D case.dispatched  Ret case.returned  A case.accepted
//	C case.contacted S case.resolved    T case.rated       O case.reopened
//	E case.extended  M case.merged      X case.closed
//
// Resources: the unit a dispatch sends to; the unit acting on returned,
// accepted, contacted, resolved; "channel:<c>" for R; the Dispatcher
// actor's unit "center" for T, O, E, M, X.
const (
	R   = events.TypeCaseReported
	D   = events.TypeCaseDispatched
	Ret = events.TypeCaseReturned
	A   = events.TypeCaseAccepted
	C   = events.TypeCaseContacted
	S   = events.TypeCaseResolved
	T   = events.TypeCaseRated
	O   = events.TypeCaseReopened
	E   = events.TypeCaseExtended
	M   = events.TypeCaseMerged
	X   = events.TypeCaseClosed
)

// story tells six cases and one topic on 2026-11-02 (+08:00), every draft
// 10 minutes after the one before unless the clock is advanced:
//
//	C-1 happy path    09:00 R[hotline] 09:10 D[roads] 09:20 A 09:30 C 09:40 S 09:50 T[center] 10:00 X   (60 min)
//	C-2 return and    10:10 R[app] 10:20 D[env] (+40m) 11:10 Ret[env] 11:20 D[st-1] 11:30 A 11:40 S
//	    redispatch    11:50 X                                                                         (100 min)
//	C-3 reopen        12:00 R[hotline] 12:10 D[water] 12:20 A 12:30 S 12:40 T[center] 12:50 O 13:00 E
//	                  13:10 S[water] 13:20 T 13:30 X                                                  (90 min)
//	C-5 merged        13:40 R[app] 13:50 M[center] 14:00 X                                            (20 min)
//	C-6 happy, slow   14:10 R[hotline] 14:20 D[roads] (+2h) 16:30 A 16:40 C 16:50 S 17:00 T 17:10 X   (180 min)
//	C-4 ping-pong     17:20 R[grid_patrol] 17:30 D[roads] 17:40 Ret 17:50 D[water] 18:00 Ret
//	    (left open)   18:10 D[roads] forced 18:20 A
//	T-1 topic         18:30 opened, 18:40 and 18:50 ballots, 19:00 closed
//
// The district registry comes first (ignored by the projection).
func story() []events.Draft {
	s := eventstest.New()
	s.District()
	s.At(eventstest.Start) // 2026-11-02 09:00 +08:00
	const (
		roads, water, env, center = eventstest.Roads, eventstest.Water, eventstest.Environment, eventstest.Center
		st1                       = eventstest.Street1
	)

	c1 := s.Case("C-1")
	c1.Reported(events.ChannelHotline, eventstest.Pothole)
	c1.Dispatched(center, roads, events.ModeRule)
	c1.Accepted(roads)
	c1.Contacted(roads)
	c1.Resolved(roads, events.OutcomeFixed)
	c1.Rated(true, true, events.Satisfied)
	c1.Closed()

	c2 := s.Case("C-2")
	c2.Reported(events.ChannelApp, eventstest.Noise)
	c2.Dispatched(center, env, events.ModeManual)
	s.Advance(40 * time.Minute)
	c2.Returned(env, events.ReasonWrongArea)
	c2.Dispatched(center, st1, events.ModeManual)
	c2.Accepted(st1)
	c2.Resolved(st1, events.OutcomeFixed)
	c2.Closed()

	c3 := s.Case("C-3")
	c3.Reported(events.ChannelHotline, eventstest.Leak)
	c3.Dispatched(center, water, events.ModeRule)
	c3.Accepted(water)
	c3.Resolved(water, events.OutcomeFixed)
	c3.Rated(true, false, events.Unsatisfied)
	c3.Reopened()
	c3.Extended(48 * time.Hour)
	c3.Resolved(water, events.OutcomeFixed)
	c3.Rated(true, true, events.Satisfied)
	c3.Closed()

	c5 := s.Case("C-5")
	c5.Reported(events.ChannelApp, eventstest.Pothole)
	c5.Merged("C-1")
	c5.Closed()

	c6 := s.Case("C-6")
	c6.Reported(events.ChannelHotline, eventstest.Pothole)
	c6.Dispatched(center, roads, events.ModeRule)
	s.Advance(2 * time.Hour)
	c6.Accepted(roads)
	c6.Contacted(roads)
	c6.Resolved(roads, events.OutcomeFixed)
	c6.Rated(true, true, events.Satisfied)
	c6.Closed()

	c4 := s.Case("C-4")
	c4.Reported(events.ChannelGridPatrol, eventstest.Pothole)
	c4.Dispatched(center, roads, events.ModeManual)
	c4.Returned(roads, events.ReasonUnclearOwnership)
	c4.Dispatched(center, water, events.ModeManual)
	c4.Returned(water, events.ReasonOverlappingDuties)
	c4.DispatchedWith(&events.CaseDispatched{FromUnit: center, ToUnit: roads, Mode: events.ModeForced})
	c4.Accepted(roads)

	t1 := s.Topic("T-1")
	t1.Open(time.Hour, false, "S-1", "S-2")
	t1.Ballot("S-1", "yes")
	t1.Ballot("S-2", "no")
	t1.Close(events.OptionCount{Option: "yes", Votes: 1}, events.OptionCount{Option: "no", Votes: 1})
	return s.Drafts()
}
