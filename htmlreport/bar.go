package htmlreport

import (
	"math"

	"github.com/govledger/govledger/projections"
)

// drawBar draws a bar chart or, with hist, a histogram. A bar chart with
// few, short categories stands upright; one with many or long category
// names (units, mostly) lies down so that every name can be read. A
// histogram always stands, its buckets touching, and thins its labels.
func drawBar(c projections.Chart, hist bool) drawn {
	t := tabulate(c.Series, false)
	if t.empty() {
		return noData()
	}
	var d drawn
	t.capSeries(maxSeries, &d)
	if hist {
		d.svg = vertical(c, t, true)
		return d
	}
	t.capCategories(maxBars, &d)
	band := (chartW - 90) / float64(len(t.cats))
	upright := len(t.cats) <= maxVertical
	for _, cat := range t.cats {
		upright = upright && textWidth(cat, fontSize) <= band-8
	}
	if upright {
		d.svg = vertical(c, t, false)
	} else {
		d.svg = horizontal(c, t)
	}
	return d
}

// vertical draws upright bars, grouped by category.
func vertical(c projections.Chart, t table, hist bool) string {
	var s svg
	legend := []legendItem(nil)
	if len(t.names) > 1 {
		legend = seriesLegend(t, false)
	}
	const plotH = 260.0
	top := 12 + legendHeight(legend, chartW-24)
	if len(legend) > 0 {
		top += 8
	}
	lo, hi := t.bounds()
	ys := niceScale(lo, hi, 6, top+plotH, top)
	ys.percent = c.YKind == projections.KindRate
	left := maxTickWidth(ys) + 14
	if c.YLabel != "" {
		left += 20
	}
	right := 16.0
	plotW := chartW - left - right
	bottom := top + plotH
	h := bottom + 26
	if c.XLabel != "" {
		h += 20
	}
	open(&s, h+6, c.Title)
	s.legend(legend, 12, 10, chartW-24)
	s.valueAxis(ys, true, left, left, chartW-right)
	if c.YLabel != "" {
		s.label(0, 0, plotH, fontSize, "middle",
			`class="title" transform="translate(14 `+num(top+plotH/2)+`) rotate(-90)"`, c.YLabel)
	}

	n := float64(len(t.cats))
	band := plotW / n
	gap := band * 0.25
	if hist {
		gap = math.Min(2, band*0.1)
	}
	barW := math.Min((band-gap)/float64(len(t.names)), 72)
	gap = band - barW*float64(len(t.names)) // a few wide bars stay slim, centred
	zero := ys.at(0)
	// Value labels on every bar or on none: a few labelled bars among
	// many unlabelled ones would look like a selection.
	labelled := true
	for i := range t.names {
		for j := range t.cats {
			labelled = labelled && (!t.has[i][j] || textWidth(valueText(c, t.vals[i][j]), smallFs) <= barW+4)
		}
	}
	s.raw(`<g class="bars">`)
	for j := range t.cats {
		for i := range t.names {
			if !t.has[i][j] {
				continue
			}
			v := t.vals[i][j]
			x := left + float64(j)*band + gap/2 + float64(i)*barW
			y := ys.at(v)
			s.rect(x, zero, barW, y-zero, "mark", colour(i), tip(t.names[i], t.cats[j], v))
			if labelled {
				ly := y - 4
				if v < 0 {
					ly = y + smallFs + 2
				}
				s.text(x+barW/2, ly, "middle", `class="value"`, valueText(c, v))
			}
		}
	}
	s.raw(`</g>`)

	// Category labels, thinned so that they do not overlap.
	widest := 0.0
	for _, cat := range t.cats {
		widest = math.Max(widest, textWidth(cat, fontSize))
	}
	every := 1
	if hist && widest+8 > band {
		every = int(math.Ceil((widest + 8) / band))
	}
	s.raw(`<g class="axis">`)
	s.line(left, bottom, chartW-right, bottom, "base")
	for j, cat := range t.cats {
		if j%every != 0 {
			continue
		}
		s.label(left+(float64(j)+0.5)*band, bottom+16, math.Max(band*float64(every)-6, 24), fontSize, "middle", "", cat)
	}
	s.raw(`</g>`)
	if c.XLabel != "" {
		s.label(left+plotW/2, bottom+40, plotW, fontSize, "middle", `class="title"`, c.XLabel)
	}
	s.raw("</svg>")
	return s.b.String()
}

// horizontal draws bars lying down, one row per category, the category
// names on the left and the values at the end of the bars.
func horizontal(c projections.Chart, t table) string {
	var s svg
	legend := []legendItem(nil)
	if len(t.names) > 1 {
		legend = seriesLegend(t, false)
	}
	ns := len(t.names)
	barH := 16.0
	if ns > 1 {
		barH = math.Max(7, 30/float64(ns))
	}
	rowH := barH*float64(ns) + 8
	top := 12 + legendHeight(legend, chartW-24)
	if len(legend) > 0 {
		top += 8
	}
	if c.XLabel != "" {
		top += 18
	}
	widest := 0.0
	for _, cat := range t.cats {
		widest = math.Max(widest, textWidth(cat, fontSize))
	}
	labelW := math.Min(widest, 220)
	left := labelW + 16
	right := 64.0
	plotW := chartW - left - right
	bottom := top + rowH*float64(len(t.cats))
	h := bottom + 24
	if c.YLabel != "" {
		h += 20
	}
	lo, hi := t.bounds()
	xs := niceScale(lo, hi, int(math.Max(3, plotW/90)), left, left+plotW)
	xs.percent = c.YKind == projections.KindRate

	open(&s, h+6, c.Title)
	s.legend(legend, 12, 10, chartW-24)
	if c.XLabel != "" {
		s.label(left-8, top-8, labelW, fontSize, "end", `class="title"`, c.XLabel)
	}
	s.valueAxis(xs, false, bottom, top, bottom)
	zero := xs.at(0)
	s.raw(`<g class="bars">`)
	for j, cat := range t.cats {
		y0 := top + float64(j)*rowH + 4
		s.label(left-8, y0+barH*float64(ns)/2+4, labelW, fontSize, "end", "", cat)
		for i := range t.names {
			if !t.has[i][j] {
				continue
			}
			v := t.vals[i][j]
			y := y0 + float64(i)*barH
			x := xs.at(v)
			s.rect(zero, y, x-zero, barH-1, "mark", colour(i), tip(t.names[i], cat, v))
			if v >= 0 {
				s.text(x+4, y+barH/2+3.5, "", `class="value"`, valueText(c, v))
			} else {
				s.text(x-4, y+barH/2+3.5, "end", `class="value"`, valueText(c, v))
			}
		}
	}
	s.raw(`</g>`)
	if c.YLabel != "" {
		s.label(left+plotW/2, bottom+36, plotW, fontSize, "middle", `class="title"`, c.YLabel)
	}
	s.raw("</svg>")
	return s.b.String()
}
