package htmlreport

import (
	"fmt"
	"math"
	"time"

	"github.com/govledger/govledger/projections"
)

// hostile is a unit name a malicious or careless registrar could enter.
const hostile = `<script>alert("x")</script>&amp;"'`

// sampleUnits are the units of the sample document.
var sampleUnits = []string{
	"center-12345", "dept-housing", "dept-transport", "dept-water", "dept-market-supervision",
	"st-01", "st-02", "st-03", hostile,
}

// sampleDocument is a document with every chart kind, a hostile unit name,
// an undefined rate and an empty report: what the browser test renders
// and what a reviewer can look at with -keep.
func sampleDocument() Document {
	var rows [][]any
	onTime := projections.Series{Name: "on-time rate"}
	sameDay := projections.Series{Name: "same-day rate"}
	var boxes []projections.Series
	for i, u := range sampleUnits {
		cases := int64(40 + 37*i%200)
		p50 := 3 + float64(i%4)*2.5
		var rate any = projections.Round4(0.62 + 0.04*float64(i%8))
		if i == 4 {
			rate = nil
		}
		rows = append(rows, []any{u, cases, p50, p50 * 6.5, rate, projections.Round4(0.2 + 0.07*float64(i%5))})
		if r, ok := rate.(float64); ok {
			onTime.Points = append(onTime.Points, projections.Point{X: u, Y: r})
		}
		sameDay.Points = append(sameDay.Points, projections.Point{X: u, Y: projections.Round4(0.2 + 0.07*float64(i%5))})
		boxes = append(boxes, projections.Series{Name: u, Points: []projections.Point{
			{X: "min", Y: 0.2 + float64(i%3)*0.1}, {X: "p50", Y: p50}, {X: "p90", Y: p50 * 3.1},
			{X: "p95", Y: p50 * 4.4}, {X: "p99", Y: p50 * (6 + float64(i%5))},
		}})
	}
	var weekly []projections.Series
	for k, name := range []string{"district", "dept-housing", "st-01"} {
		s := projections.Series{Name: name}
		for w := 44; w <= 52; w++ {
			if name == "st-01" && w == 48 {
				continue // no cases that week: the line breaks
			}
			y := 0.7 + 0.1*math.Sin(float64(w+3*k)/2) + 0.02*float64(k)
			s.Points = append(s.Points, projections.Point{X: fmt.Sprintf("2026-W%02d", w), Y: projections.Round4(y)})
		}
		weekly = append(weekly, s)
	}
	timeliness := &projections.Report{
		Projection: "timeliness/v1", Position: 405143,
		Digest: "9f2c4e1b7a3d5f60c1e2d3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192",
		Title:  "Handling time by unit",
		Query:  projections.Query{By: projections.ByUnit, From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		Columns: []projections.Column{
			{Key: "unit", Title: "Unit", Kind: projections.KindText, Note: "Handling unit of the case."},
			{Key: "cases", Title: "Cases", Kind: projections.KindCount, Note: "Cases reported in the window."},
			{Key: "p50_citizen_h", Title: "p50 citizen clock (h)", Kind: projections.KindHours, Note: "Median hours from reported to final resolved."},
			{Key: "p90_citizen_h", Title: "p90 citizen clock (h)", Kind: projections.KindHours, Note: "90th percentile of the citizen clock."},
			{Key: "on_time_rate", Title: "On-time", Kind: projections.KindRate, Note: "Resolved by the deadline / resolved."},
			{Key: "same_day_rate", Title: "Same day", Kind: projections.KindRate, Note: "Resolved on the day reported / resolved."},
		},
		Rows: rows,
		Charts: []projections.Chart{
			{Kind: "bar", ID: "on-time", Title: "On-time and same-day rate by unit", YLabel: "rate", Series: []projections.Series{onTime, sameDay}},
			{Kind: "line", ID: "weekly", Title: "On-time rate by week", XLabel: "ISO week", YLabel: "on-time rate", Series: weekly},
			{Kind: "boxplot", ID: "citizen-clock", Title: "Citizen clock by unit", YLabel: "hours from reported to resolved", Series: boxes},
		},
		Notes: []string{
			"A case-level figure is attributed to the case's handling unit: the unit of its final case.resolved.",
			"On-time is undefined (—) for a unit with no resolved case.",
		},
	}

	hops := projections.Series{Name: "cases"}
	for i, n := range []float64{4210, 2630, 1190, 520, 260, 120, 61, 22, 9, 3} {
		hops.Points = append(hops.Points, projections.Point{X: fmt.Sprint(i + 1), Y: n})
	}
	returns := projections.Series{Name: "returns"}
	transfers := projections.Series{Name: "transfers"}
	for i, u := range sampleUnits[1:6] {
		returns.Points = append(returns.Points, projections.Point{X: u, Y: float64(30 + 17*i)})
		transfers.Points = append(transfers.Points, projections.Point{X: u, Y: float64(55 - 8*i)})
	}
	channels := projections.Series{Name: "cases"}
	for i, ch := range []string{"hotline", "app", "patrol", "superior", "enterprise"} {
		channels.Points = append(channels.Points, projections.Point{X: ch, Y: float64(5200 / (i + 1))})
	}
	var edges []projections.Edge
	for i, a := range sampleUnits {
		for j, b := range sampleUnits {
			if i == j || (3*i+j)%4 > 1 {
				continue
			}
			edges = append(edges, projections.Edge{From: a, To: b, Weight: float64(1 + (i*7+j*3)%40)})
		}
	}
	edges = append(edges, projections.Edge{From: "dept-water", To: "dept-housing", Weight: 140},
		projections.Edge{From: "dept-housing", To: "dept-water", Weight: 95},
		projections.Edge{From: "st-02", To: "st-02", Weight: 60})
	routing := &projections.Report{
		Projection: "routing/v1", Position: 405143, Title: "Routing and buck-passing",
		Query: projections.Query{By: projections.ByUnit, Period: projections.PeriodWeek},
		Columns: []projections.Column{
			{Key: "unit", Title: "Unit", Kind: projections.KindText},
			{Key: "returns", Title: "Returns", Kind: projections.KindCount},
			{Key: "transfers", Title: "Transfers", Kind: projections.KindCount},
			{Key: "mean_hops", Title: "Mean hops", Kind: projections.KindNumber},
		},
		Rows: [][]any{
			{"dept-housing", int64(30), int64(55), 1.4211},
			{"dept-transport", int64(47), int64(47), 1.3},
			{"dept-water", int64(1204), int64(39), nil},
		},
		Charts: []projections.Chart{
			{Kind: "histogram", ID: "hops", Title: "Cases by number of dispatches", XLabel: "dispatches per case", YLabel: "cases", Series: []projections.Series{hops}},
			{Kind: "bar", ID: "channels", Title: "Cases by channel", XLabel: "channel", YLabel: "cases", Series: []projections.Series{channels}},
			{Kind: "bar", ID: "returns", Title: "Returns and transfers", YLabel: "count", Series: []projections.Series{returns, transfers}},
			{Kind: "network", ID: "handovers", Title: "Handovers between units", Nodes: sampleUnits, Edges: edges},
		},
		Notes: []string{"A hop-level figure is attributed to the unit of that hop."},
	}
	empty := &projections.Report{Projection: "ballots/v1", Title: "Community votes",
		Columns: []projections.Column{{Key: "topic", Title: "Topic", Kind: projections.KindText}},
		Charts:  []projections.Chart{{Kind: "bar", ID: "turnout", Title: "Turnout by topic"}},
	}
	return Document{
		Title:    "Nanshan District — November 2026",
		Subtitle: "Ledger position 405,143 · head digest 9f2c4e1b…",
		Reports:  []*projections.Report{timeliness, routing, empty},
	}
}
