package ratings

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/sim"
)

// benchCases is the size of the benchmarked ledger: RATINGS_BENCH_CASES,
// or 20000 cases (about 140,000 events).
func benchCases() int {
	if n, err := strconv.Atoi(os.Getenv("RATINGS_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// simEvents returns a simulated ledger's events of the given types with
// their decoded payloads, as the runner hands them over, the number of
// events in the whole ledger and the number of cases.
func simEvents(b *testing.B, cases int, types []string) ([]events.Event, []events.Payload, int, int) {
	b.Helper()
	var evs []events.Event
	var pls []events.Payload
	total := 0
	sum, err := sim.Generate(sim.Config{Seed: 1, Cases: cases}, func(d events.Draft) error {
		total++
		typ := d.Payload.EventType()
		if !slices.Contains(types, typ) {
			return nil
		}
		evs = append(evs, events.Event{ID: d.ID, Stream: d.Stream, Type: typ, Schema: 1, OccurredAt: d.OccurredAt, Actor: d.Actor})
		pls = append(pls, d.Payload)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return evs, pls, total, sum.Cases
}

// BenchmarkApply folds a simulated month through the projection and
// reports events/s over every event of the ledger (the runner skips the
// types outside Types() for it), the serialized state per case, and the
// heap the state holds per case.
func BenchmarkApply(b *testing.B) {
	evs, pls, total, cases := simEvents(b, benchCases(), mustNew(b, Config{}).Types())
	b.ReportAllocs()
	var p *Projection
	n := 0
	for b.Loop() {
		p = mustNew(b, Config{})
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
	b.ReportMetric(heapPerCase(b, evs, pls, cases), "heap-B/case")
}

// heapPerCase returns the live heap a fresh projection holds after
// folding evs, per case.
func heapPerCase(b *testing.B, evs []events.Event, pls []events.Payload, cases int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := mustNew(b, Config{})
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
	evs, pls, _, _ := simEvents(b, benchCases(), mustNew(b, Config{}).Types())
	p := mustNew(b, Config{})
	for i := range evs {
		_ = p.Apply(uint64(i+1), &evs[i], pls[i])
	}
	for b.Loop() {
		if _, err := p.Report(projections.Query{}); err != nil {
			b.Fatal(err)
		}
	}
}
