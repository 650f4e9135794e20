package htmlreport

import (
	"math"
	"strconv"
	"strings"

	"github.com/govledger/govledger/projections"
)

// palette is the Okabe–Ito palette, which stays distinguishable under the
// common forms of colour blindness; its yellow comes last because it is
// faint on white.
var palette = [...]string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"}

// dashes tell lines apart without colour (in grey print, for instance).
var dashes = [...]string{"", "7 4", "2 3", "10 3 2 3", "4 2", "1 4", "12 4", "6 2 2 2"}

// colour returns the palette colour of series i.
func colour(i int) string { return palette[i%len(palette)] }

// Chart geometry, in SVG user units (pixels at 100% zoom).
const (
	chartW   = 800.0
	fontSize = 12.0
	smallFs  = 11.0
)

// svg accumulates the markup of one chart. Every number goes through num
// so that the output is the same on every machine.
type svg struct {
	b strings.Builder
}

// raw appends literal markup.
func (s *svg) raw(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
}

// num formats a coordinate with at most one decimal.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	x = math.Round(x*10) / 10
	if x == 0 {
		return "0"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// line draws a line segment with a class.
func (s *svg) line(x1, y1, x2, y2 float64, class string) {
	s.raw(`<line class="`, class, `" x1="`, num(x1), `" y1="`, num(y1), `" x2="`, num(x2), `" y2="`, num(y2), `"/>`)
}

// text draws escaped text. anchor is "start", "middle" or "end"; extra is
// further attributes, already escaped.
func (s *svg) text(x, y float64, anchor, extra, body string) {
	s.raw(`<text x="`, num(x), `" y="`, num(y), `"`)
	if anchor != "" && anchor != "start" {
		s.raw(` text-anchor="`, anchor, `"`)
	}
	if extra != "" {
		s.raw(" ", extra)
	}
	s.raw(">", esc(body), "</text>")
}

// label draws text truncated to max pixels, with the full text as a
// tooltip when it had to be shortened.
func (s *svg) label(x, y, max, fs float64, anchor, extra, body string) {
	t := truncate(body, max, fs)
	if t == clean(body) {
		s.text(x, y, anchor, extra, body)
		return
	}
	s.raw(`<g><title>`, esc(body), `</title>`)
	s.text(x, y, anchor, extra, t)
	s.raw(`</g>`)
}

// rect draws a rectangle filled with fill; tip, if not empty, becomes its
// tooltip.
func (s *svg) rect(x, y, w, h float64, class, fill, tip string) {
	if w < 0 {
		x, w = x+w, -w
	}
	if h < 0 {
		y, h = y+h, -h
	}
	s.raw(`<rect class="`, class, `" x="`, num(x), `" y="`, num(y), `" width="`, num(w), `" height="`, num(h), `"`)
	if fill != "" {
		s.raw(` fill="`, fill, `"`)
	}
	if tip == "" {
		s.raw(`/>`)
		return
	}
	s.raw(`><title>`, esc(tip), `</title></rect>`)
}

// scale maps a value domain [lo, hi] onto a pixel range [a, b].
type scale struct {
	lo, hi, a, b float64
	ticks        []float64
	dec          int  // decimals of the tick labels
	percent      bool // values are rates: label them as percentages
}

// at returns the pixel position of v.
func (sc scale) at(v float64) float64 {
	if sc.hi == sc.lo {
		return sc.a
	}
	return sc.a + (v-sc.lo)/(sc.hi-sc.lo)*(sc.b-sc.a)
}

// tickText formats a tick label.
func (sc scale) tickText(v float64) string {
	if sc.percent {
		return fixed(100*v, max(sc.dec-2, 0)) + "%"
	}
	return fixed(v, sc.dec)
}

// valueText formats a value label of chart c: a rate as a percentage.
func valueText(c projections.Chart, v float64) string {
	if c.YKind == projections.KindRate {
		return trimZeros(fixed(100*v, 1)) + "%"
	}
	return short(v)
}

// niceScale returns a scale over a domain that includes lo, hi and 0,
// widened to round tick values (steps of 1, 2 or 5 times a power of ten),
// with about target ticks. An empty or degenerate domain becomes [0, 1].
func niceScale(lo, hi float64, target int, a, b float64) scale {
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || hi-lo <= 0 {
		lo, hi = 0, 1
	}
	raw := (hi - lo) / float64(max(target, 1))
	exp := math.Floor(math.Log10(raw))
	frac := raw / math.Pow(10, exp)
	mult := 10.0
	switch {
	case frac <= 1:
		mult = 1
	case frac <= 2:
		mult = 2
	case frac <= 5:
		mult = 5
	}
	if mult == 10 {
		mult, exp = 1, exp+1
	}
	step := mult * math.Pow(10, exp)
	i0 := math.Floor(lo/step + 1e-9)
	i1 := math.Ceil(hi/step - 1e-9)
	sc := scale{lo: i0 * step, hi: i1 * step, a: a, b: b, dec: int(math.Max(0, -exp))}
	for i := i0; i <= i1; i++ {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		sc.ticks = append(sc.ticks, v)
	}
	return sc
}

// legendItem is one entry of a legend.
type legendItem struct {
	name, colour, dash string
	line               bool // draw a line sample instead of a swatch
}

// legendHeight returns the height the legend of items takes when wrapped
// into width w.
func legendHeight(items []legendItem, w float64) float64 {
	if len(items) == 0 {
		return 0
	}
	rows := 1
	x := 0.0
	for _, it := range items {
		iw := legendItemWidth(it)
		if x > 0 && x+iw > w {
			rows++
			x = 0
		}
		x += iw
	}
	return float64(rows) * 18
}

// legendMaxLabel is the widest a legend label may be, in pixels.
const legendMaxLabel = 220.0

func legendItemWidth(it legendItem) float64 {
	return 26 + math.Min(textWidth(it.name, fontSize), legendMaxLabel) + 18
}

// legend draws items at (x, y), wrapping at width w.
func (s *svg) legend(items []legendItem, x, y, w float64) {
	if len(items) == 0 {
		return
	}
	s.raw(`<g class="legend">`)
	cx, cy := 0.0, y
	for _, it := range items {
		iw := legendItemWidth(it)
		if cx > 0 && cx+iw > w {
			cx, cy = 0, cy+18
		}
		if it.line {
			s.raw(`<line x1="`, num(x+cx), `" y1="`, num(cy+9), `" x2="`, num(x+cx+20), `" y2="`, num(cy+9),
				`" stroke="`, it.colour, `" stroke-width="2.5"`)
			if it.dash != "" {
				s.raw(` stroke-dasharray="`, it.dash, `"`)
			}
			s.raw(`/>`)
		} else {
			s.rect(x+cx+4, cy+3, 12, 12, "swatch", it.colour, "")
		}
		s.label(x+cx+26, cy+13, legendMaxLabel, fontSize, "", "", it.name)
		cx += iw
	}
	s.raw(`</g>`)
}

// valueAxis draws gridlines and tick labels for a value scale. vertical
// says the scale runs up the y axis (ticks labelled on the left at x0);
// otherwise it runs along the x axis (labels below at y0). from and to
// span the gridlines across the plot.
func (s *svg) valueAxis(sc scale, vertical bool, at, from, to float64) {
	s.raw(`<g class="axis">`)
	for _, t := range sc.ticks {
		p := sc.at(t)
		class := "grid"
		if t == 0 {
			class = "zero"
		}
		if vertical {
			s.line(from, p, to, p, class)
			s.text(at-6, p+4, "end", "", sc.tickText(t))
		} else {
			s.line(p, from, p, to, class)
			s.text(p, at+14, "middle", "", sc.tickText(t))
		}
	}
	s.raw(`</g>`)
}

// maxTickWidth is the widest tick label of sc, in pixels.
func maxTickWidth(sc scale) float64 {
	w := 0.0
	for _, t := range sc.ticks {
		w = math.Max(w, textWidth(sc.tickText(t), fontSize))
	}
	return w
}

// finite reports whether x is a real number.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
