package esdbstore

import (
	"context"
	"errors"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/govledger/govledger/store"
)

// fnError marks an error returned by the caller's callback.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// Follow delivers the ledger's events from position from on, then waits
// for more on a catch-up subscription to $all filtered to the ledger's
// streams, until ctx is done (ctx.Err()), fn fails (its error) or the
// store is closed (store.ErrClosed). A dropped subscription or an
// unreachable server is retried after Poll, then twice as long each time
// up to 5s, resuming from the last position delivered: a server restart
// is a pause, not an end.
func (s *Store) Follow(ctx context.Context, from uint64, fn func(store.Record) error) error {
	if from == 0 {
		from = 1
	}
	wrapped := func(r store.Record) error {
		if err := fn(r); err != nil {
			return fnError{err}
		}
		return nil
	}
	backoff := s.cfg.Poll
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.isClosed() {
			return store.ErrClosed
		}
		head, err := s.catchUp(ctx)
		if err == nil && from <= head {
			from, err = s.readRange(ctx, from, head, wrapped)
		}
		var fe fnError
		switch {
		case errors.As(err, &fe):
			return fe.err
		case errors.Is(err, store.ErrClosed):
			return store.ErrClosed
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			// The server is away: try again, waiting longer each time
			// (Poll, doubled up to maxBackoff).
			s.sleep(ctx, backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = s.cfg.Poll
		s.waitForMore(ctx, from)
	}
}

// maxBackoff bounds the wait between attempts to reach an unreachable
// server.
const maxBackoff = 5 * time.Second

// waitForMore returns when the ledger's streams may hold events past the
// index, when the index already holds position next (indexed by another
// call since the caller looked at the head), when ctx is done, or after a
// while (a subscription that cannot be made is retried by the caller).
func (s *Store) waitForMore(ctx context.Context, next uint64) {
	// The subscription starts where the index has read to; anything
	// indexed before that is looked at first, or it would wait for the
	// next event after it.
	from, _, _ := s.idx.from()
	if s.idx.head() >= next {
		return
	}
	c, err := s.acquire()
	if err != nil {
		s.pause(ctx)
		return
	}
	failed := false
	defer func() { s.release(c, failed) }()
	// A subscription that went quiet without a drop (the client can lose
	// its connection silently) is given up after maxWait; the caller then
	// looks at the head again.
	ctx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()
	sub, err := c.c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: from,
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: s.streams.String()}})
	if err != nil {
		failed = isConnErr(err)
		s.pause(ctx)
		return
	}
	defer sub.Close()
	for {
		ev := sub.Recv()
		switch {
		case ev.EventAppeared != nil:
			rec := ev.EventAppeared.OriginalEvent()
			if _, last, started := s.idx.from(); !started || comparePos(rec.Position, last) > 0 {
				return // new: read it
			}
		case ev.SubscriptionDropped != nil:
			failed = isConnErr(ev.SubscriptionDropped.Error)
			s.pause(ctx)
			return
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// maxWait bounds one wait on a subscription.
const maxWait = 2 * time.Second

// pause waits Poll or until ctx is done.
func (s *Store) pause(ctx context.Context) { s.sleep(ctx, s.cfg.Poll) }

// sleep waits d or until ctx is done.
func (s *Store) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
