package esdbstore

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// index numbers the ledger's events along $all: position i is the i-th
// event of a ledger stream in $all's order. It is built by reading $all
// and extended as the node sees more of it (appends, reads, follows).
type index struct {
	catch sync.Mutex    // one catch-up at a time
	begun atomic.Uint64 // catch-ups begun; incremented under catch
	ended uint64        // guarded by catch: the number of the last catch-up that read to the end

	mu      sync.RWMutex // guards what follows
	entries []indexEntry // by position - 1
	byID    map[ulid.ULID]uint64
	heads   map[string]uint64 // stream -> position of its last event
	last    esdb.Position     // the last $all position read (any stream)
	started bool              // last is set
}

// indexEntry is what the index keeps of one ledger event.
type indexEntry struct {
	at      esdb.Position
	id      ulid.ULID
	stream  string
	version uint64
	hash    events.Hash
}

func (x *index) init() { x.byID, x.heads = map[ulid.ULID]uint64{}, map[string]uint64{} }

// head returns the number of events indexed.
func (x *index) head() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return uint64(len(x.entries))
}

// entry returns the entry at a position.
func (x *index) entry(pos uint64) (indexEntry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if pos == 0 || pos > uint64(len(x.entries)) {
		return indexEntry{}, false
	}
	return x.entries[pos-1], true
}

// position returns the position of an event ID.
func (x *index) position(id ulid.ULID) (uint64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.byID[id]
	return p, ok
}

// streamHead returns the version and hash of the last event of a stream
// that the index has seen, or store.NoStream and the zero hash.
func (x *index) streamHead(stream string) (int64, events.Hash) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	pos, ok := x.heads[stream]
	if !ok {
		return store.NoStream, events.ZeroHash
	}
	e := x.entries[pos-1]
	return int64(e.version), e.hash
}

// add indexes one ledger event read at $all position at, unless it is
// already indexed (at or before the last position read).
func (x *index) add(e indexEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started && comparePos(e.at, x.last) <= 0 {
		return
	}
	x.last, x.started = e.at, true
	x.entries = append(x.entries, e)
	x.heads[e.stream] = uint64(len(x.entries))
	if _, dup := x.byID[e.id]; !dup { // the first place an ID was stored is its place
		x.byID[e.id] = uint64(len(x.entries))
	}
}

// skip records that $all was read up to at (a foreign or system event).
func (x *index) skip(at esdb.Position) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.started || comparePos(at, x.last) > 0 {
		x.last, x.started = at, true
	}
}

func (x *index) from() (esdb.AllPosition, esdb.Position, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.started {
		return esdb.Start{}, esdb.Position{}, false
	}
	return x.last, x.last, true
}

// catchUp reads $all from the last position the index read to the end,
// indexing the ledger's events, and returns the head.
func (s *Store) catchUp(ctx context.Context) (uint64, error) {
	if s.isClosed() {
		return 0, errClosed()
	}
	// A catch-up begun after this point reads everything acknowledged
	// before it. Callers that wait for the lock while one runs share the
	// next one: a caller whose catch-up has been done by another returns.
	want := s.idx.begun.Load() + 1
	s.idx.catch.Lock()
	defer s.idx.catch.Unlock()
	if s.idx.ended >= want {
		return s.idx.head(), nil
	}
	seq := s.idx.begun.Add(1)
	for {
		n := 0
		err := s.call(ctx, "read $all", func(ctx context.Context, c *esdb.Client) error {
			from, last, started := s.idx.from()
			rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from}, readBatch)
			if err != nil {
				return err
			}
			defer rs.Close()
			for {
				r, err := rs.Recv()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				n++
				rec := r.OriginalEvent()
				if started && comparePos(rec.Position, last) <= 0 {
					continue // the read starts at the last position read
				}
				if !s.streams.MatchString(rec.StreamID) {
					s.idx.skip(rec.Position)
					continue
				}
				ev, err := fromRecorded(s.ns, rec)
				if err != nil {
					return err
				}
				s.idx.add(indexEntry{at: rec.Position, id: ev.ID, stream: ev.Stream, version: ev.Version, hash: ev.Hash})
			}
		})
		if err != nil {
			return 0, s.serverErr("index $all", err)
		}
		if n < readBatch {
			s.idx.ended = seq
			return s.idx.head(), nil
		}
	}
}
