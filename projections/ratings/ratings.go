// Package ratings computes the three rates (三率) of the citizens' return
// visits (回访) per unit and period, their composite score, how many
// ratings could not be counted and why, and the reopen rate (重办率).
//
// The figures, for a reviewer (DESIGN §5; weights configurable):
//
//   - Only valid ratings count. Over the counted ratings of a group:
//     response = contacted / valid; resolution = solved / valid;
//     satisfaction = (satisfied + f x basically) / valid, f = 0.9 by
//     default; composite = 0.1 response + 0.5 resolution + 0.4
//     satisfaction by default (Config.Weights).
//   - A case may be rated more than once (a rating, a reopening, a new
//     resolution, a new rating). The latest valid rating of a case counts;
//     earlier valid ratings of the case are superseded and counted apart.
//     Invalid ratings never count toward the rates and never supersede a
//     valid rating; every invalid rating is counted, with its reason.
//   - A rating is attributed to the case's handling unit at the time of the
//     rating (the unit of its last case.resolved then) and to the period of
//     the rating's occurred_at (or, with Config.PeriodOfReport, of the
//     case's report).
//   - Reopen rate = reopened cases / resolved cases: a case counts once as
//     resolved however many times it was resolved, and once as reopened
//     however many times it was reopened. It is a case-level figure: it goes
//     to the case's handling unit (the unit of its final case.resolved, or,
//     for an unresolved case, the unit it was last dispatched to) and to the
//     period of the case's report.
package ratings

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/internal/places"
)

// Name is the projection's name and version.
const Name = "ratings/v1"

// Unassigned labels cases with no handling unit.
const Unassigned = "(unassigned)"

// ErrConfig is returned by New for a configuration that cannot be used.
var ErrConfig = errors.New("ratings: bad config")

// Default weights and basically-satisfied credit.
const (
	DefaultResponseWeight     = 0.1
	DefaultResolutionWeight   = 0.5
	DefaultSatisfactionWeight = 0.4
	DefaultBasically          = 0.9
)

// Weights are the weights of the composite score. The zero Weights means
// the defaults 0.1 / 0.5 / 0.4; otherwise each must be non-negative and
// they must sum to 1 (within 1e-9).
type Weights struct {
	// Response, Resolution and Satisfaction weigh the three rates.
	Response, Resolution, Satisfaction float64
}

// Config configures the projection. The zero Config is the default.
type Config struct {
	// Zone is the zone of calendar periods; nil means Asia/Shanghai (a
	// fixed +08:00 zone of that name if the host has no tz database).
	Zone *time.Location
	// Weights of the composite score; zero means 0.1 / 0.5 / 0.4.
	Weights Weights
	// Basically is the credit f a "basically satisfied" answer earns in
	// the satisfaction rate, in [0, 1]; nil means 0.9.
	Basically *float64
	// PeriodOfReport, if true, puts a rating in the period of its case's
	// report instead of the period of the rating's occurred_at (the
	// default), so that a period's rates are those of the cases reported
	// in it.
	PeriodOfReport bool
}

// Projection folds return visits into the three rates. It is not safe
// for concurrent use (the runner never calls it concurrently).
type Projection struct {
	loc            *time.Location
	w              Weights
	basically      float64
	periodOfReport bool

	tab places.Table // interned names and locations

	cases   []caseRec
	live    map[string]uint32 // case id -> index, for cases not closed
	invalid []invalidRating
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Stateful   = (*Projection)(nil)
	_ projections.Filter     = (*Projection)(nil)
	_ projections.Reporter   = (*Projection)(nil)
)

// location is where a case comes from: street, community, grid and
// channel name ids (few distinct tuples: about one per grid and channel).

// Case flags.
const (
	cResolved     uint8 = 1 << iota // its last resolution was not reopened
	cEverResolved                   // resolved at least once
	cReopened                       // reopened at least once
	cRated                          // it has a counted (valid) rating
	cClosed                         // case.closed was applied
	cFlagsAll     = cResolved | cEverResolved | cReopened | cRated | cClosed
)

// Rating answer bits.
const (
	aContacted uint8 = 1 << iota
	aSolved
	aSatisfied
	aBasically
	aAll = aContacted | aSolved | aSatisfied | aBasically
)

// caseRec is what the projection keeps per case: 40 bytes, no pointers.
type caseRec struct {
	reported     int64 // unix seconds
	ratedAt      int64 // unix seconds of the counted rating
	cat          uint32
	loc          uint32 // index in locs
	resolvedUnit uint32 // unit of its last case.resolved
	lastTo       uint32 // receiver of its last dispatch
	ratedUnit    uint32 // handling unit when the counted rating was made
	superseded   uint16 // valid ratings replaced by a later one
	answer       uint8
	flags        uint8
}

// invalidRating is one rating that cannot be counted.
type invalidRating struct {
	at      int64
	caseIdx uint32
	unit    uint32 // handling unit at the time
	reason  uint32 // name id of the invalid_reason
}

// New returns an empty ratings projection, or an error wrapping ErrConfig.
func New(cfg Config) (*Projection, error) {
	w := cfg.Weights
	if w == (Weights{}) {
		w = Weights{DefaultResponseWeight, DefaultResolutionWeight, DefaultSatisfactionWeight}
	}
	for _, x := range []float64{w.Response, w.Resolution, w.Satisfaction} {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: weight %v is negative or not a number", ErrConfig, x)
		}
	}
	if s := w.Response + w.Resolution + w.Satisfaction; math.Abs(s-1) > 1e-9 {
		return nil, fmt.Errorf("%w: weights sum to %v, not 1", ErrConfig, s)
	}
	f := DefaultBasically
	if cfg.Basically != nil {
		f = *cfg.Basically
		if !(f >= 0 && f <= 1) {
			return nil, fmt.Errorf("%w: basically credit %v is not in [0, 1]", ErrConfig, f)
		}
	}
	loc := cfg.Zone
	if loc == nil {
		loc = DefaultZone()
	}
	p := &Projection{loc: loc, w: w, basically: f, periodOfReport: cfg.PeriodOfReport}
	p.reset()
	return p, nil
}

func (p *Projection) reset() {
	p.tab.Reset()
	p.cases = nil
	p.live = map[string]uint32{}
	p.invalid = nil
}

// DefaultZone returns Asia/Shanghai from the tz database, or a fixed
// +08:00 zone of that name if the database is missing.
func DefaultZone() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}

// Name returns "ratings/v1".
func (p *Projection) Name() string { return Name }

// Types returns the event types the projection reads.
func (p *Projection) Types() []string {
	return []string{
		events.TypeCaseReported,
		events.TypeCaseDispatched,
		events.TypeCaseResolved,
		events.TypeCaseReopened,
		events.TypeCaseRated,
		events.TypeCaseClosed,
	}
}

// handler returns the name id of a case's handling unit (0: none).
func handler(c *caseRec) uint32 {
	if c.flags&cResolved != 0 {
		return c.resolvedUnit
	}
	return c.lastTo
}

// Apply folds one event. It never fails: events it cannot place (an
// unknown case) are ignored.
func (p *Projection) Apply(_ uint64, e *events.Event, payload events.Payload) error {
	switch pl := payload.(type) {
	case *events.CaseReported:
		id := e.CaseID()
		if id == "" {
			return nil
		}
		if _, dup := p.live[id]; dup {
			return nil
		}
		p.live[id] = uint32(len(p.cases))
		p.cases = append(p.cases, caseRec{
			reported: e.OccurredAt.Unix(),
			cat:      p.tab.Name(pl.Category), loc: p.tab.Loc(pl.Location, pl.Channel),
		})
	case *events.CaseDispatched:
		if ci, ok := p.live[e.CaseID()]; ok {
			p.cases[ci].lastTo = p.tab.Name(pl.ToUnit)
		}
	case *events.CaseResolved:
		if ci, ok := p.live[e.CaseID()]; ok {
			c := &p.cases[ci]
			c.resolvedUnit = p.tab.Name(pl.Unit)
			c.flags |= cResolved | cEverResolved
		}
	case *events.CaseReopened:
		if ci, ok := p.live[e.CaseID()]; ok {
			c := &p.cases[ci]
			c.flags = c.flags&^cResolved | cReopened
		}
	case *events.CaseRated:
		if ci, ok := p.live[e.CaseID()]; ok {
			p.rated(e.OccurredAt.Unix(), ci, pl)
		}
	case *events.CaseClosed:
		id := e.CaseID()
		if ci, ok := p.live[id]; ok {
			p.cases[ci].flags |= cClosed
			delete(p.live, id)
		}
	}
	return nil
}

// rated folds one case.rated: a valid rating replaces the case's counted
// rating; an invalid one is kept apart.
func (p *Projection) rated(at int64, ci uint32, r *events.CaseRated) {
	c := &p.cases[ci]
	unit := handler(c)
	if !r.Valid {
		p.invalid = append(p.invalid, invalidRating{at: at, caseIdx: ci, unit: unit, reason: p.tab.Name(r.InvalidReason)})
		return
	}
	if c.flags&cRated != 0 && c.superseded < math.MaxUint16 {
		c.superseded++
	}
	var a uint8
	if r.Contacted {
		a |= aContacted
	}
	if r.Solved {
		a |= aSolved
	}
	switch r.Satisfaction {
	case events.Satisfied:
		a |= aSatisfied
	case events.Basically:
		a |= aBasically
	}
	c.ratedAt, c.ratedUnit, c.answer = at, unit, a
	c.flags |= cRated
}
