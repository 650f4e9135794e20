package casetrace

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// benchCases is CASETRACE_BENCH_CASES, or 50000 (about 330,000 events).
func benchCases() int {
	if n, err := strconv.Atoi(os.Getenv("CASETRACE_BENCH_CASES")); err == nil && n > 0 {
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
	runtime.KeepAlive(p)
}
