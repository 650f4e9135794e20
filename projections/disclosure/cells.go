package disclosure

import (
	"cmp"
	"slices"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/ballots"
	"github.com/govledger/govledger/projections/stats"
)

// Cell is one published row of the case table: the cases reported in a
// street, a category and a period. When Suppressed (fewer than K cases
// reported) every figure is nil. A figure is also nil when it is
// undefined: SameDayRate and MedianHours without a resolved case,
// SatisfiedShare without a valid rating.
type Cell struct {
	Street, Category, Period string
	Suppressed               bool
	Reported, Resolved       *int64
	SameDayRate              *float64 // same-day closures / resolved
	MedianHours              *int64   // median citizen clock, whole hours
	SatisfiedShare           *float64 // satisfied / valid ratings
}

// group accumulates one street x category x period.
type group struct {
	street, cat                string
	period                     string
	reported, valid, satisfied int64
	resolved, sameDay          int64
	hours                      stats.Dist
}

// periodOf returns the key, start and end of the period holding a local
// day (days since 1970-01-01).
func (p *Projection) periodOf(day int32, period string) (string, time.Time, time.Time) {
	y, m, d := time.Unix(int64(day)*86400, 0).UTC().Date()
	var start, end time.Time
	switch period {
	case projections.PeriodDay:
		start, end = time.Date(y, m, d, 0, 0, 0, 0, p.loc), time.Date(y, m, d+1, 0, 0, 0, 0, p.loc)
	case projections.PeriodWeek:
		back := (int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 6) % 7 // days since Monday
		start, end = time.Date(y, m, d-back, 0, 0, 0, 0, p.loc), time.Date(y, m, d-back+7, 0, 0, 0, 0, p.loc)
	default:
		start, end = time.Date(y, m, 1, 0, 0, 0, 0, p.loc), time.Date(y, m+1, 1, 0, 0, 0, 0, p.loc)
	}
	return stats.Period(start, period, p.loc), start, end
}

// casePeriod is the period of a case query: month unless asked.
func casePeriod(q projections.Query) string {
	if q.Period == "" {
		return projections.PeriodMonth
	}
	return q.Period
}

// Cells answers q with the case table, suppressed cells included (marked,
// figures nil). q.By may be "" or "street" (rows by street, category,
// period) or "category" (by category, street, period); q.Period is day,
// week or month (default); From/To keep the whole periods that overlap
// [From, To).
func (p *Projection) Cells(q projections.Query) ([]Cell, error) {
	if err := q.Check(projections.ByStreet, projections.ByCategory); err != nil {
		return nil, err
	}
	period := casePeriod(q)
	type gkey struct {
		street, cat int32
		period      string
	}
	index := map[gkey]int{}
	var groups []*group
	keys := map[int32]string{} // day -> period key, "" when outside From/To
	rowOf := make([]int32, len(p.cells))
	for i, c := range p.cells {
		k, ok := keys[c.key.day]
		if !ok {
			var start, end time.Time
			k, start, end = p.periodOf(c.key.day, period)
			if (!q.From.IsZero() && !end.After(q.From)) || (!q.To.IsZero() && !start.Before(q.To)) {
				k = ""
			}
			keys[c.key.day] = k
		}
		if k == "" {
			rowOf[i] = -1
			continue
		}
		gk := gkey{c.key.street, c.key.cat, k}
		g, ok := index[gk]
		if !ok {
			g = len(groups)
			index[gk] = g
			groups = append(groups, &group{street: p.streets.names[c.key.street], cat: p.cats.names[c.key.cat], period: k})
		}
		rowOf[i] = int32(g)
		groups[g].reported += c.reported
		groups[g].valid += c.valid
		groups[g].satisfied += c.satisfied
	}
	add := func(d doneCase) {
		if r := rowOf[d.cell]; r >= 0 {
			g := groups[r]
			g.resolved++
			if d.sameDay {
				g.sameDay++
			}
			g.hours.Add(int64(d.hours))
		}
	}
	for _, d := range p.done {
		add(d)
	}
	for _, lc := range p.live { // order does not matter: sums and a sorted median
		if lc.resolved {
			add(p.finish(lc))
		}
	}
	slices.SortFunc(groups, func(a, b *group) int {
		if q.By == projections.ByCategory {
			return cmp.Or(cmp.Compare(a.cat, b.cat), cmp.Compare(a.street, b.street), cmp.Compare(a.period, b.period))
		}
		return cmp.Or(cmp.Compare(a.street, b.street), cmp.Compare(a.cat, b.cat), cmp.Compare(a.period, b.period))
	})
	out := make([]Cell, 0, len(groups))
	for _, g := range groups {
		c := Cell{Street: g.street, Category: g.cat, Period: g.period}
		if g.reported < int64(p.k) {
			c.Suppressed = true
			out = append(out, c)
			continue
		}
		c.Reported, c.Resolved = ptr(g.reported), ptr(g.resolved)
		c.SameDayRate = rate(g.sameDay, g.resolved)
		c.SatisfiedShare = rate(g.satisfied, g.valid)
		if g.resolved > 0 {
			c.MedianHours = ptr(g.hours.Quantile(0.5))
		}
		out = append(out, c)
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

func rate(num, den int64) *float64 {
	if r := projections.Rate(num, den); r != nil {
		return ptr(r.(float64))
	}
	return nil
}

// TopicTally is one published row of the topic table. Counted, Turnout and
// Tally are nil when Suppressed: fewer than K ballots counted, or voting
// not closed yet.
type TopicTally struct {
	Topic, Community, Period string
	Secret, Closed           bool
	Suppressed               bool
	Eligible                 int64
	Counted                  *int64
	Turnout                  *float64
	Tally                    []ballots.OptionVotes
}

// Tallies answers q with the topic table: one row per topic opened in
// [From, To), sorted by community, then topic; q.Period adds the period of
// topic.opened. Topics never opened are left out.
func (p *Projection) Tallies(q projections.Query) ([]TopicTally, error) {
	if err := q.Check(projections.ByCommunity); err != nil {
		return nil, err
	}
	var out []TopicTally
	for _, t := range p.topics.Topics() {
		if !t.Opened || !q.In(t.OpenedAt) {
			continue
		}
		r := TopicTally{Topic: t.ID, Community: t.Community, Secret: t.Secret, Closed: t.Closed, Eligible: t.Eligible}
		if q.Period != "" {
			r.Period = stats.Period(t.OpenedAt, q.Period, p.loc)
		}
		r.Suppressed = !t.Closed || t.Counted < int64(p.k)
		if !r.Suppressed {
			r.Counted, r.Tally = ptr(t.Counted), t.Tally
			r.Turnout = rate(t.Counted, t.Eligible)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b TopicTally) int {
		return cmp.Or(cmp.Compare(a.Community, b.Community), cmp.Compare(a.Topic, b.Topic))
	})
	return out, nil
}
