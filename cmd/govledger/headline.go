package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/ratings"
	"github.com/govledger/govledger/projections/routing"
	"github.com/govledger/govledger/projections/timeliness"
	"github.com/govledger/govledger/store"
)

// headlineUnits is how many units the headline table shows (the busiest).
const headlineUnits = 20

// headline replays the ledger into every built-in projection (leaving
// checkpoints, so later reports start from them) and prints the table a
// performance reviewer looks at first: per handling unit, cases, citizen
// clock, same-day closure, on-time rate, auto-dispatch rate, hops, returns
// and the three rates.
func headline(ctx context.Context, w io.Writer, s store.Store, opt builtinOptions) error {
	reg, err := builtins(opt)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := catchUp(ctx, s, reg.All()...)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	pos := r.Position()
	warm(ctx, s, r, reg.All())
	fmt.Fprintf(w, "projections: %d built-ins replayed %d events in %s (%.0f events/s) and checkpointed\n\n",
		reg.Len(), pos, elapsed.Round(time.Millisecond), float64(pos)/elapsed.Seconds())

	tl, err1 := reg.Get("timeliness")
	rt, err2 := reg.Get("routing")
	ra, err3 := reg.Get("ratings")
	if err1 != nil || err2 != nil || err3 != nil {
		return fmt.Errorf("headline needs timeliness, routing and ratings registered")
	}
	var units []timeliness.UnitFigures
	for _, u := range tl.(*timeliness.Projection).Units() {
		if u.Resolved > 0 || u.Open > 0 { // not only merged duplicates
			units = append(units, u)
		}
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].Cases > units[j].Cases })
	rout, rate := rt.(*routing.Projection), ra.(*ratings.Projection)

	pct := func(x float64, ok bool) string {
		if !ok {
			return "—"
		}
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	}
	cols := []projections.Column{{Kind: projections.KindText}}
	head := []string{"unit", "cases", "p50 h", "p90 h", "same-day", "on-time", "auto-disp", "hops", "returns", "response", "resolution", "satisfaction"}
	for range head[1:] {
		cols = append(cols, projections.Column{Kind: projections.KindNumber})
	}
	rows := [][]string{head}
	shown := units
	if len(shown) > headlineUnits {
		shown = shown[:headlineUnits]
	}
	for _, u := range shown {
		sd, sdOK := u.SameDayRate()
		ot, otOK := u.OnTimeRate()
		row := []string{u.Unit, strconv.FormatInt(u.Cases, 10), "—", "—", pct(sd, sdOK), pct(ot, otOK)}
		if u.Resolved > 0 {
			row[2], row[3] = strconv.FormatFloat(u.P50CitizenH, 'f', 1, 64), strconv.FormatFloat(u.P90CitizenH, 'f', 1, 64)
		}
		if f, ok := rout.Unit(u.Unit); ok && f.FirstDispatches > 0 {
			row = append(row, pct(f.AutoDispatchRate, true), strconv.FormatFloat(f.MeanHops, 'f', 2, 64),
				strconv.FormatInt(f.Returns, 10))
		} else {
			row = append(row, "—", "—", "—")
		}
		if q, ok := rate.Unit(u.Unit); ok && q.Valid > 0 {
			row = append(row, pct(q.Response, true), pct(q.Resolution, true), pct(q.Satisfaction, true))
		} else {
			row = append(row, "—", "—", "—")
		}
		rows = append(rows, row)
	}
	fmt.Fprintln(w, "headline: the busiest handling units (citizen clock in hours; rates over valid ratings)")
	writeAligned(w, cols, rows)
	if more := len(units) - len(shown); more > 0 {
		fmt.Fprintf(w, "  ... and %d more units: govledger report timeliness | routing | ratings\n", more)
	}
	return nil
}
