package ledger_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/internal/rawpebble"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// simulated returns a simulated month's drafts grouped as an importer
// sends them: AppendAtomic calls of up to 1000 events, one batch per
// stream, registry events in calls of their own. Size: LEDGER_BENCH_CASES
// cases (default 20000, about 140,000 events).
func simulated(b *testing.B) (calls [][]ledger.Batch, n int) {
	b.Helper()
	cases := 20000
	if v, err := strconv.Atoi(os.Getenv("LEDGER_BENCH_CASES")); err == nil && v > 0 {
		cases = v
	}
	var cur []events.Draft
	registry := false
	flush := func() {
		if len(cur) == 0 {
			return
		}
		idx := map[string]int{}
		var bs []ledger.Batch
		for _, d := range cur {
			i, ok := idx[d.Stream]
			if !ok {
				i = len(bs)
				idx[d.Stream] = i
				bs = append(bs, ledger.Batch{Stream: d.Stream})
			}
			bs[i].Drafts = append(bs[i].Drafts, d)
		}
		calls = append(calls, bs)
		cur = nil
	}
	_, err := sim.Generate(sim.Config{Seed: 1, Cases: cases}, func(d events.Draft) error {
		kind, _ := events.SplitStream(d.Stream)
		reg := kind == events.StreamRegistry
		if len(cur) >= 1000 || (len(cur) > 0 && reg != registry) {
			flush()
		}
		registry = reg
		cur = append(cur, d)
		n++
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	flush()
	return calls, n
}

func openPebble(b *testing.B) (*pebblestore.Store, *ledger.Ledger) {
	b.Helper()
	st, err := pebblestore.Open(b.TempDir(), pebblestore.Config{})
	if err != nil {
		b.Fatal(err)
	}
	keys, err := privacy.NewPebbleKeys(st, nil)
	if err != nil {
		b.Fatal(err)
	}
	l, err := ledger.New(context.Background(), st, ledger.Config{KeyStore: keys})
	if err != nil {
		b.Fatal(err)
	}
	return st, l
}

// records returns the stored bytes of every event, for the raw limit.
func records(b *testing.B, st store.Store) [][]byte {
	var out [][]byte
	err := st.ReadAll(context.Background(), 1, func(r store.Record) error {
		out = append(out, events.AppendRecord(nil, &r.Event))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkImport is the durable batched import of simulated events
// through the ledger's Importer (rules, idempotency, hashing, calls of
// 1000 events pipelined into group commits), beside
// raw Pebble writing the same record bytes in synced batches of 1000.
// Targets: >= 300k events/s and >= 40% of raw.
//
// With merkle=on the ledger's Merkle log is kept in step while importing
// (ledger.StartMerkle, nodes written beside the events), and the time
// includes bringing it to the head at the end.
func BenchmarkImport(b *testing.B) {
	for _, merkle := range []bool{false, true} {
		name := "merkle=off"
		if merkle {
			name = "merkle=on"
		}
		b.Run(name, func(b *testing.B) { benchImport(b, merkle) })
	}
}

func benchImport(b *testing.B, merkle bool) {
	ctx := context.Background()
	calls, n := simulated(b)
	var ours time.Duration
	var raw rawpebble.Result
	total := 0
	for b.Loop() {
		b.StopTimer()
		st, l := openPebble(b)
		side, err := st.Side(pebblestore.SideMerkle)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		var keeper *ledger.MerkleKeeper
		if merkle {
			if keeper, err = ledger.StartMerkle(ctx, st, side.Unsynced(), ledger.MerkleConfig{}); err != nil {
				b.Fatal(err)
			}
		}
		im := l.NewImporter(ledger.ImporterConfig{})
		for _, c := range calls {
			if err := im.Append(ctx, c...); err != nil {
				b.Fatal(err)
			}
		}
		if err := im.Close(ctx); err != nil {
			b.Fatal(err)
		}
		if keeper != nil {
			if err := keeper.Close(ctx); err != nil {
				b.Fatal(err)
			}
			if size, _ := st.Head(ctx); keeper.Log().Size() != size {
				b.Fatalf("merkle log at %d, ledger at %d", keeper.Log().Size(), size)
			}
		}
		ours += time.Since(t0)
		total += n
		b.StopTimer()
		vals := records(b, st)
		st.Close()
		r, err := rawpebble.SyncedBatches(ctx, b.TempDir(), rawpebble.DefaultOptions(), vals, 1000)
		if err != nil {
			b.Fatal(err)
		}
		raw = raw.Add(r)
		b.StartTimer()
	}
	reportRates(b, float64(total)/ours.Seconds(), raw.EventsPerSecond())
}

// BenchmarkAppendConcurrent16 is single-event appends from 16 goroutines
// (each a new case's report), grouped by the store into shared synced
// batches, beside raw Pebble with 16 goroutines each committing one synced
// write of the same bytes. Targets: >= 20k events/s and >= 50% of raw.
//
// With merkle=on the Merkle log is kept in step while appending, and the
// time includes bringing it to the head at the end.
func BenchmarkAppendConcurrent16(b *testing.B) {
	for _, merkle := range []bool{false, true} {
		name := "merkle=off"
		if merkle {
			name = "merkle=on"
		}
		b.Run(name, func(b *testing.B) { benchConcurrent16(b, merkle) })
	}
}

func benchConcurrent16(b *testing.B, merkle bool) {
	const writers, per = 16, 500
	ctx := context.Background()
	var ours time.Duration
	var raw rawpebble.Result
	total := 0
	for round := 0; b.Loop(); round++ {
		b.StopTimer()
		st, l := openPebble(b)
		s := eventstest.New()
		district := s.District()
		for _, d := range district {
			if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
				b.Fatal(err)
			}
		}
		s.Step = 0
		drafts := make([][]events.Draft, writers)
		for w := range drafts {
			for i := 0; i < per; i++ {
				drafts[w] = append(drafts[w], s.Case(fmt.Sprintf("C-%d-%d", w, i)).Reported(events.ChannelApp, eventstest.Pothole))
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		side, err := st.Side(pebblestore.SideMerkle)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		var keeper *ledger.MerkleKeeper
		if merkle {
			if keeper, err = ledger.StartMerkle(ctx, st, side.Unsynced(), ledger.MerkleConfig{}); err != nil {
				b.Fatal(err)
			}
		}
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(ds []events.Draft) {
				defer wg.Done()
				for _, d := range ds {
					if _, err := l.Append(ctx, d.Stream, ledger.NoStream, d); err != nil {
						errs <- err
						return
					}
				}
			}(drafts[w])
		}
		wg.Wait()
		if keeper != nil {
			if err := keeper.Close(ctx); err != nil {
				b.Fatal(err)
			}
		}
		ours += time.Since(t0)
		total += writers * per
		b.StopTimer()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		vals := records(b, st)[len(district):]
		st.Close()
		r, err := rawpebble.SyncedWriters(ctx, b.TempDir(), rawpebble.DefaultOptions(), vals, writers)
		if err != nil {
			b.Fatal(err)
		}
		raw = raw.Add(r)
		b.StartTimer()
	}
	reportRates(b, float64(total)/ours.Seconds(), raw.EventsPerSecond())
}

func reportRates(b *testing.B, ours, raw float64) {
	b.ReportMetric(ours, "events/s")
	b.ReportMetric(raw, "raw-events/s")
	b.ReportMetric(ours/raw, "ratio")
}
