// Package memstore is an in-memory store.Store: the whole contract of
// package store except durability. It is for tests and for trying things
// out; nothing survives Close.
package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

var (
	_ store.Store     = (*Store)(nil)
	_ store.Pipeliner = (*Store)(nil)
)

// Store is an in-memory store. The zero value is not usable; call New.
type Store struct {
	mu      sync.RWMutex
	log     []events.Event       // position i+1
	streams map[string][]uint64  // stream -> positions by version
	ids     map[ulid.ULID]uint64 // id -> position
	changed chan struct{}        // closed and replaced on each commit
	closed  bool
}

// New returns an empty store.
func New() *Store {
	return &Store{streams: map[string][]uint64{}, ids: map[ulid.ULID]uint64{}, changed: make(chan struct{})}
}

func cloneEvent(e events.Event) events.Event {
	e.Data = append([]byte(nil), e.Data...)
	return e
}

// Append implements store.Store.
func (s *Store) Append(ctx context.Context, appends ...store.StreamAppend) ([]store.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := store.CheckAppend(appends); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	res := make([]store.AppendResult, len(appends))
	dup := make([]bool, len(appends))
	pending := map[ulid.ULID]bool{}
	for i, a := range appends {
		res[i].Stream = a.Stream
		positions := s.streams[a.Stream]
		// Idempotent re-send: every event already stored at its place.
		allThere := true
		for _, e := range a.Events {
			pos, ok := s.ids[e.ID]
			if !ok || s.log[pos-1].Stream != a.Stream || s.log[pos-1].Version != e.Version || s.log[pos-1].Hash != e.Hash {
				allThere = false
				break
			}
		}
		if allThere {
			dup[i] = true
			res[i].FirstPosition = s.ids[a.Events[0].ID]
			res[i].LastPosition = s.ids[a.Events[len(a.Events)-1].ID]
			res[i].Duplicate = true
			continue
		}
		if actual := int64(len(positions)) - 1; actual != a.Expected {
			return nil, &store.WrongVersionError{Stream: a.Stream, Expected: a.Expected, Actual: actual}
		}
		var last events.Hash
		if len(positions) > 0 {
			last = s.log[positions[len(positions)-1]-1].Hash
		}
		if a.Events[0].PrevHash != last {
			return nil, fmt.Errorf("%w: first event of %s does not chain to the stream's last hash", store.ErrInvalidAppend, a.Stream)
		}
		for _, e := range a.Events {
			if pos, ok := s.ids[e.ID]; ok {
				return nil, &store.DuplicateIDError{ID: e.ID, Position: pos}
			}
			if pending[e.ID] {
				return nil, fmt.Errorf("%w: id %s twice in one append", store.ErrDuplicateID, e.ID)
			}
			pending[e.ID] = true
		}
	}
	for i, a := range appends {
		if dup[i] {
			continue
		}
		res[i].FirstPosition = uint64(len(s.log)) + 1
		for _, e := range a.Events {
			s.log = append(s.log, cloneEvent(e))
			pos := uint64(len(s.log))
			s.ids[e.ID] = pos
			s.streams[a.Stream] = append(s.streams[a.Stream], pos)
		}
		res[i].LastPosition = uint64(len(s.log))
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return res, nil
}

// Submit implements store.Pipeliner. An in-memory append completes at
// once, so Submit appends and returns its outcome.
func (s *Store) Submit(ctx context.Context, appends ...store.StreamAppend) func() ([]store.AppendResult, error) {
	res, err := s.Append(ctx, appends...)
	return func() ([]store.AppendResult, error) { return res, err }
}

// ReadStream implements store.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, fn func(store.Record) error) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	positions := s.streams[stream]
	var recs []store.Record
	for v := from; v < uint64(len(positions)); v++ {
		recs = append(recs, store.Record{Position: positions[v], Event: s.log[positions[v]-1]})
	}
	s.mu.RUnlock()
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// ReadAll implements store.Store.
func (s *Store) ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error {
	_, err := s.readFrom(ctx, from, fn)
	return err
}

func (s *Store) readFrom(ctx context.Context, from uint64, fn func(store.Record) error) (uint64, error) {
	if from == 0 {
		from = 1
	}
	for {
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			return from, store.ErrClosed
		}
		if from > uint64(len(s.log)) {
			s.mu.RUnlock()
			return from, nil
		}
		r := store.Record{Position: from, Event: s.log[from-1]}
		s.mu.RUnlock()
		if err := ctx.Err(); err != nil {
			return from, err
		}
		if err := fn(r); err != nil {
			return from, err
		}
		from++
	}
}

// Follow implements store.Store.
func (s *Store) Follow(ctx context.Context, from uint64, fn func(store.Record) error) error {
	for {
		s.mu.RLock()
		ch := s.changed
		s.mu.RUnlock()
		next, err := s.readFrom(ctx, from, fn)
		if err != nil {
			return err
		}
		from = next
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Head implements store.Store.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	return uint64(len(s.log)), nil
}

// StreamHead implements store.Store.
func (s *Store) StreamHead(ctx context.Context, stream string) (int64, events.Hash, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, events.Hash{}, store.ErrClosed
	}
	p := s.streams[stream]
	if len(p) == 0 {
		return store.NoStream, events.Hash{}, nil
	}
	return int64(len(p)) - 1, s.log[p[len(p)-1]-1].Hash, nil
}

// Lookup implements store.Store.
func (s *Store) Lookup(ctx context.Context, id ulid.ULID) (store.Record, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.Record{}, false, store.ErrClosed
	}
	pos, ok := s.ids[id]
	if !ok {
		return store.Record{}, false, nil
	}
	return store.Record{Position: pos, Event: cloneEvent(s.log[pos-1])}, true, nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.closed = true
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}
