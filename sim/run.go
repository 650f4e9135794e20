package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
)

// Progress reports how far Run has got; it is passed to the progress
// callback after every append.
type Progress struct {
	// Events is the number of events handed to the ledger so far, in
	// Batches calls (all of them durable once Run returns nil).
	Events  int64
	Batches int
	// Cases is the number of cases reported so far.
	Cases int
	// SimTime is the occurred_at of the last event appended.
	SimTime time.Time
}

// Run simulates the district described by cfg and writes every event
// through a ledger.Importer, cfg.BatchEvents events per call. Each call groups
// the drafts by stream, in order of first appearance and keeping each
// stream's order; registry events go in calls of their own, so that every
// later event sees the units and responsibility lists it refers to.
//
// If clock is not nil, Run sets it to the occurred_at of the last draft of
// each call before appending, so that a ledger created with
// ledger.Config{Clock: clock.Now} records simulated times (recorded_at at
// or after occurred_at, never running backwards).
//
// progress, if not nil, is called after each append. Run stops at the
// first error: a cancelled ctx, or a ledger error wrapped with the case or
// topic and the event that was refused (errors.Is and errors.As see the
// ledger's error). After an error the summary counts the events generated,
// including the unappended batch; the last Progress counts those appended.
// Running the same
// cfg again on the same ledger appends nothing new: the ledger
// acknowledges the re-sent events as duplicates by ID.
func Run(ctx context.Context, l *ledger.Ledger, clock *Clock, cfg Config, progress func(Progress)) (Summary, error) {
	if l == nil {
		return Summary{}, fmt.Errorf("%w: no ledger", ErrConfig)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	b := &batcher{ctx: ctx, im: l.NewImporter(ledger.ImporterConfig{}), clock: clock, max: cfg.BatchEvents, progress: progress,
		buf: make([]events.Draft, 0, cfg.BatchEvents), index: map[string]int{}}
	sum, err := Generate(cfg, b.add)
	if err == nil {
		err = b.flush()
	}
	if cerr := b.im.Close(ctx); err == nil && cerr != nil {
		err = fmt.Errorf("sim: %w", cerr)
	}
	return sum, err
}

// batcher collects drafts into AppendAtomic calls.
type batcher struct {
	ctx      context.Context
	im       *ledger.Importer
	clock    *Clock
	max      int
	progress func(Progress)

	buf      []events.Draft
	registry bool // buf holds registry drafts
	index    map[string]int
	p        Progress
}

func (b *batcher) add(d events.Draft) error {
	kind, _ := events.SplitStream(d.Stream)
	reg := kind == events.StreamRegistry
	if len(b.buf) > 0 && (reg != b.registry || len(b.buf) >= b.max) {
		if err := b.flush(); err != nil {
			return err
		}
	}
	b.registry = reg
	b.buf = append(b.buf, d)
	return nil
}

func (b *batcher) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	if err := b.ctx.Err(); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	clear(b.index)
	// Fresh batches every call: the importer keeps them until they are durable.
	var batches []ledger.Batch
	cases := 0
	for _, d := range b.buf {
		i, ok := b.index[d.Stream]
		if !ok {
			i = len(batches)
			b.index[d.Stream] = i
			batches = append(batches, ledger.Batch{Stream: d.Stream, Expect: ledger.Any})
		}
		batches[i].Drafts = append(batches[i].Drafts, d)
		if _, ok := d.Payload.(*events.CaseReported); ok {
			cases++
		}
	}
	last := b.buf[len(b.buf)-1].OccurredAt
	if b.clock != nil {
		b.clock.Set(last)
	}
	if err := b.im.Append(b.ctx, batches...); err != nil {
		return b.explain(err)
	}
	b.p.Events += int64(len(b.buf))
	b.p.Batches++
	b.p.Cases += cases
	b.p.SimTime = last
	b.buf = b.buf[:0]
	if b.progress != nil {
		b.progress(b.p)
	}
	return nil
}

// explain wraps a ledger error with the stream and the draft it refused.
func (b *batcher) explain(err error) error {
	first, last := b.buf[0].OccurredAt, b.buf[len(b.buf)-1].OccurredAt
	var re *ledger.RuleError
	if errors.As(err, &re) {
		for _, d := range b.buf {
			if d.ID == re.ID {
				kind, id := events.SplitStream(d.Stream)
				return fmt.Errorf("sim: append %s of %s %s occurred at %s (batch %d): %w",
					d.Payload.EventType(), kind, id, d.OccurredAt.Format(time.RFC3339Nano), b.p.Batches+1, err)
			}
		}
		return fmt.Errorf("sim: append to %s (batch %d): %w", re.Stream, b.p.Batches+1, err)
	}
	return fmt.Errorf("sim: append batch %d (%d events, %s to %s): %w", b.p.Batches+1, len(b.buf),
		first.Format(time.RFC3339), last.Format(time.RFC3339), err)
}
