package timeliness

import (
	"runtime"
	"testing"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// benchCases is TIMELINESS_BENCH_CASES, or 50000 (about 330,000 events).
func benchCases() int { return simulated.Size("TIMELINESS_BENCH_CASES", 50000) }

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
	b.ReportMetric(float64(len(p.live)), "live-cases")
	runtime.KeepAlive(p)
}

// BenchmarkReport builds 1.5M case records (the simulated ledger's
// records repeated) and times Report without a window and with a period.
func BenchmarkReport(b *testing.B) {
	evs, pls, _ := simulated.Events(b, sim.Config{Seed: 1, Cases: benchCases(), Topics: 1}, New(Config{}).Types())
	p := New(Config{})
	for i := range evs {
		_ = p.Apply(uint64(i+1), &evs[i], pls[i])
	}
	const target = 1_500_000
	base, hops := p.recs, p.hops
	for len(p.recs) < target {
		off := uint32(len(p.recs))
		p.recs = append(p.recs, base...)
		for _, h := range hops {
			h.rec += off
			p.hops = append(p.hops, h)
		}
	}
	b.ReportMetric(float64(len(p.recs)), "cases")
	for _, q := range []struct {
		name string
		q    projections.Query
	}{{"unit", projections.Query{}}, {"grid-month", projections.Query{By: projections.ByGrid, Period: projections.PeriodMonth}}} {
		b.Run(q.name, func(b *testing.B) {
			n, cpu0 := 0, simulated.CPUTime()
			for b.Loop() {
				if _, err := p.Report(q.q); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64((simulated.CPUTime()-cpu0).Milliseconds())/float64(n), "cpu-ms/report")
		})
	}
}
