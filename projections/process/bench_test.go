package process_test

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/process"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

// benchCases is the size of the simulated month: PROCESS_BENCH_CASES, or
// 20000 (about 140,000 events).
func benchCases() int { return simulated.Size("PROCESS_BENCH_CASES", 20000) }

// BenchmarkApply replays a simulated month through the projection, the
// way the runner does (only the types of its Filter, payloads decoded
// beforehand), and reports applied events per second and the serialized
// state per case.
func BenchmarkApply(b *testing.B) {
	p0, _ := process.New(process.Config{})
	evs, pls, _ := simulated.Events(b, sim.Config{Seed: 1, Cases: benchCases()}, p0.Types())
	cases := 0
	for i := range evs {
		if evs[i].Type == events.TypeCaseReported {
			cases++
		}
	}
	p := simulated.Fold(b, func() *process.Projection {
		p, _ := process.New(process.Config{})
		return p
	}, evs, pls, len(evs))
	state, _ := p.MarshalState()
	b.ReportMetric(float64(len(state))/float64(cases), "state-B/case")
	rs, _ := p.Results(projectionsQuery())
	b.ReportMetric(float64(rs[0].Open), "open-cases")
}

// BenchmarkOpenCase measures the heap held per open case: 100,000 cases
// of 7 events each are added to a Log and left open, and the heap of the
// same cases ended one by one (the aggregates: edge times, durations) is
// subtracted. agg-B/case is that aggregate heap per case.
func BenchmarkOpenCase(b *testing.B) {
	const n = 100000
	acts := []string{"case.reported", "case.dispatched", "case.accepted", "case.contacted", "case.resolved", "case.rated", "case.extended"}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "20261001-" + strconv.Itoa(100000+i)
	}
	res := []string{"unit-0", "unit-1", "unit-2"}
	heap := func(end bool) float64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := process.NewLog(process.LogConfig{})
		at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		for _, id := range ids {
			for j, a := range acts {
				if err := l.Add(id, a, res[j%3], at.Add(time.Duration(j)*time.Minute)); err != nil {
					b.Fatal(err)
				}
			}
			if end {
				l.End(id)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(l)
		return float64(after.HeapAlloc - before.HeapAlloc)
	}
	var open, ended float64
	for b.Loop() {
		open, ended = heap(false), heap(true)
	}
	b.ReportMetric((open-ended)/n, "heap-B/open-case")
	b.ReportMetric(ended/n, "agg-B/case")
}

func projectionsQuery() projections.Query { return projections.Query{} }
