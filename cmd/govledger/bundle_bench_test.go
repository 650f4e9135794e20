package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/govledger/govledger/bundle"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// BenchmarkExportBundle writes a bundle of each simulated ledger
// (GOVLEDGER_BENCH_EVENTS, default 1000000) and prints the raw Pebble scan
// rate of the same ledger beside it.
//
//	go test -run x -bench ExportBundle -benchtime 3x ./cmd/govledger/
func BenchmarkExportBundle(b *testing.B) {
	for _, n := range benchSizes() {
		dir := benchLedger(b, n)
		raw := rawScan(b, dir)
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			s, err := pebblestore.Open(dir, pebblestore.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			_, vkey, err := integrity.GenerateKey("bench")
			if err != nil {
				b.Fatal(err)
			}
			var events uint64
			var bytes int64
			b.ResetTimer()
			for i := range b.N {
				out := filepath.Join(b.TempDir(), fmt.Sprint("bundle-", i))
				sum, err := bundle.Write(context.Background(), out, s, bundle.Meta{VerifierKey: vkey})
				if err != nil {
					b.Fatal(err)
				}
				events += sum.Events
				bytes += sum.EventsBytes
				b.StopTimer()
				os.RemoveAll(out)
				b.StartTimer()
			}
			b.StopTimer()
			rate := float64(events) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(raw, "raw-scan-events/s")
			b.ReportMetric(rate/raw, "ratio")
			b.ReportMetric(float64(bytes)/float64(events), "bytes/event")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		})
	}
}

// BenchmarkReadBundle reads a bundle of each simulated ledger back
// (ReadAll, every line parsed) and verifies it (replay.VerifyWith),
// printing the raw Pebble scan rate of the ledger beside both.
//
//	go test -run x -bench ReadBundle -benchtime 3x ./cmd/govledger/
func BenchmarkReadBundle(b *testing.B) {
	for _, n := range benchSizes() {
		dir := benchLedger(b, n)
		raw := rawScan(b, dir)
		out := filepath.Join(b.TempDir(), "bundle")
		s, err := pebblestore.Open(dir, pebblestore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		_, vkey, _ := integrity.GenerateKey("bench")
		_, err = bundle.Write(context.Background(), out, s, bundle.Meta{VerifierKey: vkey})
		s.Close()
		if err != nil {
			b.Fatal(err)
		}
		bd, err := bundle.Open(out)
		if err != nil {
			b.Fatal(err)
		}
		report := func(b *testing.B, events uint64) {
			rate := float64(events) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(raw, "raw-scan-events/s")
			b.ReportMetric(rate/raw, "ratio")
		}
		b.Run(fmt.Sprintf("read/events=%d", n), func(b *testing.B) {
			var events uint64
			for range b.N {
				if err := bd.ReadAll(context.Background(), 1, func(store.Record) error { events++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			report(b, events)
		})
		b.Run(fmt.Sprintf("verify/events=%d", n), func(b *testing.B) {
			var events uint64
			for range b.N {
				rep, err := replay.VerifyWith(context.Background(), bd, replay.VerifyOptions{})
				if err != nil || !rep.OK() {
					b.Fatal(rep, err)
				}
				events += rep.Events
			}
			report(b, events)
		})
	}
}
