package timeliness

import (
	"time"

	"github.com/govledger/govledger/projections"
)

// UnitFigures are one handling unit's headline figures over every case
// (no window), as the report's by-unit row computes them.
type UnitFigures struct {
	// Unit is the handling unit id, "(unassigned)" for cases never
	// dispatched nor resolved.
	Unit string
	// Cases is the number of cases attributed to the unit.
	Cases int64
	// Resolved is the number of those cases resolved (and not reopened
	// since).
	Resolved int64
	// Open is the unit's open backlog.
	Open int64
	// P50CitizenH and P90CitizenH are the nearest-rank median and 90th
	// percentile of the citizen clock in hours (0 when Resolved is 0).
	P50CitizenH, P90CitizenH float64
	// SameDay of SameDayOf cases were resolved the day they were reported
	// (SameDayOf: resolved cases plus open ones reported before the as-of
	// day).
	SameDay, SameDayOf int64
	// OnTime of OnTimeOf cases were resolved by their deadline (OnTimeOf:
	// resolved cases plus open overdue ones).
	OnTime, OnTimeOf int64
}

// SameDayRate returns SameDay/SameDayOf, and false when undefined.
func (u UnitFigures) SameDayRate() (float64, bool) { return ratio(u.SameDay, u.SameDayOf) }

// OnTimeRate returns OnTime/OnTimeOf, and false when undefined.
func (u UnitFigures) OnTimeRate() (float64, bool) { return ratio(u.OnTime, u.OnTimeOf) }

func ratio(n, d int64) (float64, bool) {
	if d == 0 {
		return 0, false
	}
	return float64(n) / float64(d), true
}

// Units returns every handling unit's headline figures, sorted by unit id
// (the quickstart headline table).
func (p *Projection) Units() []UnitFigures {
	g := p.newGrouping(projections.Query{}, projections.ByUnit, "", true)
	g.run()
	out := make([]UnitFigures, 0, len(g.groups))
	for _, a := range g.sorted() {
		if a.cases == 0 {
			continue // a unit that only held hops
		}
		out = append(out, UnitFigures{
			Unit: g.label(a.key), Cases: a.cases, Resolved: a.resolved, Open: a.open,
			P50CitizenH: projections.Hours(a.citizen.Quantile(0.5)), P90CitizenH: projections.Hours(a.citizen.Quantile(0.9)),
			SameDay: a.sameDay, SameDayOf: a.sameDayOf, OnTime: a.onTime, OnTimeOf: a.onTimeOf,
		})
	}
	return out
}

// AsOf is the latest event time the projection has seen: the time open
// cases' ages and overdue status are measured to (zero before any event).
func (p *Projection) AsOf() time.Time {
	if p.latest == 0 {
		return time.Time{}
	}
	return time.Unix(p.latest, 0).In(p.rules.Location())
}

// UnknownPolicies is the number of cases whose deadline policy was not in
// the policy table and fell back to the default policy.
func (p *Projection) UnknownPolicies() int64 { return p.unknownPolicy }

var _ projections.Configured = (*Projection)(nil)

// ConfigFingerprint implements projections.Configured: a checkpoint made
// under other deadline rules or another zone is rebuilt.
func (p *Projection) ConfigFingerprint() string { return p.rules.Fingerprint() }
