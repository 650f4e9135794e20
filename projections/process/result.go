package process

import (
	"cmp"
	"slices"
	"strings"

	"github.com/govledger/govledger/projections/stats"
)

// Result is the process figures of a set of cases: every ended case and,
// as a partial trace, every open case (its events so far).
type Result struct {
	// Period is the period key of the cases ("" when results are not split
	// by period).
	Period string
	// Cases counts the cases (ended and open); Ended and Open split them.
	Cases, Ended, Open int64
	// Events counts the events of those cases.
	Events int64
	// ReworkCases counts the cases in which some activity occurs more than
	// once.
	ReworkCases int64
	// Handovers counts consecutive events of a case whose resources
	// differ (events without a resource are skipped).
	Handovers int64
	// Activities holds one entry per activity seen, sorted by name.
	Activities []Activity
	// Variants holds one entry per distinct trace, most frequent first,
	// ties broken by the trace text.
	Variants []Variant
	// Edges is the directly-follows graph between activities, sorted by
	// From then To.
	Edges []Edge
	// ResourceHandovers counts handovers per pair of resources, sorted by
	// From then To.
	ResourceHandovers []Handover
	// Duration is the distribution of ended cases' durations.
	Duration Duration
}

// Activity is the figures of one activity.
type Activity struct {
	// Name is the activity name.
	Name string
	// Events counts its events.
	Events int64
	// Cases counts the cases holding it at least once.
	Cases int64
	// Starts counts the cases whose first event it is.
	Starts int64
	// Ends counts the ended cases whose last event it is.
	Ends int64
	// Rework counts the cases holding it more than once.
	Rework int64
}

// Variant is one distinct trace (sequence of activities) and its cases.
type Variant struct {
	// Activities is the trace.
	Activities []string
	// Text is the trace joined with VariantSep.
	Text string
	// Cases counts the cases with this trace (open cases with it as their
	// trace so far included); Open counts those still open.
	Cases, Open int64
}

// VariantSep separates the activities of a variant's Text.
const VariantSep = " > "

// Edge is one directly-follows relation: an event of activity From
// immediately followed, in the same case, by one of activity To.
type Edge struct {
	From, To string
	// Count counts such pairs.
	Count int64
	// Mean is the mean time between the two events, in seconds.
	Mean float64
	// Median is the nearest-rank median time between them, in seconds
	// (exact while Exact).
	Median int64
	// Exact reports whether Median is exact (see stats.Dist).
	Exact bool
}

// Handover is a count of handovers from one resource to another.
type Handover struct {
	From, To string
	Count    int64
}

// Duration is the distribution of case durations (first to last event),
// in seconds, over ended cases.
type Duration struct {
	// Cases counts the ended cases.
	Cases int64
	// Mean is the mean duration.
	Mean float64
	// P50, P90, P95, P99 are nearest-rank percentiles; Max the longest.
	P50, P90, P95, P99, Max int64
	// Exact reports whether the percentiles are exact (see stats.Dist).
	Exact bool
	// Histogram counts the cases per duration bucket, shortest first.
	Histogram []Bucket
}

// Bucket is one histogram bar.
type Bucket struct {
	Label string
	Count int64
}

// Result returns the figures of every case of the Log, open cases
// included as partial traces.
func (l *Log) Result() *Result { return l.Results(nil, nil)[0] }

// Results returns the figures of the cases whose bucket keep accepts (nil:
// all), one Result per distinct group(bucket) key (nil: one group, ""),
// sorted by group key. With no case at all it returns one empty Result
// when group is nil, and none otherwise. Results does not change the Log.
func (l *Log) Results(keep func(bucket int32) bool, group func(bucket int32) string) []*Result {
	type acc struct {
		a        *agg
		openVars map[string]int64 // trace key -> open cases
		open     int64
	}
	groups := map[string]*acc{}
	get := func(key int32) *acc {
		g := ""
		if group != nil {
			g = group(key)
		}
		x := groups[g]
		if x == nil {
			x = &acc{a: newAgg(0), openVars: map[string]int64{}}
			groups[g] = x
		}
		return x
	}
	if group == nil {
		get(0)
	}
	for _, a := range l.aggs {
		if keep == nil || keep(a.key) {
			mergeAgg(get(a.key).a, a, nil, nil, nil)
		}
	}
	var counts []int32
	var key []byte
	for _, slot := range l.open {
		c := l.slot(slot)
		k := l.aggs[c.agg()].key
		if keep != nil && !keep(k) {
			continue
		}
		x := get(k)
		x.open++
		counts = foldTrace(x.a, c.trace(), counts)
		key = traceKey(key[:0], c.trace())
		x.openVars[string(key)]++
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	slices.Sort(names)
	out := make([]*Result, 0, len(names))
	for _, g := range names {
		x := groups[g]
		r := l.result(x.a, x.openVars)
		r.Period = g
		r.Open = x.open
		out = append(out, r)
	}
	return out
}

// result turns merged aggregates into a Result.
func (l *Log) result(a *agg, openVars map[string]int64) *Result {
	r := &Result{Cases: a.cases, Ended: a.ended, Events: a.events, ReworkCases: a.rework}
	for id, x := range a.acts {
		if x == (actAgg{}) {
			continue
		}
		r.Activities = append(r.Activities, Activity{Name: l.acts[id], Events: x.events, Cases: x.cases, Starts: x.starts, Ends: x.ends, Rework: x.rework})
	}
	slices.SortFunc(r.Activities, func(p, q Activity) int { return strings.Compare(p.Name, q.Name) })

	type vc struct{ cases, open int64 }
	vars := map[string]*vc{}
	for id, n := range a.vars {
		k := l.vars[id]
		if vars[k] == nil {
			vars[k] = &vc{}
		}
		vars[k].cases += n
	}
	for k, n := range openVars {
		if vars[k] == nil {
			vars[k] = &vc{}
		}
		vars[k].cases += n
		vars[k].open += n
	}
	for k, n := range vars {
		v := Variant{Activities: make([]string, len(k)/2), Cases: n.cases, Open: n.open}
		for i := range v.Activities {
			v.Activities[i] = l.acts[uint16(k[2*i])<<8|uint16(k[2*i+1])]
		}
		v.Text = strings.Join(v.Activities, VariantSep)
		r.Variants = append(r.Variants, v)
	}
	slices.SortFunc(r.Variants, func(p, q Variant) int {
		return cmp.Or(cmp.Compare(q.Cases, p.Cases), strings.Compare(p.Text, q.Text), slices.Compare(p.Activities, q.Activities))
	})

	for k, d := range a.edges {
		r.Edges = append(r.Edges, Edge{
			From: l.acts[k>>16], To: l.acts[k&0xffff], Count: d.Count(),
			Mean: d.Mean(), Median: d.Quantile(0.5), Exact: d.Exact(),
		})
	}
	slices.SortFunc(r.Edges, func(p, q Edge) int {
		return cmp.Or(strings.Compare(p.From, q.From), strings.Compare(p.To, q.To))
	})

	for k, n := range a.hand {
		r.Handovers += n
		r.ResourceHandovers = append(r.ResourceHandovers, Handover{From: l.ress[k>>32], To: l.ress[k&0xffffffff], Count: n})
	}
	slices.SortFunc(r.ResourceHandovers, func(p, q Handover) int {
		return cmp.Or(strings.Compare(p.From, q.From), strings.Compare(p.To, q.To))
	})

	d := &a.dur
	r.Duration = Duration{
		Cases: d.Count(), Mean: d.Mean(), Exact: d.Exact(), Max: d.Max(),
		P50: d.Quantile(0.5), P90: d.Quantile(0.9), P95: d.Quantile(0.95), P99: d.Quantile(0.99),
	}
	for i, n := range a.hist {
		r.Duration.Histogram = append(r.Duration.Histogram, Bucket{Label: histLabels[i], Count: n})
	}
	return r
}

// mergeAgg adds src to dst. actMap, resMap and varMap translate src's
// activity, resource and variant ids into dst's (nil: the same ids).
func mergeAgg(dst, src *agg, actMap []uint16, resMap []uint32, varMap []uint32) {
	act := func(id uint16) uint16 {
		if actMap == nil {
			return id
		}
		return actMap[id]
	}
	dst.cases += src.cases
	dst.ended += src.ended
	dst.events += src.events
	dst.rework += src.rework
	for id, x := range src.acts {
		if x == (actAgg{}) {
			continue
		}
		y := dst.act(act(uint16(id)))
		y.events += x.events
		y.starts += x.starts
		y.ends += x.ends
		y.cases += x.cases
		y.rework += x.rework
	}
	for k, d := range src.edges {
		k = uint32(act(uint16(k>>16)))<<16 | uint32(act(uint16(k)))
		e := dst.edges[k]
		if e == nil {
			e = &stats.Dist{}
			dst.edges[k] = e
		}
		e.Merge(d)
	}
	for k, n := range src.hand {
		if resMap != nil {
			k = uint64(resMap[k>>32])<<32 | uint64(resMap[k&0xffffffff])
		}
		dst.hand[k] += n
	}
	for id, n := range src.vars {
		if varMap != nil {
			id = varMap[id]
		}
		dst.vars[id] += n
	}
	dst.dur.Merge(&src.dur)
	for i, n := range src.hist {
		dst.hist[i] += n
	}
}
