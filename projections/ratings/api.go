package ratings

import (
	"cmp"
	"slices"

	"github.com/govledger/govledger/projections"
)

// Rates are one unit's (or the whole ledger's) figures over all time,
// with the attribution of the report. The rates are rounded to 4
// decimals and are 0 when Valid is 0 (undefined): check Valid first;
// ReopenRate is 0 when Resolved is 0.
type Rates struct {
	// Unit is the unit's id, "(unassigned)" or, for Totals, "(all)".
	Unit string
	// Valid counts the counted ratings (the latest valid rating of each case).
	Valid int64
	// Superseded counts earlier valid ratings replaced by a later one.
	Superseded int64
	// Invalid counts the ratings marked invalid.
	Invalid int64
	// Response, Resolution and Satisfaction are the three rates.
	Response, Resolution, Satisfaction float64
	// Composite is the weighted score of the three rates.
	Composite float64
	// Resolved counts the cases resolved at least once; Reopened, those
	// reopened at least once.
	Resolved, Reopened int64
	// ReopenRate is Reopened / Resolved.
	ReopenRate float64
}

func (p *Projection) figures(unit string, a *agg) Rates {
	r := Rates{Unit: unit, Valid: a.valid, Superseded: a.superseded, Invalid: a.invalid, Resolved: a.resolved, Reopened: a.reopened}
	if resp, res, sat, comp, ok := p.rates(a); ok {
		r.Response, r.Resolution = projections.Round4(resp), projections.Round4(res)
		r.Satisfaction, r.Composite = projections.Round4(sat), projections.Round4(comp)
	}
	if a.resolved > 0 {
		r.ReopenRate = projections.Round4(float64(a.reopened) / float64(a.resolved))
	}
	return r
}

// Units returns every unit's rates over all time, sorted by unit: the
// quickstart headline (response, resolution, satisfaction, composite).
func (p *Projection) Units() []Rates {
	groups := p.newView(projections.Query{}, projections.ByUnit, "").aggregate()
	out := make([]Rates, 0, len(groups))
	for _, k := range sortedKeys(groups) {
		out = append(out, p.figures(k.key, groups[k]))
	}
	return out
}

// Unit returns one unit's rates over all time, and false if the unit has
// no rating and no resolved case.
func (p *Projection) Unit(unit string) (Rates, bool) {
	for _, r := range p.Units() {
		if r.Unit == unit {
			return r, true
		}
	}
	return Rates{Unit: unit}, false
}

// Totals returns the rates of the whole ledger over all time, with Unit "(all)".
func (p *Projection) Totals() Rates {
	a := p.newView(projections.Query{}, byAll, "").aggregate()[gkey{key: all}]
	if a == nil {
		a = &agg{}
	}
	return p.figures(all, a)
}

// ReasonCount is the number of invalid ratings given one invalid_reason.
type ReasonCount struct {
	Reason string
	Count  int64
}

// InvalidReasons returns the invalid ratings by reason over all time, the
// most frequent first (ties by reason).
func (p *Projection) InvalidReasons() []ReasonCount {
	return p.newView(projections.Query{}, byAll, "").invalidReasons()
}

func (v *view) invalidReasons() []ReasonCount {
	counts := map[uint32]int64{}
	for _, r := range v.p.invalid {
		if v.keep[r.caseIdx] {
			counts[r.reason]++
		}
	}
	out := make([]ReasonCount, 0, len(counts))
	for id, n := range counts {
		out = append(out, ReasonCount{Reason: v.p.label(id), Count: n})
	}
	slices.SortFunc(out, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}
