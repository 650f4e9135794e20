package routing

import (
	"cmp"
	"slices"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/stats"
)

// Figures are one unit's (or the whole ledger's) routing figures over all
// time, with the attribution of the report (case-level figures to the
// handling unit, hop-level figures to the unit of the hop). A rate is 0
// when its denominator is 0: check the count beside it.
type Figures struct {
	// Unit is the unit's id, "(unassigned)" or, for Totals, "(all)".
	Unit string
	// Cases counts the cases whose handling unit this is.
	Cases int64
	// FirstDispatches counts those cases dispatched at least once.
	FirstDispatches int64
	// RuleFirstDispatches counts the first dispatches with mode rule.
	RuleFirstDispatches int64
	// AutoDispatchRate is RuleFirstDispatches / FirstDispatches, rounded to 4 decimals.
	AutoDispatchRate float64
	// MeanHops is the dispatches per case over the cases dispatched, rounded to 4 decimals.
	MeanHops float64
	// Hops counts the cases with 1, 2, 3 and 4 or more dispatches.
	Hops [4]int64
	// Dispatches counts the dispatches the unit received.
	Dispatches int64
	// Returns counts the case.returned by the unit.
	Returns int64
	// ReturnRate is Returns / Dispatches, rounded to 4 decimals.
	ReturnRate float64
	// PingPong counts the ping-pong cases whose handling unit this is.
	PingPong int64
	// Fallback and Forced count the dispatches of those modes the unit received.
	Fallback, Forced int64
	// Contradictions counts the dispatches the unit received that contradict the list in force.
	Contradictions int64
}

func figures(unit string, a *agg) Figures {
	f := Figures{Unit: unit, Cases: a.cases, FirstDispatches: a.first, RuleFirstDispatches: a.rule,
		Hops: a.hist, Dispatches: a.dispatches, Returns: a.returns, PingPong: a.pingPong,
		Fallback: a.fallback, Forced: a.forced, Contradictions: a.contra}
	if a.first > 0 {
		f.AutoDispatchRate = projections.Round4(float64(a.rule) / float64(a.first))
		f.MeanHops = projections.Round4(float64(a.hopSum) / float64(a.first))
	}
	if a.dispatches > 0 {
		f.ReturnRate = projections.Round4(float64(a.returns) / float64(a.dispatches))
	}
	return f
}

// Units returns every unit's figures over all time, sorted by unit: the
// quickstart headline (auto-dispatch rate, mean hops, returns).
func (p *Projection) Units() []Figures {
	groups := p.newView(projections.Query{}, projections.ByUnit).aggregate()
	out := make([]Figures, 0, len(groups))
	for _, k := range sortedKeys(groups) {
		out = append(out, figures(k.key, groups[k]))
	}
	return out
}

// Unit returns one unit's figures over all time, and false if the unit
// has no case, dispatch or return.
func (p *Projection) Unit(unit string) (Figures, bool) {
	for _, f := range p.Units() {
		if f.Unit == unit {
			return f, true
		}
	}
	return Figures{Unit: unit}, false
}

// Totals returns the figures of the whole ledger over all time, with Unit "(all)".
func (p *Projection) Totals() Figures {
	a := p.newView(projections.Query{}, byAll).aggregate()[gkey{key: "(all)"}]
	if a == nil {
		a = &agg{}
	}
	return figures("(all)", a)
}

// PingPongCase is a case that reached a unit it had already left.
type PingPongCase struct {
	// Case is the case id.
	Case string
	// Reported is when the case was reported, in the projection's zone.
	Reported time.Time
	// Handler is the case's handling unit now.
	Handler string
	// Path is the units the case went through: the sender of its first
	// dispatch, then the receiver of every dispatch, in order.
	Path []string
	// Revisited is the unit reached again by the first dispatch that made
	// the case ping-pong.
	Revisited string
}

// chain returns the hops of case ci, first to last.
func (p *Projection) chain(ci uint32) []*hop {
	var out []*hop
	for i := p.cases[ci].lastHop; i != 0; i = p.hops[i-1].prev {
		out = append(out, &p.hops[i-1])
	}
	slices.Reverse(out)
	return out
}

// PingPong lists every ping-pong case over all time, sorted by case id.
func (p *Projection) PingPong() []PingPongCase {
	var out []PingPongCase
	for ci, id := range p.named {
		c := &p.cases[ci]
		if c.flags&cPingPong == 0 {
			continue
		}
		pc := PingPongCase{Case: id, Reported: time.Unix(c.reported, 0).In(p.loc), Handler: Unassigned}
		if u := handler(c); u != 0 {
			pc.Handler = p.tab.Names[u]
		}
		for j, h := range p.chain(ci) {
			if j == 0 {
				pc.Path = append(pc.Path, p.tab.Names[h.from])
			}
			pc.Path = append(pc.Path, p.tab.Names[h.to])
			if h.flags&hPingPong != 0 && pc.Revisited == "" {
				pc.Revisited = p.tab.Names[h.to]
			}
		}
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b PingPongCase) int { return cmp.Compare(a.Case, b.Case) })
	return out
}

// Contradiction is a dispatch that contradicts the responsibility list in
// force when it was made.
type Contradiction struct {
	// Case is the case id.
	Case string
	// At is the dispatch's occurred_at, in the projection's zone.
	At time.Time
	// Mode is the dispatch mode: "rule" or "manual".
	Mode string
	// Category and Street are the case's, as reported ("" if none).
	Category, Street string
	// ListVersion is the version of the list in force (0: none was).
	ListVersion int
	// CitedVersion is the list version the dispatch cites (0: none).
	CitedVersion int
	// Expected is the unit the list in force routes the case to ("" if
	// no list was in force or it routes nothing for the case).
	Expected string
	// Actual is the unit the case was dispatched to.
	Actual string
}

// Contradictions lists every contradicting dispatch over all time, by
// case id, then in the order they were made.
func (p *Projection) Contradictions() []Contradiction {
	out := make([]Contradiction, 0, len(p.contra))
	for _, k := range p.contra {
		h := &p.hops[k.hop]
		c := &p.cases[h.caseIdx]
		out = append(out, Contradiction{
			Case: p.named[h.caseIdx], At: time.Unix(k.at, 0).In(p.loc), Mode: modeNames[h.mode],
			Category: p.tab.Names[c.cat], Street: p.tab.Names[p.tab.Locs[c.loc].Street],
			ListVersion: int(k.inForce), CitedVersion: int(k.cited),
			Expected: p.tab.Names[k.expected], Actual: p.tab.Names[h.to],
		})
	}
	slices.SortStableFunc(out, func(a, b Contradiction) int { return cmp.Compare(a.Case, b.Case) })
	return out
}

// Handover is one edge of the handover network: the dispatches from one
// unit to another and how long the cases sat before being passed on.
type Handover struct {
	// From and To are the sending and the receiving unit.
	From, To string
	// Count is the number of dispatches from From to To.
	Count int64
	// MeanHours and MedianHours are the mean and nearest-rank median of
	// the dwell before each dispatch, in hours rounded to 4 decimals.
	MeanHours, MedianHours float64
}

// Network returns the handover network over all time, sorted by from and to.
func (p *Projection) Network() []Handover {
	return p.newView(projections.Query{}, byAll).network()
}

// Transfer is one edge of the transfer network: how many times a case
// went from the unit holding it (the receiver of its previous dispatch)
// to another unit. First dispatches, from the dispatch centre, are not
// transfers.
type Transfer struct {
	From, To string
	Count    int64
}

// Transfers returns the transfer network over all cases, sorted by from
// and to: buck-passing between handling units, with the dispatcher in
// between left out.
func (p *Projection) Transfers() []Transfer {
	return p.newView(projections.Query{}, byAll).transfers()
}

func (v *view) transfers() []Transfer {
	p := v.p
	type edge struct{ from, to uint32 }
	counts := map[edge]int64{}
	for i := range p.hops {
		h := &p.hops[i]
		if h.prev == 0 || !v.keep[h.caseIdx] {
			continue
		}
		if from := p.hops[h.prev-1].to; from != h.to {
			counts[edge{from, h.to}]++
		}
	}
	out := make([]Transfer, 0, len(counts))
	for k, n := range counts {
		out = append(out, Transfer{From: p.tab.Names[k.from], To: p.tab.Names[k.to], Count: n})
	}
	slices.SortFunc(out, func(a, b Transfer) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) })
	return out
}

func (v *view) network() []Handover {
	p := v.p
	type edge struct{ from, to uint32 }
	dists := map[edge]*stats.Dist{}
	for i := range p.hops {
		h := &p.hops[i]
		if !v.keep[h.caseIdx] {
			continue
		}
		k := edge{h.from, h.to}
		d := dists[k]
		if d == nil {
			d = &stats.Dist{}
			dists[k] = d
		}
		d.Add(int64(h.dwell))
	}
	out := make([]Handover, 0, len(dists))
	for k, d := range dists {
		out = append(out, Handover{From: p.tab.Names[k.from], To: p.tab.Names[k.to], Count: d.Count(),
			MeanHours: projections.Round4(d.Mean() / 3600), MedianHours: projections.Hours(d.Quantile(0.5))})
	}
	slices.SortFunc(out, func(a, b Handover) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) })
	return out
}
