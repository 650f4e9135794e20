package process

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/govledger/govledger/projections/stats"
)

// stateMagic starts a serialized Log (format version 1).
const stateMagic = "govledger-process-log\x01"

// Merge adds every case of o to l: o's aggregates are added to l's bucket
// by bucket, and o's open cases become open cases of l. Both Logs SHOULD
// use the same bucket function. Merge fails, changing nothing, when a
// case id is open in both (ErrMerge) or when the union would exceed
// MaxActivities (ErrTooMany). o is not changed.
func (l *Log) Merge(o *Log) error {
	fresh := 0
	for _, name := range o.acts {
		if _, ok := l.actID[name]; !ok {
			fresh++
		}
	}
	if len(l.acts)+fresh > MaxActivities {
		return fmt.Errorf("%w: more than %d activities", ErrTooMany, MaxActivities)
	}
	if len(l.ress)+len(o.ress) > MaxResources {
		return fmt.Errorf("%w: more than %d resources", ErrTooMany, MaxResources)
	}
	for id := range o.open {
		if _, ok := l.open[id]; ok {
			return fmt.Errorf("%w: case %q is open in both", ErrMerge, id)
		}
	}
	freshAggs := 0
	for _, a := range o.aggs {
		if _, ok := l.aggIdx[a.key]; !ok {
			freshAggs++
		}
	}
	if len(l.aggs)+freshAggs > MaxBuckets {
		return fmt.Errorf("%w: more than %d buckets", ErrTooMany, MaxBuckets)
	}
	actMap := make([]uint16, len(o.acts))
	for i, name := range o.acts {
		actMap[i], _ = l.activity(name)
	}
	resMap := make([]uint32, len(o.ress))
	for i, name := range o.ress {
		id, _ := l.resource(name)
		resMap[i] = id - 1
	}
	varMap := make([]uint32, len(o.vars))
	var seq []uint16
	for i, k := range o.vars {
		seq = seq[:0]
		for j := 0; j < len(k); j += 2 {
			seq = append(seq, actMap[uint16(k[j])<<8|uint16(k[j+1])])
		}
		varMap[i] = l.variant(traceKey(nil, seq))
	}
	aggMap := make([]int32, len(o.aggs))
	for i, a := range o.aggs {
		aggMap[i], _ = l.aggFor(a.key)
		mergeAgg(l.aggs[aggMap[i]], a, actMap, resMap, varMap)
	}
	for _, id := range sortedKeys(o.open) {
		c := o.slot(o.open[id])
		slot := l.newSlot()
		d := l.slot(slot)
		d.first, d.since, d.res = c.first, c.since, 0
		if c.res != 0 {
			d.res = resMap[c.res-1] + 1
		}
		d.buf = append(d.buf[:0], uint16(aggMap[c.agg()]))
		for _, a := range c.trace() {
			d.buf = append(d.buf, actMap[a])
		}
		l.open[id] = slot
	}
	return nil
}

// variant interns a trace key.
func (l *Log) variant(key []byte) uint32 {
	if v, ok := l.varID[string(key)]; ok {
		return v
	}
	v := uint32(len(l.vars))
	s := string(key)
	l.vars = append(l.vars, s)
	l.varID[s] = v
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedInts[K uint32 | uint64 | int32, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// AppendBinary appends a deterministic serialization of l to b: the same
// Log contents always give the same bytes. Buckets are written in key
// order and open cases in case-id order.
func (l *Log) AppendBinary(b []byte) []byte {
	b = append(b, stateMagic...)
	b = appendStrings(b, l.acts)
	b = appendStrings(b, l.ress)
	b = appendStrings(b, l.vars)
	aggs := slices.Clone(l.aggs)
	slices.SortFunc(aggs, func(p, q *agg) int { return int(p.key) - int(q.key) })
	b = binary.AppendUvarint(b, uint64(len(aggs)))
	for _, a := range aggs {
		b = binary.AppendVarint(b, int64(a.key))
		for _, n := range []int64{a.cases, a.ended, a.events, a.rework} {
			b = binary.AppendUvarint(b, uint64(n))
		}
		acts := a.acts
		for len(acts) > 0 && acts[len(acts)-1] == (actAgg{}) {
			acts = acts[:len(acts)-1]
		}
		b = binary.AppendUvarint(b, uint64(len(acts)))
		for _, x := range acts {
			for _, n := range []int64{x.events, x.starts, x.ends, x.cases, x.rework} {
				b = binary.AppendUvarint(b, uint64(n))
			}
		}
		b = binary.AppendUvarint(b, uint64(len(a.edges)))
		for _, k := range sortedInts(a.edges) {
			b = binary.AppendUvarint(b, uint64(k))
			b = a.edges[k].AppendBinary(b)
		}
		b = binary.AppendUvarint(b, uint64(len(a.hand)))
		for _, k := range sortedInts(a.hand) {
			b = binary.AppendUvarint(b, k)
			b = binary.AppendUvarint(b, uint64(a.hand[k]))
		}
		b = binary.AppendUvarint(b, uint64(len(a.vars)))
		for _, k := range sortedInts(a.vars) {
			b = binary.AppendUvarint(b, uint64(k))
			b = binary.AppendUvarint(b, uint64(a.vars[k]))
		}
		b = a.dur.AppendBinary(b)
		for _, n := range a.hist {
			b = binary.AppendUvarint(b, uint64(n))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(l.open)))
	for _, id := range sortedKeys(l.open) {
		c := l.slot(l.open[id])
		b = stats.AppendString(b, id)
		b = binary.AppendVarint(b, int64(l.aggs[c.agg()].key))
		b = binary.AppendVarint(b, c.first)
		b = binary.AppendUvarint(b, uint64(c.since))
		b = binary.AppendUvarint(b, uint64(c.res))
		b = binary.AppendUvarint(b, uint64(len(c.trace())))
		for _, a := range c.trace() {
			b = binary.AppendUvarint(b, uint64(a))
		}
	}
	return b
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = stats.AppendString(b, s)
	}
	return b
}

// UnmarshalLog reads a Log written by AppendBinary, with the given
// configuration. It returns an error wrapping stats.ErrCorrupt for bytes
// that are not such a Log; it never panics.
func UnmarshalLog(data []byte, cfg LogConfig) (*Log, error) {
	l := NewLog(cfg)
	if err := l.decode(data); err != nil {
		return nil, fmt.Errorf("process: read state: %w", err)
	}
	return l, nil
}

// decode fills an empty l from data.
func (l *Log) decode(data []byte) error {
	corrupt := func(what string, args ...any) error {
		return fmt.Errorf("%w: %s", stats.ErrCorrupt, fmt.Sprintf(what, args...))
	}
	if !strings.HasPrefix(string(data), stateMagic) {
		return corrupt("not a process log (bad magic)")
	}
	r := &stats.Decoder{B: data[len(stateMagic):]}
	var err error
	if l.acts, err = readNames(r, "activity"); err != nil {
		return err
	}
	if len(l.acts) > MaxActivities {
		return corrupt("%d activities", len(l.acts))
	}
	for i, s := range l.acts {
		l.actID[s] = uint16(i)
	}
	if l.ress, err = readNames(r, "resource"); err != nil {
		return err
	}
	for i, s := range l.ress {
		l.resID[s] = uint32(i)
	}
	if l.vars, err = readNames(r, "variant"); err != nil {
		return err
	}
	nActs := uint64(len(l.acts))
	for i, s := range l.vars {
		if len(s) == 0 || len(s)%2 != 0 {
			return corrupt("variant %d has %d bytes", i, len(s))
		}
		for j := 0; j < len(s); j += 2 {
			if uint64(s[j])<<8|uint64(s[j+1]) >= nActs {
				return corrupt("variant %d names an unknown activity", i)
			}
		}
		l.varID[s] = uint32(i)
	}
	nAggs := r.Len()
	for i := range nAggs {
		key := r.Varint()
		if r.Err != nil {
			return r.Err
		}
		if int64(int32(key)) != key || i > 0 && int32(key) <= l.aggs[i-1].key || i >= MaxBuckets {
			return corrupt("bucket %d: key %d out of order", i, key)
		}
		a := newAgg(int32(key))
		a.cases, a.ended, a.events, a.rework = count(r), count(r), count(r), count(r)
		n := r.Len()
		if uint64(n) > nActs {
			return corrupt("bucket %d: %d activities", i, n)
		}
		a.acts = make([]actAgg, n)
		for j := range a.acts {
			x := &a.acts[j]
			x.events, x.starts, x.ends, x.cases, x.rework = count(r), count(r), count(r), count(r), count(r)
		}
		n = r.Len()
		for range n {
			k := r.Uvarint()
			if k > 0xffffffff || k>>16 >= nActs || k&0xffff >= nActs {
				return corrupt("bucket %d: bad edge", i)
			}
			if _, dup := a.edges[uint32(k)]; dup {
				return corrupt("bucket %d: repeated edge", i)
			}
			d := r.Dist()
			a.edges[uint32(k)] = &d
		}
		n = r.Len()
		for range n {
			k := r.Uvarint()
			if k>>32 >= uint64(len(l.ress)) || k&0xffffffff >= uint64(len(l.ress)) {
				return corrupt("bucket %d: bad handover", i)
			}
			a.hand[k] = count(r)
		}
		n = r.Len()
		for range n {
			k := r.Uvarint()
			if k >= uint64(len(l.vars)) {
				return corrupt("bucket %d: bad variant", i)
			}
			a.vars[uint32(k)] = count(r)
		}
		a.dur = r.Dist()
		for j := range a.hist {
			a.hist[j] = count(r)
		}
		if r.Err != nil {
			return r.Err
		}
		l.aggIdx[a.key] = int32(len(l.aggs))
		l.aggs = append(l.aggs, a)
	}
	nOpen := r.Len()
	prev := ""
	for i := range nOpen {
		id := r.String()
		key := r.Varint()
		first, since := r.Varint(), r.Uvarint()
		res := r.Uvarint()
		n := r.Len()
		if r.Err != nil {
			return r.Err
		}
		if i > 0 && id <= prev {
			return corrupt("open case %q out of order", id)
		}
		prev = id
		ai, ok := l.aggIdx[int32(key)]
		if !ok || int64(int32(key)) != key {
			return corrupt("open case %q in an unknown bucket", id)
		}
		if res > uint64(len(l.ress)) || n == 0 || since > math.MaxUint32 {
			return corrupt("open case %q", id)
		}
		buf := make([]uint16, n+1)
		buf[0] = uint16(ai)
		for j := range n {
			a := r.Uvarint()
			if a >= nActs {
				return corrupt("open case %q names an unknown activity", id)
			}
			buf[j+1] = uint16(a)
		}
		if r.Err != nil {
			return r.Err
		}
		slot := l.newSlot()
		*l.slot(slot) = openCase{first: first, since: uint32(since), res: uint32(res), buf: buf}
		l.open[id] = slot
	}
	if r.Err != nil {
		return r.Err
	}
	if len(r.B) != 0 {
		return corrupt("%d trailing bytes", len(r.B))
	}
	return nil
}

// count reads a non-negative count.
func count(r *stats.Decoder) int64 {
	v := r.Uvarint()
	if v > 1<<62 {
		r.Err = fmt.Errorf("%w: count %d", stats.ErrCorrupt, v)
		return 0
	}
	return int64(v)
}

// readNames reads a list of distinct strings.
func readNames(r *stats.Decoder, what string) ([]string, error) {
	n := r.Len()
	out := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for range n {
		s := r.String()
		if r.Err != nil {
			return nil, r.Err
		}
		if seen[s] {
			return nil, fmt.Errorf("%w: %s %q repeats", stats.ErrCorrupt, what, s)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, r.Err
}
