package htmlreport

import (
	"math"
	"strings"

	"github.com/govledger/govledger/projections"
)

// maxMarkers is the most points per line that still get a dot.
const maxMarkers = 40

// drawLine draws one line per series over the periods on the x axis, with
// a legend. A period missing from a series breaks its line rather than
// bridging the gap.
func drawLine(c projections.Chart) drawn {
	t := tabulate(c.Series, true)
	if t.empty() {
		return noData()
	}
	var d drawn
	t.capSeries(maxSeries, &d)
	var s svg
	legend := seriesLegend(t, true)
	const plotH = 260.0
	top := 12 + legendHeight(legend, chartW-24) + 8
	lo, hi := t.bounds()
	ys := niceScale(lo, hi, 6, top+plotH, top)
	ys.percent = c.YKind == projections.KindRate
	left := maxTickWidth(ys) + 14
	if c.YLabel != "" {
		left += 20
	}
	right := 24.0
	plotW := chartW - left - right
	bottom := top + plotH
	h := bottom + 26
	if c.XLabel != "" {
		h += 20
	}
	n := len(t.cats)
	x := func(j int) float64 {
		if n == 1 {
			return left + plotW/2
		}
		return left + 10 + float64(j)*(plotW-20)/float64(n-1)
	}

	open(&s, h+6, c.Title)
	s.legend(legend, 12, 10, chartW-24)
	s.valueAxis(ys, true, left, left, chartW-right)
	if c.YLabel != "" {
		s.label(0, 0, plotH, fontSize, "middle",
			`class="title" transform="translate(14 `+num(top+plotH/2)+`) rotate(-90)"`, c.YLabel)
	}

	// Period labels, thinned so that they do not overlap.
	widest := 0.0
	for _, cat := range t.cats {
		widest = math.Max(widest, textWidth(cat, fontSize))
	}
	step := plotW
	if n > 1 {
		step = (plotW - 20) / float64(n-1)
	}
	every := max(1, int(math.Ceil((widest+10)/step)))
	s.raw(`<g class="axis">`)
	s.line(left, bottom, chartW-right, bottom, "base")
	for j, cat := range t.cats {
		if j%every != 0 {
			continue
		}
		s.line(x(j), bottom, x(j), bottom+4, "base")
		s.label(x(j), bottom+17, math.Max(step*float64(every)-6, 24), fontSize, "middle", "", cat)
	}
	s.raw(`</g>`)

	for i := range t.names {
		var p strings.Builder
		pen := false
		for j := range t.cats {
			if !t.has[i][j] {
				pen = false
				continue
			}
			if pen {
				p.WriteString(" L")
			} else {
				if p.Len() > 0 {
					p.WriteByte(' ')
				}
				p.WriteByte('M')
			}
			p.WriteString(num(x(j)) + " " + num(ys.at(t.vals[i][j])))
			pen = true
		}
		s.raw(`<g class="series"><path class="mark" fill="none" stroke="`, colour(i), `" stroke-width="2.5" stroke-linejoin="round" d="`, p.String(), `"`)
		if dash := dashes[i%len(dashes)]; dash != "" {
			s.raw(` stroke-dasharray="`, dash, `"`)
		}
		s.raw(`/>`)
		for j := range t.cats {
			if !t.has[i][j] || n > maxMarkers && !lonely(t.has[i], j) {
				continue
			}
			v := t.vals[i][j]
			s.raw(`<circle class="mark dot" cx="`, num(x(j)), `" cy="`, num(ys.at(v)), `" r="3.5" fill="`, colour(i),
				`"><title>`, esc(tip(t.names[i], t.cats[j], v)), `</title></circle>`)
		}
		s.raw(`</g>`)
	}
	if c.XLabel != "" {
		s.label(left+plotW/2, bottom+40, plotW, fontSize, "middle", `class="title"`, c.XLabel)
	}
	s.raw("</svg>")
	d.svg = s.b.String()
	return d
}

// lonely reports whether point j has no neighbour to draw a line to, so
// that it needs a dot to be seen at all.
func lonely(has []bool, j int) bool {
	return (j == 0 || !has[j-1]) && (j == len(has)-1 || !has[j+1])
}
