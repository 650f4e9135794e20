package esdbstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/govledger/govledger/store"
)

func errClosed() error { return store.ErrClosed }

// Append writes one stream append with its exact expected revision.
// Several streams cannot be written atomically: store.ErrMultiStream.
func (s *Store) Append(ctx context.Context, appends ...store.StreamAppend) ([]store.AppendResult, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	if err := store.CheckAppend(appends); err != nil {
		return nil, err
	}
	if len(appends) > 1 {
		return nil, fmt.Errorf("%w: KurrentDB appends to one stream at a time (%d streams given)", store.ErrMultiStream, len(appends))
	}
	a := appends[0]
	seen := make(map[[16]byte]bool, len(a.Events))
	for i := range a.Events {
		if seen[a.Events[i].ID] {
			return nil, fmt.Errorf("%w: event id %s appears twice in one call", store.ErrDuplicateID, a.Events[i].ID)
		}
		seen[a.Events[i].ID] = true
	}
	for i := range a.Events {
		e := &a.Events[i]
		check := *e
		check.Seal(e.PrevHash)
		if check.Hash != e.Hash {
			return nil, fmt.Errorf("%w: event %s: hash %s does not cover its bytes (%s)", store.ErrInvalidAppend, e.ID, e.Hash, check.Hash)
		}
	}
	// One append per stream at a time on this node, so that concurrent
	// re-sends of one append are told apart: the first writes, the others
	// find it indexed. Across nodes the server's expected-revision check
	// serialises writers.
	mu, _ := s.locks.LoadOrStore(a.Stream, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	if _, err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	if res, done, err := s.classify(a); done || err != nil {
		return res, err
	}
	// The stream's head as the index saw it in the catch-up above: when it
	// is what the append expects, the append is sent without reading the
	// stream (a stream moved on since is refused by the server's
	// expected-revision check below); otherwise the stream is read, so that
	// an error reports the server's current head, not the index's.
	version, last := s.idx.streamHead(a.Stream)
	if version != a.Expected || a.Events[0].PrevHash != last {
		var err error
		if version, last, err = s.StreamHead(ctx, a.Stream); err != nil {
			return nil, err
		}
	}
	if version != a.Expected {
		return nil, &store.WrongVersionError{Stream: a.Stream, Expected: a.Expected, Actual: version}
	}
	if a.Events[0].PrevHash != last {
		return nil, fmt.Errorf("%w: event %s does not chain to the last event of %s (PrevHash %s, stream's last hash %s)",
			store.ErrInvalidAppend, a.Events[0].ID, a.Stream, a.Events[0].PrevHash, last)
	}
	data := make([]esdb.EventData, len(a.Events))
	for i := range a.Events {
		var err error
		if data[i], err = toEventData(&a.Events[i]); err != nil {
			return nil, err
		}
	}
	var expected esdb.ExpectedRevision = esdb.NoStream{}
	if a.Expected != store.NoStream {
		expected = esdb.Revision(uint64(a.Expected))
	}
	err := s.call(ctx, "append", func(ctx context.Context, c *esdb.Client) error {
		_, err := c.AppendToStream(ctx, s.ns+a.Stream, esdb.AppendToStreamOptions{ExpectedRevision: expected, RequiresLeader: true}, data...)
		return err
	})
	if isCode(err, esdb.ErrorCodeWrongExpectedVersion) {
		actual, _, herr := s.StreamHead(ctx, a.Stream)
		if herr != nil {
			return nil, herr
		}
		return nil, &store.WrongVersionError{Stream: a.Stream, Expected: a.Expected, Actual: actual}
	}
	if err != nil {
		return nil, s.serverErr("append to "+a.Stream, err)
	}
	// The events' positions: the index reads $all up to them.
	if _, err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	first, ok1 := s.idx.position(a.Events[0].ID)
	lastPos, ok2 := s.idx.position(a.Events[len(a.Events)-1].ID)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("esdbstore: %s acknowledged the append to %s but $all does not show it yet", s.what, a.Stream)
	}
	return []store.AppendResult{{Stream: a.Stream, FirstPosition: first, LastPosition: lastPos}}, nil
}

// classify looks the append's IDs up in the index: all stored in place
// (same stream, versions and hashes) is an idempotent re-send, answered
// with the stored positions (done); any stored elsewhere, or only some,
// is a DuplicateIDError.
func (s *Store) classify(a store.StreamAppend) ([]store.AppendResult, bool, error) {
	found := 0
	var first, last uint64
	var conflict *store.DuplicateIDError
	for j := range a.Events {
		e := &a.Events[j]
		pos, ok := s.idx.position(e.ID)
		if !ok {
			continue
		}
		found++
		ent, _ := s.idx.entry(pos)
		if conflict == nil && (ent.stream != a.Stream || ent.version != e.Version || ent.hash != e.Hash) {
			conflict = &store.DuplicateIDError{ID: e.ID, Position: pos}
		}
		if j == 0 {
			first = pos
		}
		last = pos
	}
	switch {
	case found == 0:
		return nil, false, nil
	case conflict != nil:
		return nil, true, conflict
	case found == len(a.Events):
		return []store.AppendResult{{Stream: a.Stream, FirstPosition: first, LastPosition: last, Duplicate: true}}, true, nil
	}
	for j := range a.Events {
		if pos, ok := s.idx.position(a.Events[j].ID); ok {
			return nil, true, &store.DuplicateIDError{ID: a.Events[j].ID, Position: pos}
		}
	}
	return nil, false, nil
}
