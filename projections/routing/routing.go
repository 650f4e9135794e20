// Package routing measures buck-passing (推诿) and the quality of dispatch:
// how often the responsibility list routes a case by itself, how many
// times a case is passed on before someone keeps it, how often units send
// orders back and why, which cases come back to a unit that already let
// them go (ping-pong), how often the district had to take a case as
// fallback (兜底) or rule on it by force, and which dispatches contradict
// the responsibility list (职责清单) in force at the moment they were made.
//
// The figures, for a reviewer (definitions are binding, DESIGN §5):
//
//   - Auto-dispatch rate: first dispatches with mode "rule" / all first
//     dispatches (a case's first case.dispatched).
//   - Hops: dispatches per case, over the cases dispatched at least once;
//     re-dispatches after a return or a reopening are hops too.
//   - Return rate: case.returned / case.dispatched.
//   - Ping-pong: a case that reaches a unit it has already left: a unit
//     leaves a case when it passes it on (it is the sender of a dispatch),
//     returns it, or holds it when it is dispatched elsewhere. A unit that
//     resolved a case and gets it back after a reopening has not left it.
//   - Contradiction: a dispatch with mode "rule" or "manual" whose receiver
//     is not the unit the list in force at the dispatch's occurred_at routes
//     the case's category and street to (events.ResponsibilityPublished.Route);
//     a rule dispatch also contradicts the list when it cites another list
//     version or when the list routes nothing for the case. The list in
//     force at t is the published list with the latest effective_from at or
//     before t (the higher version on a tie).
//   - Handover network: one edge per (from unit, to unit) of the dispatches,
//     with how long the case sat before being passed on: from the moment
//     it last came to rest (reported, previous dispatch, return or
//     reopening, whichever is latest) to the dispatch.
//
// Unit attribution follows every built-in projection: a case-level figure
// (cases, first dispatches, auto-dispatch, hops, ping-pong) goes to the
// case's handling unit (the unit of its final case.resolved, or, for an
// unresolved case, the unit it was last dispatched to; "(unassigned)" if
// none); a hop-level figure (dispatches received, returns, fallback,
// forced, contradictions) goes to the unit of that hop: the receiver of
// the dispatch, or the unit that returned the case.
package routing

import (
	"math"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/internal/places"
)

// Name is the projection's name and version.
const Name = "routing/v1"

// Unassigned labels cases that were never dispatched nor resolved.
const Unassigned = "(unassigned)"

// Config configures the projection. The zero Config is the default.
type Config struct {
	// Zone is the zone of calendar periods; nil means Asia/Shanghai (a
	// fixed +08:00 zone of that name if the host has no tz database).
	Zone *time.Location
}

// Projection folds case routing events into the routing figures. It is
// not safe for concurrent use (the runner never calls it concurrently).
type Projection struct {
	loc *time.Location

	tab places.Table // interned names and locations

	lists []list // responsibility lists by publication, one per version

	cases  []caseRec
	live   map[string]uint32 // case id -> index in cases, for cases not closed
	hops   []hop
	rets   []ret
	contra []contradiction
	named  map[uint32]string // case index -> case id, for listed cases
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Stateful   = (*Projection)(nil)
	_ projections.Filter     = (*Projection)(nil)
	_ projections.Reporter   = (*Projection)(nil)
)

// location is where a case comes from: street, community, grid and
// channel name ids (few distinct tuples: about one per grid and channel).

// Dispatch modes as stored.
const (
	modeOther uint8 = iota // a mode this version does not know
	modeRule
	modeManual
	modeFallback
	modeForced
)

var modeNames = [...]string{"other", events.ModeRule, events.ModeManual, events.ModeFallback, events.ModeForced}

func modeOf(s string) uint8 {
	switch s {
	case events.ModeRule:
		return modeRule
	case events.ModeManual:
		return modeManual
	case events.ModeFallback:
		return modeFallback
	case events.ModeForced:
		return modeForced
	}
	return modeOther
}

// Case flags.
const (
	cResolved   uint8 = 1 << iota // its last resolution was not reopened
	cHolding                      // its last receiver holds it (not returned nor resolved)
	cPingPong                     // it reached a unit it had left
	cDispatched                   // it was dispatched at least once (firstMode is set)
	cClosed                       // case.closed was applied
	cFlagsAll   = cResolved | cHolding | cPingPong | cDispatched | cClosed
)

// caseRec is what the projection keeps per case: 40 bytes, no pointers.
type caseRec struct {
	reported     int64  // unix seconds
	rest         uint32 // seconds after reported the case last came to rest (0 once closed)
	cat          uint32 // name id
	loc          uint32 // index in locs
	resolvedUnit uint32 // name id of the unit of its last case.resolved
	lastTo       uint32 // name id of the receiver of its last dispatch
	lastHop      uint32 // index+1 of its last hop, 0 if none
	hops         uint32 // dispatches
	firstMode    uint8
	flags        uint8
}

// Hop flags.
const (
	hLeft     uint8 = 1 << iota // the receiver left the case (returned it or it was dispatched away)
	hPingPong                   // this dispatch reached a unit the case had left
	hContra                     // this dispatch contradicts the list in force
	hFlagsAll = hLeft | hPingPong | hContra
)

// hop is one case.dispatched: 24 bytes, no pointers.
type hop struct {
	caseIdx uint32
	from    uint32 // name id
	to      uint32 // name id
	prev    uint32 // index+1 of the case's previous hop, 0 if none
	dwell   uint32 // seconds the case sat before this dispatch
	mode    uint8
	flags   uint8
}

// ret is one case.returned.
type ret struct {
	caseIdx uint32
	unit    uint32 // name id
	reason  uint32 // name id
}

// contradiction is one dispatch that contradicts the list in force.
type contradiction struct {
	hop      uint32 // index in hops
	at       int64  // unix seconds of the dispatch
	cited    uint32 // list version the dispatch cites (0: none)
	inForce  uint32 // list version in force (0: none)
	expected uint32 // name id of the unit the list routes to (0: none)
}

// list is one published responsibility list.
type list struct {
	version  uint32
	from     int64 // effective_from, unix seconds
	fallback uint32
	rules    []rule
	index    map[uint64]uint32 // category<<32 | street -> index in rules
}

// rule is a list rule with interned names.
type rule struct{ id, cat, street, unit uint32 }

// New returns an empty routing projection.
func New(cfg Config) *Projection {
	loc := cfg.Zone
	if loc == nil {
		loc = DefaultZone()
	}
	p := &Projection{loc: loc}
	p.reset()
	return p
}

func (p *Projection) reset() {
	p.tab.Reset()
	p.lists = nil
	p.cases = nil
	p.live = map[string]uint32{}
	p.hops = nil
	p.rets = nil
	p.contra = nil
	p.named = map[uint32]string{}
}

// DefaultZone returns Asia/Shanghai from the tz database, or a fixed
// +08:00 zone of that name if the database is missing.
func DefaultZone() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}

// Name returns "routing/v1".
func (p *Projection) Name() string { return Name }

// Types returns the event types the projection reads.
func (p *Projection) Types() []string {
	return []string{
		events.TypeRespPublished,
		events.TypeCaseReported,
		events.TypeCaseDispatched,
		events.TypeCaseReturned,
		events.TypeCaseResolved,
		events.TypeCaseReopened,
		events.TypeCaseClosed,
	}
}

// Apply folds one event. It never fails: events it cannot place (an
// unknown case) are ignored.
func (p *Projection) Apply(_ uint64, e *events.Event, payload events.Payload) error {
	switch pl := payload.(type) {
	case *events.ResponsibilityPublished:
		p.publish(pl)
	case *events.CaseReported:
		id := e.CaseID()
		if id == "" {
			return nil
		}
		if _, dup := p.live[id]; dup {
			return nil
		}
		at := e.OccurredAt.Unix()
		p.live[id] = uint32(len(p.cases))
		p.cases = append(p.cases, caseRec{
			reported: at,
			cat:      p.tab.Name(pl.Category), loc: p.tab.Loc(pl.Location, pl.Channel),
		})
	case *events.CaseDispatched:
		if ci, ok := p.live[e.CaseID()]; ok {
			p.dispatched(e.OccurredAt.Unix(), ci, e.CaseID(), pl)
		}
	case *events.CaseReturned:
		if ci, ok := p.live[e.CaseID()]; ok {
			c := &p.cases[ci]
			unit := p.tab.Name(pl.Unit)
			p.rets = append(p.rets, ret{caseIdx: ci, unit: unit, reason: p.tab.Name(pl.Reason)})
			if c.lastHop != 0 && p.hops[c.lastHop-1].to == unit {
				p.hops[c.lastHop-1].flags |= hLeft
				c.flags &^= cHolding
			}
			c.restAt(e.OccurredAt.Unix())
		}
	case *events.CaseResolved:
		if ci, ok := p.live[e.CaseID()]; ok {
			c := &p.cases[ci]
			c.resolvedUnit = p.tab.Name(pl.Unit)
			c.flags = c.flags&^cHolding | cResolved
		}
	case *events.CaseReopened:
		if ci, ok := p.live[e.CaseID()]; ok {
			c := &p.cases[ci]
			c.flags &^= cResolved
			c.restAt(e.OccurredAt.Unix())
		}
	case *events.CaseClosed:
		id := e.CaseID()
		if ci, ok := p.live[id]; ok {
			c := &p.cases[ci]
			c.flags = c.flags&^cHolding | cClosed
			c.rest = 0
			delete(p.live, id)
		}
	}
	return nil
}

// dispatched folds one case.dispatched of case ci (id) at unix time at.
func (p *Projection) dispatched(at int64, ci uint32, id string, d *events.CaseDispatched) {
	c := &p.cases[ci]
	from, to := p.tab.Name(d.FromUnit), p.tab.Name(d.ToUnit)
	h := hop{caseIdx: ci, from: from, to: to, prev: c.lastHop, mode: modeOf(d.Mode)}
	h.dwell = uint32(min(max(at-c.reported-int64(c.rest), 0), math.MaxUint32))
	if c.lastHop != 0 && c.flags&cHolding != 0 && c.lastTo != to {
		p.hops[c.lastHop-1].flags |= hLeft // dispatched away from its holder
	}
	for i := c.lastHop; i != 0; i = p.hops[i-1].prev {
		q := &p.hops[i-1]
		if q.from == to || q.to == to && q.flags&hLeft != 0 {
			h.flags |= hPingPong
			break
		}
	}
	hi := uint32(len(p.hops))
	if h.mode == modeRule || h.mode == modeManual {
		if k, bad := p.judge(at, c, &h, d.ListVersion); bad {
			h.flags |= hContra
			k.hop = hi
			p.contra = append(p.contra, k)
			p.name(ci, id)
		}
	}
	if h.flags&hPingPong != 0 && c.flags&cPingPong == 0 {
		c.flags |= cPingPong
		p.name(ci, id)
	}
	p.hops = append(p.hops, h)
	c.hops++
	if c.flags&cDispatched == 0 {
		c.flags |= cDispatched
		c.firstMode = h.mode
	}
	c.lastTo, c.lastHop = to, hi+1
	c.restAt(at)
	c.flags |= cHolding
}

// restAt records that the case came to rest at unix time t.
func (c *caseRec) restAt(t int64) {
	c.rest = uint32(min(max(t-c.reported, 0), math.MaxUint32))
}

// name remembers the id of a case that a typed list shows.
func (p *Projection) name(ci uint32, id string) {
	if _, ok := p.named[ci]; !ok {
		p.named[ci] = id
	}
}

// judge compares a rule or manual dispatch with the list in force at at.
func (p *Projection) judge(at int64, c *caseRec, h *hop, cited int) (contradiction, bool) {
	k := contradiction{at: at, cited: uint32(max(cited, 0))}
	l := p.inForce(at)
	routed := false
	if l != nil {
		k.inForce = l.version
		var r rule
		if r, routed = l.route(c.cat, p.tab.Locs[c.loc].Street); routed {
			k.expected = r.unit
		}
	}
	switch h.mode {
	case modeRule:
		return k, l == nil || k.cited != l.version || !routed || k.expected != h.to
	case modeManual:
		return k, routed && k.expected != h.to
	}
	return k, false
}

// inForce returns the list in force at unix time t, or nil.
func (p *Projection) inForce(t int64) *list {
	var best *list
	for i := range p.lists {
		l := &p.lists[i]
		if l.from > t {
			continue
		}
		if best == nil || l.from > best.from || l.from == best.from && l.version > best.version {
			best = l
		}
	}
	return best
}

// route is events.ResponsibilityPublished.Route over interned names: the
// street-specific rule if there is one, else the district-wide rule.
func (l *list) route(cat, street uint32) (rule, bool) {
	if street != 0 {
		if i, ok := l.index[uint64(cat)<<32|uint64(street)]; ok {
			return l.rules[i], true
		}
	}
	if i, ok := l.index[uint64(cat)<<32]; ok {
		return l.rules[i], true
	}
	return rule{}, false
}

func (l *list) buildIndex() {
	l.index = make(map[uint64]uint32, len(l.rules))
	for i, r := range l.rules {
		k := uint64(r.cat)<<32 | uint64(r.street)
		if _, dup := l.index[k]; !dup || r.street == 0 {
			l.index[k] = uint32(i) // as Route: the first street rule, the last district-wide one
		}
	}
}

// publish keeps a responsibility list; a version published again
// replaces the earlier publication of that version.
func (p *Projection) publish(r *events.ResponsibilityPublished) {
	if r.ListVersion < 1 {
		return
	}
	l := list{version: uint32(r.ListVersion), from: r.EffectiveFrom.Unix(), fallback: p.tab.Name(r.Fallback)}
	l.rules = make([]rule, len(r.Rules))
	for i, x := range r.Rules {
		l.rules[i] = rule{p.tab.Name(x.ID), p.tab.Name(x.Category), p.tab.Name(x.Street), p.tab.Name(x.Unit)}
	}
	l.buildIndex()
	for i := range p.lists {
		if p.lists[i].version == l.version {
			p.lists[i] = l
			return
		}
	}
	p.lists = append(p.lists, l)
}
