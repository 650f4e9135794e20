package routing

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/stats"
)

// None labels a case without a value in the grouping dimension (a case
// reported without a street, say).
const None = "(none)"

// dims are the groupings Report supports; unit is the default.
var dims = []string{projections.ByUnit, projections.ByCategory, projections.ByChannel, projections.ByStreet, projections.ByCommunity, projections.ByGrid}

// byAll groups every fact into one row (Totals).
const byAll = "all"

// agg holds the figures of one row.
type agg struct {
	cases, first, rule, hopSum int64
	hist                       [4]int64 // cases with 1, 2, 3, 4+ hops
	dispatches, returns        int64
	reasons                    [4]int64 // by events.ReturnReasons; unknown codes count as other
	pingPong, fallback, forced int64
	contra                     int64
}

type gkey struct{ key, period string }

// reasonIndex returns the index of a return reason in events.ReturnReasons,
// unknown codes counting as "other".
func reasonIndex(s string) int {
	if i := slices.Index(events.ReturnReasons, s); i >= 0 {
		return i
	}
	return slices.Index(events.ReturnReasons, events.ReasonOther)
}

// view selects the facts of a query and says how to group them.
type view struct {
	p       *Projection
	q       projections.Query
	by      string
	keep    []bool // by case index: reported in [From, To)
	periods map[int64]string
}

func (p *Projection) newView(q projections.Query, by string) *view {
	v := &view{p: p, q: q, by: by, keep: make([]bool, len(p.cases)), periods: map[int64]string{}}
	for i := range p.cases {
		v.keep[i] = q.In(time.Unix(p.cases[i].reported, 0))
	}
	return v
}

// period returns the period key of a case's report time ("" if the query
// has no period). Zone offsets are whole quarter hours, so a quarter hour
// never straddles two days.
func (v *view) period(c *caseRec) string {
	if v.q.Period == "" {
		return ""
	}
	k := c.reported / 900
	if c.reported < 0 && c.reported%900 != 0 {
		k-- // floor
	}
	if s, ok := v.periods[k]; ok {
		return s
	}
	s := stats.Period(time.Unix(c.reported, 0), v.q.Period, v.p.loc)
	v.periods[k] = s
	return s
}

func (p *Projection) label(id uint32) string {
	if id == 0 {
		return None
	}
	return p.tab.Names[id]
}

// handler returns the name id of a case's handling unit (0: none).
func handler(c *caseRec) uint32 {
	if c.flags&cResolved != 0 {
		return c.resolvedUnit
	}
	return c.lastTo
}

// caseKey is the group of a case-level figure.
func (v *view) caseKey(c *caseRec) string {
	p := v.p
	switch v.by {
	case byAll:
		return "(all)"
	case projections.ByCategory:
		return p.label(c.cat)
	}
	if id, ok := p.tab.Dimension(c.loc, v.by); ok {
		return p.label(id)
	}
	if u := handler(c); u != 0 {
		return p.tab.Names[u]
	}
	return Unassigned
}

// hopKey is the group of a hop-level figure of unit u on case c.
func (v *view) hopKey(c *caseRec, u uint32) string {
	if v.by == projections.ByUnit {
		return v.p.label(u)
	}
	return v.caseKey(c)
}

// aggregate computes the rows of a view.
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
		a := get(gkey{v.caseKey(c), v.period(c)})
		a.cases++
		if c.flags&cDispatched != 0 {
			a.first++
			if c.firstMode == modeRule {
				a.rule++
			}
			a.hopSum += int64(c.hops)
			a.hist[min(c.hops, 4)-1]++
		}
		if c.flags&cPingPong != 0 {
			a.pingPong++
		}
	}
	for i := range p.hops {
		h := &p.hops[i]
		if !v.keep[h.caseIdx] {
			continue
		}
		c := &p.cases[h.caseIdx]
		a := get(gkey{v.hopKey(c, h.to), v.period(c)})
		a.dispatches++
		switch h.mode {
		case modeFallback:
			a.fallback++
		case modeForced:
			a.forced++
		}
		if h.flags&hContra != 0 {
			a.contra++
		}
	}
	for _, r := range p.rets {
		if !v.keep[r.caseIdx] {
			continue
		}
		c := &p.cases[r.caseIdx]
		a := get(gkey{v.hopKey(c, r.unit), v.period(c)})
		a.returns++
		a.reasons[reasonIndex(p.tab.Names[r.reason])]++
	}
	return out
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

// meanHops returns the mean hops of a row, or nil without dispatched cases.
func (a *agg) meanHops() any {
	if a.first == 0 {
		return nil
	}
	return projections.Round4(float64(a.hopSum) / float64(a.first))
}

// Report answers q: by default one row per unit over all time. By may be
// unit, category, channel, street, community or grid; Period splits every
// row by the period of the cases' report time; From/To keep the cases
// reported in [From, To) with all of their dispatches and returns.
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	if err := q.Check(dims...); err != nil {
		return nil, fmt.Errorf("routing: %w", err)
	}
	by := q.By
	if by == "" {
		by = projections.ByUnit
	}
	v := p.newView(q, by)
	groups := v.aggregate()

	cols := []projections.Column{{Key: by, Title: by, Kind: projections.KindText, Note: groupNote(by)}}
	if q.Period != "" {
		cols = append(cols, projections.Column{Key: "period", Title: "period (" + q.Period + ")", Kind: projections.KindText, Note: "the " + q.Period + " the cases were reported in, in " + p.loc.String()})
	}
	cols = append(cols, columns(by)...)

	rows := [][]any{}
	for _, k := range sortedKeys(groups) {
		a := groups[k]
		row := []any{k.key}
		if q.Period != "" {
			row = append(row, k.period)
		}
		row = append(row,
			a.cases, a.first, a.rule, projections.Rate(a.rule, a.first), a.meanHops(),
			a.hist[0], a.hist[1], a.hist[2], a.hist[3],
			a.dispatches, a.returns, projections.Rate(a.returns, a.dispatches),
			a.reasons[0], a.reasons[1], a.reasons[2], a.reasons[3],
			a.pingPong, a.fallback, a.forced, a.contra)
		rows = append(rows, row)
	}

	title := "Routing and buck-passing by " + by
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

func groupNote(by string) string {
	if by == projections.ByUnit {
		return "case-level figures: the case's handling unit; hop-level figures: the unit of the hop"
	}
	return "the case's " + by + " as reported; " + None + " if it has none"
}

// Column keys, in report order after the group and period columns.
func columns(by string) []projections.Column {
	cases, disp := "cases", "dispatches of the group's cases"
	if by == projections.ByUnit {
		cases, disp = "cases whose handling unit this is", "dispatches the unit received"
	}
	c := func(key, title, kind, note string) projections.Column {
		return projections.Column{Key: key, Title: title, Kind: kind, Note: note}
	}
	rr := func(i int) projections.Column {
		r := events.ReturnReasons[i]
		return c("returns_"+r, "returns: "+r, projections.KindCount, "returns with reason code "+r)
	}
	return []projections.Column{
		c("cases", "cases", projections.KindCount, cases),
		c("first_dispatches", "first dispatches", projections.KindCount, "cases dispatched at least once (one first dispatch each)"),
		c("rule_first_dispatches", "rule first dispatches", projections.KindCount, "first dispatches with mode rule"),
		c("auto_dispatch_rate", "auto-dispatch rate", projections.KindRate, "rule first dispatches / first dispatches"),
		c("mean_hops", "mean hops", projections.KindNumber, "dispatches per case, over the cases dispatched at least once"),
		c("hops_1", "cases with 1 hop", projections.KindCount, "cases dispatched exactly once"),
		c("hops_2", "cases with 2 hops", projections.KindCount, "cases dispatched exactly twice"),
		c("hops_3", "cases with 3 hops", projections.KindCount, "cases dispatched exactly three times"),
		c("hops_4plus", "cases with 4+ hops", projections.KindCount, "cases dispatched four times or more"),
		c("dispatches", "dispatches", projections.KindCount, disp),
		c("returns", "returns", projections.KindCount, "case.returned by the unit (by unit) or of the group's cases"),
		c("return_rate", "return rate", projections.KindRate, "returns / dispatches"),
		rr(0), rr(1), rr(2), rr(3),
		c("ping_pong_cases", "ping-pong cases", projections.KindCount, "cases that reached a unit they had already left (A -> B -> A, A -> B -> C -> A)"),
		c("fallback", "fallback dispatches", projections.KindCount, "dispatches with mode fallback (兜底)"),
		c("forced", "forced dispatches", projections.KindCount, "dispatches with mode forced (ruling after a dispute)"),
		c("contradictions", "list contradictions", projections.KindCount, "rule or manual dispatches that contradict the responsibility list in force"),
	}
}

func (p *Projection) notes() []string {
	return []string{
		"Unit attribution: case-level figures (cases, first dispatches, auto-dispatch rate, hops, ping-pong) go to the case's handling unit, the unit of its final case.resolved or, for an unresolved case, the unit it was last dispatched to (" + Unassigned + " if none); hop-level figures (dispatches, returns, fallback, forced, contradictions) go to the unit of the hop: the receiver of the dispatch or the unit that returned the case.",
		"Auto-dispatch rate = first dispatches with mode rule / all first dispatches.",
		"Hops = dispatches per case (re-dispatches after returns and reopenings included); mean hops is over the cases dispatched at least once; cases never dispatched (answered by the centre) count in cases only.",
		"Return rate = returns / dispatches.",
		"Ping-pong: a case that reaches a unit it has already left; a unit leaves a case when it sends it on, returns it, or holds it when it is dispatched elsewhere; a unit that resolved a case and gets it back after a reopening has not left it.",
		"Contradiction: a rule or manual dispatch whose receiver differs from the unit the responsibility list in force at the dispatch's occurred_at routes the case's category and street to; a rule dispatch also contradicts when it cites another list version or the list routes nothing for the case; a manual dispatch of a case the list does not route is not judged. The list in force at t is the one with the latest effective_from at or before t (higher version on a tie).",
		"Transfer network: an edge from the unit holding a case (the receiver of its previous dispatch) to the unit it was dispatched to next, whether it was returned in between or sent on; first dispatches are left out.",
		"Handover network: an edge per (from, to) of the dispatches; dwell is the time from when the case last came to rest (reported, previous dispatch, return or reopening) to the dispatch that passed it on; mean and median (nearest rank) in hours.",
		"From/To keep the cases reported in [From, To) with all of their dispatches and returns; periods are those of the report time, in " + p.loc.String() + ".",
	}
}

// maxChartEdges bounds the edges drawn in the network chart.
const maxChartEdges = 80

func (p *Projection) charts(q projections.Query) []projections.Chart {
	v := p.newView(q, byAll)
	edges := v.network()
	net := projections.Chart{Kind: "network", ID: "handover-network", Title: "Handover network (dispatches from -> to)"}
	shown := slices.Clone(edges)
	if len(shown) > maxChartEdges {
		slices.SortStableFunc(shown, func(a, b Handover) int { return cmp.Compare(b.Count, a.Count) })
		shown = shown[:maxChartEdges]
		net.Title = fmt.Sprintf("Handover network: the %d busiest of %d edges", maxChartEdges, len(edges))
		slices.SortFunc(shown, func(a, b Handover) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) })
	}
	nodes := map[string]bool{}
	for _, e := range shown {
		nodes[e.From], nodes[e.To] = true, true
		net.Edges = append(net.Edges, projections.Edge{From: e.From, To: e.To, Weight: float64(e.Count),
			Label: fmt.Sprintf("%d, median %.1f h", e.Count, e.MedianHours)})
	}
	for n := range nodes {
		net.Nodes = append(net.Nodes, n)
	}
	slices.Sort(net.Nodes)

	transfers := v.transfers()
	moved := projections.Chart{Kind: "network", ID: "transfer-network",
		Title: "Transfers between units (the holder -> the next unit; first dispatches left out)"}
	if len(transfers) > maxChartEdges {
		slices.SortStableFunc(transfers, func(a, b Transfer) int { return cmp.Compare(b.Count, a.Count) })
		moved.Title = fmt.Sprintf("Transfers between units: the %d most frequent of %d (first dispatches left out)", maxChartEdges, len(transfers))
		transfers = transfers[:maxChartEdges]
		slices.SortFunc(transfers, func(a, b Transfer) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) })
	}
	tnodes := map[string]bool{}
	for _, e := range transfers {
		tnodes[e.From], tnodes[e.To] = true, true
		moved.Edges = append(moved.Edges, projections.Edge{From: e.From, To: e.To, Weight: float64(e.Count), Label: fmt.Sprint(e.Count)})
	}
	for n := range tnodes {
		moved.Nodes = append(moved.Nodes, n)
	}
	slices.Sort(moved.Nodes)

	tot := v.aggregate()[gkey{key: "(all)"}]
	if tot == nil {
		tot = &agg{}
	}
	hist := projections.Chart{Kind: "histogram", ID: "hops", Title: "Cases by number of hops", XLabel: "hops", YLabel: "cases",
		Series: []projections.Series{{Name: "cases", Points: []projections.Point{
			{X: "1", Y: float64(tot.hist[0])}, {X: "2", Y: float64(tot.hist[1])}, {X: "3", Y: float64(tot.hist[2])}, {X: "4+", Y: float64(tot.hist[3])},
		}}}}
	bar := projections.Chart{Kind: "bar", ID: "returns-by-reason", Title: "Returns by reason", XLabel: "reason", YLabel: "returns",
		Series: []projections.Series{{Name: "returns"}}}
	for i, r := range events.ReturnReasons {
		bar.Series[0].Points = append(bar.Series[0].Points, projections.Point{X: r, Y: float64(tot.reasons[i])})
	}
	return []projections.Chart{moved, net, hist, bar}
}
