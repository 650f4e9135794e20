package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govledger/govledger/events"
)

type readFunc func(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error

// batch is a run of consecutive events on their way from the source to the
// projections. Event data is copied into arena: the source's bytes are
// valid only during its callback.
type batch struct {
	pos      []uint64
	evs      []events.Event
	payloads []events.Payload
	types    []uint8 // Runner.typeIndex of each event's type
	arena    []byte
	err      error
	done     chan struct{}
	pending  atomic.Int32 // projections still applying it
}

const (
	batchEvents = 512
	batchBytes  = 256 << 10
)

func (b *batch) reset() {
	b.pos = b.pos[:0]
	clear(b.evs)
	b.evs = b.evs[:0]
	clear(b.payloads)
	b.payloads = b.payloads[:0]
	b.types = b.types[:0]
	b.arena = b.arena[:0]
	b.err = nil
	b.done = make(chan struct{})
}

// DecodeError is a payload of a known type that does not decode: the
// ledger holds an event its own write side would have refused.
type DecodeError struct {
	Position uint64
	Type     string
	Err      error
}

// Error names the position, the type and the cause.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("projections: position %d: %s payload does not decode: %v", e.Position, e.Type, e.Err)
}

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// feed reads from..to through read and applies every event. Payloads are
// decoded by a pool of workers, ahead of the projections, in order.
func (r *Runner) feed(ctx context.Context, from, to uint64, read readFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := r.cfg.Workers
	decodeQ := make(chan *batch, workers)
	applyQ := make(chan *batch, 2*workers+2)
	free := make(chan *batch, 2*workers+4)
	for range cap(free) {
		b := &batch{}
		b.reset()
		free <- b
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range decodeQ {
				r.decode(b)
				close(b.done)
			}
		})
	}
	readErr := make(chan error, 1)
	following := to == ^uint64(0)
	go func() {
		defer close(applyQ)
		defer close(decodeQ)
		// mu guards cur: when following, a ticker hands a partial batch on
		// so that live appends reach the projections within a few ms.
		var mu sync.Mutex
		var cur *batch
		flush := func() bool {
			if cur == nil || len(cur.evs) == 0 {
				return true
			}
			select {
			case decodeQ <- cur:
			case <-ctx.Done():
				return false
			}
			select {
			case applyQ <- cur:
			case <-ctx.Done():
				return false
			}
			cur = nil
			return true
		}
		if following {
			stop := make(chan struct{})
			var ticking sync.WaitGroup
			defer ticking.Wait() // before the queues close
			defer close(stop)
			ticking.Add(1)
			go func() {
				defer ticking.Done()
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-ctx.Done():
						return
					case <-t.C:
						mu.Lock()
						flush()
						mu.Unlock()
					}
				}
			}()
		}
		err := read(ctx, from, func(pos uint64, e *events.Event) error {
			if pos > to {
				return errCutoff
			}
			if following {
				mu.Lock()
				defer mu.Unlock()
			}
			if cur == nil {
				select {
				case cur = <-free:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			ev := *e
			start := len(cur.arena)
			cur.arena = append(cur.arena, e.Data...)
			ev.Data = cur.arena[start:len(cur.arena):len(cur.arena)]
			cur.evs = append(cur.evs, ev)
			cur.pos = append(cur.pos, pos)
			if len(cur.evs) >= batchEvents || len(cur.arena) >= batchBytes {
				if !flush() {
					return ctx.Err()
				}
			}
			return nil
		})
		mu.Lock()
		flush()
		cur = nil
		mu.Unlock()
		readErr <- err
	}()
	var applyErr error
	last := r.Position()
	var idle <-chan time.Time
	var timer *time.Timer
	if following { // checkpoint on a quiet ledger
		timer = time.NewTimer(r.cfg.Idle)
		defer timer.Stop()
		idle = timer.C
	}
	fan := r.fanOut(free)
	defer fan.stop()
loop:
	for {
		var b *batch
		var ok bool
		select {
		case b, ok = <-applyQ:
		case <-idle:
			fan.barrier()
			if err := r.checkpoint(ctx); err != nil {
				applyErr = err
				cancel()
				break loop
			}
			timer.Reset(r.cfg.Idle)
			continue
		}
		if !ok {
			break
		}
		<-b.done
		if b.err != nil {
			applyErr = b.err
			cancel()
			break
		}
		n := b.pos[len(b.pos)-1]
		fan.send(b)
		if n-last >= r.cfg.Every {
			fan.barrier()
			if err := r.checkpoint(ctx); err != nil {
				applyErr = err
				cancel()
				break
			}
			last = n
		}
		if timer != nil {
			timer.Reset(r.cfg.Idle)
		}
	}
	fan.barrier()
	for b := range applyQ { // drain after a stop
		<-b.done
	}
	wg.Wait()
	err := <-readErr
	if applyErr != nil {
		return applyErr
	}
	if err != nil && !errors.Is(err, errCutoff) {
		return fmt.Errorf("projections: read: %w", err)
	}
	return nil
}

// fan hands every decoded batch to one goroutine per projection, so that
// projections fold in parallel; each projection still sees every event in
// order, from one goroutine. A batch goes back to the free list when the
// last projection is done with it.
type fan struct {
	in   []chan *batch
	acks chan struct{}
	wg   sync.WaitGroup
	free chan<- *batch
}

// barrierBatch asks every projection goroutine to acknowledge: once all
// have, every batch sent before it has been applied.
var barrierBatch = &batch{}

func (r *Runner) fanOut(free chan<- *batch) *fan {
	f := &fan{acks: make(chan struct{}, len(r.slots)), free: free}
	for _, s := range r.slots {
		in := make(chan *batch, 4)
		f.in = append(f.in, in)
		f.wg.Go(func() {
			for b := range in {
				if b == barrierBatch {
					f.acks <- struct{}{}
					continue
				}
				if s.err == nil {
					r.applySlot(s, b)
				}
				if b.pending.Add(-1) == 0 {
					b.reset()
					f.free <- b
				}
			}
		})
	}
	return f
}

func (f *fan) send(b *batch) {
	if len(f.in) == 0 {
		b.reset()
		f.free <- b
		return
	}
	b.pending.Store(int32(len(f.in)))
	for _, in := range f.in {
		in <- b
	}
}

func (f *fan) barrier() {
	for _, in := range f.in {
		in <- barrierBatch
	}
	for range f.in {
		<-f.acks
	}
}

func (f *fan) stop() {
	for _, in := range f.in {
		close(in)
	}
	f.wg.Wait()
}

// applySlot feeds a decoded batch to one projection, skipping positions it
// has seen (it may have resumed from a later checkpoint than others) and
// types outside its filter. An error or a panic in Apply stops the
// projection at that position.
func (r *Runner) applySlot(s *slot, b *batch) {
	i := 0
	defer func() {
		if v := recover(); v != nil {
			e := &b.evs[i]
			s.err = &ApplyError{Projection: s.p.Name(), Position: b.pos[i], EventID: e.ID.String(), Type: e.Type,
				Err: fmt.Errorf("panic: %v", v)}
			s.digest = ""
		}
	}()
	for ; i < len(b.evs); i++ {
		pos := b.pos[i]
		if s.pos >= pos {
			continue
		}
		e := &b.evs[i]
		if s.wantIdx == nil || s.wantIdx[b.types[i]] {
			if err := s.p.Apply(pos, e, b.payloads[i]); err != nil {
				s.err = &ApplyError{Projection: s.p.Name(), Position: pos, EventID: e.ID.String(), Type: e.Type, Err: err}
				s.digest = ""
				return
			}
		}
		s.pos = pos
	}
}

// decode decodes the payloads some projection reads. Unknown types get a
// nil payload.
func (r *Runner) decode(b *batch) {
	if cap(b.payloads) < len(b.evs) {
		b.payloads = make([]events.Payload, len(b.evs), batchEvents)
	}
	b.payloads = b.payloads[:len(b.evs)]
	b.types = b.types[:0]
	for i := range b.evs {
		e := &b.evs[i]
		ti := r.typeIndex[e.Type]
		b.types = append(b.types, ti)
		if ti == 0 || r.decodeIdx != nil && !r.decodeIdx[ti] {
			continue // unknown to the catalogue, or read by nobody
		}
		p, err := r.cfg.Decode(e.Type, e.Schema, e.Data)
		if err != nil {
			b.err = &DecodeError{Position: b.pos[i], Type: e.Type, Err: err}
			return
		}
		b.payloads[i] = p
	}
}
