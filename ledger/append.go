package ledger

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

// Config configures a Ledger. The zero value is ready to use.
type Config struct {
	// Clock returns the ledger time stamped on events as RecordedAt.
	// Default time.Now. Recorded times never run backwards: a clock that
	// steps back is held at the last time stamped.
	Clock func() time.Time
	// CachedStreams bounds how many streams' lifecycle state is kept in
	// memory. Default 262144. A stream not cached is folded from the store.
	CachedStreams int
	// MaxRetries bounds retries of an Any-version append that lost a race
	// with another process's writer. Default 8.
	MaxRetries int
	// KeyStore keeps the subject keys personal fields are sealed under
	// (DESIGN §6). Nil: nothing is sealed, personal fields stay as the
	// producer sent them, and a draft whose personal field names a subject
	// in plain text is refused (events.ErrUnsealed); fields without a
	// subject stay plain either way.
	KeyStore KeyStore
}

// Ledger is the write side. Create one with New; it is safe for concurrent use.
type Ledger struct {
	st    store.Store
	keys  KeyStore
	clock func() time.Time
	cfg   Config

	// gate is held shared by every append and exclusively by an Importer
	// with calls in flight, whose speculative states no one else may see.
	gate  sync.RWMutex
	locks [256]sync.Mutex
	seed  maphash.Seed

	cacheMu sync.Mutex
	cache   map[string]*streamState
	pinned  map[string]int // streams with calls in flight (Importer), by count

	regMu    sync.RWMutex // guards reg
	reg      *registry
	regWrite sync.Mutex // serialises batches that change the registry

	timeMu   sync.Mutex
	lastTime time.Time
}

// New opens the write side over a store, loading the registry streams.
func New(ctx context.Context, s store.Store, cfg Config) (*Ledger, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.CachedStreams <= 0 {
		cfg.CachedStreams = 1 << 18
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 8
	}
	l := &Ledger{st: s, keys: cfg.KeyStore, clock: cfg.Clock, cfg: cfg, seed: maphash.MakeSeed(), cache: map[string]*streamState{}, pinned: map[string]int{}, reg: newRegistry()}
	ov := &overlay{base: l.reg}
	for _, stream := range []string{events.UnitsStream, events.ResponsibilityStream, events.SubjectsStream} {
		st := &streamState{version: -1}
		err := s.ReadStream(ctx, stream, 0, func(r store.Record) error {
			p, err := r.Event.Payload()
			if err != nil {
				return fmt.Errorf("ledger: load %s version %d: %w", stream, r.Event.Version, err)
			}
			apply(st, ov, &r.Event, p)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load registry: %w", err)
		}
		l.cache[stream] = st
	}
	ov.commit()
	if err := l.shredErased(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Store returns the store the ledger writes to.
func (l *Ledger) Store() store.Store { return l.st }

// Batch is the part of an atomic append that goes to one stream.
type Batch struct {
	Stream string
	Expect Expect
	Drafts []events.Draft
}

// Result reports where one stream's drafts landed.
type Result struct {
	Stream string
	// Positions holds the global position of each draft, in order.
	Positions []uint64
	// Versions holds the stream version of each draft, in order.
	Versions []uint64
	// Duplicate[i] is true when draft i was an idempotent re-send of an
	// acknowledged event and nothing was written for it.
	Duplicate []bool
	// Hashes holds each draft's event hash as stored: the receipt.
	Hashes []events.Hash
}

// Append appends drafts to one stream, atomically, checking the expected version.
func (l *Ledger) Append(ctx context.Context, stream string, expect Expect, drafts ...events.Draft) (Result, error) {
	res, err := l.AppendAtomic(ctx, Batch{Stream: stream, Expect: expect, Drafts: drafts})
	if err != nil {
		return Result{}, err
	}
	return res[0], nil
}

// AppendAtomic appends to several streams in one durable, all-or-nothing
// commit. Drafts are checked in order: a draft sees the effects of every
// draft before it in the call, on any stream. A stream may appear only once.
func (l *Ledger) AppendAtomic(ctx context.Context, batches ...Batch) ([]Result, error) {
	l.gate.RLock()
	defer l.gate.RUnlock()
	return l.appendAtomic(ctx, batches...)
}

// appendAtomic is AppendAtomic for a caller holding the gate.
func (l *Ledger) appendAtomic(ctx context.Context, batches ...Batch) ([]Result, error) {
	if len(batches) == 0 {
		return nil, fmt.Errorf("%w: nothing to append", store.ErrInvalidAppend)
	}
	total := 0
	touchesRegistry := false
	seen := make(map[string]bool, len(batches))
	for _, b := range batches {
		if len(b.Drafts) == 0 {
			return nil, fmt.Errorf("%w: no events for %s", store.ErrInvalidAppend, b.Stream)
		}
		if seen[b.Stream] {
			return nil, fmt.Errorf("%w: %s appears twice in one call", store.ErrInvalidAppend, b.Stream)
		}
		seen[b.Stream] = true
		if kind, _ := events.SplitStream(b.Stream); kind == events.StreamRegistry {
			touchesRegistry = true
		}
		total += len(b.Drafts)
	}
	c := newCall(batches, total)
	if err := c.prepare(ctx, l); err != nil {
		return nil, err
	}

	if touchesRegistry {
		l.regWrite.Lock()
		defer l.regWrite.Unlock()
	}
	unlock := l.lockStreams(batches)
	defer unlock()

	// The first attempt is optimistic: it does not look drafts' IDs up,
	// since almost every draft is new and the store refuses any ID it
	// already holds. A refusal of any kind is then retried with the
	// lookups, so that an idempotent re-send is acknowledged rather than
	// refused by a rule it would break if it were new.
	lookup := false
	races := 0
	for {
		res, again, err := l.tryAppend(ctx, c, lookup)
		switch {
		case again == retryWithLookup && !lookup:
			lookup = true
		case again == retryRace && races < l.cfg.MaxRetries:
			lookup, races = true, races+1
		default:
			return res, err
		}
	}
}

// call is one AppendAtomic call's drafts, prepared once, in flat arrays
// (one allocation each rather than several per stream).
type call struct {
	batches  []Batch
	at       []int            // batch -> offset of its first draft in the flat arrays
	prepared []events.Event   // unsealed events, by draft
	payloads []events.Payload // by draft
	sealed   []events.Event   // scratch for the sealed events of an attempt
	// suspects are the batches an attempt without lookups found breaking
	// a rule or their expected version (retryWithLookup): the first only,
	// or, with skipSuspects, every one, the attempt going on without them.
	suspects     []int
	skipSuspects bool
}

// dropStream returns c without stream's batch, its drafts as prepared.
func (c *call) dropStream(stream string) *call {
	return c.subset(func(bi int) bool { return c.batches[bi].Stream != stream })
}

// subset returns a call of the batches of c that keep says to keep, with
// their drafts as prepared: nothing is encoded again.
func (c *call) subset(keep func(bi int) bool) *call {
	n := &call{skipSuspects: c.skipSuspects}
	for bi, b := range c.batches {
		if !keep(bi) {
			continue
		}
		lo, hi := c.drafts(bi)
		n.batches = append(n.batches, b)
		n.prepared = append(n.prepared, c.prepared[lo:hi]...)
		n.payloads = append(n.payloads, c.payloads[lo:hi]...)
	}
	n.at = make([]int, len(n.batches)+1)
	for bi, b := range n.batches {
		n.at[bi+1] = n.at[bi] + len(b.Drafts)
	}
	return n
}

func newCall(batches []Batch, total int) *call {
	c := &call{batches: batches, at: make([]int, len(batches)+1),
		prepared: make([]events.Event, total), payloads: make([]events.Payload, total)}
	for bi, b := range batches {
		c.at[bi+1] = c.at[bi] + len(b.Drafts)
	}
	return c
}

// drafts returns the flat index range of batch bi.
func (c *call) drafts(bi int) (lo, hi int) { return c.at[bi], c.at[bi+1] }

// prepare seals every draft's personal fields, validates it and encodes
// its payload, in parallel for large calls: drafts are independent of
// each other.
func (c *call) prepare(ctx context.Context, l *Ledger) error {
	// Subject keys are fetched or created first, in call order, so that
	// they are created in a reproducible order (the simulator's keys are
	// seeded) and durably before anything sealed under them is appended.
	keys, err := l.sealKeys(ctx, c)
	if err != nil {
		return err
	}
	errs := make([]error, len(c.batches))
	parallel(len(c.batches), len(c.prepared), func(lo, hi int) {
		for bi := lo; bi < hi; bi++ {
			b := c.batches[bi]
			at := c.at[bi]
			for i := range b.Drafts {
				d := b.Drafts[i] // a copy: the caller's drafts are not changed
				if d.Stream == "" {
					d.Stream = b.Stream
				}
				p, err := seal(keys, &d)
				var ev events.Event
				if err == nil {
					d.Payload = p
					ev, err = d.Event()
				}
				if err == nil && d.Stream != b.Stream {
					err = fmt.Errorf("%w: draft is for %s, batch is for %s", events.ErrInvalid, d.Stream, b.Stream)
				}
				if err != nil {
					typ := ""
					if d.Payload != nil {
						typ = d.Payload.EventType()
					}
					errs[bi] = &RuleError{Stream: b.Stream, ID: d.ID, Type: typ, Index: i, Rule: "invalid", Detail: err.Error(), err: err}
					break
				}
				c.prepared[at+i], c.payloads[at+i] = ev, d.Payload
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return err // the first refused batch, in call order
		}
	}
	return nil
}

// parallelMin is the number of events below which a call is worked on by
// one goroutine: splitting costs more than it saves.
const parallelMin = 256

// parallel runs fn over [0, n) in up to GOMAXPROCS contiguous parts when
// the work (weight, in events) is large enough, else in one part.
func parallel(n, weight int, fn func(lo, hi int)) {
	parts := runtime.GOMAXPROCS(0)
	if weight < parallelMin || parts < 2 || n < 2 {
		fn(0, n)
		return
	}
	parts = min(parts, n)
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// retry says whether and why an attempt should be made again.
type retry int

const (
	noRetry         retry = iota
	retryWithLookup       // refused without looking IDs up: look them up and decide
	retryRace             // another writer moved a stream (Any) or stored an ID first
)

// lockStreams takes the stripe locks of every stream in a fixed order.
func (l *Ledger) lockStreams(batches []Batch) func() {
	idx := make([]int, 0, len(batches))
	have := map[int]bool{}
	for _, b := range batches {
		i := int(maphash.String(l.seed, b.Stream) % uint64(len(l.locks)))
		if !have[i] {
			have[i] = true
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	for _, i := range idx {
		l.locks[i].Lock()
	}
	return func() {
		for j := len(idx) - 1; j >= 0; j-- {
			l.locks[idx[j]].Unlock()
		}
	}
}

func (l *Ledger) now() time.Time {
	t := l.clock().UTC()
	l.timeMu.Lock()
	defer l.timeMu.Unlock()
	if t.Before(l.lastTime) {
		t = l.lastTime
	}
	l.lastTime = t
	return t
}

// tryAppend is one attempt; lookup says whether to look every draft's ID up
// first (idempotent re-sends).
func (l *Ledger) tryAppend(ctx context.Context, c *call, lookup bool) ([]Result, retry, error) {
	s, again, err := l.stage(ctx, c, lookup)
	if err != nil || again != noRetry {
		return nil, again, err
	}
	if len(s.appends) == 0 {
		return s.results, noRetry, nil
	}
	sres, err := l.st.Append(ctx, s.appends...)
	if err != nil {
		again, err := l.classify(s, err)
		return nil, again, err
	}
	s.place(sres)
	l.publish(s)
	return s.results, noRetry, nil
}

// staged is one attempt checked and sealed, ready for the store.
type staged struct {
	c         *call
	lookup    bool
	results   []Result
	positions []uint64 // flat, aliased by results
	duplicate []bool   // flat, aliased by results
	appends   []store.StreamAppend
	appendOf  []int // batch -> index in appends, -1 if all duplicates
	states    []*streamState
	ov        *overlay
	assumed   bool // a stream's state was assumed new, not read
}

// stage checks and seals an attempt without writing it. A refusal found
// without lookups comes back as retryWithLookup and no error.
func (l *Ledger) stage(ctx context.Context, c *call, lookup bool) (*staged, retry, error) {
	c.suspects = c.suspects[:0]
	batches, n := c.batches, len(c.prepared)
	results := make([]Result, len(batches))
	positions, versions := make([]uint64, n), make([]uint64, n)
	duplicate, hashes := make([]bool, n), make([]events.Hash, n)
	for bi, b := range batches {
		lo, hi := c.drafts(bi)
		results[bi] = Result{Stream: b.Stream, Positions: positions[lo:hi:hi], Versions: versions[lo:hi:hi],
			Duplicate: duplicate[lo:hi:hi], Hashes: hashes[lo:hi:hi]}
	}

	// Idempotency first: drafts whose ID is stored with the same content are
	// acknowledged with their original position.
	if lookup {
		for bi, b := range batches {
			lo, hi := c.drafts(bi)
			for i := lo; i < hi; i++ {
				ev := &c.prepared[i]
				rec, found, err := l.st.Lookup(ctx, ev.ID)
				if err != nil {
					return nil, noRetry, fmt.Errorf("ledger: look up %s: %w", ev.ID, err)
				}
				if !found {
					continue
				}
				if !events.SameContent(&rec.Event, ev) {
					return nil, noRetry, &RuleError{Stream: b.Stream, ID: ev.ID, Type: ev.Type, Index: i - lo, Rule: "id-conflict",
						Detail: fmt.Sprintf("id already stored at position %d (%s %s) with different content", rec.Position, rec.Event.Stream, rec.Event.Type), err: ErrIDConflict}
				}
				positions[i], versions[i], duplicate[i], hashes[i] = rec.Position, rec.Event.Version, true, rec.Event.Hash
			}
		}
	}

	states := make([]*streamState, len(batches))
	byStream := make(map[string]*streamState, len(batches))
	l.regMu.RLock()
	ov := &overlay{base: l.reg}
	l.regMu.RUnlock()
	chk := &checker{reg: ov, caseExists: func(stream string) (bool, error) {
		if st, ok := byStream[stream]; ok {
			return st.version >= 0, nil
		}
		if st := l.cached(stream); st != nil {
			return st.version >= 0, nil
		}
		v, _, err := l.st.StreamHead(ctx, stream)
		return v >= 0, err
	}}

	// Check every draft in call order and fold it into its stream's state.
	// Hashes come after, in parallel: the rules do not read them.
	recorded := l.now()
	assumed := false
	if cap(c.sealed) < n {
		// Room for every draft: appends below keep sub-slices of sealed,
		// which must never be reallocated.
		c.sealed = make([]events.Event, 0, n)
	}
	sealed := c.sealed[:0]
	appends := make([]store.StreamAppend, 0, len(batches))
	appendOf := make([]int, len(batches))         // batch -> index in appends, -1 if all duplicates
	prevs := make([]events.Hash, 0, len(batches)) // by append: the hash each chain continues
	for bi, b := range batches {
		appendOf[bi] = -1
		lo, hi := c.drafts(bi)
		var st *streamState
		if !lookup && (opensStream(c.payloads[lo]) || !b.Expect.IsAny() && b.Expect.Version() == store.NoStream) {
			// A draft that opens a stream expects it not to exist: don't
			// read it. If it does exist, the store refuses the expected
			// version and the retry reads it.
			if cached := l.cached(b.Stream); cached != nil {
				st = cached.clone()
			} else {
				st, assumed = &streamState{version: -1}, true
			}
		}
		if st == nil {
			cached, err := l.state(ctx, b.Stream)
			if err != nil {
				return nil, noRetry, err
			}
			st = cached.clone()
		}
		states[bi] = st
		byStream[b.Stream] = st
		allDup := true
		for _, d := range duplicate[lo:hi] {
			allDup = allDup && d
		}
		if allDup {
			continue
		}
		if !b.Expect.IsAny() && b.Expect.Version() != st.version {
			if !lookup {
				c.suspects = append(c.suspects, bi)
				if c.skipSuspects {
					delete(byStream, b.Stream)
					continue
				}
				return nil, retryWithLookup, nil
			}
			return nil, noRetry, &RuleError{Stream: b.Stream, ID: c.prepared[lo].ID, Type: c.prepared[lo].Type, Rule: "wrong-expected-version",
				Detail: fmt.Sprintf("expected %s, stream is at %d", b.Expect, st.version),
				err:    &store.WrongVersionError{Stream: b.Stream, Expected: b.Expect.Version(), Actual: st.version}}
		}
		prev := st.last
		first := len(sealed)
		expected := st.version
		suspect := false
		for i := lo; i < hi; i++ {
			if duplicate[i] {
				continue
			}
			sealed = append(sealed, c.prepared[i]) // a copy: a retry starts from the unsealed draft
			ev := &sealed[len(sealed)-1]
			v, err := chk.check(st, ev, c.payloads[i])
			if err != nil {
				return nil, noRetry, err
			}
			if v != nil && !lookup {
				c.suspects = append(c.suspects, bi)
				if !c.skipSuspects {
					return nil, retryWithLookup, nil
				}
				// Go on without this batch: its state is dropped, and the
				// batches after it see the stream as the store has it.
				sealed = sealed[:first]
				delete(byStream, b.Stream)
				suspect = true
				break
			}
			if v != nil {
				return nil, noRetry, &RuleError{Stream: b.Stream, ID: ev.ID, Type: ev.Type, Index: i - lo, Rule: v.rule, Detail: v.detail}
			}
			ev.Version = uint64(st.version + 1)
			ev.RecordedAt = recorded
			apply(st, ov, ev, c.payloads[i])
			versions[i] = ev.Version
		}
		if suspect {
			continue
		}
		appendOf[bi] = len(appends)
		prevs = append(prevs, prev)
		appends = append(appends, store.StreamAppend{Stream: b.Stream, Expected: expected, Events: sealed[first:len(sealed):len(sealed)]})
	}
	c.sealed = sealed
	if len(c.suspects) > 0 {
		return nil, retryWithLookup, nil
	}

	// Seal each stream's chain; streams are independent.
	parallel(len(appends), len(sealed), func(lo, hi int) {
		for ai := lo; ai < hi; ai++ {
			evs := appends[ai].Events
			prev := prevs[ai]
			for i := range evs {
				evs[i].Seal(prev)
				prev = evs[i].Hash
			}
		}
	})
	for bi := range batches {
		ai := appendOf[bi]
		if ai < 0 {
			continue
		}
		evs := appends[ai].Events
		states[bi].last = evs[len(evs)-1].Hash
		lo, hi := c.drafts(bi)
		j := 0
		for i := lo; i < hi; i++ {
			if !duplicate[i] {
				hashes[i] = evs[j].Hash
				j++
			}
		}
	}

	return &staged{c: c, lookup: lookup, results: results, positions: positions, duplicate: duplicate,
		appends: appends, appendOf: appendOf, states: states, ov: ov, assumed: assumed}, noRetry, nil
}

// classify turns a store's refusal of a staged attempt into a retry or an
// error, forgetting the cached state of the streams involved.
func (l *Ledger) classify(s *staged, err error) (retry, error) {
	for _, a := range s.appends {
		l.forget(a.Stream)
	}
	if errors.Is(err, store.ErrDuplicateID) {
		if !s.lookup {
			return retryWithLookup, err
		}
		return retryRace, err
	}
	if errors.Is(err, store.ErrWrongExpectedVersion) && s.assumed {
		return retryWithLookup, err
	}
	if errors.Is(err, store.ErrWrongExpectedVersion) {
		anyOnly := true
		for _, b := range s.c.batches {
			anyOnly = anyOnly && b.Expect.IsAny()
		}
		if anyOnly {
			return retryRace, err
		}
		var wv *store.WrongVersionError
		if errors.As(err, &wv) {
			return noRetry, &RuleError{Stream: wv.Stream, Rule: "wrong-expected-version", Detail: wv.Error(), err: err}
		}
	}
	return noRetry, fmt.Errorf("ledger: append: %w", err)
}

// place records the global positions the store assigned.
func (s *staged) place(sres []store.AppendResult) {
	for bi := range s.c.batches {
		ai := s.appendOf[bi]
		if ai < 0 {
			continue
		}
		pos := sres[ai].FirstPosition
		lo, hi := s.c.drafts(bi)
		for i := lo; i < hi; i++ {
			if !s.duplicate[i] {
				s.positions[i] = pos
				pos++
			}
		}
	}
}

// publish makes the attempt's stream states and registry changes the
// ledger's own.
func (l *Ledger) publish(s *staged) {
	if !s.ov.empty() {
		l.regMu.Lock()
		s.ov.commit()
		l.regMu.Unlock()
	}
	l.cacheMu.Lock()
	for bi, b := range s.c.batches {
		l.putLocked(b.Stream, s.states[bi])
	}
	l.cacheMu.Unlock()
}

// opensStream reports whether a payload is the first event of its stream.
func opensStream(p events.Payload) bool {
	switch p.(type) {
	case *events.CaseReported, *events.TopicOpened:
		return true
	}
	return false
}

// cached returns the cached state of a stream, or nil.
func (l *Ledger) cached(stream string) *streamState {
	l.cacheMu.Lock()
	defer l.cacheMu.Unlock()
	return l.cache[stream]
}

// state returns the cached state of a stream, folding it from the store if
// it is not cached. The caller holds the stream's lock.
func (l *Ledger) state(ctx context.Context, stream string) (*streamState, error) {
	l.cacheMu.Lock()
	st, ok := l.cache[stream]
	l.cacheMu.Unlock()
	if ok {
		return st, nil
	}
	st = &streamState{version: -1}
	scratch := &overlay{base: newRegistry()}
	err := l.st.ReadStream(ctx, stream, 0, func(r store.Record) error {
		p, err := r.Event.Payload()
		if err != nil {
			return fmt.Errorf("ledger: fold %s version %d: %w", stream, r.Event.Version, err)
		}
		apply(st, scratch, &r.Event, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.cacheMu.Lock()
	l.putLocked(stream, st)
	l.cacheMu.Unlock()
	return st, nil
}

func (l *Ledger) putLocked(stream string, st *streamState) {
	if len(l.cache) >= l.cfg.CachedStreams {
		l.evictLocked(len(l.cache) / 8)
	}
	l.cache[stream] = st
}

// evictLocked drops about n cached states: closed cases first, then any.
// Registry streams stay, and so do pinned streams (an Importer's calls not
// yet durable: the store cannot give their state back yet).
func (l *Ledger) evictLocked(n int) {
	for pass := 0; pass < 2 && n > 0; pass++ {
		for k, v := range l.cache {
			if n == 0 {
				break
			}
			if kind, _ := events.SplitStream(k); kind == events.StreamRegistry || l.pinned[k] > 0 {
				continue
			}
			if pass == 0 && (v.c == nil || v.c.status != caseClosed) {
				continue
			}
			delete(l.cache, k)
			n--
		}
	}
}

// pin keeps streams' cached states from eviction until unpin.
func (l *Ledger) pin(streams []store.StreamAppend, by int) {
	l.cacheMu.Lock()
	defer l.cacheMu.Unlock()
	for _, a := range streams {
		if l.pinned[a.Stream] += by; l.pinned[a.Stream] <= 0 {
			delete(l.pinned, a.Stream)
		}
	}
}

func (l *Ledger) forget(stream string) {
	if kind, _ := events.SplitStream(stream); kind == events.StreamRegistry {
		return // the registry is reloaded only on New; its streams are written only here
	}
	l.cacheMu.Lock()
	delete(l.cache, stream)
	l.cacheMu.Unlock()
}

// resetCache drops every cached stream state but the registry's; they are
// folded from the store again when next needed.
func (l *Ledger) resetCache() {
	l.cacheMu.Lock()
	defer l.cacheMu.Unlock()
	for k := range l.cache {
		if kind, _ := events.SplitStream(k); kind != events.StreamRegistry {
			delete(l.cache, k)
		}
	}
}
