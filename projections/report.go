package projections

import (
	"fmt"
	"time"
)

// Dimensions a report can group by.
const (
	ByUnit      = "unit"
	ByCategory  = "category"
	ByChannel   = "channel"
	ByStreet    = "street"
	ByCommunity = "community"
	ByGrid      = "grid"
)

// Dimensions lists every grouping dimension, in documentation order.
var Dimensions = []string{ByUnit, ByCategory, ByChannel, ByStreet, ByCommunity, ByGrid}

// Periods a report can bucket by.
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"  // ISO week, "2026-W48"
	PeriodMonth = "month" // "2026-11"
)

// Query is what a reviewer asks a Reporter. The zero Query asks for the
// projection's default grouping over all time.
type Query struct {
	// By is the grouping dimension (one of Dimensions); "" means the
	// projection's default.
	By string `json:"by,omitempty"`
	// Period, if set, splits every group by day, week or month (in the
	// projection's zone).
	Period string `json:"period,omitempty"`
	// From and To, if set, keep the facts whose reference time (for a case,
	// when it was reported) is in [From, To).
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}

// Check returns an error naming the first bad field.
func (q Query) Check(dims ...string) error {
	if q.By != "" {
		ok := false
		for _, d := range dims {
			ok = ok || d == q.By
		}
		if !ok {
			return fmt.Errorf("%w: --by %q (this report groups by %v)", ErrQuery, q.By, dims)
		}
	}
	switch q.Period {
	case "", PeriodDay, PeriodWeek, PeriodMonth:
	default:
		return fmt.Errorf("%w: --period %q (want day, week or month)", ErrQuery, q.Period)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return fmt.Errorf("%w: --to %s is not after --from %s", ErrQuery, q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))
	}
	return nil
}

// In reports whether t falls in the query's [From, To) window.
func (q Query) In(t time.Time) bool {
	if !q.From.IsZero() && t.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && !t.Before(q.To) {
		return false
	}
	return true
}

// Report is a projection's answer: a table, optional charts and notes. Its
// JSON form is documented in docs/report-json.md and stable within a
// projection version: fields are only ever added.
type Report struct {
	// Projection is the name and version that produced the report.
	Projection string `json:"projection"`
	// Position is the last global position folded into the state.
	Position uint64 `json:"position"`
	// Digest is the SHA-256 of the projection's state, hex ("" if the
	// projection is not Stateful).
	Digest string `json:"digest,omitempty"`
	// Title says what the table shows.
	Title string `json:"title"`
	// Query is the query answered.
	Query Query `json:"query"`
	// Columns name the cells of every row, in order.
	Columns []Column `json:"columns"`
	// Rows are the table, sorted by the projection (deterministically).
	Rows [][]any `json:"rows"`
	// Charts are what the HTML report draws.
	Charts []Chart `json:"charts,omitempty"`
	// Notes are definitions and caveats a reader needs (one sentence each).
	Notes []string `json:"notes,omitempty"`
}

// Column describes one cell of every row. Cells are strings, integers,
// floats (rates in [0,1], durations in hours, rounded to 4 decimals) or
// null where a figure is undefined (no cases) or suppressed.
type Column struct {
	Key   string `json:"key"`            // stable machine name, e.g. "p50_citizen_h"
	Title string `json:"title"`          // human header, e.g. "p50 citizen clock (h)"
	Kind  string `json:"kind"`           // "text", "count", "rate", "hours", "number"
	Note  string `json:"note,omitempty"` // definition of the figure
}

// Column kinds.
const (
	KindText   = "text"
	KindCount  = "count"
	KindRate   = "rate"
	KindHours  = "hours"
	KindNumber = "number"
)

// Chart is a figure for the HTML report. Kind decides which fields are used:
//
//   - "bar": one bar per point of each series (X is the category);
//   - "line": one line per series over X (periods, in order);
//   - "histogram": Series[i].Points are buckets (X is the bucket label);
//   - "boxplot": Series[i].Points carry min, p50, p90, p95, p99 as X
//     "min", "p50", "p90", "p95", "p99";
//   - "network": Nodes and Edges (a directed graph).
type Chart struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Title  string `json:"title"`
	XLabel string `json:"x_label,omitempty"`
	YLabel string `json:"y_label,omitempty"`
	// YKind is the kind of the values (a Column kind): "rate" values are
	// fractions in [0, 1], drawn as percentages; "" is a plain number.
	YKind  string   `json:"y_kind,omitempty"`
	Series []Series `json:"series,omitempty"`
	Nodes  []string `json:"nodes,omitempty"`
	Edges  []Edge   `json:"edges,omitempty"`
}

// Series is one named sequence of points.
type Series struct {
	Name   string  `json:"name"`
	Points []Point `json:"points"`
}

// Point is one value at a label.
type Point struct {
	X string  `json:"x"`
	Y float64 `json:"y"`
}

// Edge is a directed, weighted link between two nodes.
type Edge struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	Weight float64 `json:"weight"`
	Label  string  `json:"label,omitempty"`
}

// Round4 rounds x to 4 decimals, so that reports print the same figure on
// every machine.
func Round4(x float64) float64 {
	if x != x { // NaN
		return 0
	}
	const k = 10000
	if x < 0 {
		return -float64(int64(-x*k+0.5)) / k
	}
	return float64(int64(x*k+0.5)) / k
}

// Rate returns num/den rounded to 4 decimals, or nil (JSON null) when den
// is 0: an undefined rate is not 0%.
func Rate(num, den int64) any {
	if den == 0 {
		return nil
	}
	return Round4(float64(num) / float64(den))
}

// Hours returns d (in seconds) as hours rounded to 4 decimals.
func Hours(seconds int64) float64 { return Round4(float64(seconds) / 3600) }
