package htmlreport

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/govledger/govledger/projections"
)

// Caps keep a chart readable; what a chart leaves out is said in its
// caption.
const (
	maxSeries   = len(palette) // series of a bar or line chart
	maxBars     = 30           // categories of a bar chart
	maxBoxes    = 30           // rows of a box plot
	maxEdges    = 30           // edges of a network
	maxVertical = 12           // categories still drawn as vertical bars
)

// drawn is a rendered chart: the SVG markup and what its caption must say.
type drawn struct {
	svg     string
	caption []string
}

// drawChart renders one chart by kind. A chart without data draws a
// "no data" panel; an unknown kind is named, not an error, so that an
// older report viewer still shows the rest of a newer report.
func drawChart(c projections.Chart) drawn {
	switch c.Kind {
	case "bar":
		return drawBar(c, false)
	case "histogram":
		return drawBar(c, true)
	case "line":
		return drawLine(c)
	case "boxplot":
		return drawBox(c)
	case "network":
		return drawNetwork(c)
	}
	return placeholder(fmt.Sprintf("This viewer cannot draw a chart of kind %q.", c.Kind))
}

// placeholder is a small panel with a message in place of a chart.
func placeholder(msg string) drawn {
	var s svg
	open(&s, 48, "")
	s.rect(0.5, 0.5, chartW-1, 47, "empty", "", "")
	s.text(chartW/2, 29, "middle", `class="muted"`, msg)
	s.raw("</svg>")
	return drawn{svg: s.b.String()}
}

// noData is the placeholder for a chart with nothing to draw.
func noData() drawn { return placeholder("No data to draw.") }

// open starts a chart's svg element of height h.
func open(s *svg, h float64, label string) {
	s.raw(`<svg class="plot" viewBox="0 0 `, num(chartW), ` `, num(h), `" width="`, num(chartW), `" height="`, num(h),
		`" role="img"`)
	if label != "" {
		s.raw(` aria-label="`, esc(label), `"`)
	}
	s.raw(`>`)
}

// table is a chart's series laid out as values by series and category.
type table struct {
	cats  []string
	names []string
	vals  [][]float64 // [series][category]
	has   [][]bool
}

// tabulate collects the categories of every series, merging their orders
// (or sorted, when asked and every series is already sorted, which merges
// the periods of a line chart), and skips non-finite values.
func tabulate(series []projections.Series, sortable bool) table {
	var t table
	index := map[string]int{}
	sorted := sortable
	for _, sr := range series {
		after := -1 // where the series' previous point is
		for i, p := range sr.Points {
			if i > 0 && sr.Points[i-1].X > p.X {
				sorted = false
			}
			if _, ok := index[p.X]; !ok {
				// A category new to this series goes right after the
				// series' previous one, so that each series' order is kept.
				t.cats = append(t.cats, "")
				copy(t.cats[after+2:], t.cats[after+1:])
				t.cats[after+1] = p.X
				for j := after + 1; j < len(t.cats); j++ {
					index[t.cats[j]] = j
				}
			}
			after = index[p.X]
		}
	}
	if sorted {
		sort.Strings(t.cats)
		for i, c := range t.cats {
			index[c] = i
		}
	}
	for _, sr := range series {
		v := make([]float64, len(t.cats))
		h := make([]bool, len(t.cats))
		for _, p := range sr.Points {
			if finite(p.Y) {
				i := index[p.X]
				v[i], h[i] = p.Y, true
			}
		}
		t.names = append(t.names, sr.Name)
		t.vals = append(t.vals, v)
		t.has = append(t.has, h)
	}
	return t
}

// empty reports whether no value is present.
func (t table) empty() bool {
	for _, h := range t.has {
		for _, ok := range h {
			if ok {
				return false
			}
		}
	}
	return true
}

// bounds returns the smallest and largest value present (0, 0 if none).
func (t table) bounds() (lo, hi float64) {
	for i := range t.vals {
		for j, v := range t.vals[i] {
			if t.has[i][j] {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return lo, hi
}

// capSeries keeps the first n series and says so.
func (t *table) capSeries(n int, d *drawn) {
	if len(t.names) <= n {
		return
	}
	d.caption = append(d.caption, fmt.Sprintf("Showing the first %d of %d series.", n, len(t.names)))
	t.names, t.vals, t.has = t.names[:n], t.vals[:n], t.has[:n]
}

// capCategories keeps the n categories with the largest total magnitude
// over all series, largest first, and says so.
func (t *table) capCategories(n int, d *drawn) {
	if len(t.cats) <= n {
		return
	}
	total := make([]float64, len(t.cats))
	for i := range t.vals {
		for j, v := range t.vals[i] {
			if t.has[i][j] {
				total[j] += math.Abs(v)
			}
		}
	}
	order := make([]int, len(t.cats))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return total[order[a]] > total[order[b]] })
	order = order[:n]
	d.caption = append(d.caption, "Showing the "+strconv.Itoa(n)+" largest of "+strconv.Itoa(len(t.cats))+
		" categories, largest first; the table below has them all.")
	cats := make([]string, n)
	for k, j := range order {
		cats[k] = t.cats[j]
	}
	for i := range t.vals {
		v, h := make([]float64, n), make([]bool, n)
		for k, j := range order {
			v[k], h[k] = t.vals[i][j], t.has[i][j]
		}
		t.vals[i], t.has[i] = v, h
	}
	t.cats = cats
}

// seriesLegend returns legend items for the series of t.
func seriesLegend(t table, line bool) []legendItem {
	items := make([]legendItem, len(t.names))
	for i, n := range t.names {
		if n == "" {
			n = "series " + strconv.Itoa(i+1)
		}
		items[i] = legendItem{name: n, colour: colour(i), line: line}
		if line {
			items[i].dash = dashes[i%len(dashes)]
		}
	}
	return items
}

// tip is the tooltip of one value.
func tip(series, x string, v float64) string {
	if series == "" {
		return x + ": " + short(v)
	}
	return series + " · " + x + ": " + short(v)
}
