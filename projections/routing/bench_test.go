package routing

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// benchCases is the size of the benchmarked ledger: ROUTING_BENCH_CASES,
// or 20000 cases (about 140,000 events).
func benchCases() int {
	if n, err := strconv.Atoi(os.Getenv("ROUTING_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// BenchmarkApply folds a simulated month through the projection and
// reports events/s over every event of the ledger (the runner skips the
// types outside Types() for it), the serialized state per case, and the
// heap the state holds per case.
func BenchmarkApply(b *testing.B) {
	evs, pls, sum := simulated.Events(b, sim.Config{Seed: 1, Cases: benchCases()}, New(Config{}).Types())
	total, cases := int(sum.Events), sum.Cases
	b.ReportAllocs()
	var p *Projection
	n := 0
	for b.Loop() {
		p = New(Config{})
		for i := range evs {
			if err := p.Apply(uint64(i+1), &evs[i], pls[i]); err != nil {
				b.Fatal(err)
			}
		}
		n += total
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	st, err := p.MarshalState()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(st))/float64(cases), "state-B/case")
	b.ReportMetric(heapPerCase(evs, pls, cases), "heap-B/case")
}

// heapPerCase returns the live heap a fresh projection holds after
// folding evs, per case.
func heapPerCase(evs []events.Event, pls []events.Payload, cases int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := New(Config{})
	for i := range evs {
		_ = p.Apply(uint64(i+1), &evs[i], pls[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(p)
	runtime.KeepAlive(evs)
	runtime.KeepAlive(pls)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(cases)
}

// BenchmarkReport measures the default report over the simulated ledger.
func BenchmarkReport(b *testing.B) {
	evs, pls, _ := simulated.Events(b, sim.Config{Seed: 1, Cases: benchCases()}, New(Config{}).Types())
	p := New(Config{})
	for i := range evs {
		_ = p.Apply(uint64(i+1), &evs[i], pls[i])
	}
	for b.Loop() {
		if _, err := p.Report(projections.Query{}); err != nil {
			b.Fatal(err)
		}
	}
}
