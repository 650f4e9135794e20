package simulated

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
)

// Size returns the positive integer in the environment variable name (a
// benchmark's ledger size, e.g. TIMELINESS_BENCH_CASES), or def.
func Size(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// Fold replays evs (with their payloads pls) into a fresh projection per
// iteration of b and reports events/s, counting perRound events per
// iteration (the ledger's events, or only those folded), and events per
// CPU-second where the platform gives CPU time. It returns the projection
// of the last iteration.
func Fold[P projections.Projection](b *testing.B, fresh func() P, evs []events.Event, pls []events.Payload, perRound int) P {
	b.Helper()
	var p P
	n := 0
	cpu0 := CPUTime()
	for b.Loop() {
		p = fresh()
		for i := range evs {
			if err := p.Apply(uint64(i+1), &evs[i], pls[i]); err != nil {
				b.Fatal(err)
			}
		}
		n += perRound
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if cpu := CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
	}
	return p
}

// HeapPerUnit folds evs into a fresh projection and returns the live heap
// it then holds, per unit (per case, per topic), and the projection.
func HeapPerUnit[P projections.Projection](fresh func() P, evs []events.Event, pls []events.Payload, units int) (float64, P) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := fresh()
	for i := range evs {
		_ = p.Apply(uint64(i+1), &evs[i], pls[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(evs)
	runtime.KeepAlive(pls)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(units), p
}
