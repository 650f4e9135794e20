package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
)

// unit is one registered unit and, for units that receive orders, how it
// behaves.
type unit struct {
	id, name, kind string
	parent         int32 // index, -1 for the district

	signMedian float64 // median office hours before it answers an order
	speed      float64 // multiplier on handling times
	quality    float64 // added to the chance that a citizen is satisfied
	buck       float64 // chance it returns an order that is rightly its own
}

type street struct {
	unit  int32
	comms []int32 // community indices
}

type community struct {
	unit   int32
	street int32 // street index
	grids  []int32
}

// catInfo is a category with its owner units resolved.
type catInfo struct {
	category
	owner int32 // unit of the district-wide rule, -1: no rule
	alt   int32 // unit with overlapping duties, -1: none
}

// ruleRef is what routing needs of a rule.
type ruleRef struct {
	id   string
	unit int32
}

// respList is one version of the responsibility list.
type respList struct {
	version   int
	effective int64                // unix ms from which it is in force
	general   []ruleRef            // by category; unit -1: no rule
	byStreet  map[[2]int32]ruleRef // (category, street) overrides
	payload   *events.ResponsibilityPublished
}

func (l *respList) route(cat, street int32) (ruleRef, bool) {
	if r, ok := l.byStreet[[2]int32{cat, street}]; ok {
		return r, true
	}
	r := l.general[cat]
	return r, r.unit >= 0
}

// world is the simulated district: its units, hierarchy, categories and
// responsibility lists. It is built once from the config and the seed.
type world struct {
	units    []unit
	district int32
	center   int32
	depts    []int32
	streets  []street
	comms    []community
	commCum  cumulative // where cases happen
	cats     []catInfo
	catCum   [5]cumulative // by channel index
	lists    []*respList
	moved    []bool // by category: list version 2 moved it
}

var syllables = strings.Fields("an bai bei chang chen dong feng fu gao guang he hong hua huai jin jing kang le lin long " +
	"mei ming nan ning ping qing rui shan sheng shu tai tian wan wen xi xin xing yang yi yong yuan yun ze zhong")

// placeNames returns a generator of distinct pinyin-like place names.
func placeNames(r rng) func() string {
	used := map[string]bool{}
	return func() string {
		for i := 0; ; i++ {
			a, b := syllables[r.IntN(len(syllables))], syllables[r.IntN(len(syllables))]
			name := strings.ToUpper(a[:1]) + a[1:] + b
			if i > 20 {
				name = fmt.Sprintf("%s %d", name, i)
			}
			if a != b && !used[name] {
				used[name] = true
				return name
			}
		}
	}
}

func (w *world) add(u unit) int32 {
	w.units = append(w.units, u)
	return int32(len(w.units) - 1)
}

// buildWorld lays out the district for cfg.
func buildWorld(cfg Config, r rng, start time.Time) *world {
	w := &world{}
	name := placeNames(r)
	w.district = w.add(unit{id: "district", name: name() + " District", kind: events.UnitDistrict, parent: -1, signMedian: 1, speed: 1.2})
	w.center = w.add(unit{id: "center-12345", name: "12345 Citizen Service Hotline Centre", kind: events.UnitCenter, parent: w.district})
	bySlug := map[string]int32{}
	for i := 0; i < cfg.Departments; i++ {
		d := department{fmt.Sprintf("x%02d", i+1), fmt.Sprintf("Department %d", i+1)}
		if i < len(departments) {
			d = departments[i]
		}
		u := unit{id: "dept-" + d.slug, name: d.name, kind: events.UnitDepartment, parent: w.district,
			signMedian: r.lognormal(2.5, 0.6), speed: r.lognormal(1, 0.3), quality: 0.06 * r.NormFloat64(),
			buck: 0.005 + 0.05*r.Float64()*r.Float64()}
		if r.chance(0.12) { // a slow unit
			u.signMedian *= 4
			u.speed *= 1.6
		}
		idx := w.add(u)
		w.depts = append(w.depts, idx)
		bySlug[d.slug] = idx
	}
	dept := func(slug string) int32 {
		if slug == "" {
			return -1
		}
		if u, ok := bySlug[slug]; ok {
			return u
		}
		for i, d := range departments { // fewer departments than named: fold
			if d.slug == slug {
				return w.depts[i%len(w.depts)]
			}
		}
		return w.depts[0]
	}
	var commWeights []float64
	for s := 0; s < cfg.Streets; s++ {
		su := w.add(unit{id: fmt.Sprintf("st-%02d", s+1), name: name() + " Subdistrict", kind: events.UnitStreet, parent: w.district,
			signMedian: r.lognormal(1.5, 0.5), speed: r.lognormal(1, 0.3), quality: 0.05 * r.NormFloat64(),
			buck: 0.02 + 0.04*r.Float64()})
		st := street{unit: su}
		streetWeight := r.lognormal(1, 0.4)
		nc := max(1, cfg.CommunitiesPerStreet+r.IntN(5)-2)
		for c := 0; c < nc; c++ {
			cu := w.add(unit{id: fmt.Sprintf("cm-%02d-%02d", s+1, c+1), name: name() + " Community", kind: events.UnitCommunity, parent: su})
			cm := community{unit: cu, street: int32(s)}
			ng := max(1, cfg.GridsPerCommunity+r.IntN(7)-3)
			for g := 0; g < ng; g++ {
				gu := w.add(unit{id: fmt.Sprintf("g-%02d-%02d-%02d", s+1, c+1, g+1),
					name: fmt.Sprintf("%s Grid %d", w.units[cu].name, g+1), kind: events.UnitGrid, parent: cu})
				cm.grids = append(cm.grids, gu)
			}
			st.comms = append(st.comms, int32(len(w.comms)))
			w.comms = append(w.comms, cm)
			commWeights = append(commWeights, streetWeight*r.lognormal(1, 0.5)/float64(nc))
		}
		w.streets = append(w.streets, st)
	}
	w.commCum = newCumulative(commWeights)

	var chw [5][]float64
	for _, c := range categories {
		ci := catInfo{category: c, owner: dept(c.owner), alt: dept(c.alt)}
		if ci.alt == ci.owner {
			ci.alt = -1
		}
		w.cats = append(w.cats, ci)
		citizen := c.weight
		if c.traits&traitEnterprise != 0 {
			citizen *= 0.3
		}
		chw[chHotline] = append(chw[chHotline], citizen)
		chw[chApp] = append(chw[chApp], citizen)
		chw[chSuperior] = append(chw[chSuperior], citizen)
		chw[chPatrol] = append(chw[chPatrol], pick(c.traits&traitPatrol != 0, c.weight, 0))
		chw[chEnterprise] = append(chw[chEnterprise], pick(c.traits&traitEnterprise != 0, c.weight, 0))
	}
	for i := range chw {
		w.catCum[i] = newCumulative(chw[i])
	}
	w.buildLists(r, start, dept)
	return w
}

func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

// buildLists makes list version 1 (in force from the start) and version 2
// (which moves a few categories to other departments); version 2's
// effective time is set by the engine when it publishes it.
func (w *world) buildLists(r rng, start time.Time, dept func(string) int32) {
	v1 := &respList{version: 1, effective: start.UnixMilli(), byStreet: map[[2]int32]ruleRef{}}
	var rules []events.Rule
	for ci, c := range w.cats {
		ref := ruleRef{id: c.id, unit: c.owner}
		if c.owner < 0 {
			ref.id = ""
		} else {
			rules = append(rules, events.Rule{ID: c.id, Category: c.id, Unit: w.units[c.owner].id})
		}
		v1.general = append(v1.general, ref)
		if c.traits&traitTerritory == 0 {
			continue
		}
		for si, s := range w.streets {
			sid := w.units[s.unit].id
			ref := ruleRef{id: c.id + "@" + sid, unit: s.unit}
			v1.byStreet[[2]int32{int32(ci), int32(si)}] = ref
			rules = append(rules, events.Rule{ID: ref.id, Category: c.id, Street: sid, Unit: sid})
		}
	}
	// A few street-specific overrides: a street that keeps its own back
	// roads and greens, a development zone, a street that polices signage.
	overrides := [][]struct{ cat, dept string }{
		{{"road.pothole", ""}, {"city.greening", ""}},
		{{"enterprise.approval", "investment"}, {"enterprise.policy", "investment"}},
		{{"city.signage", ""}},
	}
	for k, si := range r.Perm(len(w.streets))[:min(len(overrides), len(w.streets))] {
		s := w.streets[si]
		sid := w.units[s.unit].id
		for _, o := range overrides[k] {
			u := s.unit
			if o.dept != "" {
				u = dept(o.dept)
			}
			ci := w.catIndex(o.cat)
			if ci < 0 {
				continue
			}
			ref := ruleRef{id: o.cat + "@" + sid, unit: u}
			v1.byStreet[[2]int32{ci, int32(si)}] = ref
			rules = append(rules, events.Rule{ID: ref.id, Category: o.cat, Street: sid, Unit: w.units[u].id})
		}
	}
	v1.payload = &events.ResponsibilityPublished{ListVersion: 1, EffectiveFrom: start, Fallback: w.units[w.district].id, Rules: rules}

	v2 := &respList{version: 2, general: append([]ruleRef(nil), v1.general...), byStreet: v1.byStreet}
	w.moved = make([]bool, len(w.cats))
	rules2 := append([]events.Rule(nil), rules...)
	for _, m := range moves {
		ci := w.catIndex(m.category)
		to := dept(m.to)
		if ci < 0 || to == w.cats[ci].owner {
			continue
		}
		w.moved[ci] = true
		v2.general[ci] = ruleRef{id: m.category + "#2", unit: to}
		for i := range rules2 {
			if rules2[i].ID == m.category {
				rules2[i] = events.Rule{ID: m.category + "#2", Category: m.category, Unit: w.units[to].id}
			}
		}
	}
	v2.payload = &events.ResponsibilityPublished{ListVersion: 2, Fallback: w.units[w.district].id, Rules: rules2}
	w.lists = []*respList{v1, v2}
}

// catIndex returns the index of category id, or -1.
func (w *world) catIndex(id string) int32 {
	for i, c := range w.cats {
		if c.id == id {
			return int32(i)
		}
	}
	return -1
}

// registry returns the unit.registered payloads, parents first.
func (w *world) registry() []*events.UnitRegistered {
	out := make([]*events.UnitRegistered, len(w.units))
	for i, u := range w.units {
		p := &events.UnitRegistered{Unit: u.id, Name: u.name, Kind: u.kind}
		if u.parent >= 0 {
			p.Parent = w.units[u.parent].id
		}
		out[i] = p
	}
	return out
}

// subject returns the pseudonymous subject id of resident n of community
// c. The mapping is a bijection, so distinct residents get distinct ids.
func subject(c int32, n int) string {
	x := (uint64(c)*10000 + uint64(n)) * 0x9e3779b97f4a7c15 & (1<<40 - 1)
	return fmt.Sprintf("S%010x", x)
}

// residents is the size of each community's pool of subjects.
const residents = 5000
