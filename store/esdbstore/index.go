package esdbstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// IndexStore keeps a node's position index: a key-value space of its own
// (a pebblestore.Side of the node's state satisfies it; MemIndex keeps it
// in memory). Get MUST return ok == false for an absent key; PutMany MUST
// store all the pairs or none. Writes need not wait for the disk: the
// index is derived from $all, checked against it when the store opens,
// and rebuilt when it does not match.
type IndexStore interface {
	Get(ctx context.Context, key []byte) ([]byte, bool, error)
	PutMany(ctx context.Context, keys, values [][]byte) error
}

// MemIndex is an IndexStore in memory.
type MemIndex struct {
	mu sync.RWMutex
	m  map[string][]byte
}

// Get returns a copy of the value under key.
func (m *MemIndex) Get(_ context.Context, key []byte) ([]byte, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.m[string(key)]
	return bytes.Clone(v), ok, nil
}

// PutMany stores copies of the pairs.
func (m *MemIndex) PutMany(_ context.Context, keys, values [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	for i := range keys {
		m.m[string(keys[i])] = bytes.Clone(values[i])
	}
	return nil
}

// index numbers the ledger's events along $all: position i is the i-th
// event of a ledger stream in $all's order. It is built by reading $all
// and extended as the node sees more of it (appends, reads, follows), and
// kept in an IndexStore, so that a node does not read $all again when it
// opens.
//
// Keys (under a generation, so that a rebuild never meets the keys of an
// index it replaces):
//
//	gen(4) 'p' position(8)  -> commit(8) prepare(8) id(16) version(8) hash(32) stream
//	gen(4) 'i' id(16)       -> position(8)    (the first place an ID was stored)
//	gen(4) 'h' stream       -> position(8)    (the stream's last event)
//	"state"                 -> gen(4) count(8) commit(8) prepare(8) started(1) namespace
//
// Each catch-up batch is one PutMany, state included: the index always
// holds a prefix of $all's ledger events.
type index struct {
	kv IndexStore
	ns string

	catch sync.Mutex    // one catch-up at a time
	begun atomic.Uint64 // catch-ups begun; incremented under catch
	ended uint64        // guarded by catch: the number of the last catch-up that read to the end

	mu      sync.RWMutex // guards what follows
	gen     [4]byte
	count   uint64
	last    esdb.Position // the last $all position read (any stream)
	started bool          // last is set
}

var stateKey = []byte("state")

// indexEntry is what the index keeps of one ledger event.
type indexEntry struct {
	at      esdb.Position
	id      ulid.ULID
	stream  string
	version uint64
	hash    events.Hash
}

func (x *index) key(kind byte, rest []byte) []byte {
	k := make([]byte, 0, 5+len(rest))
	k = append(k, x.gen[:]...)
	k = append(k, kind)
	return append(k, rest...)
}

func posBytes(pos uint64) []byte { return binary.BigEndian.AppendUint64(nil, pos) }

func encodeEntry(e indexEntry) []byte {
	b := make([]byte, 0, 72+len(e.stream))
	b = binary.BigEndian.AppendUint64(b, e.at.Commit)
	b = binary.BigEndian.AppendUint64(b, e.at.Prepare)
	b = append(b, e.id[:]...)
	b = binary.BigEndian.AppendUint64(b, e.version)
	b = append(b, e.hash[:]...)
	return append(b, e.stream...)
}

func decodeEntry(b []byte) (indexEntry, error) {
	if len(b) < 72 {
		return indexEntry{}, fmt.Errorf("esdbstore: index entry of %d bytes", len(b))
	}
	var e indexEntry
	e.at.Commit = binary.BigEndian.Uint64(b)
	e.at.Prepare = binary.BigEndian.Uint64(b[8:])
	copy(e.id[:], b[16:32])
	e.version = binary.BigEndian.Uint64(b[32:])
	copy(e.hash[:], b[40:72])
	e.stream = string(b[72:])
	return e, nil
}

func (x *index) encodeState() []byte {
	b := append([]byte(nil), x.gen[:]...)
	b = binary.BigEndian.AppendUint64(b, x.count)
	b = binary.BigEndian.AppendUint64(b, x.last.Commit)
	b = binary.BigEndian.AppendUint64(b, x.last.Prepare)
	if x.started {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return append(b, x.ns...)
}

// load reads the state the index was left in, or starts a new generation.
func (x *index) load(ctx context.Context) error {
	v, ok, err := x.kv.Get(ctx, stateKey)
	if err != nil {
		return fmt.Errorf("esdbstore: read the index: %w", err)
	}
	if ok && len(v) >= 29 && string(v[29:]) == x.ns {
		copy(x.gen[:], v)
		x.count = binary.BigEndian.Uint64(v[4:])
		x.last = esdb.Position{Commit: binary.BigEndian.Uint64(v[12:]), Prepare: binary.BigEndian.Uint64(v[20:])}
		x.started = v[28] == 1
		return nil
	}
	return x.reset(ctx)
}

// reset starts an empty index in a new generation.
func (x *index) reset(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, err := rand.Read(x.gen[:]); err != nil {
		return err
	}
	x.count, x.last, x.started = 0, esdb.Position{}, false
	return x.kv.PutMany(ctx, [][]byte{stateKey}, [][]byte{x.encodeState()})
}

// head returns the number of events indexed.
func (x *index) head() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.count
}

// entry returns the entry at a position.
func (x *index) entry(pos uint64) (indexEntry, bool) {
	x.mu.RLock()
	count := x.count
	k := x.key('p', posBytes(pos))
	x.mu.RUnlock()
	if pos == 0 || pos > count {
		return indexEntry{}, false
	}
	v, ok, err := x.kv.Get(context.Background(), k)
	if err != nil || !ok {
		return indexEntry{}, false
	}
	e, err := decodeEntry(v)
	return e, err == nil
}

// position returns the position of an event ID.
func (x *index) position(id ulid.ULID) (uint64, bool) {
	x.mu.RLock()
	k := x.key('i', id[:])
	x.mu.RUnlock()
	v, ok, err := x.kv.Get(context.Background(), k)
	if err != nil || !ok || len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

// streamHead returns the version and hash of the last event of a stream
// that the index has seen, or store.NoStream and the zero hash.
func (x *index) streamHead(stream string) (int64, events.Hash) {
	x.mu.RLock()
	k := x.key('h', []byte(stream))
	x.mu.RUnlock()
	v, ok, err := x.kv.Get(context.Background(), k)
	if err != nil || !ok || len(v) != 8 {
		return store.NoStream, events.ZeroHash
	}
	e, ok := x.entry(binary.BigEndian.Uint64(v))
	if !ok {
		return store.NoStream, events.ZeroHash
	}
	return int64(e.version), e.hash
}

func (x *index) from() (esdb.AllPosition, esdb.Position, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.started {
		return esdb.Start{}, esdb.Position{}, false
	}
	return x.last, x.last, true
}

// batch is one catch-up read's additions, written at once.
type batch struct {
	x            *index
	keys, values [][]byte
	ids          map[ulid.ULID]bool
	count        uint64
	last         esdb.Position
	started      bool
}

func (x *index) newBatch() *batch {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return &batch{x: x, ids: map[ulid.ULID]bool{}, count: x.count, last: x.last, started: x.started}
}

// add indexes one ledger event read at $all position at, unless it is
// already indexed (at or before the last position read).
func (b *batch) add(e indexEntry) {
	if b.started && comparePos(e.at, b.last) <= 0 {
		return
	}
	b.last, b.started = e.at, true
	b.count++
	pos := posBytes(b.count)
	b.keys = append(b.keys, b.x.key('p', pos), b.x.key('h', []byte(e.stream)))
	b.values = append(b.values, encodeEntry(e), pos)
	// The first place an ID was stored is its place.
	if _, stored := b.x.position(e.id); !stored && !b.ids[e.id] {
		b.ids[e.id] = true
		b.keys = append(b.keys, b.x.key('i', e.id[:]))
		b.values = append(b.values, pos)
	}
}

// skip records that $all was read up to at (a foreign or system event).
func (b *batch) skip(at esdb.Position) {
	if !b.started || comparePos(at, b.last) > 0 {
		b.last, b.started = at, true
	}
}

// commit writes the batch and makes it visible.
func (b *batch) commit(ctx context.Context) error {
	x := b.x
	x.mu.Lock()
	defer x.mu.Unlock()
	count, last, started := x.count, x.last, x.started
	x.count, x.last, x.started = b.count, b.last, b.started
	state := x.encodeState()
	if err := x.kv.PutMany(ctx, append(b.keys, stateKey), append(b.values, state)); err != nil {
		x.count, x.last, x.started = count, last, started
		return fmt.Errorf("esdbstore: write the index: %w", err)
	}
	return nil
}

// check makes sure the index describes this database: the event at its
// last position must be in $all where the index saw it. An index of
// another database, or of one that was reset, is rebuilt.
func (s *Store) checkIndex(ctx context.Context) error {
	n := s.idx.head()
	if n == 0 {
		return nil
	}
	want, ok := s.idx.entry(n)
	same := false
	if ok {
		err := s.call(ctx, "check the index", func(ctx context.Context, c *esdb.Client) error {
			rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: want.at}, 1)
			if err != nil {
				return err
			}
			return each(rs, func(r *esdb.ResolvedEvent) (bool, error) {
				rec := r.OriginalEvent()
				same = rec.Position == want.at && ulid.ULID(rec.EventID) == want.id
				return false, nil
			})
		})
		if err != nil {
			return s.serverErr("check the index", err)
		}
	}
	if same {
		return nil
	}
	return s.idx.reset(ctx)
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
		b := s.idx.newBatch()
		err := s.call(ctx, "read $all", func(ctx context.Context, c *esdb.Client) error {
			from, last, started := s.idx.from()
			rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from}, readBatch)
			if err != nil {
				return err
			}
			return each(rs, func(r *esdb.ResolvedEvent) (bool, error) {
				n++
				rec := r.OriginalEvent()
				if started && comparePos(rec.Position, last) <= 0 {
					return true, nil // the read starts at the last position read
				}
				if !s.streams.MatchString(rec.StreamID) {
					b.skip(rec.Position)
					return true, nil
				}
				ev, err := fromRecorded(s.ns, rec)
				if err != nil {
					return false, err
				}
				b.add(indexEntry{at: rec.Position, id: ev.ID, stream: ev.Stream, version: ev.Version, hash: ev.Hash})
				return true, nil
			})
		})
		if err != nil {
			return 0, s.serverErr("index $all", err)
		}
		if err := b.commit(ctx); err != nil {
			return 0, err
		}
		if n < readBatch {
			s.idx.ended = seq
			return s.idx.head(), nil
		}
	}
}
