package pebblestore

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
	reqs    []*request
	batch   *pebble.Batch // nil when nothing was written
	last    uint64        // the last position written by the batch
	applied time.Time     // when the batch was applied
	err     error         // fails every request that passed validation
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
	err      error // set once a commit failed

	// Per group, filled by prefetch: the group's IDs that are already
	// stored (with their positions), the IDs that occur more than once in
	// the group, and, for those only, where the group has written or
	// claimed them so far.
	stored map[ulid.ULID]uint64
	multi  map[ulid.ULID]bool
	ids    map[ulid.ULID]idLoc

	key    []byte       // scratch key
	upper  []byte       // scratch bound
	pos    [8]byte      // scratch value
	idBuf  []ulid.ULID  // scratch for prefetch
	names  []string     // scratch for prefetch
	writes []write      // the current group's writes
	ev     events.Event // scratch event for decoding stored records
}

func newWriter(s *Store, head uint64) *writer {
	return &writer{
		s:        s,
		db:       s.db,
		next:     head + 1,
		maxGroup: s.cfg.MaxGroupEvents,
		maxHeads: s.cfg.StreamCacheEntries,
		heads:    make(map[string]streamHead),
		stored:   make(map[ulid.ULID]uint64),
		multi:    make(map[ulid.ULID]bool),
		ids:      make(map[ulid.ULID]idLoc),
		key:      make([]byte, 0, 256),
		upper:    make([]byte, 0, 256),
	}
}

// maxLinger bounds how long the writer waits for answered callers to come
// back before committing the next group.
const maxLinger = time.Millisecond

// run takes requests until reqs is closed, groups them and hands each
// applied group to the completer.
//
// Grouping: while a group's WAL sync is in flight the writer accumulates
// requests instead of applying them one by one (the WAL could not sync
// them before that sync ends anyway). When the sync ends, the callers it
// answers usually come straight back with their next append; the writer
// lingers for them, until at most a quarter of the last sync's duration
// (never more than maxLinger) after it ended, so that they join the next
// group instead of waiting a whole extra sync. Without the linger,
// closed-loop writers split into cohorts that alternate between syncs,
// each sync carrying a fraction of them. A lone caller never waits: the
// linger ends as soon as every answered caller is back.
func (w *writer) run(out chan<- *group) {
	defer close(out)
	var (
		pending []*request
		events  int
		applied uint64 // groups applied; the completer counts the synced ones
		open    = true
		target  int       // linger until this many requests are pending
		until   time.Time // but not past this
		timer   = time.NewTimer(time.Hour)
	)
	inFlight := func() bool { return applied > w.s.syncedGroups.Load() }
	timer.Stop()
	receive := func(r *request, ok bool) {
		if !ok {
			open = false
			return
		}
		pending = append(pending, r)
		events += r.n
	}
	synced := func() {
		w.s.lastSyncMu.Lock()
		reqs, took := w.s.lastSyncReqs, w.s.lastSyncTook
		w.s.lastSyncMu.Unlock()
		target = len(pending) + reqs
		until = time.Now().Add(min(took/4, maxLinger))
	}
	for {
		if len(pending) == 0 {
			if !open {
				return
			}
			select {
			case r, ok := <-w.s.reqs:
				receive(r, ok)
			case <-w.s.kick:
				synced()
			}
			continue
		}
		// Take everything queued.
	drain:
		for open && events < w.maxGroup {
			select {
			case r, ok := <-w.s.reqs:
				receive(r, ok)
			default:
				break drain
			}
		}
		// Accumulate while a sync is in flight.
		for inFlight() && open && events < w.maxGroup {
			select {
			case r, ok := <-w.s.reqs:
				receive(r, ok)
			case <-w.s.kick:
				synced()
			}
		}
		// Linger for the callers the last sync answered.
		if wait := time.Until(until); open && events < w.maxGroup && len(pending) < target && wait > 0 {
			timer.Reset(wait)
		wait:
			for open && events < w.maxGroup && len(pending) < target {
				select {
				case r, ok := <-w.s.reqs:
					receive(r, ok)
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
		}
		target = 0
		g := w.commit(pending)
		if g.batch != nil {
			applied++
		}
		out <- g
		pending, events = nil, 0
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
	if err := w.prefetch(reqs); err != nil {
		// A read failed: nothing was validated, nothing is written.
		g.err = err
		return g
	}
	w.writes = w.writes[:0]
	for _, r := range reqs {
		w.prepare(r)
	}
	clear(w.ids)
	if len(w.writes) == 0 {
		return g
	}
	b := w.batch()
	if err := w.db.ApplyNoSyncWait(b, pebble.Sync); err != nil {
		w.err = w.s.fail(err)
		g.err = w.err
		return g
	}
	g.batch = b
	g.last = w.next - 1
	g.applied = time.Now()
	return g
}

// write is one event the current group writes.
type write struct {
	pos uint64
	rec []byte
	ev  *events.Event
}

// batch builds the group's batch. Keys go in keyspace order and sorted
// within each keyspace, so that the memtable inserts them walking forward
// (its skiplist inserter reuses the previous insert's position), instead of
// jumping between keyspaces at every event.
func (w *writer) batch() *pebble.Batch {
	size := 0
	for i := range w.writes {
		wr := &w.writes[i]
		size += len(wr.rec) + 2*len(wr.ev.Stream) + 3*8 + logKeyLen + idKeyLen + 32
	}
	b := w.db.NewBatchWithSize(size)
	for i := range w.writes { // already in position order
		wr := &w.writes[i]
		w.key = appendLogKey(w.key[:0], wr.pos)
		_ = b.Set(w.key, wr.rec, nil)
	}
	slices.SortFunc(w.writes, func(x, y write) int {
		if c := strings.Compare(x.ev.Stream, y.ev.Stream); c != 0 {
			return c
		}
		return cmp.Compare(x.ev.Version, y.ev.Version)
	})
	for i := range w.writes {
		wr := &w.writes[i]
		putUint64(w.pos[:], wr.pos)
		w.key = appendStreamKey(w.key[:0], wr.ev.Stream, wr.ev.Version)
		_ = b.Set(w.key, w.pos[:], nil)
	}
	slices.SortFunc(w.writes, func(x, y write) int { return x.ev.ID.Compare(y.ev.ID) })
	for i := range w.writes {
		wr := &w.writes[i]
		putUint64(w.pos[:], wr.pos)
		w.key = appendIDKey(w.key[:0], wr.ev.ID)
		_ = b.Set(w.key, w.pos[:], nil)
	}
	return b
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
		if g.batch != nil {
			// Tell the writer before answering the callers, so that it
			// expects them back (see run).
			s.lastSyncMu.Lock()
			s.lastSyncReqs, s.lastSyncTook = len(g.reqs), time.Since(g.applied)
			s.lastSyncMu.Unlock()
			s.syncedGroups.Add(1)
			select {
			case s.kick <- struct{}{}:
			default: // a kick is already pending
			}
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
// if it is valid, queues its writes and updates the writer's state. A
// failing request gets r.err and leaves no trace.
func (w *writer) prepare(r *request) {
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
			w.writes = append(w.writes, write{pos: pos, rec: rec, ev: e})
			if w.isMulti(e.ID) {
				w.ids[e.ID] = idLoc{pos: pos, stream: a.Stream, version: e.Version, hash: e.Hash}
			}
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
		if !w.isMulti(id) {
			continue
		}
		if _, ok := w.ids[id]; ok {
			return fmt.Errorf("%w: event id %s appears twice in one call", store.ErrDuplicateID, id)
		}
		w.ids[id] = idLoc{claim: r}
	}
	return nil
}

// isMulti reports whether id occurs more than once in the current group.
func (w *writer) isMulti(id ulid.ULID) bool { return len(w.multi) > 0 && w.multi[id] }

// unclaim drops the claims of a failed request.
func (w *writer) unclaim(r *request) {
	if len(w.ids) == 0 {
		return
	}
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
// group, then among the stored IDs prefetch found.
func (w *writer) locate(id ulid.ULID) (idLoc, bool, error) {
	if w.isMulti(id) {
		if loc, ok := w.ids[id]; ok {
			return loc, true, nil
		}
	}
	if len(w.stored) == 0 {
		return idLoc{}, false, nil
	}
	pos, ok := w.stored[id]
	if !ok {
		return idLoc{}, false, nil
	}
	rec, err := w.record(pos)
	if err != nil {
		return idLoc{}, false, err
	}
	if err := events.DecodeRecordNoCopy(rec, &w.ev); err != nil {
		return idLoc{}, false, &CorruptError{Position: pos, Err: err}
	}
	if w.ev.ID != id {
		return idLoc{}, false, corrupt(pos, "indexed as id %s, holds id %s", id, w.ev.ID)
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

// head returns the stream's head. prefetch has cached every stream of the
// group.
func (w *writer) head(stream string) (streamHead, error) {
	if h, ok := w.heads[stream]; ok {
		return h, nil
	}
	return streamHead{}, fmt.Errorf("pebblestore: internal error: head of %s not prefetched", stream)
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
