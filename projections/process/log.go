package process

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/govledger/govledger/projections/stats"
)

// Errors of the package.
var (
	// ErrTooMany is returned when a Log would hold more distinct
	// activities than MaxActivities (or resources than MaxResources).
	ErrTooMany = errors.New("process: too many distinct names")
	// ErrMerge is returned when two Logs cannot be merged.
	ErrMerge = errors.New("process: cannot merge logs")
	// ErrConfig is returned by New for an invalid Config.
	ErrConfig = errors.New("process: invalid config")
)

// Limits of one Log.
const (
	// MaxActivities bounds the distinct activity names of a Log: a trace
	// stores one uint16 per event.
	MaxActivities = 1 << 16
	// MaxResources bounds the distinct resource names of a Log.
	MaxResources = 1 << 31
)

// LogConfig configures a Log. The zero LogConfig keeps every case in one
// bucket.
type LogConfig struct {
	// Bucket maps the time of a case's first event to the bucket its
	// figures are kept in (for example a calendar day), so that results
	// can later be restricted to, or split by, ranges of buckets. It MUST
	// be a pure function. nil puts every case in bucket 0.
	Bucket func(time.Time) int32
}

// Log is the vocabulary-free core of process mining: an event log folded
// as it arrives. Each case is a sequence of (activity, resource, time)
// events added in the case's order; End folds a finished case into
// aggregates (its variant, its duration, rework) and frees its per-case
// state. Activity and resource names are arbitrary strings: the domain
// adapter (Projection) and importers of XES or OCEL logs feed the same
// core.
//
// An open case costs about a hundred bytes: its id, a compact trace of
// interned activity ids (2 bytes per event), its first and last times and
// its last resource. An ended case leaves only aggregates behind; of
// those, the gaps between consecutive events are kept exactly per edge and
// bucket (8 bytes each, about 50 bytes per case) so that medians are exact
// until a distribution passes stats.DefaultBudget values.
//
// A Log is used by one goroutine at a time. Its serialization is
// deterministic (AppendBinary), and two Logs can be merged (Merge).
type Log struct {
	bucket func(time.Time) int32

	acts   []string // activity id -> name
	actID  map[string]uint16
	ress   []string // resource id -> name
	resID  map[string]uint32
	vars   []string // variant id -> trace key (2 bytes per activity id)
	varID  map[string]uint32
	aggs   []*agg // buckets, in creation order
	aggIdx map[int32]int32

	open   map[string]int32 // case id -> slot
	slots  [][]openCase     // chunks of chunkSize slots
	nslots int32
	free   []int32

	scratch []int32 // per-activity counters for End, all zero between calls
	key     []byte  // trace key buffer
}

// openCase is the state of one case not yet ended: 40 bytes, plus 2 bytes
// per event in buf's backing array.
type openCase struct {
	first int64    // unix seconds of the first event
	buf   []uint16 // buf[0]: index into Log.aggs; buf[1:]: the trace, activity ids in order
	since uint32   // seconds from the first to the last event
	res   uint32   // last non-empty resource id + 1; 0: none yet
}

// chunkSize is the number of open-case slots allocated at once.
const chunkSize = 1024

// MaxBuckets bounds the buckets of one Log (179 years of days).
const MaxBuckets = 1 << 16

func (c *openCase) agg() int32      { return int32(c.buf[0]) }
func (c *openCase) trace() []uint16 { return c.buf[1:] }
func (c *openCase) last() int64     { return c.first + int64(c.since) }

// setLast records the time of the case's latest event: a time before the
// first event counts as the first event's time.
func (c *openCase) setLast(at int64) {
	c.since = uint32(min(max(at-c.first, 0), math.MaxUint32))
}

// slot returns open-case slot i.
func (l *Log) slot(i int32) *openCase { return &l.slots[i/chunkSize][i%chunkSize] }

// actAgg is the per-activity part of a bucket's aggregates.
type actAgg struct {
	events int64 // events of the activity (open cases included)
	starts int64 // cases whose first event is the activity (open included)
	ends   int64 // ended cases whose last event is the activity
	cases  int64 // ended cases holding the activity at least once
	rework int64 // ended cases holding the activity more than once
}

// agg is the aggregates of the cases of one bucket. The parts updated by
// Add count open cases already; the parts updated by End count ended
// cases only (reports add the open cases' traces on the fly).
type agg struct {
	key    int32
	cases  int64 // cases started (Add)
	ended  int64 // cases ended (End)
	events int64 // events (Add)
	rework int64 // ended cases with at least one repeated activity
	acts   []actAgg
	edges  map[uint32]*stats.Dist // from<<16|to -> seconds between
	hand   map[uint64]int64       // from<<32|to resource ids -> count
	vars   map[uint32]int64       // variant id -> ended cases
	dur    stats.Dist             // ended cases: last - first, seconds
	hist   [len(histEdges) + 1]int64
}

// histEdges are the upper bounds (exclusive, in hours) of the case
// duration histogram buckets; the last bucket is open-ended.
var histEdges = [...]int64{1, 4, 8, 24, 48, 72, 120, 168, 336, 720}

// histLabels label the histogram buckets.
var histLabels = [len(histEdges) + 1]string{"<1h", "1-4h", "4-8h", "8-24h", "1-2d", "2-3d", "3-5d", "5-7d", "7-14d", "14-30d", ">=30d"}

func histBucket(seconds int64) int {
	for i, h := range histEdges {
		if seconds < h*3600 {
			return i
		}
	}
	return len(histEdges)
}

// NewLog returns an empty Log.
func NewLog(cfg LogConfig) *Log {
	return &Log{
		bucket: cfg.Bucket,
		actID:  map[string]uint16{},
		resID:  map[string]uint32{},
		varID:  map[string]uint32{},
		aggIdx: map[int32]int32{},
		open:   map[string]int32{},
	}
}

// activity interns an activity name.
func (l *Log) activity(name string) (uint16, error) {
	if id, ok := l.actID[name]; ok {
		return id, nil
	}
	if len(l.acts) >= MaxActivities {
		return 0, fmt.Errorf("%w: more than %d activities", ErrTooMany, MaxActivities)
	}
	name = strings.Clone(name)
	id := uint16(len(l.acts))
	l.acts = append(l.acts, name)
	l.actID[name] = id
	return id, nil
}

// resource interns a resource name and returns its id + 1 (0 for "").
func (l *Log) resource(name string) (uint32, error) {
	if name == "" {
		return 0, nil
	}
	if id, ok := l.resID[name]; ok {
		return id + 1, nil
	}
	if len(l.ress) >= MaxResources {
		return 0, fmt.Errorf("%w: more than %d resources", ErrTooMany, MaxResources)
	}
	name = strings.Clone(name)
	id := uint32(len(l.ress))
	l.ress = append(l.ress, name)
	l.resID[name] = id
	return id + 1, nil
}

// aggFor returns the index of the bucket's aggregates, creating them.
func (l *Log) aggFor(key int32) (int32, error) {
	if i, ok := l.aggIdx[key]; ok {
		return i, nil
	}
	if len(l.aggs) >= MaxBuckets {
		return 0, fmt.Errorf("%w: more than %d buckets", ErrTooMany, MaxBuckets)
	}
	i := int32(len(l.aggs))
	l.aggs = append(l.aggs, newAgg(key))
	l.aggIdx[key] = i
	return i, nil
}

func newAgg(key int32) *agg {
	return &agg{key: key, edges: map[uint32]*stats.Dist{}, hand: map[uint64]int64{}, vars: map[uint32]int64{}}
}

// act returns the per-activity aggregates of id, growing the table.
func (a *agg) act(id uint16) *actAgg {
	for int(id) >= len(a.acts) {
		a.acts = append(a.acts, actAgg{})
	}
	return &a.acts[id]
}

// Add appends one event to case caseID: activity performed by resource
// at time at. The first Add of a case id opens the case (again, if an
// earlier case of that id has ended). Events of a case MUST be added in
// the case's order; a time earlier than the previous event's counts as a
// gap of zero, and a time before the case's first event as that first
// event's time. resource may be "" (unknown): such an event is skipped
// when handovers are counted. Add fails only when the Log would exceed
// MaxActivities, MaxResources or MaxBuckets; the event is then not added.
func (l *Log) Add(caseID, activity, resource string, at time.Time) error {
	return l.add(caseID, activity, resource, at, true)
}

// add is Add for the adapter: with create false an event for a case that
// is not open is ignored.
func (l *Log) add(caseID, activity, resource string, t time.Time, create bool) error {
	slot, ok := l.open[caseID]
	if !ok && !create {
		return nil
	}
	act, err := l.activity(activity)
	if err != nil {
		return err
	}
	res, err := l.resource(resource)
	if err != nil {
		return err
	}
	at := t.Unix()
	if !ok {
		var key int32
		if l.bucket != nil {
			key = l.bucket(t)
		}
		ai, err := l.aggFor(key)
		if err != nil {
			return err
		}
		slot = l.newSlot()
		c := l.slot(slot)
		c.first, c.since, c.res = at, 0, res
		c.buf = append(c.buf[:0], uint16(ai), act)
		l.open[caseID] = slot
		a := l.aggs[ai]
		a.cases++
		a.events++
		aa := a.act(act)
		aa.events++
		aa.starts++
		return nil
	}
	c := l.slot(slot)
	a := l.aggs[c.agg()]
	a.events++
	a.act(act).events++
	k := uint32(c.buf[len(c.buf)-1])<<16 | uint32(act)
	d := a.edges[k]
	if d == nil {
		d = &stats.Dist{}
		a.edges[k] = d
	}
	d.Add(at - c.last())
	if res != 0 {
		if c.res != 0 && c.res != res {
			a.hand[uint64(c.res-1)<<32|uint64(res-1)]++
		}
		c.res = res
	}
	c.setLast(at)
	c.buf = append(c.buf, act)
	return nil
}

// newSlot returns a free slot index (its seq keeps its old backing array).
func (l *Log) newSlot() int32 {
	if n := len(l.free); n > 0 {
		s := l.free[n-1]
		l.free = l.free[:n-1]
		return s
	}
	if l.nslots%chunkSize == 0 {
		l.slots = append(l.slots, make([]openCase, chunkSize))
	}
	l.nslots++
	return l.nslots - 1
}

// End marks case caseID finished: its trace is folded into its variant,
// duration and rework figures, and its per-case state is freed. End of a
// case that is not open does nothing.
func (l *Log) End(caseID string) {
	slot, ok := l.open[caseID]
	if !ok {
		return
	}
	delete(l.open, caseID)
	c := l.slot(slot)
	a := l.aggs[c.agg()]
	a.ended++
	seq := c.trace()
	l.key = traceKey(l.key[:0], seq)
	a.vars[l.variant(l.key)]++
	l.scratch = foldTrace(a, seq, l.scratch)
	a.act(seq[len(seq)-1]).ends++
	dur := int64(c.since)
	a.dur.Add(dur)
	a.hist[histBucket(dur)]++
	c.buf = c.buf[:0]
	c.first, c.since, c.res = 0, 0, 0
	l.free = append(l.free, slot)
}

// foldTrace adds the case-level activity figures of one trace (cases
// holding each activity, rework) to a. counts is scratch space of one
// counter per activity, all zero on entry and on return.
func foldTrace(a *agg, seq []uint16, counts []int32) []int32 {
	rework := false
	for _, id := range seq {
		for int(id) >= len(counts) {
			counts = append(counts, 0)
		}
		counts[id]++
		switch counts[id] {
		case 1:
			a.act(id).cases++
		case 2:
			a.act(id).rework++
			rework = true
		}
	}
	for _, id := range seq {
		counts[id] = 0
	}
	if rework {
		a.rework++
	}
	return counts
}

// traceKey appends the variant key of a trace: 2 bytes per activity id.
func traceKey(b []byte, seq []uint16) []byte {
	for _, id := range seq {
		b = append(b, byte(id>>8), byte(id))
	}
	return b
}

// Open returns the number of cases not yet ended.
func (l *Log) Open() int { return len(l.open) }

// Activities returns the activity names seen, in order of first
// appearance.
func (l *Log) Activities() []string { return append([]string(nil), l.acts...) }
