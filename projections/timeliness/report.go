package timeliness

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/stats"
)

// agg accumulates one group (a dimension value, optionally a period).
type agg struct {
	key    uint32
	period int32 // index into the periods, -1 without a period

	cases, resolved, open, openOverdue int64
	closedUnresolved                   int64
	openAgeSum, openAgeMax             int64
	citizen, official                  stats.Dist
	citizenSum                         int64 // citizen clock sum (also without dists)
	intakeN, intakeSum                 int64
	hops, dwellSum                     int64
	sameDay, sameDayOf                 int64
	onTime, onTimeOf                   int64
}

// byAll groups every case together (the trend charts).
const byAll = "all"

// grouping is one pass over the records.
type grouping struct {
	p       *Projection
	by      string
	period  string
	dists   bool
	q       projections.Query
	groups  []*agg
	dense   []int32          // without a period: string id -> group index+1
	index   map[uint64]int32 // with a period: key<<32|period -> group index
	periods []string
	pidx    map[int64]int32 // day number -> period index
	lastDay int64
	lastP   int32
	days    dayer
	asOfDay int64 // start of the local day of the latest event, unix seconds
	lastK   uint64
	lastA   *agg
	// trend, if set, also gets every record (key 0, by period), and hist
	// the citizen clock histogram (the charts).
	trend *grouping
	hist  []int64
}

// dayer turns unix seconds into local day numbers, caching the zone
// offset over the span where it holds.
type dayer struct {
	loc         *time.Location
	lo, hi, off int64
	ok          bool
}

func (d *dayer) day(s int64) int64 {
	if !d.ok || s < d.lo || s >= d.hi {
		t := time.Unix(s, 0).In(d.loc)
		start, end := t.ZoneBounds()
		_, o := t.Zone()
		d.off, d.lo, d.hi, d.ok = int64(o), math.MinInt64, math.MaxInt64, true
		if !start.IsZero() {
			d.lo = start.Unix()
		}
		if !end.IsZero() {
			d.hi = end.Unix()
		}
	}
	x := s + d.off
	q := x / 86400
	if x%86400 < 0 {
		q--
	}
	return q
}

func (p *Projection) newGrouping(q projections.Query, by, period string, dists bool) *grouping {
	g := &grouping{p: p, by: by, period: period, dists: dists, q: q, days: dayer{loc: p.rules.Location()}, lastDay: math.MinInt64}
	if period == "" {
		g.dense = make([]int32, len(p.strs.s))
	} else {
		g.index = map[uint64]int32{}
		g.pidx = map[int64]int32{}
	}
	g.asOfDay = g.days.day(p.latest) * 86400
	g.asOfDay -= g.days.off // local midnight of the as-of day, unix seconds
	g.lastK = math.MaxUint64
	return g
}

func (g *grouping) periodOf(reported int64) int32 {
	d := g.days.day(reported)
	if d == g.lastDay {
		return g.lastP
	}
	i, ok := g.pidx[d]
	if !ok {
		key := stats.Period(time.Unix(d*86400, 0).UTC(), g.period, time.UTC)
		i = int32(slices.Index(g.periods, key))
		if i < 0 {
			g.periods = append(g.periods, key)
			i = int32(len(g.periods) - 1)
		}
		g.pidx[d] = i
	}
	g.lastDay, g.lastP = d, i
	return i
}

func (g *grouping) get(key uint32, reported int64) *agg {
	if g.dense != nil {
		i := g.dense[key]
		if i == 0 {
			g.groups = append(g.groups, &agg{key: key, period: -1, citizen: stats.Dist{Budget: g.p.budget}, official: stats.Dist{Budget: g.p.budget}})
			i = int32(len(g.groups))
			g.dense[key] = i
		}
		return g.groups[i-1]
	}
	per := g.periodOf(reported)
	k := uint64(key)<<32 | uint64(uint32(per))
	if k == g.lastK {
		return g.lastA
	}
	i, ok := g.index[k]
	if !ok {
		g.groups = append(g.groups, &agg{key: key, period: per, citizen: stats.Dist{Budget: g.p.budget}, official: stats.Dist{Budget: g.p.budget}})
		i = int32(len(g.groups) - 1)
		g.index[k] = i
	}
	g.lastK, g.lastA = k, g.groups[i]
	return g.lastA
}

func (g *grouping) keyOf(r *rec) uint32 {
	switch g.by {
	case projections.ByCategory:
		return r.category
	case projections.ByChannel:
		return r.channel
	case projections.ByStreet:
		return r.street
	case projections.ByCommunity:
		return r.comm
	case projections.ByGrid:
		return r.grid
	case byAll:
		return 0
	}
	return r.unit
}

func (g *grouping) windowed() bool { return !g.q.From.IsZero() || !g.q.To.IsZero() }

func (g *grouping) in(reported int64) bool {
	if !g.q.From.IsZero() && reported < g.q.From.Unix() {
		return false
	}
	if !g.q.To.IsZero() && reported >= g.q.To.Unix() {
		return false
	}
	return true
}

// run folds every record and hop in the window into the groups, and
// into the trend grouping and histogram if set.
func (g *grouping) run() {
	p := g.p
	win := g.windowed()
	tr := g.trend
	for i := range p.recs {
		r := &p.recs[i]
		if win && !g.in(r.reported) {
			continue
		}
		g.add(g.get(g.keyOf(r), r.reported), r)
		if tr != nil {
			tr.add(tr.get(0, r.reported), r)
			if r.state&stateMask == stResolved {
				b := 0
				for b < len(buckets)-1 && int64(r.resolved) >= buckets[b].upTo {
					b++
				}
				g.hist[b]++
			}
		}
	}
	for _, h := range p.hops {
		r := &p.recs[h.rec]
		if win && !g.in(r.reported) {
			continue
		}
		k := h.unit
		if g.by != projections.ByUnit {
			k = g.keyOf(r)
		}
		a := g.get(k, r.reported)
		a.hops++
		a.dwellSum += int64(h.dwell)
	}
}

// add folds one case record into a.
func (g *grouping) add(a *agg, r *rec) {
	a.cases++
	if r.intake != none {
		a.intakeN++
		a.intakeSum += int64(r.intake)
	}
	if r.state&stateMask == stResolved {
		a.resolved++
		c := int64(r.resolved)
		a.citizenSum += c
		if g.dists {
			a.citizen.Add(c)
			if r.accepted != none {
				a.official.Add(c - int64(r.accepted))
			}
		}
		a.sameDayOf++
		if r.state&sameDayBit != 0 {
			a.sameDay++
		}
		a.onTimeOf++
		if c <= int64(r.deadline) {
			a.onTime++
		}
		return
	}
	if r.state&stateMask == stClosed {
		a.closedUnresolved++ // e.g. merged into another case: neither backlog nor late
		return
	}
	latest := g.p.latest
	a.open++
	age := max(latest-r.reported, 0)
	a.openAgeSum += age
	a.openAgeMax = max(a.openAgeMax, age)
	if r.reported+int64(r.deadline) < latest {
		a.openOverdue++
		a.onTimeOf++
	}
	if r.reported < g.asOfDay {
		a.sameDayOf++
	}
}

func (g *grouping) label(key uint32) string {
	if key == 0 {
		if g.by == projections.ByUnit {
			return "(unassigned)"
		}
		return "(none)"
	}
	return g.p.strs.s[key]
}

// sorted returns the groups sorted by label, then period.
func (g *grouping) sorted() []*agg {
	out := slices.Clone(g.groups)
	slices.SortFunc(out, func(a, b *agg) int {
		if c := cmp.Compare(g.label(a.key), g.label(b.key)); c != 0 {
			return c
		}
		return cmp.Compare(g.periodKey(a), g.periodKey(b))
	})
	return out
}

func (g *grouping) periodKey(a *agg) string {
	if a.period < 0 {
		return ""
	}
	return g.periods[a.period]
}

func hoursOrNil(n int64, secs float64) any {
	if n == 0 {
		return nil
	}
	return projections.Round4(secs / 3600)
}

func quantileH(d *stats.Dist, q float64) any {
	if d.Count() == 0 {
		return nil
	}
	return projections.Hours(d.Quantile(q))
}

// Report answers q: one row per group (and period), sorted by group then
// period. The default grouping is by unit.
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	if err := q.Check(projections.Dimensions...); err != nil {
		return nil, fmt.Errorf("timeliness: %w", err)
	}
	by := cmp.Or(q.By, projections.ByUnit)
	g := p.newGrouping(q, by, q.Period, true)
	// The charts need groups without a period, a trend by period and a
	// histogram: one pass with the table when it has no period.
	cg := g
	if q.Period != "" {
		cg = p.newGrouping(q, by, "", true)
		g.run()
	}
	cg.trend = p.newGrouping(q, byAll, cmp.Or(q.Period, projections.PeriodDay), false)
	cg.hist = make([]int64, len(buckets))
	cg.run()
	rows := g.sorted()

	cols := columns(by, q.Period != "")
	rep := &projections.Report{
		Projection: Name,
		Title:      "Handling time, same-day closure and on-time rate by " + by,
		Query:      q,
		Columns:    cols,
		Rows:       make([][]any, 0, len(rows)),
	}
	exact := true
	for _, a := range rows {
		exact = exact && a.citizen.Exact() && a.official.Exact()
		row := make([]any, 0, len(cols))
		row = append(row, g.label(a.key))
		if q.Period != "" {
			row = append(row, g.periodKey(a))
		}
		row = append(row,
			a.cases, a.resolved,
			hoursOrNil(a.resolved, float64(a.citizenSum)/float64(max(a.resolved, 1))),
			quantileH(&a.citizen, 0.50), quantileH(&a.citizen, 0.90), quantileH(&a.citizen, 0.95), quantileH(&a.citizen, 0.99),
			hoursOrNil(a.official.Count(), a.official.Mean()),
			quantileH(&a.official, 0.50), quantileH(&a.official, 0.90),
			hoursOrNil(a.intakeN, float64(a.intakeSum)/float64(max(a.intakeN, 1))),
			a.hops,
			hoursOrNil(a.hops, float64(a.dwellSum)/float64(max(a.hops, 1))),
			projections.Hours(a.dwellSum),
			a.sameDay, projections.Rate(a.sameDay, a.sameDayOf),
			a.onTime, projections.Rate(a.onTime, a.onTimeOf),
			a.open, a.openOverdue,
			hoursOrNil(a.open, float64(a.openAgeSum)/float64(max(a.open, 1))),
			hoursOrNil(a.open, float64(a.openAgeMax)),
			a.closedUnresolved,
		)
		rep.Rows = append(rep.Rows, row)
	}
	rep.Charts = p.charts(q, cg)
	rep.Notes = p.notes(exact)
	return rep, nil
}

func columns(by string, period bool) []projections.Column {
	cols := []projections.Column{{Key: by, Title: by, Kind: projections.KindText, Note: groupNote(by)}}
	if period {
		cols = append(cols, projections.Column{Key: "period", Title: "period", Kind: projections.KindText, Note: "day, ISO week or month of the report time, in the policy zone"})
	}
	h := projections.KindHours
	return append(cols,
		projections.Column{Key: "cases", Title: "cases", Kind: projections.KindCount, Note: "cases reported in the window"},
		projections.Column{Key: "resolved", Title: "resolved", Kind: projections.KindCount, Note: "cases whose last resolution stands (not reopened since)"},
		projections.Column{Key: "mean_citizen_h", Title: "mean citizen clock (h)", Kind: h, Note: "mean of reported -> final resolved over resolved cases"},
		projections.Column{Key: "p50_citizen_h", Title: "p50 citizen clock (h)", Kind: h, Note: "nearest-rank median of the citizen clock"},
		projections.Column{Key: "p90_citizen_h", Title: "p90 citizen clock (h)", Kind: h, Note: "nearest-rank 90th percentile of the citizen clock"},
		projections.Column{Key: "p95_citizen_h", Title: "p95 citizen clock (h)", Kind: h, Note: "nearest-rank 95th percentile of the citizen clock"},
		projections.Column{Key: "p99_citizen_h", Title: "p99 citizen clock (h)", Kind: h, Note: "nearest-rank 99th percentile of the citizen clock"},
		projections.Column{Key: "mean_official_h", Title: "mean official clock (h)", Kind: h, Note: "mean of first accepted -> final resolved over resolved cases that were accepted"},
		projections.Column{Key: "p50_official_h", Title: "p50 official clock (h)", Kind: h, Note: "nearest-rank median of the official clock"},
		projections.Column{Key: "p90_official_h", Title: "p90 official clock (h)", Kind: h, Note: "nearest-rank 90th percentile of the official clock"},
		projections.Column{Key: "mean_intake_h", Title: "mean intake (h)", Kind: h, Note: "mean of reported -> first dispatched over dispatched cases"},
		projections.Column{Key: "dwell_hops", Title: "signed hops", Kind: projections.KindCount, Note: "dispatches whose unsigned dwell has ended (by unit: the unit of the hop)"},
		projections.Column{Key: "mean_dwell_h", Title: "mean unsigned dwell (h)", Kind: h, Note: "mean of dispatched -> next accepted/returned by that unit, per hop"},
		projections.Column{Key: "total_dwell_h", Title: "total unsigned dwell (h)", Kind: h, Note: "sum of the unsigned dwell of the hops"},
		projections.Column{Key: "same_day", Title: "same-day closures", Kind: projections.KindCount, Note: "resolved cases resolved on the local calendar day they were reported"},
		projections.Column{Key: "same_day_rate", Title: "same-day rate", Kind: projections.KindRate, Note: "same_day / (resolved + open cases reported before the as-of day)"},
		projections.Column{Key: "on_time", Title: "on time", Kind: projections.KindCount, Note: "resolved cases resolved at or before their deadline (extensions applied)"},
		projections.Column{Key: "on_time_rate", Title: "on-time rate", Kind: projections.KindRate, Note: "on_time / (resolved + open_overdue)"},
		projections.Column{Key: "open", Title: "open", Kind: projections.KindCount, Note: "open backlog: never resolved, or reopened and not resolved again"},
		projections.Column{Key: "open_overdue", Title: "open overdue", Kind: projections.KindCount, Note: "open cases past their deadline as of the latest event time"},
		projections.Column{Key: "mean_open_age_h", Title: "mean open age (h)", Kind: h, Note: "mean of reported -> the latest event time, over open cases"},
		projections.Column{Key: "max_open_age_h", Title: "max open age (h)", Kind: h, Note: "oldest open case's age as of the latest event time"},
		projections.Column{Key: "closed_unresolved", Title: "closed unresolved", Kind: projections.KindCount, Note: "cases closed with no standing resolution (merged duplicates): neither backlog nor in the same-day and on-time rates"},
	)
}

func groupNote(by string) string {
	if by == projections.ByUnit {
		return "handling unit: the unit of the final resolution, or the unit last dispatched to; hop figures: the unit of the hop"
	}
	return "the case's " + by + " as reported"
}

func (p *Projection) notes(exact bool) []string {
	n := []string{
		"Citizen clock: case.reported -> final case.resolved. Official clock: first case.accepted -> final case.resolved. Intake: reported -> first dispatched.",
		"Unsigned dwell: each case.dispatched -> the next case.accepted or case.returned by the unit it was sent to (or the next dispatch or resolution if neither came first); a dispatch still unsigned is not counted yet.",
		"A reopened case counts as resolved only once it is resolved again; its clocks run to its last resolution.",
		"Case-level figures are attributed to the handling unit (the unit of the final case.resolved, or for an unresolved case the unit it was last dispatched to; \"(unassigned)\" if none); dwell is attributed to the unit of each hop.",
		"On time: resolved at or before the deadline of the case's deadline policy (calendar hours, or the same local time N working days later; holiday calendar applied), replaced by the last case.extended new_deadline.",
		"Same-day: resolved on the local calendar day it was reported, in " + p.rules.Location().String() + ".",
		"Ages and overdue are measured to the latest event time seen by the projection (" + p.asOf() + "), not to a wall clock.",
		"Percentiles are exact nearest-rank values.",
	}
	if !exact {
		n[len(n)-1] = fmt.Sprintf("Percentiles are nearest-rank; groups larger than the exactness budget use a sketch within %g%% relative error.", stats.RelativeError*100)
	}
	if p.unknownPolicy > 0 {
		n = append(n, fmt.Sprintf("%d cases named a deadline policy not in the policy table and were given the default policy %s.", p.unknownPolicy, p.rules.Default()))
	}
	return n
}

func (p *Projection) asOf() string {
	if p.latest == 0 && len(p.recs) == 0 {
		return "no events"
	}
	return time.Unix(p.latest, 0).In(p.rules.Location()).Format(time.RFC3339)
}
