package timeliness

import (
	"cmp"
	"slices"

	"github.com/govledger/govledger/projections"
)

// maxChartGroups bounds the groups drawn in the per-group charts (the
// groups with the most cases).
const maxChartGroups = 30

// histogram buckets of the citizen clock, upper bounds in hours.
var buckets = []struct {
	label string
	upTo  int64 // seconds, exclusive; 0 = no bound
}{
	{"<1h", 3600}, {"1-4h", 4 * 3600}, {"4-8h", 8 * 3600}, {"8-24h", 24 * 3600},
	{"1-3d", 72 * 3600}, {"3-7d", 168 * 3600}, {"7-15d", 360 * 3600}, {"15-30d", 720 * 3600}, {">=30d", 0},
}

func (p *Projection) charts(q projections.Query, g *grouping) []projections.Chart {
	top := slices.Clone(g.groups)
	slices.SortFunc(top, func(a, b *agg) int {
		if c := cmp.Compare(b.cases, a.cases); c != 0 {
			return c
		}
		return cmp.Compare(g.label(a.key), g.label(b.key))
	})
	if len(top) > maxChartGroups {
		top = top[:maxChartGroups]
	}
	slices.SortFunc(top, func(a, b *agg) int { return cmp.Compare(g.label(a.key), g.label(b.key)) })

	box := projections.Chart{Kind: "boxplot", ID: "citizen-clock-by-" + g.by, Title: "Citizen clock by " + g.by + " (h)", YLabel: "hours"}
	sameDay := projections.Series{Name: "same-day rate"}
	onTime := projections.Series{Name: "on-time rate"}
	for _, a := range top {
		if a.citizen.Count() > 0 {
			s := projections.Series{Name: g.label(a.key)}
			s.Points = append(s.Points, projections.Point{X: "min", Y: projections.Hours(a.citizen.Min())})
			for _, pq := range []struct {
				x string
				q float64
			}{{"p50", 0.5}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}} {
				s.Points = append(s.Points, projections.Point{X: pq.x, Y: projections.Hours(a.citizen.Quantile(pq.q))})
			}
			box.Series = append(box.Series, s)
		}
		if r, ok := projections.Rate(a.sameDay, a.sameDayOf).(float64); ok {
			sameDay.Points = append(sameDay.Points, projections.Point{X: g.label(a.key), Y: r})
		}
		if r, ok := projections.Rate(a.onTime, a.onTimeOf).(float64); ok {
			onTime.Points = append(onTime.Points, projections.Point{X: g.label(a.key), Y: r})
		}
	}
	rates := projections.Chart{Kind: "bar", ID: "rates-by-" + g.by, Title: "Same-day and on-time rates by " + g.by, YLabel: "rate", YKind: projections.KindRate, Series: []projections.Series{sameDay, onTime}}

	// Histogram and trend over every case in the window.
	hist := g.hist
	tr := g.trend
	period := tr.period
	h := projections.Chart{Kind: "histogram", ID: "citizen-clock-histogram", Title: "Citizen clock of resolved cases", XLabel: "citizen clock", YLabel: "cases"}
	hs := projections.Series{Name: "resolved cases"}
	for i, b := range buckets {
		hs.Points = append(hs.Points, projections.Point{X: b.label, Y: float64(hist[i])})
	}
	h.Series = []projections.Series{hs}

	// Trend: every case keyed 0, split by period.
	slices.SortFunc(tr.groups, func(a, b *agg) int { return cmp.Compare(tr.periodKey(a), tr.periodKey(b)) })
	mean := projections.Series{Name: "mean citizen clock (h)"}
	tsd := projections.Series{Name: "same-day rate"}
	tot := projections.Series{Name: "on-time rate"}
	for _, a := range tr.groups {
		x := tr.periodKey(a)
		if a.resolved > 0 {
			mean.Points = append(mean.Points, projections.Point{X: x, Y: projections.Round4(float64(a.citizenSum) / float64(a.resolved) / 3600)})
		}
		if r, ok := projections.Rate(a.sameDay, a.sameDayOf).(float64); ok {
			tsd.Points = append(tsd.Points, projections.Point{X: x, Y: r})
		}
		if r, ok := projections.Rate(a.onTime, a.onTimeOf).(float64); ok {
			tot.Points = append(tot.Points, projections.Point{X: x, Y: r})
		}
	}
	return []projections.Chart{
		box, h, rates,
		{Kind: "line", ID: "citizen-clock-trend", Title: "Mean citizen clock by " + period + " of report", XLabel: period, YLabel: "hours", Series: []projections.Series{mean}},
		{Kind: "line", ID: "rates-trend", Title: "Same-day and on-time rates by " + period + " of report", XLabel: period, YLabel: "rate", YKind: projections.KindRate, Series: []projections.Series{tsd, tot}},
	}
}
