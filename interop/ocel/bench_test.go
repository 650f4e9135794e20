package ocel_test

import (
	"context"
	"testing"

	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/interoptest"
	"github.com/govledger/govledger/interop/ocel"
)

// BenchmarkWrite exports a simulated ledger of 3000 cases. The "scan"
// case only reads and decodes the records: the limit the writer works
// against.
func BenchmarkWrite(b *testing.B) {
	src := interop.StoreSource(interoptest.Simulated(b, 3000, 6))
	ctx := context.Background()
	n := 0
	if err := src.Records(ctx, func(interop.Record) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			if err := src.Records(ctx, func(interop.Record) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	for _, tt := range []struct {
		name string
		cfg  ocel.Config
	}{{"strings", ocel.Config{}}, {"native", ocel.Config{NativeValues: true}}} {
		b.Run(tt.name, func(b *testing.B) {
			var cw interoptest.CountingWriter
			for b.Loop() {
				if _, err := ocel.Write(ctx, &cw, src, tt.cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(cw.N)/float64(b.N)/float64(n), "bytes/event")
		})
	}
}
