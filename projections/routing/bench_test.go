package routing

import (
	"testing"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// benchCases is the size of the benchmarked ledger: ROUTING_BENCH_CASES,
// or 20000 cases (about 140,000 events).
func benchCases() int { return simulated.Size("ROUTING_BENCH_CASES", 20000) }

// BenchmarkApply folds a simulated month through the projection and
// reports events/s over every event of the ledger (the runner skips the
// types outside Types() for it), the serialized state per case, and the
// heap the state holds per case.
func BenchmarkApply(b *testing.B) {
	evs, pls, sum := simulated.Events(b, sim.Config{Seed: 1, Cases: benchCases()}, New(Config{}).Types())
	total, cases := int(sum.Events), sum.Cases
	b.ReportAllocs()
	fresh := func() *Projection { return New(Config{}) }
	p := simulated.Fold(b, fresh, evs, pls, total)
	st, err := p.MarshalState()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(st))/float64(cases), "state-B/case")
	perCase, _ := simulated.HeapPerUnit(fresh, evs, pls, cases)
	b.ReportMetric(perCase, "heap-B/case")
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
