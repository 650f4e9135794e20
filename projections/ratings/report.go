package ratings

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/stats"
)

// None labels a case without a value in the grouping dimension.
const None = "(none)"

var dims = []string{projections.ByUnit, projections.ByCategory, projections.ByChannel, projections.ByStreet, projections.ByCommunity, projections.ByGrid}

// byAll groups every fact into one row (Totals, trend chart).
const byAll = "all"

// all is the key of the byAll row.
const all = "(all)"

// agg holds the counts of one row.
type agg struct {
	valid, superseded, invalid int64
	contacted, solved          int64
	satisfied, basically       int64
	resolved, reopened         int64
}

type gkey struct{ key, period string }

// rates returns response, resolution, satisfaction and composite, unrounded
// (ok false without valid ratings).
func (p *Projection) rates(a *agg) (resp, res, sat, comp float64, ok bool) {
	if a.valid == 0 {
		return 0, 0, 0, 0, false
	}
	v := float64(a.valid)
	resp = float64(a.contacted) / v
	res = float64(a.solved) / v
	sat = (float64(a.satisfied) + p.basically*float64(a.basically)) / v
	comp = p.w.Response*resp + p.w.Resolution*res + p.w.Satisfaction*sat
	return resp, res, sat, comp, true
}

type view struct {
	p       *Projection
	q       projections.Query
	by      string
	period  string
	keep    []bool
	periods map[int64]string
}

func (p *Projection) newView(q projections.Query, by, period string) *view {
	v := &view{p: p, q: q, by: by, period: period, keep: make([]bool, len(p.cases)), periods: map[int64]string{}}
	for i := range p.cases {
		v.keep[i] = q.In(time.Unix(p.cases[i].reported, 0))
	}
	return v
}

// periodOf returns the period key of unix time t ("" without a period).
// Zone offsets are whole quarter hours: a quarter hour is in one day.
func (v *view) periodOf(t int64) string {
	if v.period == "" {
		return ""
	}
	k := t / 900
	if t < 0 && t%900 != 0 {
		k--
	}
	if s, ok := v.periods[k]; ok {
		return s
	}
	s := stats.Period(time.Unix(t, 0), v.period, v.p.loc)
	v.periods[k] = s
	return s
}

func (p *Projection) label(id uint32) string {
	if id == 0 {
		return None
	}
	return p.tab.Names[id]
}

// key is the group of a fact of case c attributed to unit u.
func (v *view) key(c *caseRec, u uint32) string {
	p := v.p
	switch v.by {
	case byAll:
		return all
	case projections.ByCategory:
		return p.label(c.cat)
	}
	if id, ok := p.tab.Dimension(c.loc, v.by); ok {
		return p.label(id)
	}
	if u == 0 {
		return Unassigned
	}
	return p.tab.Names[u]
}

func (v *view) aggregate() map[gkey]*agg {
	p := v.p
	out := map[gkey]*agg{}
	get := func(k gkey) *agg {
		a := out[k]
		if a == nil {
			a = &agg{}
			out[k] = a
		}
		return a
	}
	for i := range p.cases {
		if !v.keep[i] {
			continue
		}
		c := &p.cases[i]
		if c.flags&cEverResolved != 0 {
			a := get(gkey{v.key(c, handler(c)), v.periodOf(c.reported)})
			a.resolved++
			if c.flags&cReopened != 0 {
				a.reopened++
			}
		}
		if c.flags&cRated != 0 {
			a := get(gkey{v.key(c, c.ratedUnit), v.periodOf(v.p.ratingTime(c.ratedAt, c))})
			a.valid++
			a.superseded += int64(c.superseded)
			if c.answer&aContacted != 0 {
				a.contacted++
			}
			if c.answer&aSolved != 0 {
				a.solved++
			}
			if c.answer&aSatisfied != 0 {
				a.satisfied++
			}
			if c.answer&aBasically != 0 {
				a.basically++
			}
		}
	}
	for _, r := range p.invalid {
		if !v.keep[r.caseIdx] {
			continue
		}
		c := &p.cases[r.caseIdx]
		get(gkey{v.key(c, r.unit), v.periodOf(p.ratingTime(r.at, c))}).invalid++
	}
	return out
}

// ratingTime is the time that puts a rating of case c made at t in a period.
func (p *Projection) ratingTime(t int64, c *caseRec) int64 {
	if p.periodOfReport {
		return c.reported
	}
	return t
}

func sortedKeys(m map[gkey]*agg) []gkey {
	keys := make([]gkey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b gkey) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.period, b.period))
	})
	return keys
}

// Report answers q: by default one row per unit over all time. By may be
// unit, category, channel, street, community or grid; Period splits the
// rating figures by the period of the rating and the reopen figures by
// the period of the case's report; From/To keep the cases reported in
// [From, To).
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	if err := q.Check(dims...); err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	by := q.By
	if by == "" {
		by = projections.ByUnit
	}
	groups := p.newView(q, by, q.Period).aggregate()

	note := "the case's " + by + " as reported; " + None + " if it has none"
	if by == projections.ByUnit {
		note = "ratings: the case's handling unit at the time of the rating; reopen figures: the case's handling unit"
	}
	cols := []projections.Column{{Key: by, Title: by, Kind: projections.KindText, Note: note}}
	if q.Period != "" {
		note := "ratings: the " + q.Period + " of the rating; reopen figures: the " + q.Period + " of the case's report; in " + p.loc.String()
		if p.periodOfReport {
			note = "the " + q.Period + " of the case's report, in " + p.loc.String()
		}
		cols = append(cols, projections.Column{Key: "period", Title: "period (" + q.Period + ")", Kind: projections.KindText, Note: note})
	}
	cols = append(cols, p.columns()...)
	rows := [][]any{}
	for _, k := range sortedKeys(groups) {
		a := groups[k]
		row := []any{k.key}
		if q.Period != "" {
			row = append(row, k.period)
		}
		row = append(row, a.valid, a.superseded, a.invalid, a.contacted, a.solved, a.satisfied, a.basically,
			a.valid-a.satisfied-a.basically)
		resp, res, sat, comp, ok := p.rates(a)
		if ok {
			row = append(row, projections.Round4(resp), projections.Round4(res), projections.Round4(sat), projections.Round4(comp))
		} else {
			row = append(row, nil, nil, nil, nil)
		}
		row = append(row, a.resolved, a.reopened, projections.Rate(a.reopened, a.resolved))
		rows = append(rows, row)
	}
	title := "Three rates (三率) and reopen rate by " + by
	if q.Period != "" {
		title += " and " + q.Period
	}
	return &projections.Report{
		Projection: Name,
		Title:      title,
		Query:      q,
		Columns:    cols,
		Rows:       rows,
		Charts:     p.charts(q),
		Notes:      p.notes(),
	}, nil
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func (p *Projection) columns() []projections.Column {
	c := func(key, title, kind, note string) projections.Column {
		return projections.Column{Key: key, Title: title, Kind: kind, Note: note}
	}
	return []projections.Column{
		c("valid_ratings", "valid ratings", projections.KindCount, "counted ratings: the latest valid rating of each case"),
		c("superseded_ratings", "superseded ratings", projections.KindCount, "earlier valid ratings of the same cases, replaced by a later valid rating and not counted (shown with the rating that counts)"),
		c("invalid_ratings", "invalid ratings", projections.KindCount, "ratings marked invalid, never counted"),
		c("contacted", "contacted", projections.KindCount, "counted ratings saying the unit contacted the citizen"),
		c("solved", "solved", projections.KindCount, "counted ratings saying the problem was solved"),
		c("satisfied", "satisfied", projections.KindCount, "counted ratings answering satisfied"),
		c("basically_satisfied", "basically satisfied", projections.KindCount, "counted ratings answering basically satisfied"),
		c("unsatisfied", "unsatisfied", projections.KindCount, "counted ratings answering neither"),
		c("response_rate", "response rate", projections.KindRate, "contacted / valid ratings"),
		c("resolution_rate", "resolution rate", projections.KindRate, "solved / valid ratings"),
		c("satisfaction_rate", "satisfaction rate", projections.KindRate, "(satisfied + "+num(p.basically)+" x basically satisfied) / valid ratings"),
		c("composite", "composite score", projections.KindRate, num(p.w.Response)+" response + "+num(p.w.Resolution)+" resolution + "+num(p.w.Satisfaction)+" satisfaction"),
		c("resolved_cases", "resolved cases", projections.KindCount, "cases resolved at least once"),
		c("reopened_cases", "reopened cases", projections.KindCount, "of those, cases reopened at least once"),
		c("reopen_rate", "reopen rate", projections.KindRate, "reopened cases / resolved cases"),
	}
}

func (p *Projection) notes() []string {
	return []string{
		"Three rates over valid ratings: response = contacted / valid; resolution = solved / valid; satisfaction = (satisfied + " + num(p.basically) + " x basically satisfied) / valid; composite = " + num(p.w.Response) + " response + " + num(p.w.Resolution) + " resolution + " + num(p.w.Satisfaction) + " satisfaction, from the unrounded rates.",
		"A case rated more than once (after a reopening) counts once: its latest valid rating counts and earlier valid ratings are superseded (shown apart); invalid ratings never count and never supersede a valid one, and each is counted as invalid with its reason.",
		"Unit attribution: a rating goes to the case's handling unit at the time of the rating (the unit of its last case.resolved then); reopen figures go to the case's handling unit now, the unit of its final case.resolved or, for an unresolved case, the unit it was last dispatched to (" + Unassigned + " if none).",
		"Reopen rate = reopened cases / resolved cases; a case counts once however many times it was resolved or reopened.",
		p.periodNote(),
	}
}

func (p *Projection) periodNote() string {
	if p.periodOfReport {
		return "Periods: ratings and reopen figures are in the period of the case's report, in " + p.loc.String() + ". From/To keep the cases reported in [From, To)."
	}
	return "Periods: a rating is in the period of its occurred_at; reopen figures are in the period of the case's report; in " + p.loc.String() + ". From/To keep the cases reported in [From, To)."
}

func (p *Projection) charts(q projections.Query) []projections.Chart {
	bar := projections.Chart{Kind: "bar", ID: "rates-by-unit", Title: "Three rates and composite by unit", XLabel: "unit", YLabel: "rate", YKind: projections.KindRate}
	names := []string{"response", "resolution", "satisfaction", "composite"}
	for _, n := range names {
		bar.Series = append(bar.Series, projections.Series{Name: n, Points: []projections.Point{}})
	}
	byUnit := p.newView(q, projections.ByUnit, "").aggregate()
	for _, k := range sortedKeys(byUnit) {
		resp, res, sat, comp, ok := p.rates(byUnit[k])
		if !ok {
			continue
		}
		for i, y := range []float64{resp, res, sat, comp} {
			bar.Series[i].Points = append(bar.Series[i].Points, projections.Point{X: k.key, Y: projections.Round4(y)})
		}
	}

	period := q.Period
	if period == "" {
		period = projections.PeriodWeek
	}
	of := " of rating"
	if p.periodOfReport {
		of = " of report"
	}
	line := projections.Chart{Kind: "line", ID: "composite-trend", Title: "Composite score by " + period + of, XLabel: period, YLabel: "composite", YKind: projections.KindRate,
		Series: []projections.Series{{Name: "composite", Points: []projections.Point{}}}}
	trend := p.newView(q, byAll, period).aggregate()
	for _, k := range sortedKeys(trend) {
		if _, _, _, comp, ok := p.rates(trend[k]); ok {
			line.Series[0].Points = append(line.Series[0].Points, projections.Point{X: k.period, Y: projections.Round4(comp)})
		}
	}

	inv := projections.Chart{Kind: "bar", ID: "invalid-by-reason", Title: "Invalid ratings by reason", XLabel: "reason", YLabel: "ratings",
		Series: []projections.Series{{Name: "invalid ratings", Points: []projections.Point{}}}}
	for _, r := range p.newView(q, byAll, "").invalidReasons() {
		inv.Series[0].Points = append(inv.Series[0].Points, projections.Point{X: r.Reason, Y: float64(r.Count)})
	}
	return []projections.Chart{bar, line, inv}
}
