package timeliness

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// benchCases is TIMELINESS_BENCH_CASES, or 50000 (about 330,000 events).
func benchCases() int {
	if n, err := strconv.Atoi(os.Getenv("TIMELINESS_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 50000
}

// cpuTime is the process's user+system CPU time: on a shared machine it
// measures the work better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkApply replays a simulated ledger through a fresh projection per
// iteration and reports events/s and the retained heap per case.
func BenchmarkApply(b *testing.B) {
	cases := benchCases()
	evs, pls, _ := simulated.Events(b, sim.Config{Seed: 1, Cases: cases, Topics: 1}, New(Config{}).Types())
	var n int
	var p *Projection
	cpu0 := cpuTime()
	for b.Loop() {
		p = New(Config{})
		for i := range evs {
			if err := p.Apply(uint64(i+1), &evs[i], pls[i]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
	b.StopTimer()
	p = nil
	before := heap()
	p = New(Config{})
	for i := range evs {
		_ = p.Apply(uint64(i+1), &evs[i], pls[i])
	}
	after := heap()
	runtime.KeepAlive(evs)
	runtime.KeepAlive(pls)
	b.ReportMetric((float64(after)-float64(before))/float64(cases), "heap-bytes/case")
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
			n, cpu0 := 0, cpuTime()
			for b.Loop() {
				if _, err := p.Report(q.q); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(n), "cpu-ms/report")
		})
	}
}
