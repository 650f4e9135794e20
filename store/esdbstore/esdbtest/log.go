package esdbtest

import (
	"sort"
	"sync"
)

// firstPosition is the log offset of the first event: a fresh server's log
// starts with its own records (epoch, chunk header), so $all never begins at 0.
const firstPosition = 1 << 12

// recordOverhead approximates the bytes a prepare record spends besides the
// stream name, event type, data and metadata.
const recordOverhead = 96

// record is one event in the log.
type record struct {
	stream      string
	revision    uint64
	id          [16]byte
	eventType   string
	contentType string
	created     int64 // ticks (100 ns) since the Unix epoch
	data        []byte
	meta        []byte
	pos         uint64 // commit == prepare: the record's log offset
}

func (r *record) size() uint64 {
	return recordOverhead + uint64(len(r.stream)+len(r.eventType)+len(r.data)+len(r.meta))
}

// stream is the per-stream index into the log.
type stream struct {
	events []*record
	ids    map[[16]byte]uint64 // event ID -> revision
}

// memLog is the whole in-memory database. All fields are guarded by mu.
type memLog struct {
	mu      sync.Mutex
	all     []*record
	streams map[string]*stream
	next    uint64        // log offset of the next record
	changed chan struct{} // closed and replaced on every write
}

func newMemLog() *memLog {
	return &memLog{
		streams: make(map[string]*stream),
		next:    firstPosition,
		changed: make(chan struct{}),
	}
}

// expectation is an append's expected stream state.
type expectation struct {
	kind     expectKind
	revision uint64 // for expectRevision
}

type expectKind int

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectRevision
)

// appendOutcome is what the log decided for one append.
type appendOutcome struct {
	wrongVersion bool
	noStream     bool   // the stream has no events (for wrongVersion)
	current      uint64 // current (last) revision when !noStream
	pos          uint64 // position of the last event written or acknowledged
}

// proposed is an event offered for append.
type proposed struct {
	id          [16]byte
	eventType   string
	contentType string
	data        []byte
	meta        []byte
}

// append applies the commit decision of the real server's index writer:
// an expectation that matches the stream's state writes; one that is behind
// the stream is checked for idempotency by event ID (all proposed IDs already
// at the following revisions acknowledges without writing); anything else is
// a wrong expected version.
func (l *memLog) append(name string, exp expectation, evs []proposed, created int64) appendOutcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.streams[name]
	exists := s != nil && len(s.events) > 0
	var cur int64 = -1
	if exists {
		cur = int64(len(s.events) - 1)
	}
	wrong := func() appendOutcome {
		return appendOutcome{wrongVersion: true, noStream: !exists, current: uint64(max(cur, 0))}
	}

	// after is the revision the proposed events would follow, -1 for none.
	var after int64
	switch exp.kind {
	case expectRevision:
		after = int64(exp.revision)
	case expectNoStream:
		after = -1
	case expectStreamExists:
		if !exists {
			return wrong()
		}
		after = l.idempotentStart(s, evs, cur)
	case expectAny:
		after = l.idempotentStart(s, evs, cur)
	}
	switch {
	case after == cur:
		return l.write(name, evs, created)
	case after < cur && len(evs) > 0:
		if out, ok := l.idempotent(s, evs, after); ok {
			return out
		}
	}
	return wrong()
}

// idempotentStart is the revision after which "any"/"stream exists" appends
// are checked for idempotency: if the first proposed ID is already in the
// stream, the check starts there; otherwise the append goes at the end.
func (l *memLog) idempotentStart(s *stream, evs []proposed, cur int64) int64 {
	if s == nil || len(evs) == 0 {
		return cur
	}
	if rev, ok := s.ids[evs[0].id]; ok {
		return int64(rev) - 1
	}
	return cur
}

func (l *memLog) idempotent(s *stream, evs []proposed, after int64) (appendOutcome, bool) {
	if s == nil {
		return appendOutcome{}, false
	}
	for i, ev := range evs {
		rev, ok := s.ids[ev.id]
		if !ok || int64(rev) != after+1+int64(i) {
			return appendOutcome{}, false
		}
	}
	last := s.events[after+int64(len(evs))]
	return appendOutcome{current: last.revision, pos: last.pos}, true
}

func (l *memLog) write(name string, evs []proposed, created int64) appendOutcome {
	s := l.streams[name]
	if s == nil {
		s = &stream{ids: make(map[[16]byte]uint64)}
		l.streams[name] = s
	}
	if len(evs) == 0 {
		// An empty append succeeds and writes nothing.
		if len(s.events) == 0 {
			return appendOutcome{noStream: true}
		}
		last := s.events[len(s.events)-1]
		return appendOutcome{current: last.revision, pos: last.pos}
	}
	var last *record
	for _, ev := range evs {
		r := &record{
			stream:      name,
			revision:    uint64(len(s.events)),
			id:          ev.id,
			eventType:   ev.eventType,
			contentType: ev.contentType,
			created:     created,
			data:        ev.data,
			meta:        ev.meta,
			pos:         l.next,
		}
		l.next += r.size()
		s.events = append(s.events, r)
		s.ids[r.id] = r.revision
		l.all = append(l.all, r)
		last = r
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return appendOutcome{current: last.revision, pos: last.pos}
}

// streamEvents returns a copy of a stream's index, or nil, false when the
// stream does not exist.
func (l *memLog) streamEvents(name string) ([]*record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.streams[name]
	if s == nil || len(s.events) == 0 {
		return nil, false
	}
	return s.events[:len(s.events):len(s.events)], true
}

// snapshot returns the $all records written so far and a channel closed at
// the next write. Records are never modified, so the slice may be read
// without the lock.
func (l *memLog) snapshot() ([]*record, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all[:len(l.all):len(l.all)], l.changed
}

// streamSnapshot is snapshot for one stream.
func (l *memLog) streamSnapshot(name string) ([]*record, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var evs []*record
	if s := l.streams[name]; s != nil {
		evs = s.events[:len(s.events):len(s.events)]
	}
	return evs, l.changed
}

// indexAtOrAfter is the index of the first record at position >= pos.
func indexAtOrAfter(all []*record, pos uint64) int {
	return sort.Search(len(all), func(i int) bool { return all[i].pos >= pos })
}

// indexAfter is the index of the first record at position > pos.
func indexAfter(all []*record, pos uint64) int {
	return sort.Search(len(all), func(i int) bool { return all[i].pos > pos })
}
