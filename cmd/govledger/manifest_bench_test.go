package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store/pebblestore"
)

// BenchmarkReplayManifest times replay.Run, the inspector's replay
// (every record verified: hash, chain, position, Merkle tree; projections
// folded from the events alone; reports taken into the manifest), to the
// head of a simulated ledger, printing the raw Pebble scan rate of the
// same ledger beside it. Sizes: GOVLEDGER_BENCH_EVENTS; projections:
// GOVLEDGER_BENCH_MANIFEST (default "timeliness,all").
//
//	go test -run x -bench ReplayManifest -benchtime 3x ./cmd/govledger/
func BenchmarkReplayManifest(b *testing.B) {
	setMemoryLimit()
	for _, n := range benchSizes() {
		dir := benchLedger(b, n)
		raw := rawScan(b, dir)
		which := []string{"timeliness", "all"}
		if v := os.Getenv("GOVLEDGER_BENCH_MANIFEST"); v != "" {
			which = strings.Split(v, ",")
		}
		for _, which := range which {
			b.Run(fmt.Sprintf("%s/events=%d", which, n), func(b *testing.B) {
				s, err := pebblestore.Open(dir, pebblestore.Config{})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				head, err := s.Head(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				var events uint64
				cpu0 := cpuTime()
				b.ResetTimer()
				for range b.N {
					reg, all, err := chooseProjections(builtinOptions{k: 5}, []string{which})
					if err != nil {
						b.Fatal(err)
					}
					m, err := replay.Run(context.Background(), s, replay.Options{Registry: reg, SkipRefused: all, Cutoff: replay.AtPosition(head)})
					if err != nil {
						b.Fatal(err)
					}
					events += m.Events.Scanned
				}
				b.StopTimer()
				rate := float64(events) / b.Elapsed().Seconds()
				b.ReportMetric(rate, "events/s")
				b.ReportMetric(raw, "raw-scan-events/s")
				b.ReportMetric(rate/raw, "ratio")
				b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(events), "cpu-ns/event")
				b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
			})
		}
	}
}
