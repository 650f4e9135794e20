package sim_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/internal/rawpebble"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// benchCases is the size of the benchmarked month: SIM_BENCH_CASES, or
// 20000 (about 140,000 events).
func benchCases() int {
	if n, err := strconv.Atoi(os.Getenv("SIM_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// BenchmarkGenerate measures the simulator alone: drafts per second with
// no ledger. It is the ceiling for BenchmarkRun.
func BenchmarkGenerate(b *testing.B) {
	cfg := sim.Config{Seed: 1, Cases: benchCases()}
	var n int64
	start := time.Now()
	for b.Loop() {
		sum, err := sim.Generate(cfg, func(events.Draft) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		n += sum.Events
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkRun writes a simulated month through the ledger into a Pebble
// store and prints, beside its own rate, the rate of the simulator alone
// and of raw Pebble writing the same records in synced batches of the same
// size (package rawpebble): the two ceilings of this pipeline.
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	cfg := sim.Config{Seed: 1, Cases: benchCases()}
	var gen, run time.Duration
	var total int64
	var st store.Store
	for b.Loop() {
		b.StopTimer()
		s, err := pebblestore.Open(b.TempDir(), pebblestore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		if st != nil {
			st.Close()
		}
		st = s
		clock := sim.NewClock(time.Time{})
		l, err := ledger.New(ctx, st, ledger.Config{Clock: clock.Now, KeyStore: keysFor(b, st)})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := sim.Generate(cfg, func(events.Draft) error { return nil }); err != nil {
			b.Fatal(err)
		}
		gen += time.Since(t0)
		b.StartTimer()
		t0 = time.Now()
		sum, err := sim.Run(ctx, l, clock, cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		run += time.Since(t0)
		total += sum.Events
	}
	b.StopTimer()
	defer st.Close()
	var records [][]byte
	err := st.ReadAll(ctx, 0, func(r store.Record) error {
		records = append(records, events.AppendRecord(nil, &r.Event))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := rawpebble.SyncedBatches(ctx, b.TempDir(), rawpebble.DefaultOptions(), records, sim.DefaultBatchEvents)
	if err != nil {
		b.Fatal(err)
	}
	ours := float64(total) / run.Seconds()
	b.ReportMetric(ours, "events/s")
	b.ReportMetric(float64(total)/gen.Seconds(), "generate-events/s")
	b.ReportMetric(raw.EventsPerSecond(), "raw-events/s")
	b.ReportMetric(ours/raw.EventsPerSecond(), "ratio")
}
