package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/esdbstore/esdbtest"
	"github.com/govledger/govledger/store/storetest"
)

// The benchmarks run the Store against the in-process test server over
// loopback gRPC through the real client, and measure in the same process,
// against the same server, what the bare client does with the same event
// data (raw-client-events/s): that is the limit of the layers underneath
// (client, gRPC, test server), so the ratio shows govledger's own share.
// Rounds of the store's work and of the bare client's alternate, so both
// see the same machine conditions. The bare client writes to streams the
// ledger does not own ("raw-case/..."), which the store's index skips;
// the store reads past them untimed between rounds. Run them with e.g.
//
//	go test -run '^$' -bench . -benchtime 10x ./store/esdbstore/

const (
	benchPad     = 200 // payload padding: about 300-byte payloads, 470 bytes with metadata
	batchEvents  = 100 // events per Append in BenchmarkAppendBatch
	batchCalls   = 20  // Append calls (one new stream each) per op
	singleEvents = 256 // single-event appends per op in the single-event benchmarks
	benchWriters = 16
	readEvents   = 20_000 // events BenchmarkReadAll reads per op
	followEvents = 2_000  // live events BenchmarkFollow delivers per op
)

// rawPrefix names the bare client's streams: not a ledger stream.
const rawPrefix = "raw-"

type benchEnv struct {
	srv *esdbtest.Server
	s   *Store
	c   *esdb.Client // the bare client, on its own connection
}

func openBench(b *testing.B) benchEnv {
	b.Helper()
	srv := esdbtest.New(b)
	s, err := Open(context.Background(), Config{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	conf, err := esdb.ParseConnectionString(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	conf.Logger = func(esdb.LogLevel, string, ...any) {}
	c, err := esdb.NewClient(conf)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return benchEnv{srv: srv, s: s, c: c}
}

// rawAppend is one bare-client append with the options the store uses.
type rawAppend struct {
	stream   string
	expected esdb.ExpectedRevision
	data     []esdb.EventData
}

// rawOf maps a store append to the bare client's append of the same event
// data (toEventData, done here untimed) to stream prefix+stream.
func rawOf(b *testing.B, prefix string, a store.StreamAppend) rawAppend {
	r := rawAppend{stream: prefix + a.Stream, expected: esdb.NoStream{}, data: make([]esdb.EventData, len(a.Events))}
	if a.Expected != store.NoStream {
		r.expected = esdb.Revision(uint64(a.Expected))
	}
	for i := range a.Events {
		var err error
		if r.data[i], err = toEventData(&a.Events[i]); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

func (r rawAppend) do(ctx context.Context, c *esdb.Client) error {
	_, err := c.AppendToStream(ctx, r.stream, esdb.AppendToStreamOptions{ExpectedRevision: r.expected, RequiresLeader: true}, r.data...)
	return err
}

func report(b *testing.B, n int, elapsed time.Duration, rawN int, rawElapsed time.Duration) {
	ours := float64(n) / elapsed.Seconds()
	raw := float64(rawN) / rawElapsed.Seconds()
	b.ReportMetric(ours, "events/s")
	b.ReportMetric(raw, "raw-client-events/s")
	b.ReportMetric(ours/raw, "ratio")
}

// skipRaw brings the store's index past the bare client's events, untimed.
func (env benchEnv) skipRaw(b *testing.B, ctx context.Context) {
	if _, err := env.s.Head(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAppendBatch: 20 Append calls of 100 events, each opening a new
// stream, per op. Raw: the bare client's AppendToStream of the same 20 ×
// 100 events with the same expected revisions.
func BenchmarkAppendBatch(b *testing.B) {
	ctx := context.Background()
	env := openBench(b)
	calls := make([][]store.StreamAppend, b.N)
	raws := make([][]rawAppend, b.N)
	for i := range calls {
		for j := range batchCalls {
			a := storetest.StreamAppend(storetest.Chain(fmt.Sprintf("case/batch-%06d-%03d", i, j), batchEvents, storetest.Pad(benchPad)))
			calls[i] = append(calls[i], a)
			raws[i] = append(raws[i], rawOf(b, rawPrefix, a))
		}
	}
	runtime.GC()
	var elapsed, rawElapsed time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		for _, a := range calls[i] {
			if _, err := env.s.Append(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
		start = time.Now()
		for _, r := range raws[i] {
			if err := r.do(ctx, env.c); err != nil {
				b.Fatal(err)
			}
		}
		rawElapsed += time.Since(start)
		env.skipRaw(b, ctx)
		b.StartTimer()
	}
	b.StopTimer()
	n := b.N * batchCalls * batchEvents
	report(b, n, elapsed, n, rawElapsed)
}

// BenchmarkAppendSingle: 256 single-event appends per op from one
// goroutine, along 16 streams in turn. Raw: the bare client's appends of
// the same events, one call each, in the same order.
func BenchmarkAppendSingle(b *testing.B) { benchSingle(b, 1) }

// BenchmarkAppendConcurrent16: 256 single-event appends per op from 16
// goroutines, each on its own stream. Raw: 16 goroutines making the bare
// client's appends of the same events on one client.
func BenchmarkAppendConcurrent16(b *testing.B) { benchSingle(b, benchWriters) }

func benchSingle(b *testing.B, writers int) {
	ctx := context.Background()
	env := openBench(b)
	const streams = benchWriters
	perStream := singleEvents / streams
	// appends[i][w] are the appends writer w makes in op i.
	appends := make([][][]store.StreamAppend, b.N)
	raws := make([][][]rawAppend, b.N)
	chains := make([][]events.Event, streams)
	for k := range chains {
		chains[k] = storetest.Chain(fmt.Sprintf("case/single-%d-%02d", writers, k), b.N*perStream, storetest.Pad(benchPad))
	}
	for i := range b.N {
		appends[i] = make([][]store.StreamAppend, writers)
		raws[i] = make([][]rawAppend, writers)
		for v := i * perStream; v < (i+1)*perStream; v++ {
			for k := range streams {
				w := k % writers
				a := storetest.StreamAppend(chains[k][v : v+1])
				appends[i][w] = append(appends[i][w], a)
				raws[i][w] = append(raws[i][w], rawOf(b, rawPrefix, a))
			}
		}
	}
	run := func(i int, fn func(w, j int) error) time.Duration {
		var (
			wg   sync.WaitGroup
			fail atomic.Pointer[error]
		)
		start := time.Now()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range appends[i][w] {
					if err := fn(w, j); err != nil {
						fail.Store(&err)
						return
					}
				}
			}()
		}
		wg.Wait()
		d := time.Since(start)
		if err := fail.Load(); err != nil {
			b.Fatal(*err)
		}
		return d
	}
	runtime.GC()
	var elapsed, rawElapsed time.Duration
	b.ResetTimer()
	for i := range b.N {
		elapsed += run(i, func(w, j int) error {
			_, err := env.s.Append(ctx, appends[i][w][j])
			return err
		})
		b.StopTimer()
		rawElapsed += run(i, func(w, j int) error { return raws[i][w][j].do(ctx, env.c) })
		env.skipRaw(b, ctx)
		b.StartTimer()
	}
	b.StopTimer()
	n := b.N * singleEvents
	report(b, n, elapsed, n, rawElapsed)
	b.ReportMetric(float64(elapsed.Microseconds())/float64(n)*float64(writers), "µs/append")
}

// BenchmarkReadAll: ReadAll of a ledger of 20,000 events (200 streams of
// 100) from position 1, envelopes decoded, per op. Raw: the bare client's
// ReadAll of $all from the start to the end (the same 20,000 events and
// the server's few system events), received and converted by the client.
// decode-events/s is the store's decode of a recorded event alone.
func BenchmarkReadAll(b *testing.B) {
	ctx := context.Background()
	env := openBench(b)
	for j := range readEvents / batchEvents {
		a := storetest.StreamAppend(storetest.Chain(fmt.Sprintf("case/read-%04d", j), batchEvents, storetest.Pad(benchPad)))
		if _, err := env.s.Append(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var (
		sink              uint64
		elapsed, rawTotal time.Duration
	)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n := 0
		start := time.Now()
		if err := env.s.ReadAll(ctx, 1, func(r store.Record) error {
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
		start = time.Now()
		rs, err := env.c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: esdb.Start{}}, ^uint64(0))
		if err != nil {
			b.Fatal(err)
		}
		raw := 0
		for {
			e, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			sink += uint64(len(e.OriginalEvent().Data))
			raw++
		}
		rs.Close()
		rawTotal += time.Since(start)
		if raw < readEvents {
			b.Fatalf("bare client read %d events, want at least %d", raw, readEvents)
		}
		b.StartTimer()
	}
	b.StopTimer()
	_ = sink
	n := b.N * readEvents
	report(b, n, elapsed, n, rawTotal)
	b.ReportMetric(decodeRate(b, env), "decode-events/s")
}

// decodeRate measures fromRecorded alone (the metadata JSON, the times,
// the copy of the data) over the ledger's recorded events held in memory:
// the decode every read pays on top of the client's.
func decodeRate(b *testing.B, env benchEnv) float64 {
	ctx := context.Background()
	rs, err := env.c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: esdb.Start{}}, ^uint64(0))
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	var recs []*esdb.RecordedEvent
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if env.s.streams.MatchString(e.OriginalEvent().StreamID) {
			recs = append(recs, e.OriginalEvent())
		}
	}
	start := time.Now()
	for range 3 {
		for _, r := range recs {
			if _, err := fromRecorded("", r); err != nil {
				b.Fatal(err)
			}
		}
	}
	return float64(3*len(recs)) / time.Since(start).Seconds()
}

// BenchmarkFollow: live events delivered per second to a Follow that is
// waiting at the head while the bare client appends 2,000 events (20
// appends of 100, to ledger streams) per op; timed from the first append
// to the last delivery. Raw: the bare client's catch-up subscription to
// $all, filtered to the bare client's streams, receiving the same appends
// to raw streams.
func BenchmarkFollow(b *testing.B) {
	ctx := context.Background()
	env := openBench(b)
	ours := make([][]rawAppend, b.N)
	raws := make([][]rawAppend, b.N)
	for i := range b.N {
		for j := range followEvents / batchEvents {
			a := storetest.StreamAppend(storetest.Chain(fmt.Sprintf("case/follow-%06d-%03d", i, j), batchEvents, storetest.Pad(benchPad)))
			ours[i] = append(ours[i], rawOf(b, "", a))
			raws[i] = append(raws[i], rawOf(b, rawPrefix, a))
		}
	}
	// live runs the appends and returns the time until the last of them
	// was delivered by deliver, which is running and calls got per event.
	live := func(appends []rawAppend, done <-chan struct{}) time.Duration {
		start := time.Now()
		for _, a := range appends {
			if err := a.do(ctx, env.c); err != nil {
				b.Fatal(err)
			}
		}
		<-done
		return time.Since(start)
	}
	runtime.GC()
	var elapsed, rawElapsed time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		head, err := env.s.Head(ctx)
		if err != nil {
			b.Fatal(err)
		}
		from, _, _ := env.s.idx.from()
		fctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		followed := make(chan error, 1)
		n := 0
		go func() {
			followed <- env.s.Follow(fctx, head+1, func(store.Record) error {
				if n++; n == followEvents {
					close(done)
				}
				return nil
			})
		}()
		b.StartTimer()
		elapsed += live(ours[i], done)
		b.StopTimer()
		cancel()
		if err := <-followed; !errors.Is(err, context.Canceled) {
			b.Fatalf("follow ended with %v", err)
		}

		// The bare client: a subscription from the same place, filtered
		// to the raw streams.
		sctx, scancel := context.WithCancel(ctx)
		sub, err := env.c.SubscribeToAll(sctx, esdb.SubscribeToAllOptions{From: from,
			Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: "^" + rawPrefix}})
		if err != nil {
			b.Fatal(err)
		}
		rawDone := make(chan struct{})
		go func() {
			got := 0
			for {
				ev := sub.Recv()
				if ev.SubscriptionDropped != nil {
					return
				}
				if ev.EventAppeared != nil {
					if got++; got == followEvents {
						close(rawDone)
					}
				}
			}
		}()
		rawElapsed += live(raws[i], rawDone)
		scancel()
		_ = sub.Close()
		env.skipRaw(b, ctx)
		b.StartTimer()
	}
	b.StopTimer()
	n := b.N * followEvents
	report(b, n, elapsed, n, rawElapsed)
}
