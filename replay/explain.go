package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/store"
)

// ExplainOptions bounds the search for the events that changed a figure.
// Zero values are the documented defaults.
type ExplainOptions struct {
	// K is how many change points to report per figure, walking back
	// from the end of the range (default 5).
	K int
	// Snapshots is how many evenly spaced points the first pass takes
	// snapshots and evaluates figures at (default 32).
	Snapshots int
	// MaxEvaluations caps the reports computed in all (default 1024):
	// beyond it the search stops and says so.
	MaxEvaluations int
	// MaxSnapshotBytes caps the memory held by snapshots (default
	// 512 MiB): a snapshot past it is not kept, and a search that needs it
	// replays from the one before.
	MaxSnapshotBytes int64
	// MaxFigures caps how many figures a diff explains (default 20).
	MaxFigures int
}

func (o ExplainOptions) withDefaults() ExplainOptions {
	if o.K <= 0 {
		o.K = 5
	}
	if o.Snapshots <= 0 {
		o.Snapshots = 32
	}
	if o.MaxEvaluations <= 0 {
		o.MaxEvaluations = 1024
	}
	if o.MaxSnapshotBytes <= 0 {
		o.MaxSnapshotBytes = 512 << 20
	}
	if o.MaxFigures <= 0 {
		o.MaxFigures = 20
	}
	return o
}

// ChangePoint is an event at which a figure changed value: the figure
// read Before with the events up to Position-1 and After with the event
// at Position.
type ChangePoint struct {
	Position   uint64    `json:"position"`
	EventID    string    `json:"event_id"`
	Stream     string    `json:"stream"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	RecordedAt time.Time `json:"recorded_at"`
	Before     string    `json:"before"` // Absent if the figure was not there
	After      string    `json:"after"`
}

// Explanation is what the search found for one figure over the positions
// (From, To] of a replay.
type Explanation struct {
	Figure FigureID `json:"figure"`
	From   uint64   `json:"from"`
	To     uint64   `json:"to"`
	AtFrom string   `json:"at_from"` // the figure's value at From
	AtTo   string   `json:"at_to"`   // and at To
	// Changes are the change points found, the latest first, at most K.
	Changes []ChangePoint `json:"changes"`
	// Capped is set when the search stopped at a bound before it had
	// found K change points or looked everywhere; Note says which.
	Capped bool   `json:"capped,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Fresh returns a projection that has applied nothing, by name with
// version; it is how an explanation restores snapshots and replays
// segments.
type Fresh func(name string) (projections.Projection, error)

// explainer finds change points by bisection, without projection-specific
// code: it folds one projection through the replay's events as the
// runner does (its Filter, each payload decoded with events.DecodeStored,
// nil for a type the catalogue does not know), evaluating figures with the
// projection's own reports.
type explainer struct {
	src     Source
	include func(*events.Event) bool // the cutoff's filter; nil: every event
	name    string
	fresh   Fresh
	want    map[string]bool // the projection's Filter; nil: every type
	known   map[string]bool
	queries map[string]projections.Query // by QueryLabel
	opts    ExplainOptions
	evals   int
	held    int64 // snapshot bytes kept
}

// inst is a projection folded up to pos (the last position read, whether
// the cutoff included it or not).
type inst struct {
	p   projections.Projection
	pos uint64
}

type snapshot struct {
	pos    uint64
	state  []byte // nil: not kept
	values map[FigureID]string
}

var errCapped = errors.New("replay: explanation capped")

func newExplainer(src Source, include func(*events.Event) bool, name string, fresh Fresh, queries map[string]projections.Query, opts ExplainOptions) *explainer {
	x := &explainer{src: src, include: include, name: name, fresh: fresh, queries: queries, opts: opts.withDefaults(), known: map[string]bool{}}
	for _, t := range events.Types() {
		x.known[t] = true
	}
	return x
}

func (x *explainer) newInst() (*inst, error) {
	p, err := x.fresh(x.name)
	if err != nil {
		return nil, err
	}
	if p.Name() != x.name {
		return nil, fmt.Errorf("%w: %s (this program has %s)", ErrUnavailable, x.name, p.Name())
	}
	if x.want == nil {
		if f, ok := p.(projections.Filter); ok {
			x.want = map[string]bool{}
			for _, t := range f.Types() {
				x.want[t] = true
			}
		}
	}
	return &inst{p: p}, nil
}

// advance folds in up to position to.
func (x *explainer) advance(ctx context.Context, in *inst, to uint64) error {
	if to <= in.pos {
		return nil
	}
	err := x.src.ReadAll(ctx, in.pos+1, func(r store.Record) error {
		if r.Position > to {
			return errStop
		}
		e := &r.Event
		in.pos = r.Position
		if x.include != nil && !x.include(e) || x.want != nil && !x.want[e.Type] {
			return nil
		}
		var payload events.Payload
		if x.known[e.Type] {
			p, err := events.DecodeStored(e.Type, e.Schema, e.Data)
			if err != nil {
				return &projections.DecodeError{Position: r.Position, Type: e.Type, Err: err}
			}
			payload = p
		}
		if err := in.p.Apply(r.Position, e, payload); err != nil {
			return &projections.ApplyError{Projection: x.name, Position: r.Position, EventID: e.ID.String(), Type: e.Type, Err: err}
		}
		return nil
	})
	if err != nil && err != errStop {
		return fmt.Errorf("replay: explain %s: %w", x.name, err)
	}
	if in.pos < to {
		return fmt.Errorf("replay: explain %s: the ledger ends at position %d, before %d", x.name, in.pos, to)
	}
	return nil
}

// values evaluates figs on in's state.
func (x *explainer) values(in *inst, figs []FigureID) (map[FigureID]string, error) {
	if x.evals >= x.opts.MaxEvaluations {
		return nil, errCapped
	}
	x.evals++
	byQuery := map[string][]FigureID{}
	var order []string
	for _, f := range figs {
		if _, ok := byQuery[f.Query]; !ok {
			order = append(order, f.Query)
		}
		byQuery[f.Query] = append(byQuery[f.Query], f)
	}
	out := make(map[FigureID]string, len(figs))
	for _, label := range order {
		q, ok := x.queries[label]
		if !ok {
			return nil, fmt.Errorf("replay: explain %s: no query %q", x.name, label)
		}
		tables, err := tablesOf(in.p, q)
		if err != nil {
			return nil, fmt.Errorf("replay: explain %s: %w", x.name, err)
		}
		all := map[FigureID]string{}
		for _, f := range appendFigures(nil, x.name, tables) {
			all[f.FigureID] = f.Value
		}
		for _, f := range byQuery[label] {
			out[f] = all[f] // Absent if not there
		}
	}
	return out, nil
}

// state returns in's serialized state, or nil if it is not Stateful.
func state(in *inst) ([]byte, error) {
	s, ok := in.p.(projections.Stateful)
	if !ok {
		return nil, nil
	}
	b, err := s.MarshalState()
	if err != nil {
		return nil, fmt.Errorf("replay: %s: marshal state: %w", in.p.Name(), err)
	}
	return b, nil
}

// at returns a new instance at pos, from the latest kept state at or
// before pos (or from position 0), folded forward to pos.
func (x *explainer) at(ctx context.Context, snaps []snapshot, pos uint64, extra *snapshot) (*inst, error) {
	in, err := x.newInst()
	if err != nil {
		return nil, err
	}
	var from *snapshot
	for i := range snaps {
		if snaps[i].state != nil && snaps[i].pos <= pos && (from == nil || snaps[i].pos > from.pos) {
			from = &snaps[i]
		}
	}
	if extra != nil && extra.state != nil && extra.pos <= pos && (from == nil || extra.pos > from.pos) {
		from = extra
	}
	if from != nil {
		if err := in.p.(projections.Stateful).UnmarshalState(from.state); err != nil {
			return nil, fmt.Errorf("replay: %s: restore state at %d: %w", x.name, from.pos, err)
		}
		in.pos = from.pos
	}
	return in, x.advance(ctx, in, pos)
}

// explain finds, for each figure, up to K positions in (lo, hi] at which
// its value changed. It folds once to hi taking Snapshots evenly spaced
// snapshots of the state and evaluating the figures at each; then, for
// each figure, it walks back from hi: it takes the last segment between
// two snapshots across which the figure differs and bisects inside it from
// the segment's snapshot, with the invariant f(lo) == v_lo, f(hi) != v_lo,
// down to adjacent positions: the event at hi changed the figure. A
// figure that changed and changed back between two snapshots shows no
// change there.
func (x *explainer) explain(ctx context.Context, figs []FigureID, lo, hi uint64) ([]Explanation, error) {
	out := make([]Explanation, len(figs))
	for i, f := range figs {
		out[i] = Explanation{Figure: f, From: lo, To: hi, Changes: []ChangePoint{}}
	}
	capAll := func(note string) []Explanation {
		for i := range out {
			out[i].Capped, out[i].Note = true, note
		}
		return out
	}
	in, err := x.newInst()
	if err != nil {
		return nil, err
	}
	n := uint64(x.opts.Snapshots)
	var snaps []snapshot
	for k := uint64(0); k <= n; k++ {
		pos := lo + (hi-lo)*k/n
		if len(snaps) > 0 && snaps[len(snaps)-1].pos == pos {
			continue
		}
		if err := x.advance(ctx, in, pos); err != nil {
			return nil, err
		}
		vals, err := x.values(in, figs)
		if errors.Is(err, errCapped) {
			return capAll(fmt.Sprintf("stopped after %d report evaluations, in the first pass", x.evals)), nil
		}
		if err != nil {
			return nil, err
		}
		s := snapshot{pos: pos, values: vals}
		if x.held < x.opts.MaxSnapshotBytes {
			if s.state, err = state(in); err != nil {
				return nil, err
			}
			x.held += int64(len(s.state))
		}
		snaps = append(snaps, s)
	}
	last := snaps[len(snaps)-1]
	for i, f := range figs {
		out[i].AtFrom, out[i].AtTo = snaps[0].values[f], last.values[f]
		if err := x.walk(ctx, snaps, f, &out[i]); errors.Is(err, errCapped) {
			out[i].Capped = true
			out[i].Note = fmt.Sprintf("stopped after %d report evaluations with %d change point(s) found", x.evals, len(out[i].Changes))
		} else if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// walk fills e.Changes for figure f, walking back from the last snapshot.
func (x *explainer) walk(ctx context.Context, snaps []snapshot, f FigureID, e *Explanation) error {
	j := len(snaps) - 1
	for len(e.Changes) < x.opts.K {
		k := j - 1
		for k >= 0 && snaps[k].values[f] == snaps[k+1].values[f] {
			k--
		}
		if k < 0 {
			return nil
		}
		cp, err := x.bisect(ctx, snaps, k, f)
		if err != nil {
			return err
		}
		e.Changes = append(e.Changes, cp)
		j = k // f(snaps[k].pos) == f(cp.Position-1): nothing more to see in this segment
	}
	if j > 0 {
		for k := j - 1; k >= 0; k-- {
			if snaps[k].values[f] != snaps[k+1].values[f] {
				e.Note = fmt.Sprintf("the figure changed earlier too: only the last %d change point(s) are listed", x.opts.K)
				break
			}
		}
	}
	return nil
}

// bisect finds adjacent positions in the segment (snaps[k].pos,
// snaps[k+1].pos] across which f leaves its value at snaps[k].
func (x *explainer) bisect(ctx context.Context, snaps []snapshot, k int, f FigureID) (ChangePoint, error) {
	lo, hi := snaps[k].pos, snaps[k+1].pos
	vlo, vhi := snaps[k].values[f], snaps[k+1].values[f]
	var loSnap *snapshot // the state at lo once lo has moved
	var in *inst
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if in == nil || in.pos > mid {
			var err error
			if in, err = x.at(ctx, snaps, lo, loSnap); err != nil {
				return ChangePoint{}, err
			}
		}
		if err := x.advance(ctx, in, mid); err != nil {
			return ChangePoint{}, err
		}
		vals, err := x.values(in, []FigureID{f})
		if err != nil {
			return ChangePoint{}, err
		}
		if v := vals[f]; v == vlo {
			lo = mid
			st, err := state(in)
			if err != nil {
				return ChangePoint{}, err
			}
			loSnap = &snapshot{pos: mid, state: st}
		} else {
			hi, vhi = mid, v
		}
	}
	cp := ChangePoint{Position: hi, Before: vlo, After: vhi}
	err := x.src.ReadAll(ctx, hi, func(r store.Record) error {
		e := &r.Event
		cp.EventID, cp.Stream, cp.Type, cp.OccurredAt, cp.RecordedAt = e.ID.String(), e.Stream, e.Type, e.OccurredAt, e.RecordedAt
		return errStop
	})
	if err != nil && err != errStop {
		return ChangePoint{}, fmt.Errorf("replay: read position %d: %w", hi, err)
	}
	return cp, nil
}
