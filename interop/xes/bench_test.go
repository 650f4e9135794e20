package xes_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/interoptest"
	"github.com/govledger/govledger/interop/xes"
	"github.com/govledger/govledger/store"
)

// benchEvents is the size of the generated log: GOVLEDGER_BENCH_EVENTS, or
// 100k events.
func benchEvents(b *testing.B) int {
	if s := os.Getenv("GOVLEDGER_BENCH_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("GOVLEDGER_BENCH_EVENTS=%q", s)
		}
		return n
	}
	return 100_000
}

// benchLog returns the path of a generated XES log of n events (about 280
// bytes each, 20 per trace), cached in the temporary directory.
func benchLog(b *testing.B, n int) (string, int64) {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("govledger-xes-bench-%d.xes", n))
	if fi, err := os.Stat(path); err == nil {
		return path, fi.Size()
	}
	tmp, err := os.CreateTemp(os.TempDir(), "govledger-xes-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	acts := []string{"case.reported", "case.dispatched", "case.accepted", "case.contacted", "case.resolved", "case.closed"}
	lcs := []string{"complete", "assign", "start", "complete", "complete", "complete"}
	zone := time.FixedZone("", 8*3600)
	start := time.Date(2024, 6, 3, 9, 0, 0, 0, zone)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
	<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
	<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
	<classifier name="Activity" keys="concept:name"/>
`)
	for i := 0; i < n; i++ {
		if i%20 == 0 {
			if i > 0 {
				w.WriteString("\t</trace>\n")
			}
			fmt.Fprintf(w, "\t<trace>\n\t\t<string key=\"concept:name\" value=\"C-%07d\"/>\n", i/20)
		}
		k := i % 6
		at := start.Add(time.Duration(i) * 7 * time.Second)
		fmt.Fprintf(w, "\t\t<event>\n\t\t\t<string key=\"concept:name\" value=\"%s\"/>\n\t\t\t<string key=\"org:resource\" value=\"staff-%04d\"/>\n"+
			"\t\t\t<date key=\"time:timestamp\" value=\"%s\"/>\n\t\t\t<string key=\"lifecycle:transition\" value=\"%s\"/>\n"+
			"\t\t\t<float key=\"cost\" value=\"%d.%02d\"/>\n\t\t</event>\n",
			acts[k], i%1000, at.Format("2006-01-02T15:04:05.000Z07:00"), lcs[k], i%500, i%100)
	}
	w.WriteString("\t</trace>\n</log>\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, fi.Size()
}

// gzipped returns the path of path compressed, cached beside it.
func gzipped(b *testing.B, path string) string {
	gz := path + ".gz"
	if _, err := os.Stat(gz); err == nil {
		return gz
	}
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "govledger-xes-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(tmp.Name())
	w, err := gzip.NewWriterLevel(tmp, gzip.BestSpeed)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(w, in); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), gz); err != nil {
		b.Fatal(err)
	}
	return gz
}

// BenchmarkReader reads a generated log with the Reader and, as the
// reference, with encoding/xml's RawToken alone.
func BenchmarkReader(b *testing.B) {
	n := benchEvents(b)
	path, size := benchLog(b, n)
	perSec := func(b *testing.B) {
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	}
	read := func(b *testing.B, path string, size int64) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			r, err := xes.NewReader(f, xes.ReaderConfig{})
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for {
				tr, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				got += len(tr.Events)
			}
			f.Close()
			if got != n {
				b.Fatalf("%d events, want %d", got, n)
			}
		}
		perSec(b)
	}
	b.Run("reader", func(b *testing.B) { read(b, path, size) })
	// MB/s of the gzip run counts the uncompressed bytes.
	b.Run("reader_gzip", func(b *testing.B) { read(b, gzipped(b, path), size) })
	b.Run("encoding_xml_RawToken", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			d := xml.NewDecoder(bufio.NewReaderSize(f, 64<<10))
			for {
				_, err := d.RawToken()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			f.Close()
		}
		perSec(b)
	})
}

// BenchmarkWrite exports a simulated ledger, beside the rates at which the
// source decodes every record (Write's first pass) and the store alone
// reads them. Write's events/s counts the events written (case streams).
func BenchmarkWrite(b *testing.B) {
	ctx := context.Background()
	st := interoptest.Simulated(b, 300, 0)
	n := 0
	if err := st.ReadAll(ctx, 1, func(store.Record) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	perSec := func(b *testing.B, events int) {
		b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		var stats xes.Stats
		for b.Loop() {
			var err error
			stats, err = xes.Write(ctx, io.Discard, interop.StoreSource(st), xes.WriterConfig{})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(stats.Bytes)
		perSec(b, stats.Events)
		// Every record of the ledger is read (and decoded) by the first pass.
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	// The writer alone, over records decoded beforehand.
	var recs memSource
	err := interop.StoreSource(st).Records(ctx, func(r interop.Record) error {
		ev := *r.Event
		ev.Data = bytes.Clone(ev.Data)
		r.Event = &ev
		recs.all = append(recs.all, r)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("write_predecoded", func(b *testing.B) {
		b.ReportAllocs()
		var stats xes.Stats
		for b.Loop() {
			var err error
			stats, err = xes.Write(ctx, io.Discard, &recs, xes.WriterConfig{})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(stats.Bytes)
		perSec(b, stats.Events)
	})
	b.Run("source_Records", func(b *testing.B) {
		for b.Loop() {
			if err := interop.StoreSource(st).Records(ctx, func(interop.Record) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		perSec(b, n)
	})
	b.Run("store_ReadAll", func(b *testing.B) {
		for b.Loop() {
			if err := st.ReadAll(ctx, 1, func(store.Record) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		perSec(b, n)
	})
}

// memSource is a Source over decoded records, indexed by stream.
type memSource struct {
	all      []interop.Record
	byStream map[string][]int
}

func (m *memSource) Records(ctx context.Context, fn func(interop.Record) error) error {
	for _, r := range m.all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) Stream(ctx context.Context, stream string, fn func(interop.Record) error) error {
	if m.byStream == nil {
		m.byStream = make(map[string][]int)
		for i, r := range m.all {
			m.byStream[r.Event.Stream] = append(m.byStream[r.Event.Stream], i)
		}
	}
	for _, i := range m.byStream[stream] {
		if err := fn(m.all[i]); err != nil {
			return err
		}
	}
	return nil
}
