package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
)

// BenchmarkVerify is `govledger verify`'s pass over a simulated ledger:
// every event's hash recomputed, every chain link, the positions, and the
// Merkle root recomputed over the global order, beside a raw Pebble scan
// of the same ledger.
//
//	go test -run x -bench Verify -benchtime 1x ./cmd/govledger/
//	GOVLEDGER_BENCH_EVENTS=10000000 go test -run x -bench Verify -benchtime 1x ./cmd/govledger/
func BenchmarkVerify(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			dir := benchLedger(b, n)
			raw := rawScan(b, dir)
			s, err := openStore(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			b.ResetTimer()
			var total uint64
			var cpu time.Duration
			for range b.N {
				c0 := cpuTime()
				rep, err := replay.VerifyWith(ctx, s, replay.VerifyOptions{OnFinding: func(f *integrity.Finding) { b.Fatal(f) }})
				if err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0
				total += rep.Events
			}
			b.StopTimer()
			rate := float64(total) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(raw, "raw-events/s")
			b.ReportMetric(rate/raw, "ratio")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(total), "cpu-ns/event")
		})
	}
}
