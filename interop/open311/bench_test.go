package open311_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/interoptest"
	"github.com/govledger/govledger/interop/open311"
)

// BenchmarkWrite exports a simulated ledger of 3000 cases. The "scan"
// case only reads and decodes the records: the limit the writers work
// against.
func BenchmarkWrite(b *testing.B) {
	src := interop.StoreSource(interoptest.Simulated(b, 3000, 4))
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
		fn   func(context.Context, io.Writer, interop.Source, open311.Config) (open311.Stats, error)
	}{{"requests", open311.WriteRequests}, {"history", open311.WriteHistory}} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tt.fn(ctx, io.Discard, src, open311.Config{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkReader reads the requests exported from a simulated ledger of
// 3000 cases.
func BenchmarkReader(b *testing.B) {
	data, _ := run(b, requests, interoptest.Simulated(b, 3000, 4), open311.Config{})
	n := 0
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := open311.NewReader(bytesReader(data), open311.ReaderConfig{})
		if err != nil {
			b.Fatal(err)
		}
		n = 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "requests/s")
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
