package pebblestore

import (
	"errors"
	"fmt"
	"math"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// maxGroupsInFlight bounds the groups applied to Pebble whose WAL sync has
// not been confirmed yet.
const maxGroupsInFlight = 64

// group is one synced batch and the requests it answers.
type group struct {
	reqs  []*request
	batch *pebble.Batch // nil when nothing was written
	last  uint64        // the last position written by the batch
	err   error         // fails every request that passed validation
}

// streamHead is a stream's last version and hash.
type streamHead struct {
	version int64
	hash    events.Hash
}

// idLoc is where an event ID is stored or, with claim set, the request of
// the current group that is about to write it.
type idLoc struct {
	pos     uint64
	stream  string
	version uint64
	hash    events.Hash
	claim   *request
}

// writer is the single goroutine that validates and commits appends. Its
// fields are owned by that goroutine.
type writer struct {
	s        *Store
	db       *pebble.DB
	next     uint64 // the next position to assign
	maxGroup int
	maxHeads int
	heads    map[string]streamHead
	ids      map[ulid.ULID]idLoc // IDs written or claimed in the current group
	err      error               // set once a commit failed

	key  []byte           // scratch key
	pos  [8]byte          // scratch value
	iter *pebble.Iterator // the group's 'S' iterator for loading heads, lazily
	ev   events.Event     // scratch event for decoding stored records
}

func newWriter(s *Store, head uint64) *writer {
	return &writer{
		s:        s,
		db:       s.db,
		next:     head + 1,
		maxGroup: s.cfg.MaxGroupEvents,
		maxHeads: s.cfg.StreamCacheEntries,
		heads:    make(map[string]streamHead),
		ids:      make(map[ulid.ULID]idLoc),
		key:      make([]byte, 0, 256),
	}
}

// run takes requests until reqs is closed, groups them and hands each
// applied group to the completer.
func (w *writer) run(out chan<- *group) {
	defer close(out)
	for {
		first, ok := <-w.s.reqs
		if !ok {
			return
		}
		reqs := []*request{first}
		n := first.n
	drain:
		for n < w.maxGroup {
			select {
			case r, ok := <-w.s.reqs:
				if !ok {
					break drain
				}
				reqs = append(reqs, r)
				n += r.n
			default:
				break drain
			}
		}
		out <- w.commit(reqs)
	}
}

// commit validates the group's requests, writes the valid ones into one
// batch and applies it; the completer waits for the WAL sync.
func (w *writer) commit(reqs []*request) *group {
	g := &group{reqs: reqs}
	if w.err == nil {
		w.err = w.s.failed()
	}
	if w.err != nil {
		g.err = w.err
		return g
	}
	w.trimHeads()
	size := 0
	for _, r := range reqs {
		size += len(r.recs) + r.n*(64+logKeyLen+idKeyLen+2*8)
	}
	b := w.db.NewBatchWithSize(size)
	for _, r := range reqs {
		w.prepare(r, b)
	}
	if w.iter != nil {
		_ = w.iter.Close()
		w.iter = nil
	}
	clear(w.ids)
	if b.Empty() {
		_ = b.Close()
		return g
	}
	if err := w.db.ApplyNoSyncWait(b, pebble.Sync); err != nil {
		w.err = w.s.fail(err)
		g.err = w.err
		return g
	}
	g.batch = b
	g.last = w.next - 1
	return g
}

// complete waits for each group's WAL sync in commit order, publishes the
// new durable head and answers the group's requests.
func (s *Store) complete(in <-chan *group) {
	for g := range in {
		err := g.err
		if g.batch != nil {
			if serr := g.batch.SyncWait(); serr != nil {
				err = s.fail(serr)
			} else {
				_ = g.batch.Close()
			}
		}
		if err == nil {
			// A group after a failed one was prepared on a state that
			// did not survive: fail it too.
			err = s.failed()
		}
		if err == nil && g.batch != nil {
			s.advance(g.last)
		}
		for _, r := range g.reqs {
			if r.err == nil && err != nil {
				r.err = err
				r.res = nil
			}
			close(r.done)
		}
	}
}

// prepare validates r against the stored state and the group so far and,
// if it is valid, writes it into b and updates the writer's state. A
// failing request gets r.err and leaves no trace.
func (w *writer) prepare(r *request, b *pebble.Batch) {
	res := make([]store.AppendResult, len(r.appends))
	for i := range r.appends {
		a := &r.appends[i]
		res[i].Stream = a.Stream
		dup, first, last, err := w.classify(r, a)
		if err == nil && dup {
			res[i].FirstPosition, res[i].LastPosition, res[i].Duplicate = first, last, true
			continue
		}
		if err == nil {
			err = w.checkHead(a)
		}
		if err == nil {
			err = w.claim(r, a)
		}
		if err != nil {
			w.unclaim(r)
			r.err = err
			return
		}
	}
	k := 0
	for i := range r.appends {
		a := &r.appends[i]
		if res[i].Duplicate {
			k += len(a.Events)
			continue
		}
		res[i].FirstPosition = w.next
		for j := range a.Events {
			e := &a.Events[j]
			start := 0
			if k > 0 {
				start = r.ends[k-1]
			}
			rec := r.recs[start:r.ends[k]]
			k++
			pos := w.next
			w.next++
			putUint64(w.pos[:], pos)
			w.key = appendLogKey(w.key[:0], pos)
			_ = b.Set(w.key, rec, nil)
			w.key = appendStreamKey(w.key[:0], a.Stream, e.Version)
			_ = b.Set(w.key, w.pos[:], nil)
			w.key = appendIDKey(w.key[:0], e.ID)
			_ = b.Set(w.key, w.pos[:], nil)
			w.ids[e.ID] = idLoc{pos: pos, stream: a.Stream, version: e.Version, hash: e.Hash}
		}
		res[i].LastPosition = w.next - 1
		lastEv := &a.Events[len(a.Events)-1]
		w.heads[a.Stream] = streamHead{version: int64(lastEv.Version), hash: lastEv.Hash}
	}
	r.res = res
}

// classify looks up the append's event IDs. An append whose every event is
// stored at the same stream and version with the same hash is a duplicate
// (an idempotent re-send) and gets the stored positions; an append with
// none of its IDs stored is new; anything else is a DuplicateIDError.
func (w *writer) classify(r *request, a *store.StreamAppend) (dup bool, first, last uint64, err error) {
	found := 0
	var conflict *store.DuplicateIDError
	for j := range a.Events {
		e := &a.Events[j]
		loc, ok, err := w.locate(e.ID)
		if err != nil {
			return false, 0, 0, err
		}
		if !ok {
			continue
		}
		if loc.claim == r {
			return false, 0, 0, fmt.Errorf("%w: event id %s appears twice in one call", store.ErrDuplicateID, e.ID)
		}
		found++
		if conflict == nil && (loc.stream != a.Stream || loc.version != e.Version || loc.hash != e.Hash) {
			conflict = &store.DuplicateIDError{ID: e.ID, Position: loc.pos}
		}
		if j == 0 {
			first = loc.pos
		}
		last = loc.pos
	}
	switch {
	case found == 0:
		return false, 0, 0, nil
	case conflict != nil:
		return false, 0, 0, conflict
	case found == len(a.Events):
		return true, first, last, nil
	}
	// Some events are stored in place, others are not: not a re-send of
	// this append. Name the first stored one.
	for j := range a.Events {
		if loc, ok, _ := w.locate(a.Events[j].ID); ok {
			return false, 0, 0, &store.DuplicateIDError{ID: a.Events[j].ID, Position: loc.pos}
		}
	}
	return false, 0, 0, nil
}

// checkHead checks the append's expected version and first PrevHash
// against the stream's head.
func (w *writer) checkHead(a *store.StreamAppend) error {
	h, err := w.head(a.Stream)
	if err != nil {
		return err
	}
	if h.version != a.Expected {
		return &store.WrongVersionError{Stream: a.Stream, Expected: a.Expected, Actual: h.version}
	}
	if a.Events[0].PrevHash != h.hash {
		return fmt.Errorf("%w: event %s does not chain to the last event of %s (PrevHash %s, stream's last hash %s)",
			store.ErrInvalidAppend, a.Events[0].ID, a.Stream, a.Events[0].PrevHash, h.hash)
	}
	return nil
}

// claim marks the append's IDs as taken by r, so that a second use of one
// of them in the same call is caught.
func (w *writer) claim(r *request, a *store.StreamAppend) error {
	for j := range a.Events {
		id := a.Events[j].ID
		if _, ok := w.ids[id]; ok {
			return fmt.Errorf("%w: event id %s appears twice in one call", store.ErrDuplicateID, id)
		}
		w.ids[id] = idLoc{claim: r}
	}
	return nil
}

// unclaim drops the claims of a failed request.
func (w *writer) unclaim(r *request) {
	for i := range r.appends {
		for j := range r.appends[i].Events {
			id := r.appends[i].Events[j].ID
			if loc, ok := w.ids[id]; ok && loc.claim == r {
				delete(w.ids, id)
			}
		}
	}
}

// locate finds where an ID is stored or claimed: first in the current
// group, then in Pebble (which holds every applied group).
func (w *writer) locate(id ulid.ULID) (idLoc, bool, error) {
	if loc, ok := w.ids[id]; ok {
		return loc, true, nil
	}
	w.key = appendIDKey(w.key[:0], id)
	v, closer, err := w.db.Get(w.key)
	if errors.Is(err, pebble.ErrNotFound) {
		return idLoc{}, false, nil
	}
	if err != nil {
		return idLoc{}, false, fmt.Errorf("pebblestore: look up id %s: %w", id, err)
	}
	pos, ok := decodePos(v)
	_ = closer.Close()
	if !ok {
		return idLoc{}, false, fmt.Errorf("pebblestore: id %s has a malformed index entry: %w", id, events.ErrCorrupt)
	}
	rec, err := w.record(pos)
	if err != nil {
		return idLoc{}, false, err
	}
	if err := events.DecodeRecordNoCopy(rec, &w.ev); err != nil {
		return idLoc{}, false, &CorruptError{Position: pos, Err: err}
	}
	return idLoc{pos: pos, stream: w.ev.Stream, version: w.ev.Version, hash: w.ev.Hash}, true, nil
}

// record returns a copy of the stored record at pos.
func (w *writer) record(pos uint64) ([]byte, error) {
	w.key = appendLogKey(w.key[:0], pos)
	v, closer, err := w.db.Get(w.key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, corrupt(pos, "indexed record is missing")
	}
	if err != nil {
		return nil, fmt.Errorf("pebblestore: read position %d: %w", pos, err)
	}
	rec := append([]byte(nil), v...)
	_ = closer.Close()
	return rec, nil
}

// head returns the stream's head from the cache or, on a miss, from Pebble.
func (w *writer) head(stream string) (streamHead, error) {
	if h, ok := w.heads[stream]; ok {
		return h, nil
	}
	if w.iter == nil {
		it, err := w.db.NewIter(nil)
		if err != nil {
			return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", stream, err)
		}
		w.iter = it
	}
	h, err := loadHead(w.db, w.iter, stream, math.MaxUint64)
	if err != nil {
		return streamHead{}, err
	}
	w.heads[stream] = h
	return h, nil
}

// trimHeads keeps the head cache bounded. It runs between groups only: a
// head written by the current group must stay cached until its batch is
// applied, or a reload would miss it.
func (w *writer) trimHeads() {
	if len(w.heads) <= w.maxHeads {
		return
	}
	keep := w.maxHeads - w.maxHeads/8
	for k := range w.heads {
		if len(w.heads) <= keep {
			break
		}
		delete(w.heads, k)
	}
}

// loadHead reads a stream's last version at a position <= limit, and that
// event's hash, with a reverse seek on the stream's 'S' keys. It uses (and
// re-bounds) it, an iterator on db.
func loadHead(db *pebble.DB, it *pebble.Iterator, stream string, limit uint64) (streamHead, error) {
	lower := appendStreamPrefix(nil, stream)
	upper := streamUpper(nil, stream)
	it.SetBounds(lower, upper)
	for ok := it.Last(); ok; ok = it.Prev() {
		k := it.Key()
		if len(k) != len(lower)+8 {
			return streamHead{}, fmt.Errorf("pebblestore: stream %s has a malformed index key %x: %w", stream, k, events.ErrCorrupt)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", stream, err)
		}
		pos, ok := decodePos(v)
		if !ok {
			return streamHead{}, fmt.Errorf("pebblestore: stream %s has a malformed index entry: %w", stream, events.ErrCorrupt)
		}
		if pos > limit {
			continue
		}
		version := getUint64(k[len(lower):])
		key := appendLogKey(nil, pos)
		rec, closer, err := db.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			return streamHead{}, corrupt(pos, "record of %s version %d is missing", stream, version)
		}
		if err != nil {
			return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", stream, err)
		}
		var h streamHead
		if len(rec) < 32 {
			_ = closer.Close()
			return streamHead{}, corrupt(pos, "record of %d bytes is too short", len(rec))
		}
		h.version = int64(version)
		copy(h.hash[:], rec[len(rec)-32:])
		_ = closer.Close()
		return h, nil
	}
	if err := it.Error(); err != nil {
		return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", stream, err)
	}
	return streamHead{version: store.NoStream}, nil
}
