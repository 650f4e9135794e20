package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

const reportDoc = `
Replays the ledger into one projection (or "all" of them), resuming from
its checkpoint, and prints its report. "all" is every report but the case
traces' listing (a row per case: ask for casetrace by name).

  --by      group by unit, category, channel, street, community or grid
            (each projection names the groupings it offers)
  --period  split each group by day, week or month (in the policy's zone)
  --from, --to
            keep cases reported in [from, to): RFC 3339
            (2026-11-01T00:00:00+08:00) or a date (2026-11-01, midnight in
            the policy's zone)
  --format  table (default), json (documented in docs/report-json.md and
            stable: reviewers script against it), csv (the table, with the
            columns' keys as the header) or html (one self-contained file
            with charts; best with --out)

The report names the projection and version, the ledger position it
stands at and the state digest: the same ledger and query give a
byte-identical JSON report.`

// A Pebble side keyspace keeps checkpoints and deletes replaced chunks.
var (
	_ projections.Checkpoints = (*pebblestore.Side)(nil)
	_ projections.Deleter     = (*pebblestore.Side)(nil)
)

// listings are the projections whose report is a row per case (hundreds
// of megabytes on a large ledger): `report all` and the cache warm-up
// leave them out; they answer when asked by name.
var listings = map[string]bool{"casetrace": true}

func isListing(p projections.Projection) bool {
	base, _, _ := projections.SplitName(p.Name())
	return listings[base]
}

// multiReporter is a projection that answers with several reports (the
// process mining views).
type multiReporter interface {
	Views(q projections.Query) ([]*projections.Report, error)
}

func runReport(ctx context.Context, e *env, args []string) error {
	doc := reportDoc
	if reg, err := builtins(builtinOptions{k: 5}); err == nil {
		doc += "\n\nProjections: " + strings.Join(reg.Names(), ", ") + "."
	}
	fs := newFlags(e, "report", "<projection>|all", doc)
	dir := dirFlag(fs)
	opt := optionFlags(fs)
	query := queryFlags(fs)
	format := fs.String("format", "table", "table, json, csv or html")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("report takes one projection name (or all); see govledger projections")
	}
	switch *format {
	case "table", "json", "csv", "html":
	default:
		return usageErr("--format %q: want table, json, csv or html", *format)
	}
	reg, err := builtins(*opt)
	if err != nil {
		return usageErr("%v", err)
	}
	q, err := query(opt.zone())
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	var chosen []projections.Projection
	if name == "all" {
		for _, p := range reg.All() {
			if isListing(p) {
				continue // a row per case: ask for it by name
			}
			if _, ok := p.(projections.Reporter); ok {
				chosen = append(chosen, p)
			}
		}
	} else {
		p, err := reg.Get(name)
		if err != nil {
			return withCode(exitUsage, err)
		}
		if _, ok := p.(projections.Reporter); !ok {
			return withCode(exitUsage, fmt.Errorf("%w: %s", projections.ErrNoReport, p.Name()))
		}
		chosen = append(chosen, p)
	}
	if name == "all" && *format != "html" && *format != "json" {
		return usageErr("report all prints several tables: use --format html or json")
	}

	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	reports, err := answer(ctx, s, chosen, q, name == "all")
	if err != nil {
		return err
	}

	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := render(w, *format, reports); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "wrote %s\n", *out)
	}
	return nil
}

// answer returns the reports of the chosen projections for q: from the
// report cache when it stands at the ledger's head, else by catching the
// projections up from their checkpoints (and caching what they say).
func answer(ctx context.Context, s store.Store, chosen []projections.Projection, q projections.Query, all bool) ([]*projections.Report, error) {
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	cache := newReportCache(s)
	var reports []*projections.Report
	var stale []projections.Projection
	cached := map[string][]*projections.Report{}
	for _, p := range chosen {
		if rs, ok := cache.get(ctx, p, q, head); ok {
			cached[p.Name()] = rs
		} else {
			stale = append(stale, p)
		}
	}
	status := map[string]projections.Status{}
	if len(stale) > 0 {
		runner, err := catchUp(ctx, s, stale...)
		if err != nil {
			return nil, err
		}
		for _, st := range runner.Status() {
			status[st.Name] = st
		}
	}
	for _, p := range chosen {
		if rs, ok := cached[p.Name()]; ok {
			reports = append(reports, rs...)
			continue
		}
		rs, err := reportsOf(p, q)
		if err != nil {
			if errors.Is(err, projections.ErrQuery) {
				if all {
					continue // this projection does not offer the grouping
				}
				return nil, withCode(exitUsage, err)
			}
			return nil, err
		}
		st := status[p.Name()]
		for _, r := range rs {
			r.Projection, r.Position, r.Digest = p.Name(), st.Position, st.Digest
		}
		if st.Position == head {
			cache.put(ctx, p, q, head, rs)
		}
		reports = append(reports, rs...)
	}
	return reports, nil
}

func reportsOf(p projections.Projection, q projections.Query) ([]*projections.Report, error) {
	if m, ok := p.(multiReporter); ok {
		return m.Views(q)
	}
	r, err := p.(projections.Reporter).Report(q)
	if err != nil {
		return nil, err
	}
	return []*projections.Report{r}, nil
}

func render(w io.Writer, format string, reports []*projections.Report) error {
	switch format {
	case "json":
		if len(reports) == 1 {
			return writeJSON(w, reports[0])
		}
		return writeJSON(w, reports)
	case "csv":
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			if err := writeCSV(w, r); err != nil {
				return err
			}
		}
		return nil
	case "html":
		return writeHTML(w, reports)
	default:
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			if err := writeTable(w, r); err != nil {
				return err
			}
		}
		return nil
	}
}

// catchUp runs the projections over s from their checkpoints to the head
// and checkpoints them. A projection that stops on an error is reported
// as an error naming the position.
func catchUp(ctx context.Context, s store.Store, ps ...projections.Projection) (*projections.Runner, error) {
	reg := projections.NewRegistry()
	for _, p := range ps {
		if err := reg.Register(p); err != nil {
			return nil, err
		}
	}
	cfg := projections.RunnerConfig{Source: replay.Events(s)}
	if ps := sidesOf(s); ps != nil {
		side, err := ps.Side(pebblestore.SideCheckpoints)
		if err != nil {
			return nil, err
		}
		cfg.Checkpoints = side
	}
	r, err := projections.NewRunner(cfg, reg)
	if err != nil {
		return nil, err
	}
	if err := r.Run(ctx); err != nil {
		return r, err
	}
	return r, nil
}

// queryFlags adds --by, --period, --from and --to; the function it
// returns builds and checks the query, reading times in loc.
func queryFlags(fs *flag.FlagSet) func(loc *time.Location) (projections.Query, error) {
	by := fs.String("by", "", "group by: unit, category, channel, street, community, grid")
	period := fs.String("period", "", "split by: day, week, month")
	from := fs.String("from", "", "keep cases reported at or after this time")
	to := fs.String("to", "", "keep cases reported before this time")
	return func(loc *time.Location) (projections.Query, error) {
		q := projections.Query{By: *by, Period: *period}
		var err error
		if q.From, err = parseWhen("--from", *from, loc); err != nil {
			return q, err
		}
		if q.To, err = parseWhen("--to", *to, loc); err != nil {
			return q, err
		}
		if err := q.Check(projections.Dimensions...); err != nil {
			return q, withCode(exitUsage, err)
		}
		return q, nil
	}
}

// parseWhen parses --from/--to: RFC 3339, or a date or date and minute in loc.
func parseWhen(flag, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("%s %q: want RFC 3339 (2026-11-01T00:00:00+08:00) or a date (2026-11-01)", flag, v)
}
