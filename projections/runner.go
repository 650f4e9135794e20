package projections

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/govledger/govledger/events"
)

// Source is what the runner reads: the head position and the events in
// global order. ReadAll delivers the events from position from up to the
// head when the call starts; e and e.Data are valid only during fn. The
// replay package adapts a store or a bundle to it.
type Source interface {
	Head(ctx context.Context) (uint64, error)
	ReadAll(ctx context.Context, from uint64, fn func(position uint64, e *events.Event) error) error
}

// Follower is the optional capability of a Source to deliver live
// appends: Follow is ReadAll that, at the head, waits for more until ctx
// is done. Without it Runner.Follow polls Head.
type Follower interface {
	Follow(ctx context.Context, from uint64, fn func(position uint64, e *events.Event) error) error
}

// Checkpoints is the keyspace where the runner keeps checkpoints (a
// pebblestore Side keyspace, or MemCheckpoints). Put MUST be durable when
// it returns.
type Checkpoints interface {
	Get(ctx context.Context, key []byte) ([]byte, bool, error)
	Put(ctx context.Context, key, value []byte) error
}

// RunnerConfig configures a Runner. Zero values are the documented defaults.
type RunnerConfig struct {
	// Source is the ledger to read. Required.
	Source Source
	// Checkpoints keeps checkpoints; nil means none: every run replays from
	// position 0.
	Checkpoints Checkpoints
	// Every is how many positions pass between checkpoints during a run
	// (default 4,194,304); a run always checkpoints when it ends, and Follow
	// checkpoints when the ledger has been quiet for Idle.
	Every uint64
	// Idle is how long Follow waits on a quiet ledger before it
	// checkpoints (default 2s).
	Idle time.Duration
	// Decode decodes a payload; default events.DecodeStored (the same
	// result as events.DecodePayload, faster on stored canonical bytes). The runner
	// decodes each event once, for every projection, and only when some
	// projection reads its type.
	Decode func(typ string, schema uint16, data []byte) (events.Payload, error)
	// Workers is how many goroutines decode payloads (default GOMAXPROCS).
	Workers int
}

// Status is what the runner reports of one projection.
type Status struct {
	Name     string `json:"name"`     // with version, "timeliness/v1"
	Version  int    `json:"version"`  // the version number
	Position uint64 `json:"position"` // last position folded in (0: none)
	Digest   string `json:"digest"`   // hex SHA-256 of the state at Position ("" if not Stateful or stopped)
	// Checkpoint is the position of the last durable checkpoint.
	Checkpoint uint64 `json:"checkpoint"`
	// Rebuilt says why the projection started again from position 0 this
	// run ("version changed from v1", "checkpoint unreadable: ..."), or "".
	Rebuilt string `json:"rebuilt,omitempty"`
	// Err is the error that stopped the projection (an *ApplyError), or nil.
	Err error `json:"-"`
	// Error is Err as text, for JSON.
	Error string `json:"error,omitempty"`
}

type slot struct {
	p        Projection
	base     string
	version  int
	want     map[string]bool
	wantIdx  []bool // by type index (Runner.typeIndex); nil: every type
	stateful Stateful
	config   string
	gen      uint64 // checkpoint generation in the store (0: none)
	chunks   uint64 // its chunks
	pos      uint64 // last position applied
	saved    uint64 // last checkpointed position
	digest   string // digest at saved, or at pos once computed
	rebuilt  string
	err      error
}

// Runner feeds the events of a Source to every registered projection,
// decoding each event once, and checkpoints their state. A Runner is used
// by one goroutine at a time; Status may be called between runs.
type Runner struct {
	cfg    RunnerConfig
	slots  []*slot
	loaded bool
	cutoff uint64          // the first run's cutoff, for load
	types  map[string]bool // union of the filters; nil: every type
	// typeIndex numbers the catalogued types (from 1; 0 is a type the
	// catalogue does not know), so that filters are slice lookups.
	typeIndex map[string]uint8
	decodeIdx []bool // by type index: some projection reads it; nil: all
}

// NewRunner returns a runner for the projections of reg.
func NewRunner(cfg RunnerConfig, reg *Registry) (*Runner, error) {
	if cfg.Source == nil {
		return nil, errors.New("projections: runner needs a Source")
	}
	if cfg.Every == 0 {
		cfg.Every = 1 << 22
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 2 * time.Second
	}
	if cfg.Decode == nil {
		cfg.Decode = events.DecodeStored
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	r := &Runner{cfg: cfg, types: map[string]bool{}, typeIndex: map[string]uint8{}}
	for i, t := range events.Types() {
		r.typeIndex[t] = uint8(i + 1)
	}
	for i, p := range reg.list {
		base, v, _ := SplitName(p.Name())
		s := &slot{p: p, base: base, version: v, want: reg.filter[i]}
		s.stateful, _ = p.(Stateful)
		if s.want != nil {
			s.wantIdx = make([]bool, len(r.typeIndex)+1)
			for t := range s.want {
				s.wantIdx[r.typeIndex[t]] = true // an unknown type in a filter: index 0
			}
		}
		if c, ok := p.(Configured); ok {
			s.config = c.ConfigFingerprint()
		}
		r.slots = append(r.slots, s)
		if s.want == nil {
			r.types = nil
		} else if r.types != nil {
			for t := range s.want {
				r.types[t] = true
			}
		}
	}
	if r.types != nil {
		r.decodeIdx = make([]bool, len(r.typeIndex)+1)
		for t := range r.types {
			r.decodeIdx[r.typeIndex[t]] = true
		}
		r.decodeIdx[0] = false
	}
	return r, nil
}

// Status reports every projection, in registration order.
func (r *Runner) Status() []Status {
	out := make([]Status, len(r.slots))
	for i, s := range r.slots {
		st := Status{Name: s.p.Name(), Version: s.version, Position: s.pos, Checkpoint: s.saved, Rebuilt: s.rebuilt, Err: s.err}
		if s.err != nil {
			st.Error = s.err.Error()
		}
		if s.stateful != nil && s.err == nil {
			if s.digest == "" {
				if d, err := Digest(s.p); err == nil {
					s.digest = d
				}
			}
			st.Digest = s.digest
		}
		out[i] = st
	}
	return out
}

// Position is the lowest position every healthy projection has reached.
func (r *Runner) Position() uint64 {
	var low uint64
	first := true
	for _, s := range r.slots {
		if s.err != nil {
			continue
		}
		if first || s.pos < low {
			low, first = s.pos, false
		}
	}
	return low
}

// Run catches every projection up to the source's head when Run starts,
// resuming from checkpoints, and checkpoints at the end. It returns the
// errors of the projections that stopped (each an *ApplyError, joined);
// the others ran to the head.
func (r *Runner) Run(ctx context.Context) error {
	head, err := r.cfg.Source.Head(ctx)
	if err != nil {
		return fmt.Errorf("projections: head: %w", err)
	}
	return r.RunTo(ctx, head)
}

// RunTo is Run with a cutoff: no projection goes past position to. On a
// runner's first run, a checkpoint past the cutoff is not resumed (that
// projection is rebuilt from position 0).
func (r *Runner) RunTo(ctx context.Context, to uint64) error {
	if !r.loaded {
		r.cutoff = to
	}
	if err := r.load(ctx); err != nil {
		return err
	}
	for _, s := range r.slots {
		if s.pos > to {
			return fmt.Errorf("projections: %s is at position %d, past the cutoff %d: a runner only moves forward (use a new one)", s.p.Name(), s.pos, to)
		}
	}
	from := r.Position() + 1
	if from <= to {
		if err := r.feed(ctx, from, to, r.cfg.Source.ReadAll); err != nil && !errors.Is(err, errCutoff) {
			return err
		}
	}
	if err := r.checkpoint(ctx); err != nil {
		return err
	}
	return r.errs()
}

// Follow catches up and then folds live appends until ctx is done, when
// it checkpoints and returns ctx.Err(). Checkpoints are also taken every
// Every positions and whenever the ledger has been quiet for Idle.
func (r *Runner) Follow(ctx context.Context) error {
	if err := r.Run(ctx); err != nil && !errors.Is(err, ErrApply) {
		return err
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	read := func(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error {
		if f, ok := r.cfg.Source.(Follower); ok {
			return f.Follow(ctx, from, fn)
		}
		return pollFollow(ctx, r.cfg.Source, r.cfg.Idle/4, from, fn)
	}
	err := r.feed(fctx, r.Position()+1, ^uint64(0), read)
	cerr := r.checkpoint(context.WithoutCancel(ctx))
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = ctx.Err()
	}
	return errors.Join(err, cerr)
}

func pollFollow(ctx context.Context, src Source, every time.Duration, from uint64, fn func(uint64, *events.Event) error) error {
	for {
		head, err := src.Head(ctx)
		if err != nil {
			return err
		}
		if from <= head {
			err := src.ReadAll(ctx, from, func(pos uint64, e *events.Event) error {
				if pos > head {
					return errCutoff
				}
				from = pos + 1
				return fn(pos, e)
			})
			if err != nil && !errors.Is(err, errCutoff) {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

func (r *Runner) errs() error {
	var errs []error
	for _, s := range r.slots {
		if s.err != nil {
			errs = append(errs, s.err)
		}
	}
	return errors.Join(errs...)
}

var errCutoff = errors.New("projections: cutoff reached")
