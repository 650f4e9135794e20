// Package timeliness is the time-efficiency projection: how long citizens
// and units waited, per case, and the distributions a performance reviewer
// ranks units by.
//
// Per case it measures (DESIGN §5, in business time from occurred_at):
//
//   - intake time: case.reported -> first case.dispatched;
//   - unsigned dwell: each case.dispatched -> the next case.accepted or
//     case.returned by the unit it was sent to (or, if neither comes, the
//     next dispatch or resolution of the case). It is the time an order lay
//     unsigned, invisible to the official clock; it is summed per case and
//     attributed per hop to the unit of that hop;
//   - official clock: first case.accepted -> final case.resolved;
//   - citizen clock: case.reported -> final case.resolved;
//   - deadline: from the case's deadline policy (package policy: calendar
//     hours or working days, holidays and make-up workdays), replaced by
//     the last case.extended new_deadline; on time means resolved at or
//     before the deadline;
//   - same-day closure: resolved on the same local calendar day as
//     reported (zone of the policy, default Asia/Shanghai).
//
// "Final" resolution: a reopened case's clocks run to its last
// resolution, and a case counts as resolved only while it is not
// reopened-and-unresolved; until it is resolved again it is open backlog.
//
// Case-level figures are attributed to the case's handling unit (the unit
// of its final resolution, or for an unresolved case the unit it was last
// dispatched to, "(unassigned)" if none); dwell is attributed to the unit
// of each hop.
//
// The projection keeps one compact record per case (about 60 bytes:
// interned ids, times as seconds) and one per signed hop (12 bytes), and
// groups them at Report time, so a query may ask for any dimension, period
// and window.
package timeliness

import (
	"math"
	"strings"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/policy"
)

// Name is the projection's name and version.
const Name = "timeliness/v1"

// Config configures the projection. The zero Config is the default.
type Config struct {
	// Rules are the deadline policies, calendar and zone; nil means
	// policy.Default() (Asia/Shanghai, the simulator's policies, Monday
	// to Friday without holidays).
	Rules *policy.Rules
	// Budget is the exactness budget of every percentile distribution
	// (stats.Dist.Budget): beyond it quantiles come from a sketch within
	// stats.RelativeError. 0 means stats.DefaultBudget.
	Budget int
}

// Projection is the timeliness projection. Use New.
type Projection struct {
	rules  *policy.Rules
	budget int
	days   dayer

	strs   interner
	recs   []rec
	hops   []hop
	live   map[string]*live
	latest int64 // latest occurred_at seen, unix seconds
	// unknownPolicy counts cases whose deadline policy was not in the
	// table and fell back to the default policy.
	unknownPolicy int64
}

// Case states.
const (
	stOpen     uint8 = iota // never resolved
	stResolved              // resolved (last event of its life is a resolution)
	stReopened              // reopened and not yet resolved again
	stClosed                // closed with no standing resolution (a merged duplicate)
)

// stateMask masks the state in rec.state; sameDayBit is set on a case
// resolved on the local day it was reported.
const (
	stateMask  uint8 = 0x0f
	sameDayBit uint8 = 0x80
)

// none marks an absent offset.
const none int32 = -1 << 31

// rec is the compact record of one case. Offsets are seconds after
// reported; none if absent.
type rec struct {
	reported int64
	intake   int32 // first dispatch
	accepted int32 // first acceptance
	resolved int32 // last resolution
	deadline int32 // deadline, extensions applied
	dwell    int32 // unsigned dwell summed over signed hops
	unit     uint32
	category uint32
	channel  uint32
	street   uint32
	comm     uint32
	grid     uint32
	state    uint8
}

// hop is one signed (or otherwise ended) dispatch: its unsigned dwell,
// attributed to its unit.
type hop struct {
	rec   uint32
	unit  uint32
	dwell int32
}

// live is what a case needs while events can still arrive (until
// case.closed).
type live struct {
	idx      uint32
	lastDisp uint32 // unit last dispatched to (0: none)
	pendUnit uint32 // unit of the dispatch not yet signed (0: none)
	pendAt   int64
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Stateful   = (*Projection)(nil)
	_ projections.Filter     = (*Projection)(nil)
	_ projections.Reporter   = (*Projection)(nil)
)

// New returns an empty projection.
func New(cfg Config) *Projection {
	r := cfg.Rules
	if r == nil {
		r = policy.Default()
	}
	return &Projection{rules: r, budget: max(cfg.Budget, 0), days: dayer{loc: r.Location()}, strs: newInterner(), live: map[string]*live{}}
}

// Name returns "timeliness/v1".
func (p *Projection) Name() string { return Name }

// Types returns the case event types the projection reads.
func (p *Projection) Types() []string {
	return []string{
		events.TypeCaseReported, events.TypeCaseDispatched, events.TypeCaseReturned,
		events.TypeCaseAccepted, events.TypeCaseExtended, events.TypeCaseResolved,
		events.TypeCaseReopened, events.TypeCaseClosed,
	}
}

// off returns t - base in seconds, clamped to int32.
func off(t, base int64) int32 {
	d := t - base
	if d > math.MaxInt32 {
		return math.MaxInt32
	}
	if d <= int64(none) {
		return none + 1
	}
	return int32(d)
}

// Apply folds one case event.
func (p *Projection) Apply(_ uint64, e *events.Event, payload events.Payload) error {
	if payload == nil {
		return nil
	}
	var id string
	if kind, rest := events.SplitStream(e.Stream); kind == events.StreamCase {
		id = rest
	} else {
		return nil
	}
	now := e.OccurredAt.Unix()
	if rp, ok := payload.(*events.CaseReported); ok {
		if _, dup := p.live[id]; dup {
			return nil
		}
		p.seen(now)
		p.report(id, now, e, rp)
		return nil
	}
	l, ok := p.live[id]
	if !ok {
		return nil
	}
	p.seen(now)
	r := &p.recs[l.idx]
	switch pl := payload.(type) {
	case *events.CaseDispatched:
		to := p.strs.id(pl.ToUnit)
		p.endHop(l, r, now)
		if r.intake == none {
			r.intake = off(now, r.reported)
		}
		l.lastDisp, l.pendUnit, l.pendAt = to, to, now
		if r.state&stateMask != stResolved {
			r.unit = to
		}
	case *events.CaseAccepted:
		if l.pendUnit != 0 && p.strs.is(l.pendUnit, pl.Unit) {
			p.endHop(l, r, now)
		}
		if r.accepted == none {
			r.accepted = off(now, r.reported)
		}
	case *events.CaseReturned:
		if l.pendUnit != 0 && p.strs.is(l.pendUnit, pl.Unit) {
			p.endHop(l, r, now)
		}
	case *events.CaseExtended:
		r.deadline = off(pl.NewDeadline.Unix(), r.reported)
	case *events.CaseResolved:
		p.endHop(l, r, now)
		r.resolved = off(now, r.reported)
		r.unit = p.strs.id(pl.Unit)
		r.state = stResolved
		if p.days.day(r.reported) == p.days.day(now) {
			r.state |= sameDayBit
		}
	case *events.CaseReopened:
		if r.state&stateMask == stResolved {
			r.state = stReopened
			r.unit = l.lastDisp
		}
	case *events.CaseClosed:
		if st := r.state & stateMask; st == stOpen || st == stReopened {
			r.state = stClosed // no longer backlog, never resolved
		}
		delete(p.live, id)
		return nil
	}
	return nil
}

func (p *Projection) seen(now int64) {
	if now > p.latest {
		p.latest = now
	}
}

func (p *Projection) report(id string, now int64, e *events.Event, rp *events.CaseReported) {
	dl, known := p.rules.Deadline(e.OccurredAt, rp.DeadlinePolicy)
	if !known {
		p.unknownPolicy++
	}
	p.recs = append(p.recs, rec{
		reported: now,
		intake:   none, accepted: none, resolved: none,
		deadline: off(dl.Unix(), now),
		category: p.strs.id(rp.Category),
		channel:  p.strs.id(rp.Channel),
		street:   p.strs.id(rp.Location.Street),
		comm:     p.strs.id(rp.Location.Community),
		grid:     p.strs.id(rp.Location.Grid),
	})
	p.live[id] = &live{idx: uint32(len(p.recs) - 1)}
}

// endHop ends the pending unsigned hop, if any, at now.
func (p *Projection) endHop(l *live, r *rec, now int64) {
	if l.pendUnit == 0 {
		return
	}
	d := max(off(now, l.pendAt), 0)
	p.hops = append(p.hops, hop{rec: l.idx, unit: l.pendUnit, dwell: d})
	r.dwell = int32(min(int64(r.dwell)+int64(d), math.MaxInt32))
	l.pendUnit, l.pendAt = 0, 0
}

// interner maps strings to small ids; id 0 is "".
type interner struct {
	s []string
	m map[string]uint32
}

func newInterner() interner { return interner{s: []string{""}, m: map[string]uint32{"": 0}} }

func (in *interner) id(s string) uint32 {
	if i, ok := in.m[s]; ok {
		return i
	}
	s = strings.Clone(s) // own a copy: a payload may alias event memory
	i := uint32(len(in.s))
	in.s = append(in.s, s)
	in.m[s] = i
	return i
}

func (in *interner) is(id uint32, s string) bool { return in.s[id] == s }
