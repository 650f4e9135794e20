package replay

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/govledger/govledger/projections"
)

// FigureID names one figure of a manifest: a cell of a report table.
type FigureID struct {
	Projection string `json:"projection"` // with version
	// Query is the query in short form (QueryLabel): "default" or
	// "by=unit period=month from=... to=...".
	Query string `json:"query"`
	// Report is the report's title: a query may give several reports
	// (the process mining views); "" when it gave one.
	Report string `json:"report,omitempty"`
	// Row is the row key: the values of the row's leading text columns
	// (the grouping, and the period if any) joined with " / ". A row
	// without a leading text column is "#<n>", its number from 1; a key
	// seen before in the same table gets " #2", " #3", ...
	Row    string `json:"row"`
	Column string `json:"column"` // the column's key
}

// String is the figure's name for a human.
func (f FigureID) String() string {
	s := f.Projection + " [" + f.Query + "]"
	if f.Report != "" {
		s += " " + strconv.Quote(f.Report)
	}
	return s + " row " + strconv.Quote(f.Row) + " column " + f.Column
}

// Figure is a figure and its value, the cell's JSON text ("null" for an
// undefined or suppressed figure).
type Figure struct {
	FigureID
	Value string `json:"value"`
}

// Absent is the Value of a figure a report does not hold (the row is not
// there): when a figure appears, its value before is Absent.
const Absent = ""

// ShowValue formats a figure value for a human: Absent as "(absent)".
func ShowValue(v string) string {
	if v == Absent {
		return "(absent)"
	}
	return v
}

// QueryLabel is the short form of a query: "default" for the zero Query,
// else its fields as key=value (times in RFC 3339).
func QueryLabel(q projections.Query) string {
	var parts []string
	if q.By != "" {
		parts = append(parts, "by="+q.By)
	}
	if q.Period != "" {
		parts = append(parts, "period="+q.Period)
	}
	if !q.From.IsZero() {
		parts = append(parts, "from="+q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		parts = append(parts, "to="+q.To.Format(time.RFC3339Nano))
	}
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, " ")
}

// Figures lists every figure of m in a stable order: projections, their
// reports, rows and columns in the manifest's order. The key columns of a
// row are part of its name, not figures.
func Figures(m *Manifest) []Figure {
	var out []Figure
	for _, p := range m.Projections {
		out = appendFigures(out, p.Name, p.Reports)
	}
	return out
}

// appendFigures appends the figures of one projection's tables.
func appendFigures(out []Figure, name string, tables []Table) []Figure {
	perQuery := map[string]int{}
	for _, t := range tables {
		perQuery[QueryLabel(t.Query)]++
	}
	for _, t := range tables {
		id := FigureID{Projection: name, Query: QueryLabel(t.Query)}
		if perQuery[id.Query] > 1 {
			id.Report = t.Title
		}
		keys := 0
		for keys < len(t.Columns) && t.Columns[keys].Kind == projections.KindText {
			keys++
		}
		seen := map[string]int{}
		for i, row := range t.Rows {
			id.Row = rowKey(t.Columns, keys, row, i)
			if n := seen[id.Row]; n > 0 {
				seen[id.Row] = n + 1
				id.Row += " #" + strconv.Itoa(n+1)
			} else {
				seen[id.Row] = 1
			}
			for c := keys; c < len(t.Columns); c++ {
				id.Column = t.Columns[c].Key
				v := "null"
				if c < len(row) {
					v = string(row[c])
				}
				out = append(out, Figure{FigureID: id, Value: v})
			}
		}
	}
	return out
}

func rowKey(cols []projections.Column, keys int, row []json.RawMessage, i int) string {
	if keys == 0 {
		return "#" + strconv.Itoa(i+1)
	}
	parts := make([]string, 0, keys)
	for c := 0; c < keys; c++ {
		var s string
		if c < len(row) {
			if err := json.Unmarshal(row[c], &s); err != nil {
				s = string(row[c]) // null, or a number in a text column
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " / ")
}
