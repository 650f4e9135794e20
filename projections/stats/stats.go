// Package stats holds the small statistics every time-efficiency
// projection needs: exact nearest-rank percentiles with a mergeable sketch
// beyond an exactness budget (DESIGN §5), and calendar periods.
//
// Everything here is deterministic and serializes to the same bytes for
// the same contents.
package stats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// ErrCorrupt is returned for serialized statistics that cannot be read.
var ErrCorrupt = errors.New("stats: corrupt serialized statistics")

// DefaultBudget is the number of values a Dist keeps exactly before it
// turns into a sketch.
const DefaultBudget = 1 << 20

// RelativeError is the sketch's relative error bound on any quantile.
const RelativeError = 0.01

var (
	gamma    = (1 + RelativeError) / (1 - RelativeError)
	logGamma = math.Log(gamma)
)

// Dist is a distribution of non-negative integer values (seconds, hops).
// It keeps every value until it holds more than its budget, then switches
// to a logarithmic sketch (DDSketch-style) whose quantiles are within
// RelativeError of the exact nearest-rank value. The zero Dist is empty
// with DefaultBudget. Sum, Count, Min and Max are always exact.
type Dist struct {
	Budget int // 0 means DefaultBudget

	vals     []int64
	sorted   bool
	sketch   map[int32]int64 // bucket -> count (values >= 1); zeros in zeros
	zeros    int64
	count    int64
	sum      int64
	min, max int64
}

// Add records v (negative values count as 0).
func (d *Dist) Add(v int64) {
	if v < 0 {
		v = 0
	}
	if d.count == 0 || v < d.min {
		d.min = v
	}
	if d.count == 0 || v > d.max {
		d.max = v
	}
	d.count++
	d.sum += v
	if d.sketch != nil {
		d.addSketch(v, 1)
		return
	}
	d.vals = append(d.vals, v)
	d.sorted = false
	budget := d.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	if len(d.vals) > budget {
		d.sketch = map[int32]int64{}
		for _, x := range d.vals {
			d.addSketch(x, 1)
		}
		d.vals = nil
	}
}

func bucket(v int64) int32 { return int32(math.Ceil(math.Log(float64(v)) / logGamma)) }

func (d *Dist) addSketch(v, n int64) {
	if v == 0 {
		d.zeros += n
		return
	}
	d.sketch[bucket(v)] += n
}

// Merge adds every value of o to d.
func (d *Dist) Merge(o *Dist) {
	if o.count == 0 {
		return
	}
	if o.sketch == nil {
		for _, v := range o.vals {
			d.Add(v)
		}
		return
	}
	if d.sketch == nil {
		d.sketch = map[int32]int64{}
		for _, x := range d.vals {
			d.addSketch(x, 1)
		}
		d.vals = nil
	}
	for b, n := range o.sketch {
		d.sketch[b] += n
	}
	d.zeros += o.zeros
	if d.count == 0 || o.min < d.min {
		d.min = o.min
	}
	if d.count == 0 || o.max > d.max {
		d.max = o.max
	}
	d.count += o.count
	d.sum += o.sum
}

// Count is the number of values.
func (d *Dist) Count() int64 { return d.count }

// Sum is the exact sum of the values.
func (d *Dist) Sum() int64 { return d.sum }

// Min is the smallest value (0 if empty).
func (d *Dist) Min() int64 { return d.min }

// Max is the largest value (0 if empty).
func (d *Dist) Max() int64 { return d.max }

// Mean is the exact mean (0 if empty).
func (d *Dist) Mean() float64 {
	if d.count == 0 {
		return 0
	}
	return float64(d.sum) / float64(d.count)
}

// Exact reports whether quantiles are exact (no sketch).
func (d *Dist) Exact() bool { return d.sketch == nil }

// Quantile returns the nearest-rank p-quantile (0 < p <= 1): the smallest
// value v such that at least p of the values are <= v. It is exact while
// Exact(); after that it is within RelativeError. Empty: 0.
func (d *Dist) Quantile(p float64) int64 {
	if d.count == 0 {
		return 0
	}
	rank := int64(math.Ceil(p * float64(d.count)))
	if rank < 1 {
		rank = 1
	}
	if rank > d.count {
		rank = d.count
	}
	if d.sketch == nil {
		if !d.sorted {
			slices.Sort(d.vals)
			d.sorted = true
		}
		return d.vals[rank-1]
	}
	if rank <= d.zeros {
		return 0
	}
	seen := d.zeros
	keys := d.sortedBuckets()
	for _, b := range keys {
		seen += d.sketch[b]
		if seen >= rank {
			v := int64(math.Round(2 * math.Pow(gamma, float64(b)) / (gamma + 1)))
			return min(max(v, d.min), d.max)
		}
	}
	return d.max
}

func (d *Dist) sortedBuckets() []int32 {
	keys := make([]int32, 0, len(d.sketch))
	for b := range d.sketch {
		keys = append(keys, b)
	}
	slices.Sort(keys)
	return keys
}

// Values returns the values in ascending order (nil once sketched).
func (d *Dist) Values() []int64 {
	if d.sketch != nil {
		return nil
	}
	if !d.sorted {
		slices.Sort(d.vals)
		d.sorted = true
	}
	return d.vals
}

// AppendBinary appends a deterministic serialization of d to b.
func (d *Dist) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(max(d.Budget, 0)))
	b = binary.AppendUvarint(b, uint64(d.count))
	if d.count == 0 {
		return b
	}
	b = binary.AppendVarint(b, d.sum)
	b = binary.AppendVarint(b, d.min)
	b = binary.AppendVarint(b, d.max)
	if d.sketch == nil {
		b = append(b, 0)
		for _, v := range d.Values() {
			b = binary.AppendVarint(b, v)
		}
		return b
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, d.zeros)
	keys := d.sortedBuckets()
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendVarint(b, int64(k))
		b = binary.AppendVarint(b, d.sketch[k])
	}
	return b
}

// Decoder reads what AppendBinary wrote.
type Decoder struct {
	B   []byte
	Err error
}

// Uvarint reads an unsigned varint.
func (r *Decoder) Uvarint() uint64 {
	if r.Err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.Err = ErrCorrupt
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Varint reads a signed varint.
func (r *Decoder) Varint() int64 {
	if r.Err != nil {
		return 0
	}
	v, n := binary.Varint(r.B)
	if n <= 0 {
		r.Err = ErrCorrupt
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Byte reads one byte.
func (r *Decoder) Byte() byte {
	if r.Err != nil {
		return 0
	}
	if len(r.B) == 0 {
		r.Err = ErrCorrupt
		return 0
	}
	c := r.B[0]
	r.B = r.B[1:]
	return c
}

// String reads a length-prefixed string.
func (r *Decoder) String() string {
	n := r.Uvarint()
	if r.Err != nil {
		return ""
	}
	if n > uint64(len(r.B)) {
		r.Err = ErrCorrupt
		return ""
	}
	s := string(r.B[:n])
	r.B = r.B[n:]
	return s
}

// Len reads a count and checks it is plausible for the bytes left (each
// item takes at least one byte).
func (r *Decoder) Len() int {
	n := r.Uvarint()
	if r.Err == nil && n > uint64(len(r.B)) {
		r.Err = fmt.Errorf("%w: %d items in %d bytes", ErrCorrupt, n, len(r.B))
		return 0
	}
	return int(n)
}

// AppendString appends a length-prefixed string.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Dist reads a Dist written by AppendBinary.
func (r *Decoder) Dist() Dist {
	var d Dist
	d.Budget = int(r.Uvarint())
	d.count = int64(r.Uvarint())
	if r.Err != nil || d.count == 0 {
		return d
	}
	d.sum = r.Varint()
	d.min = r.Varint()
	d.max = r.Varint()
	switch r.Byte() {
	case 0:
		if d.count > int64(len(r.B)) {
			r.Err = ErrCorrupt
			return Dist{}
		}
		d.vals = make([]int64, d.count)
		for i := range d.vals {
			d.vals[i] = r.Varint()
		}
		d.sorted = true
	case 1:
		d.zeros = r.Varint()
		n := r.Len()
		d.sketch = make(map[int32]int64, n)
		for range n {
			k := r.Varint()
			d.sketch[int32(k)] = r.Varint()
		}
	default:
		r.Err = ErrCorrupt
	}
	return d
}

// Period returns the key of the day ("2026-11-23"), ISO week ("2026-W48")
// or month ("2026-11") holding t in zone loc.
func Period(t time.Time, period string, loc *time.Location) string {
	t = t.In(loc)
	switch period {
	case "week":
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case "month":
		return t.Format("2006-01")
	default:
		return t.Format("2006-01-02")
	}
}

// SameDay reports whether a and b fall on the same calendar day in loc.
func SameDay(a, b time.Time, loc *time.Location) bool {
	a, b = a.In(loc), b.In(loc)
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	return ya == yb && ma == mb && da == db
}
