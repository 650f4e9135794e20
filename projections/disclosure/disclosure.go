// Package disclosure is the public, de-identified view of the ledger
// (减留痕): what a city may publish about its case handling and community
// votes without publishing anything about a person.
//
// It holds aggregates only. No personal field ever reaches it or its
// outputs: no reporter, description, address, coordinates, comment,
// respondent, voter id or staff actor id. Location is no finer than the
// street (a case located only by community or grid is placed in the street
// above it, through the unit registry). Times are shown no finer than the
// hour: figures are keyed by day, week or month, durations are whole
// hours, and the "as of" time is the latest event time seen, rounded down
// to the hour.
//
// # Cases
//
// One row per street x category x period (default month), for the cases
// reported there and then: cases reported, cases resolved (their final
// case.resolved not followed by a reopening), the same-day closure rate
// among them, the median citizen clock (reported -> final resolved) in
// whole hours, and the satisfied share among the valid ratings of those
// cases.
//
// # Topics
//
// With By "community", one row per community topic (社区议事): eligible
// voters, ballots counted, turnout and the count per option, recomputed by
// package ballots (every ballot re-checked; a secret ballot is never linked
// to its voter). A tally is disclosed only once the topic is closed: a
// running tally read at successive times would reveal single ballots.
//
// # Small groups
//
// A group smaller than k (Config.K, default 5) is suppressed: a case row
// with fewer than k cases reported, a topic with fewer than k ballots
// counted. Its figures are null and its "suppressed" column is true.
//
// Differencing: a published total over suppressed cells would reveal them
// (total minus the cells shown). This view therefore publishes no totals
// at all: every row is a cell of the finest table (street x category x
// period, or one topic), By "street" and By "category" only choose the
// order of the rows, and From/To select whole periods (a period is shown
// in full if it overlaps [From, To)), so no query yields a sum of cells
// another query shows apart. Tables of different period lengths (day,
// week, month) are different publications of the same cases: a month
// minus its days can reveal a suppressed day, so a publisher should
// release one period length only.
package disclosure

import (
	"errors"
	"fmt"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/ballots"
)

// Name is the projection's name and version.
const Name = "disclosure/v1"

// DefaultK is the default smallest group size that is published.
const DefaultK = 5

// UnknownStreet is the street of a case whose location cannot be placed
// in a street.
const UnknownStreet = "(unknown)"

var (
	// ErrConfig is returned by New for an invalid Config.
	ErrConfig = errors.New("disclosure: invalid config")
	// ErrState is returned by UnmarshalState for bytes it cannot read.
	ErrState = errors.New("disclosure: corrupt state")
)

// Config configures the projection. The zero Config is the default.
type Config struct {
	// K is the smallest group published: groups of fewer than K cases
	// (or ballots) are suppressed. 0 means DefaultK (5); 1 suppresses
	// nothing; negative is an error.
	K int
	// Zone is the zone of days, weeks, months and the as-of hour. nil
	// means Asia/Shanghai.
	Zone *time.Location
}

// Projection is the disclosure view. It is used by one goroutine at a time.
type Projection struct {
	k   int
	loc *time.Location

	units   map[string]unitRef
	streets interner
	cats    interner
	cellIdx map[cellKey]int32
	cells   []cell
	live    map[string]liveCase // open (not closed) cases by case id
	done    []doneCase          // closed cases that were resolved
	seen    bool
	asOf    int64 // unix ms of the latest occurred_at seen
	topics  *ballots.Projection
}

// unitRef is a registered unit: its parent and whether it is a street.
type unitRef struct {
	parent string
	street bool
}

// cellKey is a street x category x local day (days since 1970-01-01).
type cellKey struct{ street, cat, day int32 }

// cell counts the cases reported in one street x category x day.
type cell struct {
	key              cellKey
	reported         int64
	valid, satisfied int64 // valid ratings of those cases, satisfied among them
}

// liveCase is a case not yet closed. Times are unix ms.
type liveCase struct {
	cell       int32
	resolved   bool
	reported   int64
	resolvedAt int64
}

// doneCase is a closed case that was resolved: its cell, its citizen
// clock in whole hours and whether it was resolved on the day reported.
type doneCase struct {
	cell    int32
	hours   int32
	sameDay bool
}

// interner maps strings to small ids.
type interner struct {
	ids   map[string]int32
	names []string
}

func (in *interner) id(s string) int32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	id := int32(len(in.names))
	in.ids[s] = id
	in.names = append(in.names, s)
	return id
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Stateful   = (*Projection)(nil)
	_ projections.Filter     = (*Projection)(nil)
	_ projections.Reporter   = (*Projection)(nil)
)

// New returns an empty projection, or an error wrapping ErrConfig.
func New(cfg Config) (*Projection, error) {
	if cfg.K < 0 {
		return nil, fmt.Errorf("%w: K %d is negative", ErrConfig, cfg.K)
	}
	if cfg.K == 0 {
		cfg.K = DefaultK
	}
	if cfg.Zone == nil {
		cfg.Zone = ballots.DefaultZone()
	}
	p := &Projection{k: cfg.K, loc: cfg.Zone, topics: ballots.New(ballots.Config{Zone: cfg.Zone})}
	p.reset()
	return p, nil
}

func (p *Projection) reset() {
	p.units = map[string]unitRef{}
	p.streets = interner{ids: map[string]int32{}}
	p.cats = interner{ids: map[string]int32{}}
	p.cellIdx = map[cellKey]int32{}
	p.cells = nil
	p.live = map[string]liveCase{}
	p.done = nil
	p.seen, p.asOf = false, 0
}

// Name returns "disclosure/v1".
func (p *Projection) Name() string { return Name }

// K returns the smallest group size published.
func (p *Projection) K() int { return p.k }

// Types returns the event types the projection reads.
func (p *Projection) Types() []string {
	return append([]string{events.TypeUnitRegistered, events.TypeCaseReported, events.TypeCaseResolved,
		events.TypeCaseReopened, events.TypeCaseRated, events.TypeCaseClosed}, p.topics.Types()...)
}

// Apply folds one event. Types it does not read are ignored.
func (p *Projection) Apply(pos uint64, e *events.Event, payload events.Payload) error {
	at := e.OccurredAt.UnixMilli()
	switch pl := payload.(type) {
	case *events.UnitRegistered:
		p.units[pl.Unit] = unitRef{parent: pl.Parent, street: pl.Kind == events.UnitStreet}
	case *events.CaseReported:
		id := e.CaseID()
		if _, dup := p.live[id]; dup || id == "" {
			break
		}
		key := cellKey{p.streets.id(p.street(&pl.Location)), p.cats.id(pl.Category), p.day(at)}
		c, ok := p.cellIdx[key]
		if !ok {
			c = int32(len(p.cells))
			p.cellIdx[key] = c
			p.cells = append(p.cells, cell{key: key})
		}
		p.cells[c].reported++
		p.live[id] = liveCase{cell: c, reported: at} // e.Stream is an immutable string: no copy
	case *events.CaseResolved:
		if lc, ok := p.live[e.CaseID()]; ok {
			lc.resolved, lc.resolvedAt = true, at
			p.live[e.CaseID()] = lc
		}
	case *events.CaseReopened:
		if lc, ok := p.live[e.CaseID()]; ok {
			lc.resolved, lc.resolvedAt = false, 0
			p.live[e.CaseID()] = lc
		}
	case *events.CaseRated:
		if lc, ok := p.live[e.CaseID()]; ok && pl.Valid {
			c := &p.cells[lc.cell]
			c.valid++
			if pl.Satisfaction == events.Satisfied {
				c.satisfied++
			}
		}
	case *events.CaseClosed:
		id := e.CaseID()
		if lc, ok := p.live[id]; ok {
			if lc.resolved {
				p.done = append(p.done, p.finish(lc))
			}
			delete(p.live, id)
		}
	case *events.TopicOpened, *events.BallotCast, *events.TopicClosed:
		if err := p.topics.Apply(pos, e, payload); err != nil {
			return err
		}
	default:
		return nil
	}
	if !p.seen || at > p.asOf {
		p.seen, p.asOf = true, at
	}
	return nil
}

// street places a location in a street: its street, or the street above
// its community or grid in the registry.
func (p *Projection) street(l *events.Location) string {
	if l.Street != "" {
		return l.Street
	}
	u := l.Community
	if u == "" {
		u = l.Grid
	}
	for range 8 { // grid -> community -> street; the bound stops a cycle
		r, ok := p.units[u]
		if !ok {
			break
		}
		if r.street {
			return u
		}
		u = r.parent
	}
	return UnknownStreet
}

// day returns the local day of unix ms t, as days since 1970-01-01.
func (p *Projection) day(ms int64) int32 {
	y, m, d := time.UnixMilli(ms).In(p.loc).Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// finish returns what a resolved case contributes to its cell.
func (p *Projection) finish(lc liveCase) doneCase {
	return doneCase{cell: lc.cell, hours: wholeHours(lc.resolvedAt - lc.reported), sameDay: p.day(lc.resolvedAt) == p.cells[lc.cell].key.day}
}

// wholeHours rounds a duration in ms to the nearest hour (half up); a
// negative duration counts as 0.
func wholeHours(ms int64) int32 {
	if ms < 0 {
		return 0
	}
	h := (ms + 1800_000) / 3600_000
	return int32(min(h, 1<<31-1))
}

// AsOf returns the latest occurred_at seen, rounded down to the hour, in
// the projection's zone (the zero time before any event).
func (p *Projection) AsOf() time.Time {
	if !p.seen {
		return time.Time{}
	}
	t := time.UnixMilli(p.asOf).In(p.loc)
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), 0, 0, 0, p.loc)
}
