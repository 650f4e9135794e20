package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

const quickstartDoc = `
Creates a ledger in --dir, simulates one month of a district (units,
responsibility lists, citizen cases from five channels through dispatch,
transfer, return, acceptance, resolution, rating, reopening and closure,
and community votes), writing every event through the ledger's rules,
then verifies the whole ledger. Prints the events by type, cases, topics,
head position, append rate and the verify result, then replays the ledger
into every built-in projection (leaving them checkpointed) and ends with
the headline table: per handling unit, cases, citizen clock p50/p90,
same-day closure, on-time rate, auto-dispatch rate, mean hops, returns and
the three rates.

The same --seed gives a byte-identical ledger. An existing directory is
never overwritten: quickstart refuses, unless --force is given and the
directory holds a govledger ledger (which is then deleted and recreated).`

func runQuickstart(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "quickstart", "", quickstartDoc)
	dir := dirFlag(fs)
	force := fs.Bool("force", false, "delete an existing ledger in --dir and start over")
	seed := fs.Uint64("seed", 1, "simulation seed (same seed, same ledger)")
	cases := fs.Int("cases", 0, "number of cases to simulate (0: the simulator's default month)")
	days := fs.Int("days", 30, "simulated days")
	startDay := fs.String("start", sim.DefaultStart.Format(time.DateOnly), "first simulated day (YYYY-MM-DD, in the district's zone)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the simulation and import to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("quickstart takes no arguments")
	}
	if *cases < 0 || *days <= 0 {
		return usageErr("--cases must be >= 0 and --days > 0")
	}
	first, err := time.ParseInLocation(time.DateOnly, *startDay, sim.Zone)
	if err != nil {
		return usageErr("--start %q: want YYYY-MM-DD", *startDay)
	}
	loc, err := parseLocation(*dir)
	if err != nil {
		return err
	}
	if loc.cluster && *force {
		return usageErr("--force does not delete a cluster's events: use a new namespace (esdb://...&namespace=NS)")
	}
	if !loc.cluster {
		if err := prepareDir(*dir, *force); err != nil {
			return err
		}
	}

	clock := sim.NewClock(time.Time{})
	// Seeded subject keys keep a seed's ledger byte-identical (sim.KeySource).
	l, s, err := openLedger(ctx, *dir, ledger.Config{Clock: clock.Now}, sim.KeySource(*seed))
	if err != nil {
		return err
	}
	defer s.Close()
	if loc.cluster {
		if head, err := s.Head(ctx); err != nil {
			return err
		} else if head > 0 {
			return withCode(exitRefused, fmt.Errorf("the cluster already holds %d events of this ledger: quickstart starts a new one (use a new namespace)", head))
		}
	}

	cfg := sim.Config{Seed: *seed, Days: *days, Cases: *cases, Start: first}
	fmt.Fprintf(e.stdout, "quickstart: simulating %d days of a district into %s (seed %d)\n", *days, *dir, *seed)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	lastReport := start
	sum, err := sim.Run(ctx, l, clock, cfg, func(p sim.Progress) {
		if time.Since(lastReport) >= 2*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(e.stderr, "  ... %d events written, simulated time %s\n", p.Events, p.SimTime.Format("2006-01-02 15:04"))
		}
	})
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	elapsed := time.Since(start)
	head, err := s.Head(ctx)
	if err != nil {
		return err
	}
	w := e.stdout
	fmt.Fprintf(w, "\nwritten: %d events in %s (%.0f events/s, durable group commits)\n", sum.Events, elapsed.Round(time.Millisecond), float64(sum.Events)/elapsed.Seconds())
	fmt.Fprintf(w, "cases:   %d reported, %d closed, %d not closed at the end (%d unresolved)\n", sum.Cases, sum.Closed, sum.OpenAtEnd, sum.UnresolvedAtEnd)
	fmt.Fprintf(w, "topics:  %d opened, %d closed; %d ballots from %d eligible voters\n", sum.Topics, sum.TopicsClosed, sum.Ballots, sum.Eligible)
	fmt.Fprintf(w, "units:   %d; responsibility list versions: %d\n", sum.Units, sum.ListVersions)
	fmt.Fprintf(w, "head:    position %d\n", head)
	byType := map[string]uint64{}
	for t, n := range sum.ByType {
		byType[t] = uint64(n)
	}
	printByType(w, byType)
	fmt.Fprintln(w)
	keeper := keeperOf(s)
	if _, err := keeper.CatchUp(ctx); err != nil {
		return err
	}
	rep, err := verifyAndPrint(ctx, s, w, 20, replay.VerifyOptions{Log: keeper.Log()}, nil)
	if err != nil {
		return err
	}
	if err := verdict(rep); err != nil {
		return err
	}
	c, _, err := signLedgerCheckpoint(ctx, *dir, s, keeper)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "checkpoint: signed by %s and kept: %d events, root %s\n", c.Origin, c.Size, c.Root)
	fmt.Fprintf(w, "  (govledger checkpoint prints it; govledger key prints the verifier key to publish)\n")
	fmt.Fprintln(w)
	if err := headline(ctx, w, s, builtinOptions{k: 5}); err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	sample, err := sampleCase(ctx, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nnext (with --dir %s): govledger report timeliness --by street, govledger trace %s,\n"+
		"      govledger report all --format html --out report.html, govledger projections, govledger verify\n", *dir, sample)
	return nil
}

// prepareDir makes sure dir can receive a new ledger: it must not exist or
// be empty, unless force is set and it holds a govledger ledger.
func prepareDir(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if !force {
		return fmt.Errorf("%s already exists and is not empty; refusing to add a second month to it "+
			"(inspect it with govledger stat --dir %s, or start over with --force)", dir, dir)
	}
	if !isLedgerDir(dir) {
		return fmt.Errorf("%s is not empty and does not hold a govledger ledger; refusing to delete it even with --force", dir)
	}
	abs, _ := filepath.Abs(dir)
	if err := os.RemoveAll(abs); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// isLedgerDir reports whether dir holds a govledger store.
func isLedgerDir(dir string) bool {
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		return false
	}
	s.Close()
	return true
}

// sampleCase picks a case worth showing: the first one reopened, else the
// first one returned, else the first case.
func sampleCase(ctx context.Context, s store.Store) (string, error) {
	var first, returned, reopened string
	err := s.ReadAll(ctx, 1, func(r store.Record) error {
		id := r.Event.CaseID()
		switch {
		case id == "":
		case first == "":
			first = id
		case r.Event.Type == events.TypeCaseReturned && returned == "":
			returned = id
		case r.Event.Type == events.TypeCaseReopened:
			reopened = id
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", err
	}
	for _, id := range []string{reopened, returned, first} {
		if id != "" {
			return id, nil
		}
	}
	return "<case-id>", nil
}

var errFound = errors.New("found")
