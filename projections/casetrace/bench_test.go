package casetrace

import (
	"runtime"
	"testing"

	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// benchCases is CASETRACE_BENCH_CASES, or 50000 (about 330,000 events).
func benchCases() int { return simulated.Size("CASETRACE_BENCH_CASES", 50000) }

// BenchmarkApply replays a simulated ledger through a fresh projection per
// iteration and reports events/s and the retained heap per case.
func BenchmarkApply(b *testing.B) {
	cases := benchCases()
	evs, pls, _ := simulated.Events(b, sim.Config{Seed: 1, Cases: cases, Topics: 1}, New(Config{}).Types())
	fresh := func() *Projection { return New(Config{}) }
	simulated.Fold(b, fresh, evs, pls, len(evs))
	b.StopTimer()
	perCase, p := simulated.HeapPerUnit(fresh, evs, pls, cases)
	b.ReportMetric(perCase, "heap-bytes/case")
	st, _ := p.MarshalState()
	b.ReportMetric(float64(len(st))/float64(cases), "state-bytes/case")
	runtime.KeepAlive(p)
}
