package sim_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
	"github.com/govledger/govledger/store/pebblestore"
)

// small is a config that runs through the ledger in well under a second.
var small = sim.Config{Seed: 7, Days: 10, Cases: 400, Topics: 5, BatchEvents: 300}

// backends are the stores the simulator is tested on.
var backends = map[string]func(t *testing.T) store.Store{
	"pebble": func(t *testing.T) store.Store {
		st, err := pebblestore.Open(t.TempDir(), pebblestore.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	},
	"memory": func(*testing.T) store.Store { return memstore.New() },
}

// newLedger returns a ledger over a fresh Pebble store whose clock is
// driven by the returned sim.Clock.
func newLedger(t *testing.T) (*ledger.Ledger, *sim.Clock, store.Store) {
	return newLedgerOn(t, "pebble")
}

func newLedgerOn(t *testing.T, backend string) (*ledger.Ledger, *sim.Clock, store.Store) {
	t.Helper()
	st := backends[backend](t)
	t.Cleanup(func() { st.Close() })
	clock := sim.NewClock(time.Time{})
	l, err := ledger.New(context.Background(), st, ledger.Config{Clock: clock.Now, KeyStore: keysFor(t, st)})
	if err != nil {
		t.Fatal(err)
	}
	return l, clock, st
}

// keysFor returns a seeded key store for st: in the store's own side
// keyspace on Pebble, in memory otherwise.
func keysFor(t testing.TB, st store.Store) ledger.KeyStore {
	if ps, ok := st.(*pebblestore.Store); ok {
		k, err := privacy.NewPebbleKeys(ps, sim.KeySource(1))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	return privacy.NewMemKeys(sim.KeySource(1))
}

// hashes reads every event of a store in global order.
func hashes(t *testing.T, st store.Store) []events.Event {
	t.Helper()
	var out []events.Event
	err := st.ReadAll(context.Background(), 0, func(r store.Record) error {
		e := r.Event
		e.Data = append([]byte(nil), e.Data...)
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func run(t *testing.T, cfg sim.Config) (sim.Summary, []events.Event) {
	return runOn(t, "pebble", cfg)
}

func runOn(t *testing.T, backend string, cfg sim.Config) (sim.Summary, []events.Event) {
	t.Helper()
	l, clock, st := newLedgerOn(t, backend)
	var calls int
	sum, err := sim.Run(context.Background(), l, clock, cfg, func(sim.Progress) { calls++ })
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if calls == 0 {
		t.Error("progress was never reported")
	}
	return sum, hashes(t, st)
}

func TestRunEveryEventAccepted(t *testing.T) {
	for _, backend := range []string{"pebble", "memory"} {
		t.Run(backend, func(t *testing.T) { testEveryEventAccepted(t, backend) })
	}
}

func testEveryEventAccepted(t *testing.T, backend string) {
	sum, evs := runOn(t, backend, small)
	if int64(len(evs)) != sum.Events {
		t.Fatalf("store holds %d events, summary says %d", len(evs), sum.Events)
	}
	if sum.Cases != small.Cases {
		t.Errorf("cases = %d, want exactly %d", sum.Cases, small.Cases)
	}
	byType := map[string]int64{}
	for i, e := range evs {
		byType[e.Type]++
		if e.RecordedAt.Before(e.OccurredAt) {
			t.Fatalf("event %d (%s %s): recorded %s before occurred %s", i, e.Stream, e.Type, e.RecordedAt, e.OccurredAt)
		}
		if lag := e.RecordedAt.Sub(e.OccurredAt); lag > 72*time.Hour {
			t.Fatalf("event %d: recorded %s after it occurred: the ledger clock does not follow simulated time", i, lag)
		}
		if i > 0 && e.RecordedAt.Before(evs[i-1].RecordedAt) {
			t.Fatalf("event %d: recorded time runs backwards", i)
		}
	}
	for typ, n := range sum.ByType {
		if byType[typ] != n {
			t.Errorf("%s: store has %d, summary %d", typ, byType[typ], n)
		}
	}
	for _, typ := range []string{events.TypeUnitRegistered, events.TypeRespPublished, events.TypeCaseReported,
		events.TypeCaseDispatched, events.TypeCaseAccepted, events.TypeCaseResolved, events.TypeCaseRated,
		events.TypeCaseClosed, events.TypeTopicOpened, events.TypeBallotCast, events.TypeTopicClosed} {
		if byType[typ] == 0 {
			t.Errorf("no %s event in a %d-case run", typ, small.Cases)
		}
	}
	if first := evs[0].OccurredAt; !first.Equal(sim.DefaultStart) {
		t.Errorf("first event at %s, want the default start %s", first, sim.DefaultStart)
	}
	if _, off := evs[len(evs)-1].OccurredAt.Zone(); off != 8*3600 {
		t.Errorf("zone offset %d, want +08:00", off)
	}
}

func TestSameSeedSameLedger(t *testing.T) {
	_, a := run(t, small)
	_, b := run(t, small)
	if len(a) != len(b) {
		t.Fatalf("%d events, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Hash != b[i].Hash {
			t.Fatalf("event %d differs: %s %s %s vs %s %s %s", i, a[i].Stream, a[i].Type, a[i].Hash, b[i].Stream, b[i].Type, b[i].Hash)
		}
	}
}

func TestDifferentSeedDifferentLedger(t *testing.T) {
	_, a := run(t, small)
	cfg := small
	cfg.Seed++
	_, b := run(t, cfg)
	same := 0
	for i := range min(len(a), len(b)) {
		if a[i].Hash == b[i].Hash {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of %d events have the same hash under another seed", same, min(len(a), len(b)))
	}
}

func TestRunTwiceIsIdempotent(t *testing.T) {
	l, clock, st := newLedger(t)
	ctx := context.Background()
	cfg := small
	cfg.Cases = 100
	if _, err := sim.Run(ctx, l, clock, cfg, nil); err != nil {
		t.Fatal(err)
	}
	head, _ := st.Head(ctx)
	if _, err := sim.Run(ctx, l, clock, cfg, nil); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if again, _ := st.Head(ctx); again != head {
		t.Errorf("head moved from %d to %d on a re-run", head, again)
	}
}

func TestRunWrapsLedgerErrors(t *testing.T) {
	l, clock, _ := newLedger(t)
	ctx := context.Background()
	// Register the simulator's district unit first, so its own
	// registration breaks the unit-exists rule.
	d := eventstest.NewAt(sim.DefaultStart.Add(-time.Hour)).Unit("district", events.UnitDistrict, "")
	if _, err := l.Append(ctx, events.UnitsStream, ledger.Any, d); err != nil {
		t.Fatal(err)
	}
	_, err := sim.Run(ctx, l, clock, small, nil)
	var re *ledger.RuleError
	if !errors.Is(err, ledger.ErrRule) || !errors.As(err, &re) || re.Rule != "unit-exists" {
		t.Fatalf("err = %v, want a wrapped unit-exists rule error", err)
	}
	if !strings.Contains(err.Error(), "unit.registered of registry units") {
		t.Errorf("error %q does not say which event was refused", err)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	l, clock, st := newLedger(t)
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	_, err := sim.Run(ctx, l, clock, small, func(sim.Progress) {
		if batches++; batches == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if head, _ := st.Head(context.Background()); head == 0 || head >= 3000 {
		t.Errorf("head %d after cancelling at the third batch", head)
	}
}

func TestClockConcurrentUse(t *testing.T) {
	c := sim.NewClock(sim.DefaultStart)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				c.Set(sim.DefaultStart.Add(time.Duration(i*100+j) * time.Second))
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if c.Now().Before(sim.DefaultStart) {
		t.Error("clock reads a time never set")
	}
	var zero sim.Clock
	if !zero.Now().IsZero() {
		t.Error("zero Clock does not read the zero time")
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]sim.Config{
		"negative cases":   {Cases: -1},
		"negative days":    {Days: -3},
		"huge batch":       {BatchEvents: sim.MaxBatchEvents + 1},
		"ancient start":    {Start: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		"too many streets": {Streets: sim.MaxStreets + 1},
		"too many grids":   {Streets: 100, CommunitiesPerStreet: 100, GridsPerCommunity: 200},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sim.Generate(cfg, func(events.Draft) error { return nil })
			if !errors.Is(err, sim.ErrConfig) {
				t.Errorf("err = %v, want ErrConfig", err)
			}
		})
	}
}

// TestDistrictShapes runs odd-shaped districts through the ledger: the
// smallest possible, and the widest the responsibility list allows.
func TestDistrictShapes(t *testing.T) {
	for name, cfg := range map[string]sim.Config{
		"tiny":        {Seed: 1, Days: 3, Cases: 150, Streets: 1, CommunitiesPerStreet: 1, GridsPerCommunity: 1, Departments: 1, Topics: 2},
		"wide":        {Seed: 2, Days: 5, Cases: 300, Streets: sim.MaxStreets, CommunitiesPerStreet: 2, GridsPerCommunity: 1, Departments: 60, Topics: 1},
		"short":       {Seed: 3, Days: 1, Cases: 200, Topics: 3},
		"other start": {Seed: 4, Days: 4, Cases: 200, Start: time.Date(2027, 2, 14, 13, 37, 0, 0, time.UTC)},
	} {
		t.Run(name, func(t *testing.T) {
			sum, evs := runOn(t, "memory", cfg)
			if sum.Cases != cfg.Cases || int64(len(evs)) != sum.Events {
				t.Errorf("cases %d (want %d), events stored %d (summary %d)", sum.Cases, cfg.Cases, len(evs), sum.Events)
			}
		})
	}
}

// The simulated reporters' descriptions are stored sealed, and the same
// seed seals them to the same bytes (TestSameSeedSameLedger compares them).
func TestRunSealsReportersText(t *testing.T) {
	_, evs := run(t, small)
	sealed, plain := 0, 0
	for _, ev := range evs {
		if ev.Type != events.TypeCaseReported {
			continue
		}
		p, err := ev.Payload()
		if err != nil {
			t.Fatal(err)
		}
		rep := p.(*events.CaseReported)
		switch {
		case rep.Reporter != "" && rep.Description.IsSealed():
			sealed++
		case rep.Reporter != "" && !rep.Description.IsZero():
			t.Fatalf("%s: reporter %s's description is stored in clear: %s", ev.Stream, rep.Reporter, ev.Data)
		case rep.Reporter == "" && !rep.Description.IsZero():
			plain++
		}
	}
	if sealed == 0 {
		t.Fatalf("no sealed description among %d events (%d plain)", len(evs), plain)
	}
}
