package interop_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/internal/rawpebble"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// benchTraces returns n traces of 10 activities, each with a resource, a
// lifecycle and one float attribute, like a process-mining log.
func benchTraces(n int) []*interop.Trace {
	out := make([]*interop.Trace, n)
	for i := range out {
		tr := &interop.Trace{Name: fmt.Sprintf("case-%d", i)}
		for e := 0; e < 10; e++ {
			tr.Events = append(tr.Events, interop.Event{Activity: fmt.Sprintf("Activity %d", e), Lifecycle: "complete",
				Resource: fmt.Sprintf("Resource %d", i%50), Time: t0.Add(time.Duration(i)*time.Minute + time.Duration(e)*time.Second),
				Attributes: []events.Attribute{{Key: "cost", Type: events.AttrFloat, Value: "12.5"}}})
		}
		out[i] = tr
	}
	return out
}

// BenchmarkSink is the ledger side of an import: activity traces written
// through a Sink into a durable Pebble ledger (rules, hashing, synced
// group commits), beside raw Pebble writing the same record bytes in
// synced batches of 1000.
func BenchmarkSink(b *testing.B) {
	ctx := context.Background()
	traces := benchTraces(10_000)
	var ours time.Duration
	var raw rawpebble.Result
	total := 0
	for b.Loop() {
		b.StopTimer()
		st, err := pebblestore.Open(b.TempDir(), pebblestore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		keys, err := privacy.NewPebbleKeys(st, nil)
		if err != nil {
			b.Fatal(err)
		}
		l, err := ledger.New(ctx, st, ledger.Config{KeyStore: keys})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "bench.xes", SHA256: strings.Repeat("00", 32)})
		if err != nil {
			b.Fatal(err)
		}
		for _, tr := range traces {
			if err := s.Add(ctx, tr); err != nil {
				b.Fatal(err)
			}
		}
		sum, err := s.Close(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
		total += sum.Events
		b.StopTimer()
		var vals [][]byte
		st.ReadAll(ctx, 1, func(r store.Record) error { vals = append(vals, events.AppendRecord(nil, &r.Event)); return nil })
		st.Close()
		r, err := rawpebble.SyncedBatches(ctx, b.TempDir(), rawpebble.DefaultOptions(), vals, 1000)
		if err != nil {
			b.Fatal(err)
		}
		raw = raw.Add(r)
		b.StartTimer()
	}
	rate := float64(total) / ours.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(raw.EventsPerSecond(), "raw-events/s")
	b.ReportMetric(rate/raw.EventsPerSecond(), "ratio")
}
