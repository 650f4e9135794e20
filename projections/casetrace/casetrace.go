// Package casetrace is the case-trace projection (减留痕): for every case,
// the complete timeline staff would otherwise keep by hand, generated from
// the events so that nobody re-enters it.
//
// A Trace holds every step (reported; each dispatch with from, to and
// mode; each return with its reason code and suggested unit; acceptance;
// contact; extension with the new deadline and reason; resolution with
// its outcome; reopening; rating; merge; closure), who held the case and
// for how long (a hold runs from a dispatch to the next dispatch, return
// or resolution), every transfer and return with its reason, and the
// deadline status at the case's last event: on-time or overdue for a
// resolved case (its final resolution against the deadline in force,
// extensions applied), open or open-overdue otherwise.
//
// The trace is a pure function of the case's own events: Build folds one
// case stream (what `govledger trace <id>` reads), and the projection's
// Trace gives the same result from its state. The handling unit is the
// unit of the final resolution, or the unit last dispatched to.
//
// State: per case its id and its steps in a compact varint form (about
// ten bytes a step, strings interned), decoded on demand.
package casetrace

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/policy"
	"github.com/govledger/govledger/projections/stats"
)

// Name is the projection's name and version.
const Name = "casetrace/v1"

// ErrState is returned by UnmarshalState for bytes it cannot read.
var ErrState = errors.New("casetrace: corrupt state")

// Config configures the projection. The zero Config is the default.
type Config struct {
	// Rules give the deadline policies, calendar and zone; nil means
	// policy.Default().
	Rules *policy.Rules
}

// Projection is the case-trace projection. Use New.
type Projection struct {
	rules *policy.Rules
	strs  interner
	cases []caseRec
	// open indexes the cases not closed, which are the only ones events
	// still arrive for (a closed case takes no further event), so that
	// Apply's lookups stay in a small map; closedIdx indexes the closed
	// ones for queries, built on first use (nil: not built).
	open      map[string]uint32
	closedIdx map[string]uint32
	// latest is the latest event time seen, unix seconds: the report
	// measures open cases to it.
	latest int64
}

// caseRec is one case: its id, the time of its last step and its steps
// in compact form.
type caseRec struct {
	id   string
	last int64
	blob []byte
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
	return &Projection{rules: r, strs: newInterner(), open: map[string]uint32{}}
}

// Name returns "casetrace/v1".
func (p *Projection) Name() string { return Name }

// Types returns every case event type.
func (p *Projection) Types() []string { return slices.Clone(typeNames[1:]) }

// Apply appends the event to its case's steps.
func (p *Projection) Apply(_ uint64, e *events.Event, payload events.Payload) error {
	if payload == nil {
		return nil
	}
	kind, id := events.SplitStream(e.Stream)
	if kind != events.StreamCase {
		return nil
	}
	r, ok := toRaw(e, payload)
	if !ok {
		return nil
	}
	i, known := p.open[id]
	switch {
	case r.typ == tReported && known:
		return nil
	case r.typ == tReported:
		p.cases = append(p.cases, caseRec{id: id})
		i = uint32(len(p.cases) - 1)
		p.open[id] = i
	case !known:
		return nil // an event of a case never reported
	}
	p.latest = max(p.latest, r.at)
	c := &p.cases[i]
	if c.blob == nil {
		c.blob = make([]byte, 0, 64) // most traces fit: no regrowth
	}
	c.blob = appendRaw(c.blob, &r, c.last, &p.strs)
	c.last = r.at
	if r.typ == tClosed {
		c.blob = slices.Clip(slices.Clone(c.blob)) // final: no spare capacity
		delete(p.open, c.id)
		if p.closedIdx != nil {
			p.closedIdx[c.id] = i
		}
	}
	return nil
}

// Trace returns the trace of a case, and false if the case is unknown.
func (p *Projection) Trace(caseID string) (Trace, bool) {
	i, ok := p.open[caseID]
	if !ok {
		if p.closedIdx == nil {
			p.closedIdx = make(map[string]uint32, len(p.cases)-len(p.open))
			for j := range p.cases {
				if _, open := p.open[p.cases[j].id]; !open {
					if _, dup := p.closedIdx[p.cases[j].id]; !dup {
						p.closedIdx[p.cases[j].id] = uint32(j)
					}
				}
			}
		}
		if i, ok = p.closedIdx[caseID]; !ok {
			return Trace{}, false
		}
	}
	t, err := p.trace(&p.cases[i])
	return t, err == nil
}

func (p *Projection) trace(c *caseRec) (Trace, error) {
	raws, err := decodeRaws(c.blob, p.strs.s)
	if err != nil {
		return Trace{}, err
	}
	return fold(p.rules, c.id, raws), nil
}

// Cases returns the number of cases traced.
func (p *Projection) Cases() int { return len(p.cases) }

// Report answers q with one row per case reported in the window, sorted by
// case id. Grouping (--by) and periods are refused: the rows are cases.
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	if err := q.Check(); err != nil {
		return nil, fmt.Errorf("casetrace: %w", err)
	}
	if q.Period != "" {
		return nil, fmt.Errorf("casetrace: %w: --period %q (the case list has one row per case)", projections.ErrQuery, q.Period)
	}
	order := make([]uint32, 0, len(p.cases))
	for i := range p.cases {
		order = append(order, uint32(i))
	}
	slices.SortFunc(order, func(a, b uint32) int { return cmp.Compare(p.cases[a].id, p.cases[b].id) })
	rep := &projections.Report{
		Projection: Name,
		Title:      "Case traces: who held each case, transfers, returns and deadline status",
		Query:      q,
		Columns:    columns,
		Rows:       [][]any{},
		Notes: []string{
			"One row per case reported in the window; `govledger trace <case>` prints the full timeline.",
			"A hold runs from a case.dispatched to the next dispatch, return or resolution; in this table an open hold runs to the latest event time seen by the projection (no wall clock is read).",
			"Handling unit: the unit of the final case.resolved, or for an unresolved case the unit it was last dispatched to (\"(unassigned)\" if none).",
			"Deadline: the case's deadline policy (calendar hours, or the same local time N working days later with the holiday calendar), replaced by the last case.extended; status: on-time / overdue for a resolved case; for an open case open-overdue once the latest event time seen by the projection is past the deadline, else open.",
			"Times are in " + p.rules.Location().String() + ".",
		},
	}
	status := map[string]int64{}
	asOf := time.Unix(p.latest, 0).In(p.rules.Location())
	for _, i := range order {
		t, err := p.trace(&p.cases[i])
		if err != nil {
			return nil, fmt.Errorf("casetrace: case %s: %w", p.cases[i].id, err)
		}
		if !q.In(t.Reported) {
			continue
		}
		t.Extend(asOf)
		status[t.Deadline.Status]++
		rep.Rows = append(rep.Rows, []any{
			t.Case, t.Reported.Format(time.RFC3339), t.Category, t.Street, cmpOr(t.HandlingUnit, "(unassigned)"),
			int64(len(t.Transfers)), int64(len(t.Returns)), t.HeldBySummary(),
			t.Deadline.At.Format(time.RFC3339), int64(t.Deadline.Extensions), t.Deadline.Status,
		})
	}
	s := projections.Series{Name: "cases"}
	for _, st := range []string{StatusOnTime, StatusOverdue, StatusOpen, StatusOpenOverdue} {
		s.Points = append(s.Points, projections.Point{X: st, Y: float64(status[st])})
	}
	rep.Charts = []projections.Chart{{Kind: "bar", ID: "deadline-status", Title: "Cases by deadline status", XLabel: "status", YLabel: "cases", Series: []projections.Series{s}}}
	return rep, nil
}

var columns = []projections.Column{
	{Key: "case", Title: "case", Kind: projections.KindText, Note: "case id"},
	{Key: "reported", Title: "reported", Kind: projections.KindText, Note: "when the case was reported (RFC 3339, policy zone)"},
	{Key: "category", Title: "category", Kind: projections.KindText, Note: "category as reported"},
	{Key: "street", Title: "street", Kind: projections.KindText, Note: "street as reported"},
	{Key: "handling_unit", Title: "handling unit", Kind: projections.KindText, Note: "unit of the final resolution, or the unit last dispatched to"},
	{Key: "hops", Title: "hops", Kind: projections.KindCount, Note: "dispatches of the case"},
	{Key: "returns", Title: "returns", Kind: projections.KindCount, Note: "orders refused (case.returned)"},
	{Key: "held_by", Title: "held by", Kind: projections.KindText, Note: "time each unit held the case, in order of first hold"},
	{Key: "deadline", Title: "deadline", Kind: projections.KindText, Note: "deadline in force (extensions applied)"},
	{Key: "extensions", Title: "extensions", Kind: projections.KindCount, Note: "deadline extensions granted"},
	{Key: "deadline_status", Title: "deadline status", Kind: projections.KindText, Note: "on-time or overdue (resolved), open or open-overdue (measured to the latest event time seen)"},
}

const stateVersion = 1

// MarshalState serializes the state deterministically: a version byte,
// the latest time, the interned strings in id order, then every case in report order with
// its id, last time and compact steps.
func (p *Projection) MarshalState() ([]byte, error) {
	n := 16
	for i := range p.cases {
		n += len(p.cases[i].id) + len(p.cases[i].blob) + 8
	}
	b := make([]byte, 0, n)
	b = append(b, stateVersion)
	b = binary.AppendVarint(b, p.latest)
	b = binary.AppendUvarint(b, uint64(len(p.strs.s)-1))
	for _, s := range p.strs.s[1:] {
		b = stats.AppendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(p.cases)))
	for i := range p.cases {
		c := &p.cases[i]
		b = stats.AppendString(b, c.id)
		b = binary.AppendVarint(b, c.last)
		b = binary.AppendUvarint(b, uint64(len(c.blob)))
		b = append(b, c.blob...)
	}
	return b, nil
}

// UnmarshalState replaces the state with a serialized one, refusing
// corrupt input with an error wrapping ErrState.
func (p *Projection) UnmarshalState(b []byte) error {
	if len(b) == 0 || b[0] != stateVersion {
		return fmt.Errorf("%w: unknown version", ErrState)
	}
	d := &stats.Decoder{B: b[1:]}
	latest := d.Varint()
	strs := newInterner()
	for range d.Len() {
		s := d.String()
		if d.Err != nil {
			break
		}
		if _, dup := strs.m[s]; dup {
			return fmt.Errorf("%w: duplicate string", ErrState)
		}
		strs.id(s)
	}
	n := d.Len()
	cases := make([]caseRec, 0, n)
	open := make(map[string]uint32)
	for range n {
		if d.Err != nil {
			break
		}
		c := caseRec{id: d.String(), last: d.Varint()}
		blob := []byte(d.String())
		if d.Err != nil {
			break
		}
		raws, err := decodeRaws(blob, strs.s)
		if err != nil || len(raws) == 0 || raws[0].typ != tReported || raws[len(raws)-1].at != c.last {
			return fmt.Errorf("%w: case %q: steps do not decode", ErrState, c.id)
		}
		// An id may repeat only if a ledger reported a case again after
		// closing it (its write side refuses that); Trace answers the first.
		c.blob = blob
		if _, seen := open[c.id]; !seen && raws[len(raws)-1].typ != tClosed {
			open[c.id] = uint32(len(cases))
		}
		cases = append(cases, c)
	}
	if d.Err != nil {
		return fmt.Errorf("%w: %w", ErrState, d.Err)
	}
	if len(d.B) != 0 {
		return fmt.Errorf("%w: trailing bytes", ErrState)
	}
	p.strs, p.cases, p.open, p.closedIdx, p.latest = strs, cases, open, nil, latest
	return nil
}

// interner maps strings to small ids; id 0 is "".
type interner struct {
	s []string
	m map[string]uint32
}

func newInterner() interner { return interner{s: []string{""}, m: map[string]uint32{"": 0}} }

func (in *interner) id(s string) uint32 {
	if s == "" {
		return 0
	}
	if i, ok := in.m[s]; ok {
		return i
	}
	s = strings.Clone(s)
	i := uint32(len(in.s))
	in.s = append(in.s, s)
	in.m[s] = i
	return i
}
