package pebblestore

import (
	"context"
	"fmt"
	"strings"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

// Limits of the canonical decoder in package events that the envelope
// constants do not name. An event beyond them would be stored but could
// never be read back, so Append refuses it.
const (
	maxTypeBytes      = 64
	maxActorKindBytes = 16
	maxZoneOffset     = 18 * 3600
)

// request is one Append call on its way through the writer.
type request struct {
	appends []store.StreamAppend
	recs    []byte // the events' records, back to back
	ends    []int  // end offset in recs of each event's record, in append order
	n       int    // number of events

	// Set by the writer and the completer before done is closed.
	res  []store.AppendResult
	err  error
	done chan struct{}
}

// Append implements store.Store. It returns once the events are synced
// (or the call failed). Once a request is handed to the writer, Append
// waits for its outcome even if ctx is cancelled, so that a nil error
// always means durable and an error means nothing was written, with one
// exception: after ErrFailed (the disk failed a write or sync) the outcome
// is unknown until the store is reopened, where an idempotent re-send
// settles it.
//
// Besides the contract's checks, Append refuses (store.ErrInvalidAppend)
// stream names containing 0x00, events beyond the size limits of the
// canonical encoding, and events whose Hash is not the SHA-256 of their
// canonical body.
func (s *Store) Append(ctx context.Context, appends ...store.StreamAppend) ([]store.AppendResult, error) {
	return s.Submit(ctx, appends...)()
}

// Submit implements store.Pipeliner: it checks and encodes the append in
// the caller's goroutine, queues it for the writer and returns; the
// returned wait blocks until the append is durable or failed, exactly as
// Append would. Appends submitted from one goroutine are committed in
// submission order.
func (s *Store) Submit(ctx context.Context, appends ...store.StreamAppend) func() ([]store.AppendResult, error) {
	failed := func(err error) func() ([]store.AppendResult, error) {
		return func() ([]store.AppendResult, error) { return nil, err }
	}
	if err := ctx.Err(); err != nil {
		return failed(err)
	}
	if s.closing.Load() {
		return failed(store.ErrClosed)
	}
	if err := store.CheckAppend(appends); err != nil {
		return failed(err)
	}
	r, err := encode(appends)
	if err != nil {
		return failed(err)
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return failed(store.ErrClosed)
	}
	s.reqs <- r
	s.mu.RUnlock()
	return func() ([]store.AppendResult, error) {
		<-r.done
		if r.err != nil {
			return nil, r.err
		}
		return r.res, nil
	}
}

// encode checks every event for what the writer does not check (limits,
// seals) and encodes the records, in the caller's goroutine so that this
// work runs in parallel across callers.
func encode(appends []store.StreamAppend) (*request, error) {
	size, n := 0, 0
	for i := range appends {
		a := &appends[i]
		if strings.IndexByte(a.Stream, 0) >= 0 {
			return nil, fmt.Errorf("%w: stream name %q contains a NUL byte", store.ErrInvalidAppend, a.Stream)
		}
		for j := range a.Events {
			e := &a.Events[j]
			if err := checkLimits(e); err != nil {
				return nil, err
			}
			size += 128 + len(e.Stream) + len(e.Type) + len(e.Actor.Kind) + len(e.Actor.ID) + len(e.Actor.Unit) + len(e.Data)
			n++
		}
	}
	r := &request{
		appends: appends,
		recs:    make([]byte, 0, size),
		ends:    make([]int, 0, n),
		n:       n,
		done:    make(chan struct{}),
	}
	for i := range appends {
		for j := range appends[i].Events {
			e := &appends[i].Events[j]
			start := len(r.recs)
			r.recs = events.AppendBody(r.recs, e)
			if events.HashBody(r.recs[start:]) != e.Hash {
				return nil, fmt.Errorf("%w: event %s on %s: Hash is not the SHA-256 of its content (not sealed?)", store.ErrInvalidAppend, e.ID, e.Stream)
			}
			r.recs = append(r.recs, e.Hash[:]...)
			r.ends = append(r.ends, len(r.recs))
		}
	}
	return r, nil
}

func checkLimits(e *events.Event) error {
	bad := func(what string, n, max int) error {
		return fmt.Errorf("%w: event %s on %s: %s is %d bytes, limit %d", store.ErrInvalidAppend, e.ID, e.Stream, what, n, max)
	}
	switch {
	case len(e.Stream) > events.MaxStreamBytes:
		return bad("stream", len(e.Stream), events.MaxStreamBytes)
	case len(e.Type) > maxTypeBytes:
		return bad("type", len(e.Type), maxTypeBytes)
	case len(e.Actor.Kind) > maxActorKindBytes:
		return bad("actor kind", len(e.Actor.Kind), maxActorKindBytes)
	case len(e.Actor.ID) > events.MaxIDBytes:
		return bad("actor id", len(e.Actor.ID), events.MaxIDBytes)
	case len(e.Actor.Unit) > events.MaxIDBytes:
		return bad("actor unit", len(e.Actor.Unit), events.MaxIDBytes)
	case len(e.Data) > events.MaxPayloadBytes:
		return bad("data", len(e.Data), events.MaxPayloadBytes)
	}
	if _, off := e.OccurredAt.Zone(); off < -maxZoneOffset || off > maxZoneOffset {
		return fmt.Errorf("%w: event %s on %s: occurred_at zone offset %ds is out of range", store.ErrInvalidAppend, e.ID, e.Stream, off)
	}
	return nil
}
