// Package eventstest builds events for tests so that a test reads like the
// story it tells:
//
//	s := eventstest.New()
//	reg := s.District()                       // units and responsibility list v1
//	c := s.Case("C-1")
//	c.Reported(events.ChannelHotline, "road.pothole")
//	c.Dispatched("center", "dept-roads", events.ModeRule)
//	c.Accepted("dept-roads")
//	c.Resolved("dept-roads", events.OutcomeFixed)
//	c.Rated(true, true, events.Satisfied)
//	c.Closed()
//	drafts := s.Drafts() // every draft, in the order told
//
// Every draft gets a fresh ULID from a deterministic source and an
// occurred_at that advances by Step (default 10 minutes) per event, in
// Asia/Shanghai time (+08:00). Nothing here talks to a ledger or store.
package eventstest

import (
	"math/rand/v2"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

// Zone is the zone of every generated occurred_at (+08:00).
var Zone = time.FixedZone("CST", 8*3600)

// Start is the default time of a story's first event.
var Start = time.Date(2026, 11, 2, 9, 0, 0, 0, Zone)

// Story is a sequence of drafts told in order.
type Story struct {
	// Step is how far the clock advances after each draft.
	Step time.Duration

	now     time.Time
	entropy *rand.ChaCha8
	drafts  []events.Draft
}

// New starts a story at Start.
func New() *Story { return NewAt(Start) }

// NewAt starts a story at t.
func NewAt(t time.Time) *Story {
	var seed [32]byte
	copy(seed[:], "govledger eventstest story seed!")
	return &Story{Step: 10 * time.Minute, now: t, entropy: rand.NewChaCha8(seed)}
}

// Now is the occurred_at the next draft gets.
func (s *Story) Now() time.Time { return s.now }

// Advance moves the clock forward by d.
func (s *Story) Advance(d time.Duration) *Story { s.now = s.now.Add(d); return s }

// At sets the clock to t (it may go backwards, to tell a refused story).
func (s *Story) At(t time.Time) *Story { s.now = t; return s }

// NewID returns the next ULID of the story.
func (s *Story) NewID() ulid.ULID {
	id, err := ulid.New(ulid.Timestamp(s.now), s.entropy)
	if err != nil {
		panic(err) // the ChaCha8 source never fails
	}
	return id
}

// Draft records and returns a draft on stream by actor with payload p.
func (s *Story) Draft(stream string, actor events.Actor, p events.Payload) events.Draft {
	d := events.Draft{ID: s.NewID(), Stream: stream, OccurredAt: s.now, Actor: actor, Payload: p}
	s.drafts = append(s.drafts, d)
	s.now = s.now.Add(s.Step)
	return d
}

// Drafts returns every draft told so far, in order.
func (s *Story) Drafts() []events.Draft { return append([]events.Draft(nil), s.drafts...) }

// Last returns the last draft told.
func (s *Story) Last() events.Draft { return s.drafts[len(s.drafts)-1] }

// Reset forgets the drafts told so far (the clock and IDs go on).
func (s *Story) Reset() { s.drafts = nil }

// Actors used by the builders.
var (
	System     = events.Actor{Kind: events.ActorSystem, ID: "dispatcher"}
	Registrar  = events.Actor{Kind: events.ActorStaff, ID: "registrar", Unit: "d-1"}
	Dispatcher = events.Actor{Kind: events.ActorStaff, ID: "op-1", Unit: "center"}
)

// UnitActor returns the actor for a unit acting.
func UnitActor(unit string) events.Actor {
	return events.Actor{Kind: events.ActorUnit, ID: unit, Unit: unit}
}

// Citizen returns the actor for a citizen subject.
func Citizen(subject string) events.Actor {
	return events.Actor{Kind: events.ActorCitizen, ID: subject}
}

// Units of the small district that District registers.
const (
	DistrictUnit = "d-1"
	Center       = "center"
	Street1      = "st-1"
	Street2      = "st-2"
	Community1   = "cm-1"
	Community2   = "cm-2"
	Grid1        = "g-1"
	Grid2        = "g-2"
	Roads        = "dept-roads"
	Water        = "dept-water"
	Environment  = "dept-env"
)

// Categories routed by District's responsibility list v1.
const (
	Pothole = "road.pothole"
	Leak    = "water.leak"
	Noise   = "env.noise"
)

// Unit registers one unit.
func (s *Story) Unit(id, kind, parent string) events.Draft {
	return s.Draft(events.UnitsStream, Registrar, &events.UnitRegistered{Unit: id, Name: "Unit " + id, Kind: kind, Parent: parent})
}

// District registers a small district (a district, a dispatch centre, two
// streets with a community and a grid each, three departments) and
// publishes responsibility list version 1, and returns those drafts.
func (s *Story) District() []events.Draft {
	from := len(s.drafts)
	s.Unit(DistrictUnit, events.UnitDistrict, "")
	s.Unit(Center, events.UnitCenter, DistrictUnit)
	s.Unit(Street1, events.UnitStreet, DistrictUnit)
	s.Unit(Street2, events.UnitStreet, DistrictUnit)
	s.Unit(Community1, events.UnitCommunity, Street1)
	s.Unit(Community2, events.UnitCommunity, Street2)
	s.Unit(Grid1, events.UnitGrid, Community1)
	s.Unit(Grid2, events.UnitGrid, Community2)
	s.Unit(Roads, events.UnitDepartment, DistrictUnit)
	s.Unit(Water, events.UnitDepartment, DistrictUnit)
	s.Unit(Environment, events.UnitDepartment, DistrictUnit)
	s.Responsibility(1,
		events.Rule{ID: "r-pothole", Category: Pothole, Unit: Roads},
		events.Rule{ID: "r-leak", Category: Leak, Unit: Water},
		events.Rule{ID: "r-noise", Category: Noise, Unit: Environment},
		events.Rule{ID: "r-noise-st2", Category: Noise, Street: Street2, Unit: Street2},
	)
	return append([]events.Draft(nil), s.drafts[from:]...)
}

// Responsibility publishes a responsibility list version with the district as fallback.
func (s *Story) Responsibility(version int, rules ...events.Rule) events.Draft {
	return s.Draft(events.ResponsibilityStream, Registrar, &events.ResponsibilityPublished{
		ListVersion: version, EffectiveFrom: s.now, Fallback: DistrictUnit, Rules: rules,
	})
}

// Erase records a subject's erasure.
func (s *Story) Erase(subject string) events.Draft {
	return s.Draft(events.SubjectsStream, Registrar, &events.SubjectErased{Subject: subject, Reason: "request of the subject"})
}
