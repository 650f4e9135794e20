package htmlreport

import (
	"math"
	"sort"
	"strconv"

	"github.com/govledger/govledger/projections"
)

// Colours of a network: one-way links in blue, links that run both ways
// between two nodes (a case passed back and forth) in vermillion.
var (
	oneWay  = palette[0]
	twoWays = palette[3]
)

// maxLevelLabels is the most nodes whose labels are written level; more
// are written along the radii.
const maxLevelLabels = 12

// pt is a point in SVG user units.
type pt struct{ x, y float64 }

func (a pt) add(b pt) pt              { return pt{a.x + b.x, a.y + b.y} }
func (a pt) sub(b pt) pt              { return pt{a.x - b.x, a.y - b.y} }
func (a pt) mul(k float64) pt         { return pt{a.x * k, a.y * k} }
func (a pt) len() float64             { return math.Hypot(a.x, a.y) }
func (a pt) perp() pt                 { return pt{-a.y, a.x} }
func (a pt) str() string              { return num(a.x) + " " + num(a.y) }
func (a pt) unit() pt                 { return a.mul(1 / math.Max(a.len(), 1e-9)) }
func lerp(a, b pt, t float64) pt      { return a.add(b.sub(a).mul(t)) }
func quadAt(a, c, b pt, t float64) pt { return lerp(lerp(a, c, t), lerp(c, b, t), t) }

// drawNetwork draws a directed graph: its nodes evenly on a circle (in the
// order the chart lists them), each link a curved arrow whose width is
// proportional to its weight and whose label is the weight. Only the
// heaviest links are drawn, and only the nodes they touch; the caption
// says how many were left out.
func drawNetwork(c projections.Chart) drawn {
	var edges []projections.Edge
	for _, e := range c.Edges {
		if finite(e.Weight) && e.Weight > 0 {
			edges = append(edges, e)
		}
	}
	if len(edges) == 0 {
		return noData()
	}
	var d drawn
	total := len(edges)
	sort.SliceStable(edges, func(i, j int) bool { return edges[i].Weight > edges[j].Weight })
	if len(edges) > maxEdges {
		edges = edges[:maxEdges]
		d.caption = append(d.caption, "Showing the "+strconv.Itoa(maxEdges)+" heaviest of "+strconv.Itoa(total)+
			" links, and only the nodes they touch.")
	}

	// Nodes in the chart's order, then any named only by an edge.
	weight := map[string]float64{}
	for _, e := range edges {
		weight[e.From] += e.Weight
		weight[e.To] += e.Weight
	}
	var nodes []string
	seen := map[string]bool{}
	addNode := func(n string) {
		if _, ok := weight[n]; ok && !seen[n] {
			seen[n] = true
			nodes = append(nodes, n)
		}
	}
	for _, n := range c.Nodes {
		addNode(n)
	}
	for _, e := range c.Edges {
		addNode(e.From)
		addNode(e.To)
	}
	if left := undrawn(c.Nodes, seen); left > 0 && total <= maxEdges {
		d.caption = append(d.caption, strconv.Itoa(left)+" nodes without links are left out.")
	}
	has := map[[2]string]bool{}
	for _, e := range edges {
		has[[2]string{e.From, e.To}] = true
	}
	mutual := false
	for _, e := range edges {
		mutual = mutual || e.From != e.To && has[[2]string{e.To, e.From}]
	}
	d.caption = append(d.caption, "Arrow width is proportional to the weight printed on it.")
	if mutual {
		d.caption = append(d.caption, "Vermillion arrows: pairs linked in both directions.")
	}

	// Layout: an ellipse, a little taller than wide, leaving room for
	// the labels at its sides.
	widest := 0.0
	for _, n := range nodes {
		widest = math.Max(widest, textWidth(n, fontSize))
	}
	// Few nodes: an ellipse, a little taller than wide, labels level at
	// its sides. Many: a circle with the labels along its radii, so that
	// each label has a slot of its own.
	radial := len(nodes) > maxLevelLabels
	labelW := math.Min(widest, 170)
	if radial {
		labelW = math.Min(widest, 150)
	}
	rx := chartW/2 - labelW - 28
	ry := math.Min(rx*1.15, 280)
	h := 2*ry + 80
	if radial {
		ry, h = rx, 2*(rx+labelW+28)
	}
	centre := pt{chartW / 2, h / 2}
	maxW, maxNode := edges[0].Weight, 0.0
	for _, w := range weight {
		maxNode = math.Max(maxNode, w)
	}
	pos := map[string]pt{}
	rad := map[string]float64{}
	angle := map[string]float64{}
	for i, n := range nodes {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(len(nodes))
		angle[n] = a
		pos[n] = centre.add(pt{rx * math.Cos(a), ry * math.Sin(a)})
		rad[n] = 5 + 7*math.Sqrt(weight[n]/maxNode)
	}

	var s svg
	open(&s, h, c.Title)
	// Light links first, so that heavy ones lie on top.
	order := make([]int, len(edges))
	for i := range order {
		order[i] = len(edges) - 1 - i
	}
	labels := make([]edgeLabel, len(edges))
	s.raw(`<g class="edges">`)
	for _, i := range order {
		e := edges[i]
		w := 1.2 + 7*e.Weight/maxW
		col := oneWay
		if e.From != e.To && has[[2]string{e.To, e.From}] {
			col = twoWays
		}
		text := e.Label
		if text == "" {
			text = short(e.Weight)
		}
		p1, p2 := pos[e.From], pos[e.To]
		var start, ctl1, ctl2, tip pt
		if e.From == e.To {
			// A loop inside the circle, towards the centre.
			in := centre.sub(p1).unit()
			side := in.perp()
			start = p1.add(in.add(side.mul(0.5)).unit().mul(rad[e.From]))
			tip = p1.add(in.sub(side.mul(0.5)).unit().mul(rad[e.From] + 1))
			ctl1 = start.add(in.add(side.mul(0.9)).mul(60))
			ctl2 = tip.add(in.sub(side.mul(0.9)).mul(60))
		} else {
			chord := p2.sub(p1)
			bend := p1.add(chord.mul(0.5)).add(chord.perp().mul(0.18))
			start = p1.add(bend.sub(p1).unit().mul(rad[e.From]))
			tip = p2.add(bend.sub(p2).unit().mul(rad[e.To] + 1))
			ctl1, ctl2 = lerp(start, bend, 2.0/3), lerp(tip, bend, 2.0/3)
		}
		dir := tip.sub(ctl2).unit()
		al, aw := 7+1.4*w, 3.5+0.9*w
		base := tip.sub(dir.mul(al))
		end := tip.sub(dir.mul(al * 0.85))
		s.raw(`<g class="edge"><title>`, esc(e.From+" → "+e.To+": "+text), `</title>`)
		s.raw(`<path class="mark link" fill="none" stroke="`, col, `" stroke-width="`, num(w),
			`" d="M`, start.str(), ` C`, ctl1.str(), ` `, ctl2.str(), ` `, end.str(), `"/>`)
		wing := dir.perp().mul(aw)
		s.raw(`<path class="mark head" fill="`, col, `" d="M`, tip.str(), ` L`, base.add(wing).str(), ` L`, base.sub(wing).str(), ` Z"/>`)
		s.raw(`</g>`)
		labels[i] = edgeLabel{curve: [4]pt{start, ctl1, ctl2, end}, text: text}
	}
	s.raw(`</g><g class="nodes">`)
	for _, n := range nodes {
		p, a := pos[n], angle[n]
		s.raw(`<circle class="mark node" cx="`, num(p.x), `" cy="`, num(p.y), `" r="`, num(rad[n]), `"><title>`,
			esc(n+": "+short(weight[n])+" (in and out, links shown)"), `</title></circle>`)
		lp := p.add(pt{math.Cos(a), math.Sin(a)}.mul(rad[n] + 7))
		if radial {
			deg, anchor := a*180/math.Pi, "start"
			if math.Cos(a) < -1e-9 {
				deg, anchor = deg+180, "end"
			}
			s.label(lp.x, lp.y+4, labelW, fontSize, anchor,
				`class="node-label" transform="rotate(`+num(deg)+` `+num(lp.x)+` `+num(lp.y)+`)"`, n)
			continue
		}
		anchor := "middle"
		switch {
		case math.Cos(a) > 0.2:
			anchor = "start"
		case math.Cos(a) < -0.2:
			anchor = "end"
		}
		dy := 4.0
		switch {
		case math.Sin(a) > 0.8:
			dy = 12
		case math.Sin(a) < -0.8:
			dy = -3
		}
		s.label(lp.x, lp.y+dy, labelW, fontSize, anchor, `class="node-label"`, n)
	}
	s.raw(`</g><g class="edge-labels">`)
	for _, l := range placeLabels(labels) {
		s.text(l.at.x, l.at.y+4, "middle", `class="edge-label"`, l.text)
	}
	s.raw("</g></svg>")
	d.svg = s.b.String()
	return d
}

// cubicAt is the point at t on a cubic Bézier curve.
func cubicAt(a, b, c, d pt, t float64) pt {
	return lerp(quadAt(a, b, c, t), quadAt(b, c, d, t), t)
}

// undrawn counts the distinct listed nodes that are not drawn.
func undrawn(nodes []string, drawn map[string]bool) int {
	n, once := 0, map[string]bool{}
	for _, x := range nodes {
		if !drawn[x] && !once[x] {
			once[x] = true
			n++
		}
	}
	return n
}

// edgeLabel is the weight printed on a link, somewhere along its curve.
type edgeLabel struct {
	curve [4]pt
	text  string
	at    pt
}

// placeLabels puts each label on its curve where it does not cover a label
// already placed, trying the middle first and then points further out;
// labels come heaviest link first, so the heaviest get the best places.
// A label with no free place stays in the middle.
func placeLabels(labels []edgeLabel) []edgeLabel {
	type box struct{ x0, y0, x1, y1 float64 }
	var taken []box
	for i := range labels {
		l := &labels[i]
		w := textWidth(l.text, smallFs) + 4
		var first box
		for k, t := range [...]float64{0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78} {
			p := cubicAt(l.curve[0], l.curve[1], l.curve[2], l.curve[3], t)
			b := box{p.x - w/2, p.y - 7, p.x + w/2, p.y + 7}
			if k == 0 {
				l.at, first = p, b
			}
			free := true
			for _, o := range taken {
				free = free && (b.x1 <= o.x0 || o.x1 <= b.x0 || b.y1 <= o.y0 || o.y1 <= b.y0)
			}
			if free {
				l.at, first = p, b
				break
			}
		}
		taken = append(taken, first)
	}
	return labels
}
