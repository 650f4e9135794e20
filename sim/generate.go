package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

// Generate simulates the district described by cfg and calls emit with
// every draft, in the order of their occurred_at (ties keep the order in
// which the simulation produced them). It needs no ledger: it is the
// source Run writes from, and benchmarks can pre-generate with it.
//
// The drafts are ready for the ledger: registry first (units, then
// responsibility list version 1, at cfg.Start), every case and topic event
// valid under the ledger's lifecycle rules when appended in this order.
// The same cfg always yields the same drafts (IDs included). Generate keeps
// state only for cases and topics still open, so memory is bounded by the
// backlog, not by cfg.Cases.
//
// If emit returns an error, Generate stops and returns that error as is,
// with the summary of what was emitted so far.
func Generate(cfg Config, emit func(events.Draft) error) (Summary, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	e := newEngine(cfg, emit)
	err = e.run()
	return e.sum, err
}

// engine is one simulation run.
type engine struct {
	cfg     Config
	loc     *time.Location
	cal     calendar
	r       rng
	entropy *ulid.MonotonicEntropy
	emit    func(events.Draft) error
	w       *world
	q       queue
	sum     Summary

	now, start, end int64     // unix ms
	hourCum         []float64 // cumulative arrival weight at each hour boundary

	live    int // cases reported and not closed
	recent  [recentSize]recentCase
	nRecent int
	day     int // yyyymmdd of the last case id
	daySeq  int
	v2From  int64 // unix ms from which list version 2 is in force; 0: not yet

	operators []events.Actor
}

// recentCase remembers a recent case, as the parent of a duplicate report.
type recentCase struct {
	id   string
	cat  int32
	comm int32
	grid int32
}

const recentSize = 512

// Actors that never change.
var (
	dispatchEngine = events.Actor{Kind: events.ActorSystem, ID: "dispatch-engine"}
)

func newEngine(cfg Config, emit func(events.Draft) error) *engine {
	var seed [32]byte
	for i := range 4 {
		x := cfg.Seed ^ uint64(i)*0x9e3779b97f4a7c15
		for j := range 8 {
			seed[i*8+j] = byte(x >> (8 * j))
		}
	}
	e := &engine{
		cfg: cfg, loc: cfg.Start.Location(), cal: calendar{cfg.Start.Location()},
		r: newRNG(cfg.Seed), entropy: ulid.Monotonic(rand.NewChaCha8(seed), 0), emit: emit,
		start: cfg.Start.UnixMilli(),
	}
	e.end = e.start + int64(cfg.Days)*24*3600e3
	e.w = buildWorld(cfg, e.r, cfg.Start)
	e.sum.init()
	center := e.w.units[e.w.center].id
	for i := range 60 {
		e.operators = append(e.operators, events.Actor{Kind: events.ActorStaff, ID: fmt.Sprintf("op-%02d", i+1), Unit: center})
	}
	e.arrivalCurve()
	return e
}

// Arrival shape: relative intensity by local hour (night low, peaks in the
// morning and afternoon) and by weekday (weekends lower).
var (
	hourly  = [24]float64{0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 1.0, 2.2, 3.0, 3.1, 2.6, 1.6, 1.8, 2.6, 2.8, 2.7, 2.2, 1.5, 1.3, 1.2, 1.0, 0.7, 0.45}
	weekday = [7]float64{0.62, 1.12, 1.05, 1.0, 1.0, 0.95, 0.7} // Sunday first
)

// arrivalCurve computes the cumulative arrival weight over the period's
// hours; hour h gets exactly round(N*cum[h+1]/W) - round(N*cum[h]/W) cases,
// so the total is exactly cfg.Cases.
func (e *engine) arrivalCurve() {
	n := e.cfg.Days * 24
	e.hourCum = make([]float64, n+1)
	dayFactor := 1.0
	for h := range n {
		if h%24 == 0 {
			dayFactor = e.r.lognormal(1, 0.08) // weather, news, ...
			if e.r.chance(0.03) {
				dayFactor *= 1.5 // a storm or an outage
			}
		}
		t := e.t(e.start + int64(h)*3600e3)
		e.hourCum[h+1] = e.hourCum[h] + dayFactor*weekday[t.Weekday()]*hourly[t.Hour()]
	}
}

// arrivals returns the number of cases reported in hour h.
func (e *engine) arrivals(h int) int {
	total := e.hourCum[len(e.hourCum)-1]
	at := func(i int) int {
		if i == len(e.hourCum)-1 {
			return e.cfg.Cases
		}
		return int(math.Round(float64(e.cfg.Cases) * e.hourCum[i] / total))
	}
	return at(h+1) - at(h)
}

// t converts unix ms to a time in the simulation's zone.
func (e *engine) t(ms int64) time.Time { return time.UnixMilli(ms).In(e.loc) }

// after returns now + d, in ms.
func (e *engine) after(d time.Duration) int64 { return e.now + d.Milliseconds() }

// working returns the time d of office hours after now, in ms.
func (e *engine) working(d time.Duration) int64 {
	return e.cal.addWorking(e.t(e.now), d).UnixMilli()
}

// put emits one draft at the current simulated time.
func (e *engine) put(stream string, actor events.Actor, p events.Payload) error {
	id, err := ulid.New(uint64(e.now), e.entropy)
	if err != nil {
		return fmt.Errorf("sim: event id: %w", err)
	}
	t := e.t(e.now)
	e.sum.count(p.EventType(), t)
	return e.emit(events.Draft{ID: id, Stream: stream, OccurredAt: t, Actor: actor, Payload: p})
}

func (e *engine) operator() events.Actor { return e.operators[e.r.IntN(len(e.operators))] }

func (e *engine) unitActor(u int32) events.Actor {
	id := e.w.units[u].id
	return events.Actor{Kind: events.ActorUnit, ID: id, Unit: id}
}

func (e *engine) registrar() events.Actor {
	return events.Actor{Kind: events.ActorStaff, ID: "registrar", Unit: e.w.units[e.w.district].id}
}

// run is the discrete-event loop.
func (e *engine) run() error {
	e.now = e.start
	for _, p := range e.w.registry() {
		if err := e.put(events.UnitsStream, e.registrar(), p); err != nil {
			return err
		}
	}
	e.sum.Units = len(e.w.units)
	if err := e.put(events.ResponsibilityStream, e.registrar(), e.w.lists[0].payload); err != nil {
		return err
	}
	e.sum.ListVersions = 1
	e.q.push(action{at: e.start, kind: actHour})
	if e.cfg.Days >= 2 {
		mid := e.t(e.start).AddDate(0, 0, e.cfg.Days/2)
		e.q.push(action{at: e.cal.midnight(mid).Add(9*time.Hour + 30*time.Minute).UnixMilli(), kind: actPublish})
	}
	e.scheduleTopics()

	for e.q.len() > 0 && e.q.peek().at < e.end {
		a := e.q.pop()
		e.now = a.at
		var err error
		switch a.kind {
		case actHour:
			e.hour()
		case actArrive:
			err = e.arrive()
		case actCase:
			err = e.step(a.c)
		case actTopic:
			err = e.topicStep(a.t)
		case actPublish:
			err = e.publish()
		}
		if err != nil {
			return err
		}
	}
	e.sum.OpenAtEnd = e.live
	for _, a := range e.q.h {
		if a.kind == actCase && a.c.status == statusOpen {
			e.sum.UnresolvedAtEnd++
		}
		if a.kind == actTopic {
			e.sum.TopicsOpenAtEnd++
		}
	}
	return nil
}

// hour schedules the arrivals of the hour starting now.
func (e *engine) hour() {
	h := int((e.now - e.start) / 3600e3)
	for range e.arrivals(h) {
		e.q.push(action{at: e.now + e.r.Int64N(3600e3), kind: actArrive})
	}
	if next := e.now + 3600e3; next < e.end {
		e.q.push(action{at: next, kind: actHour})
	}
}

// publish publishes responsibility list version 2, in force from the next
// midnight.
func (e *engine) publish() error {
	from := e.cal.nextMidnight(e.t(e.now))
	v2 := e.w.lists[1]
	v2.effective = from.UnixMilli()
	p := *v2.payload
	p.EffectiveFrom = from
	if err := e.put(events.ResponsibilityStream, e.registrar(), &p); err != nil {
		return err
	}
	e.v2From = v2.effective
	e.sum.ListVersions = 2
	return nil
}

// list returns the responsibility list in force now.
func (e *engine) list() *respList {
	if e.v2From != 0 && e.now >= e.v2From {
		return e.w.lists[1]
	}
	return e.w.lists[0]
}

// caseID returns the next case id: local report date and a daily sequence.
func (e *engine) caseID() string {
	y, m, d := e.t(e.now).Date()
	day := y*10000 + int(m)*100 + d
	if day != e.day {
		e.day, e.daySeq = day, 0
	}
	e.daySeq++
	return fmt.Sprintf("%08d-%06d", day, e.daySeq)
}
