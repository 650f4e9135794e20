package process

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/govledger/govledger/projections"
)

// Pseudo-activities of the directly-follows graph.
const (
	// StartNode is the source of the edges to every case's first activity.
	StartNode = "(start)"
	// EndNode is the target of the edges from every ended case's last
	// activity.
	EndNode = "(end)"
)

// View names, in the order Views returns them.
const (
	ViewSummary    = "summary"
	ViewActivities = "activities"
	ViewVariants   = "variants"
	ViewDFG        = "dfg"
	ViewRework     = "rework"
	ViewHandovers  = "handovers"
)

// TopVariants is how many variants the variants chart draws.
const TopVariants = 10

// Report answers q with the activities table (one row per activity) and
// three charts: the directly-follows graph (network), the most frequent
// variants (bar) and the case duration histogram. The other tables are
// in Views. q.By is refused; From/To must be local midnights.
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	rs, err := p.Results(q)
	if err != nil {
		return nil, err
	}
	all, err := p.overall(q, rs)
	if err != nil {
		return nil, err
	}
	r := p.view(ViewActivities, q, rs)
	r.Charts = []projections.Chart{dfgChart(all), variantsChart(all), durationChart(all)}
	r.Notes = p.notes()
	return r, nil
}

// Views answers q with one report per view, in this order: summary
// (counts and case durations, with the duration histogram), activities,
// variants (with the top-variants chart), dfg (the directly-follows
// graph, with the network chart), rework and handovers. Each report's
// Title names its view; the command line prints them one after another.
func (p *Projection) Views(q projections.Query) ([]*projections.Report, error) {
	rs, err := p.Results(q)
	if err != nil {
		return nil, err
	}
	all, err := p.overall(q, rs)
	if err != nil {
		return nil, err
	}
	notes := p.notes()
	var out []*projections.Report
	for _, v := range []string{ViewSummary, ViewActivities, ViewVariants, ViewDFG, ViewRework, ViewHandovers} {
		r := p.view(v, q, rs)
		switch v {
		case ViewSummary:
			r.Charts = []projections.Chart{durationChart(all)}
		case ViewVariants:
			r.Charts = []projections.Chart{variantsChart(all)}
		case ViewDFG:
			r.Charts = []projections.Chart{dfgChart(all)}
		}
		r.Notes = notes
		out = append(out, r)
	}
	return out, nil
}

// overall returns the figures of q without its period split (for charts).
func (p *Projection) overall(q projections.Query, rs []*Result) (*Result, error) {
	if q.Period == "" {
		return rs[0], nil
	}
	q.Period = ""
	all, err := p.Results(q)
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

func col(key, title, kind, note string) projections.Column {
	return projections.Column{Key: key, Title: title, Kind: kind, Note: note}
}

// hours returns seconds as hours (rounded), or nil when there is no value.
func hours(seconds float64, n int64) any {
	if n == 0 {
		return nil
	}
	return projections.Round4(seconds / 3600)
}

// view builds one table over the results (one per period).
func (p *Projection) view(name string, q projections.Query, rs []*Result) *projections.Report {
	r := &projections.Report{Projection: Name, Query: q, Rows: [][]any{}}
	var cols []projections.Column
	if q.Period != "" {
		cols = append(cols, col("period", "Period", projections.KindText, "the "+q.Period+" (local) of the cases' first event"))
	}
	// sortKey orders rows: the view's key columns, then period.
	type row struct {
		key   []string
		order int
		cells []any
	}
	var rows []row
	add := func(res *Result, key []string, order int, cells ...any) {
		if q.Period != "" {
			cells = append([]any{res.Period}, cells...)
		}
		rows = append(rows, row{append(key, res.Period), order, cells})
	}
	switch name {
	case ViewSummary:
		r.Title = "Process summary: cases, events, variants and case durations"
		cols = append(cols,
			col("cases", "Cases", projections.KindCount, "cases (ended and open)"),
			col("ended_cases", "Ended", projections.KindCount, "cases closed"),
			col("open_cases", "Open", projections.KindCount, "cases not closed, counted with their partial trace"),
			col("events", "Events", projections.KindCount, "events of the cases (activities performed)"),
			col("activities", "Activities", projections.KindCount, "distinct activities"),
			col("variants", "Variants", projections.KindCount, "distinct traces (sequences of activities)"),
			col("rework_cases", "Rework cases", projections.KindCount, "cases in which some activity occurs more than once"),
			col("rework_rate", "Rework rate", projections.KindRate, "rework cases / cases"),
			col("handovers", "Handovers", projections.KindCount, "consecutive events of a case whose resources differ"),
			col("mean_duration_h", "Mean duration (h)", projections.KindHours, "mean of first-to-last-event time over ended cases"),
			col("p50_duration_h", "p50 duration (h)", projections.KindHours, "nearest-rank median duration of ended cases"),
			col("p90_duration_h", "p90 duration (h)", projections.KindHours, "nearest-rank 90th percentile duration of ended cases"),
			col("p95_duration_h", "p95 duration (h)", projections.KindHours, "nearest-rank 95th percentile duration of ended cases"),
			col("p99_duration_h", "p99 duration (h)", projections.KindHours, "nearest-rank 99th percentile duration of ended cases"),
			col("max_duration_h", "Max duration (h)", projections.KindHours, "longest duration of an ended case"),
		)
		for _, res := range rs {
			d := res.Duration
			add(res, nil, 0, res.Cases, res.Ended, res.Open, res.Events, int64(len(res.Activities)), int64(len(res.Variants)),
				res.ReworkCases, projections.Rate(res.ReworkCases, res.Cases), res.Handovers,
				hours(d.Mean, d.Cases), hours(float64(d.P50), d.Cases), hours(float64(d.P90), d.Cases),
				hours(float64(d.P95), d.Cases), hours(float64(d.P99), d.Cases), hours(float64(d.Max), d.Cases))
		}
	case ViewActivities:
		r.Title = "Process activities: events and cases per activity"
		cols = append(cols,
			col("activity", "Activity", projections.KindText, "activity name (by default the event type)"),
			col("events", "Events", projections.KindCount, "events of the activity"),
			col("cases", "Cases", projections.KindCount, "cases holding the activity at least once"),
			col("case_share", "Share of cases", projections.KindRate, "cases holding the activity / all cases"),
			col("start_cases", "Starts", projections.KindCount, "cases whose first event is the activity"),
			col("end_cases", "Ends", projections.KindCount, "ended cases whose last event is the activity"),
			col("rework_cases", "Rework cases", projections.KindCount, "cases holding the activity more than once"),
		)
		for _, res := range rs {
			for _, a := range res.Activities {
				add(res, []string{a.Name}, 0, a.Name, a.Events, a.Cases, projections.Rate(a.Cases, res.Cases), a.Starts, a.Ends, a.Rework)
			}
		}
	case ViewVariants:
		r.Title = "Process variants: distinct traces, most frequent first"
		cols = append(cols,
			col("rank", "Rank", projections.KindCount, "1 for the most frequent variant; ties ordered by the sequence text"),
			col("variant", "Variant", projections.KindText, "the sequence of activities, joined with \" > \""),
			col("length", "Length", projections.KindCount, "events in the sequence"),
			col("cases", "Cases", projections.KindCount, "cases with this trace (open cases with it as their trace so far)"),
			col("open_cases", "Open", projections.KindCount, "of those, cases still open (partial traces)"),
			col("share", "Share", projections.KindRate, "cases / all cases"),
		)
		for _, res := range rs {
			for i, v := range res.Variants {
				add(res, []string{res.Period}, i, int64(i+1), v.Text, int64(len(v.Activities)), v.Cases, v.Open, projections.Rate(v.Cases, res.Cases))
			}
		}
	case ViewDFG:
		r.Title = "Process directly-follows graph: activity a immediately followed by b in a case"
		cols = append(cols,
			col("from", "From", projections.KindText, "activity a, or (start) for the first activity of a case"),
			col("to", "To", projections.KindText, "activity b, or (end) after the last activity of an ended case"),
			col("count", "Count", projections.KindCount, "times a is immediately followed by b in the same case"),
			col("mean_h", "Mean (h)", projections.KindHours, "mean time from a to b; null for (start) and (end)"),
			col("p50_h", "p50 (h)", projections.KindHours, "nearest-rank median time from a to b; null for (start) and (end)"),
		)
		for _, res := range rs {
			for _, a := range res.Activities {
				if a.Starts > 0 {
					add(res, []string{StartNode, a.Name}, 0, StartNode, a.Name, a.Starts, nil, nil)
				}
				if a.Ends > 0 {
					add(res, []string{a.Name, EndNode}, 0, a.Name, EndNode, a.Ends, nil, nil)
				}
			}
			for _, e := range res.Edges {
				add(res, []string{e.From, e.To}, 0, e.From, e.To, e.Count, hours(e.Mean, e.Count), hours(float64(e.Median), e.Count))
			}
		}
	case ViewRework:
		r.Title = "Process rework: activities repeated within a case"
		cols = append(cols,
			col("activity", "Activity", projections.KindText, "activity name"),
			col("cases", "Cases", projections.KindCount, "cases holding the activity"),
			col("rework_cases", "Rework cases", projections.KindCount, "cases holding the activity more than once"),
			col("rework_share", "Rework share", projections.KindRate, "rework cases / cases holding the activity"),
		)
		for _, res := range rs {
			for _, a := range res.Activities {
				add(res, []string{a.Name}, 0, a.Name, a.Cases, a.Rework, projections.Rate(a.Rework, a.Cases))
			}
		}
	case ViewHandovers:
		r.Title = "Process handovers: consecutive events of a case by different resources"
		cols = append(cols,
			col("from", "From", projections.KindText, "resource of the earlier event"),
			col("to", "To", projections.KindText, "resource of the next event with a resource"),
			col("count", "Count", projections.KindCount, "handovers from -> to"),
			col("share", "Share", projections.KindRate, "count / all handovers"),
		)
		for _, res := range rs {
			for _, h := range res.ResourceHandovers {
				add(res, []string{h.From, h.To}, 0, h.From, h.To, h.Count, projections.Rate(h.Count, res.Handovers))
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(slices.Compare(a.key, b.key), cmp.Compare(a.order, b.order))
	})
	for _, x := range rows {
		r.Rows = append(r.Rows, x.cells)
	}
	r.Columns = cols
	return r
}

// notes are the definitions every process report carries.
func (p *Projection) notes() []string {
	n := []string{
		"A case is one case stream; each event is an activity (by default its event type name) performed by a resource: the unit a dispatch sends to, the unit that returns, accepts, contacts or resolves, \"channel:<channel>\" for case.reported, otherwise the acting unit or the actor kind.",
		"Open cases (not yet closed) count with their trace so far as a partial trace in cases, activities, variants (see open_cases), the directly-follows graph, rework and handovers; case durations and end activities count ended (closed) cases only.",
		"Variants are distinct sequences of activities, sorted by cases (most first), ties by the sequence text; shares are over all cases of the group.",
		"Directly-follows: a -> b counts an event of a immediately followed by an event of b in the same case, with the mean and nearest-rank median time between them; (start) and (end) mark first and last activities.",
		"Rework: an activity occurring more than once in a case, e.g. a second case.dispatched after a return.",
		"Handovers are hop-level: two consecutive events of a case whose resources differ count once for from -> to, the resources of that hop.",
		"Case duration: first to last event of an ended case; percentiles are exact nearest-rank until a group holds more than 1,048,576 values, then within 1%.",
		"Cases are kept by the local day (" + p.loc.String() + ") of their first event: From/To select whole days, Period splits by that day; no grouping dimension (--by) applies.",
	}
	if len(p.cfg.Activities) > 0 {
		n = append(n, "Activities are renamed by a configured table of "+strconv.Itoa(len(p.cfg.Activities))+" entries.")
	}
	if p.cfg.Topics {
		n = append(n, "Community topics are included as cases of their own (activities topic.opened, ballot.cast, topic.closed).")
	}
	return n
}

func hoursLabel(seconds int64) string {
	return strconv.FormatFloat(projections.Hours(seconds), 'f', -1, 64) + "h"
}

// dfgChart draws the directly-follows graph.
func dfgChart(res *Result) projections.Chart {
	c := projections.Chart{Kind: "network", ID: "process-dfg", Title: "Directly-follows graph (edge weight: count; label: count, median time)"}
	c.Nodes = append(c.Nodes, StartNode)
	for _, a := range res.Activities {
		c.Nodes = append(c.Nodes, a.Name)
		if a.Starts > 0 {
			c.Edges = append(c.Edges, projections.Edge{From: StartNode, To: a.Name, Weight: float64(a.Starts), Label: strconv.FormatInt(a.Starts, 10)})
		}
	}
	for _, e := range res.Edges {
		c.Edges = append(c.Edges, projections.Edge{From: e.From, To: e.To, Weight: float64(e.Count),
			Label: fmt.Sprintf("%d, p50 %s", e.Count, hoursLabel(e.Median))})
	}
	for _, a := range res.Activities {
		if a.Ends > 0 {
			c.Edges = append(c.Edges, projections.Edge{From: a.Name, To: EndNode, Weight: float64(a.Ends), Label: strconv.FormatInt(a.Ends, 10)})
		}
	}
	c.Nodes = append(c.Nodes, EndNode)
	return c
}

// variantsChart draws the TopVariants most frequent variants.
func variantsChart(res *Result) projections.Chart {
	c := projections.Chart{Kind: "bar", ID: "process-variants", Title: "Most frequent variants", XLabel: "variant", YLabel: "cases"}
	s := projections.Series{Name: "cases", Points: []projections.Point{}}
	for i, v := range res.Variants {
		if i == TopVariants {
			break
		}
		s.Points = append(s.Points, projections.Point{X: v.Text, Y: float64(v.Cases)})
	}
	c.Series = []projections.Series{s}
	return c
}

// durationChart draws the case duration histogram.
func durationChart(res *Result) projections.Chart {
	c := projections.Chart{Kind: "histogram", ID: "process-duration", Title: "Case duration, first to last event (ended cases)", XLabel: "duration", YLabel: "cases"}
	s := projections.Series{Name: "ended cases", Points: []projections.Point{}}
	for _, b := range res.Duration.Histogram {
		s.Points = append(s.Points, projections.Point{X: b.Label, Y: float64(b.Count)})
	}
	c.Series = []projections.Series{s}
	return c
}
