package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
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

// BenchmarkProofs times one inclusion proof and one consistency proof
// served from the ledger's stored Merkle log (nodes from level 4 up, the
// lower ones recomputed from at most 8 events each), at the ledger's full
// size. The first run builds the log.
//
//	GOVLEDGER_BENCH_EVENTS=10000000 go test -run x -bench Proofs ./cmd/govledger/
func BenchmarkProofs(b *testing.B) {
	for _, n := range benchSizes() {
		dir := benchLedger(b, n)
		s, err := openStore(dir)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		t0 := time.Now()
		k, err := startMerkle(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("merkle log of %d events ready in %s", k.Log().Size(), time.Since(t0).Round(time.Millisecond))
		log := k.Log()
		size := log.Size()
		root, err := log.Root(ctx, size)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("inclusion/events=%d", n), func(b *testing.B) {
			i := uint64(0)
			for b.Loop() {
				idx := (i * 7919 * 104729) % size
				i++
				p, err := log.InclusionProof(ctx, idx, size)
				if err != nil {
					b.Fatal(err)
				}
				_ = p
			}
		})
		b.Run(fmt.Sprintf("consistency/events=%d", n), func(b *testing.B) {
			i := uint64(1)
			for b.Loop() {
				old := (i * 7919 * 104729) % size
				i++
				if _, err := log.ConsistencyProof(ctx, old, size); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The proofs verify (outside the timing).
		var h events.Hash
		err = s.ReadAll(ctx, size/2+1, func(r store.Record) error { h = r.Event.Hash; return errStopScan })
		if err != nil && err != errStopScan {
			b.Fatal(err)
		}
		p, _ := log.InclusionProof(ctx, size/2, size)
		if err := integrity.VerifyInclusion(h, size/2, size, p, root); err != nil {
			b.Fatal(err)
		}
		k.Close(ctx)
		s.Close()
	}
}
