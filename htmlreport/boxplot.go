package htmlreport

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/govledger/govledger/projections"
)

// boxStats are the quantiles a box plot row draws, in order.
var boxStats = [...]string{"min", "p50", "p90", "p95", "p99"}

// box is one row of a box plot: the value of each of boxStats, if given.
type box struct {
	name string
	v    [len(boxStats)]float64
	has  [len(boxStats)]bool
}

// top is the largest quantile given (p99 if present), used to rank rows.
func (b box) top() float64 {
	for i := len(boxStats) - 1; i >= 0; i-- {
		if b.has[i] {
			return b.v[i]
		}
	}
	return math.Inf(-1)
}

// drawBox draws one horizontal row per series: a thin whisker from min to
// p99, a dark box from p50 to p90, a light box from p90 to p95 and a
// stroke at the median. Heavy tails (a long p99 whisker) stand out at a
// glance, which is what a reviewer of handling times looks for.
func drawBox(c projections.Chart) drawn {
	var rows []box
	for _, sr := range c.Series {
		b := box{name: sr.Name}
		seen := false
		for _, p := range sr.Points {
			for k, name := range boxStats {
				if p.X == name && finite(p.Y) {
					b.v[k], b.has[k], seen = p.Y, true, true
				}
			}
		}
		if seen {
			rows = append(rows, b)
		}
	}
	if len(rows) == 0 {
		return noData()
	}
	var d drawn
	if len(rows) > maxBoxes {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].top() > rows[j].top() })
		d.caption = append(d.caption, "Showing the "+strconv.Itoa(maxBoxes)+" of "+strconv.Itoa(len(rows))+
			" rows with the longest tails (largest p99), longest first; the table below has them all.")
		rows = rows[:maxBoxes]
	}

	var s svg
	legend := []legendItem{
		{name: "p50 to p90", colour: palette[0]},
		{name: "p90 to p95", colour: palette[5]},
		{name: "min to p99", colour: "#555", line: true},
	}
	const rowH = 28.0
	top := 12 + legendHeight(legend, chartW-24) + 10
	widest := 0.0
	lo, hi := 0.0, 0.0
	for _, b := range rows {
		widest = math.Max(widest, textWidth(b.name, fontSize))
		for k := range boxStats {
			if b.has[k] {
				lo, hi = math.Min(lo, b.v[k]), math.Max(hi, b.v[k])
			}
		}
	}
	labelW := math.Min(widest, 200)
	left := labelW + 16
	right := 150.0
	plotW := chartW - left - right
	bottom := top + rowH*float64(len(rows))
	title := c.YLabel
	if title == "" {
		title = c.XLabel
	}
	h := bottom + 24
	if title != "" {
		h += 20
	}
	xs := niceScale(lo, hi, int(math.Max(3, plotW/80)), left, left+plotW)

	open(&s, h+6, c.Title)
	s.legend(legend, 12, 10, chartW-24)
	s.valueAxis(xs, false, bottom, top, bottom)
	for i, b := range rows {
		yc := top + float64(i)*rowH + rowH/2
		s.label(left-8, yc+4, labelW, fontSize, "end", "", b.name)
		s.raw(`<g class="box"><title>`, esc(boxTip(b)), `</title>`)
		at := func(k int) (float64, bool) { return xs.at(b.v[k]), b.has[k] }
		// Whisker from the smallest to the largest quantile given.
		first, last := -1, -1
		for k := range boxStats {
			if b.has[k] {
				if first < 0 {
					first = k
				}
				last = k
			}
		}
		x0, _ := at(first)
		x1, _ := at(last)
		s.line(x0, yc, x1, yc, "mark whisker")
		s.line(x0, yc-6, x0, yc+6, "mark whisker")
		s.line(x1, yc-6, x1, yc+6, "mark whisker")
		if a, ok := at(1); ok {
			if p90, ok := at(2); ok {
				s.rect(a, yc-7, math.Max(p90-a, 1), 14, "mark", palette[0], "")
			}
		}
		if a, ok := at(2); ok {
			if p95, ok := at(3); ok {
				s.rect(a, yc-7, math.Max(p95-a, 1), 14, "mark", palette[5], "")
			}
		}
		if m, ok := at(1); ok {
			s.line(m, yc-9, m, yc+9, "mark median")
		}
		s.raw(`</g>`)
		s.text(chartW-right+10, yc+4, "", `class="value"`, boxSummary(b))
	}
	if title != "" {
		s.label(left+plotW/2, bottom+36, plotW, fontSize, "middle", `class="title"`, title)
	}
	s.raw("</svg>")
	d.svg = s.b.String()
	return d
}

// boxSummary is the figure printed right of a row: its median and p99.
func boxSummary(b box) string {
	var parts []string
	if b.has[1] {
		parts = append(parts, "p50 "+short(b.v[1]))
	}
	if b.has[4] {
		parts = append(parts, "p99 "+short(b.v[4]))
	}
	return strings.Join(parts, " · ")
}

// boxTip is a row's tooltip: its name and every quantile given.
func boxTip(b box) string {
	parts := []string{b.name}
	for k, name := range boxStats {
		if b.has[k] {
			parts = append(parts, name+" "+short(b.v[k]))
		}
	}
	return strings.Join(parts, " · ")
}
