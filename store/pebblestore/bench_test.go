package pebblestore

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/internal/rawpebble"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/storetest"
)

// Every benchmark measures the raw Pebble limit for the same record bytes
// in the same process (package rawpebble, with the store's own Pebble
// options) and reports events/s, raw-events/s and their ratio. Rounds of
// the store's work and of the raw equivalent alternate, so that both see
// the same machine conditions and the ratio holds on a noisy machine where
// the absolute figures do not. Run them with e.g.
//
//	go test -run '^$' -bench . -benchtime 20x ./store/pebblestore/

const (
	recordBytes  = 300  // target size of one stored record
	batchEvents  = 1000 // events per Append in BenchmarkAppendBatch
	batchStreams = 250  // streams per Append in BenchmarkAppendBatch
	concOpEvents = 1024 // single-event appends per op in BenchmarkAppendConcurrent16 (64 per writer)
	writers      = 16
	readEvents   = 100_000 // events in the log BenchmarkReadAll reads per op
)

// pad returns the storetest.Pad that brings records to about recordBytes.
func pad() int {
	e := storetest.Chain("case/bench-000000-000", 2)[1]
	return max(0, recordBytes-len(events.AppendRecord(nil, &e)))
}

func records(appends []store.StreamAppend) [][]byte {
	var out [][]byte
	for _, a := range appends {
		for i := range a.Events {
			out = append(out, events.AppendRecord(nil, &a.Events[i]))
		}
	}
	return out
}

func report(b *testing.B, n int, elapsed time.Duration, raw rawpebble.Result) {
	ours := float64(n) / elapsed.Seconds()
	b.ReportMetric(ours, "events/s")
	b.ReportMetric(raw.EventsPerSecond(), "raw-events/s")
	b.ReportMetric(ours/raw.EventsPerSecond(), "ratio")
}

// openBench opens a store and a raw database with the same Pebble options.
func openBench(b *testing.B) (*Store, *rawpebble.DB) {
	b.Helper()
	s, err := Open(b.TempDir(), Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	raw, err := rawpebble.Open(b.TempDir(), s.cfg.pebbleOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = raw.Close() })
	return s, raw
}

// batchCall builds one Append call of batchEvents new events spread over
// batchStreams new streams.
func batchCall(i, p int) []store.StreamAppend {
	call := make([]store.StreamAppend, batchStreams)
	for j := range call {
		name := fmt.Sprintf("case/bench-%06d-%03d", i, j)
		call[j] = storetest.StreamAppend(storetest.Chain(name, batchEvents/batchStreams, storetest.Pad(p)))
	}
	return call
}

// BenchmarkAppendBatch: one Append of 1000 sealed ~300-byte events across
// 250 streams per op, durable. Raw: synced batches of the same 1000 records.
func BenchmarkAppendBatch(b *testing.B) {
	ctx := context.Background()
	p := pad()
	calls := make([][]store.StreamAppend, b.N)
	recs := make([][][]byte, b.N)
	for i := range calls {
		calls[i] = batchCall(i, p)
		recs[i] = records(calls[i])
	}
	s, raw := openBench(b)
	runtime.GC()
	var (
		elapsed time.Duration
		rawRes  rawpebble.Result
	)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := s.Append(ctx, calls[i]...); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		r, err := raw.SyncedBatches(ctx, recs[i], batchEvents)
		if err != nil {
			b.Fatal(err)
		}
		rawRes = rawRes.Add(r)
		b.StartTimer()
	}
	b.StopTimer()
	report(b, b.N*batchEvents, elapsed, rawRes)
}

// BenchmarkAppendConcurrent16: single-event appends from 16 goroutines,
// each on its own stream, grouped by the writer; 1024 appends per op.
// Raw: 16 goroutines doing synced single Sets of the same records.
func BenchmarkAppendConcurrent16(b *testing.B) {
	ctx := context.Background()
	p := pad()
	const perWriter = concOpEvents / writers
	chains := make([][]events.Event, writers)
	for w := range chains {
		chains[w] = storetest.Chain(fmt.Sprintf("case/bench-w%02d", w), b.N*perWriter, storetest.Pad(p))
	}
	s, raw := openBench(b)
	runtime.GC()
	var (
		elapsed time.Duration
		rawRes  rawpebble.Result
		n       int
	)
	b.ResetTimer()
	for i := range b.N {
		var (
			wg    sync.WaitGroup
			fail  atomic.Pointer[error]
			round [][]byte
		)
		start := time.Now()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, e := range chains[w][i*perWriter : (i+1)*perWriter] {
					a := store.StreamAppend{Stream: e.Stream, Expected: int64(e.Version) - 1, Events: []events.Event{e}}
					if _, err := s.Append(ctx, a); err != nil {
						fail.Store(&err)
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
		b.StopTimer()
		if err := fail.Load(); err != nil {
			b.Fatal(*err)
		}
		for w := range writers {
			for _, e := range chains[w][i*perWriter : (i+1)*perWriter] {
				round = append(round, events.AppendRecord(nil, &e))
			}
		}
		n += len(round)
		r, err := raw.SyncedWriters(ctx, round, writers)
		if err != nil {
			b.Fatal(err)
		}
		rawRes = rawRes.Add(r)
		b.StartTimer()
	}
	b.StopTimer()
	report(b, n, elapsed, rawRes)
	b.ReportMetric(float64(n)/float64(s.syncedGroups.Load()), "events/group")
}

// BenchmarkReadAll: a global-order read with envelope decode of a log of
// 100,000 ~300-byte events compacted into sstables, per op. Raw: a bounded
// forward scan of the same keys in the same database. decode-events/s is
// events.DecodeRecordNoCopy alone on the same records in memory: a read
// costs about one raw step plus one decode, so the ratio stays near
// decode-events/s / (raw-events/s + decode-events/s).
func BenchmarkReadAll(b *testing.B) {
	ctx := context.Background()
	s, _ := openBench(b)
	p := pad()
	for i := range readEvents / batchEvents {
		if _, err := s.Append(ctx, batchCall(i, p)...); err != nil {
			b.Fatal(err)
		}
	}
	// A settled LSM: every table compacted, no background work left to
	// disturb either measurement.
	if err := s.db.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := s.db.Compact(ctx, []byte{0}, []byte{0xff}, true); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var (
		sink    uint64
		elapsed time.Duration
		rawRes  rawpebble.Result
	)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n := 0
		start := time.Now()
		if err := s.ReadAll(ctx, 1, func(r store.Record) error {
			n++
			sink += r.Event.Version + uint64(len(r.Event.Data))
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		if n != readEvents {
			b.Fatalf("read %d events, want %d", n, readEvents)
		}
		r, err := rawpebble.ScanDB(ctx, s.db)
		if err != nil {
			b.Fatal(err)
		}
		rawRes = rawRes.Add(r)
		b.StartTimer()
	}
	b.StopTimer()
	_ = sink
	report(b, b.N*readEvents, elapsed, rawRes)
	b.ReportMetric(decodeRate(b, s), "decode-events/s")
}

// decodeRate measures events.DecodeRecordNoCopy alone over the log's
// records held in memory: the envelope decode every read pays on top of
// Pebble's iteration, which bounds the ratio a read can reach.
func decodeRate(b *testing.B, s *Store) float64 {
	var recs [][]byte
	if err := s.ReadAll(context.Background(), 1, func(r store.Record) error {
		recs = append(recs, events.AppendRecord(nil, &r.Event))
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var e events.Event
	start := time.Now()
	for range 3 {
		for _, r := range recs {
			if err := events.DecodeRecordNoCopy(r, &e); err != nil {
				b.Fatal(err)
			}
		}
	}
	return float64(3*len(recs)) / time.Since(start).Seconds()
}
