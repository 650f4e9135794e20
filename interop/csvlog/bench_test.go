package csvlog_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/csvlog"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store/memstore"
)

// benchRows is the size of the benchmarks: GOVLEDGER_BENCH_EVENTS rows
// (default 100000), e.g.
//
//	GOVLEDGER_BENCH_EVENTS=1000000 go test -run '^$' -bench . -benchtime 1x ./interop/csvlog/
func benchRows(b *testing.B) int {
	if v := os.Getenv("GOVLEDGER_BENCH_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("GOVLEDGER_BENCH_EVENTS=%q", v)
		}
		return n
	}
	return 100_000
}

// generate writes an NYC-311-style CSV of n rows (20 columns, about 400
// bytes a row, a third of them closed, some quoted fields with commas and
// line breaks) to a file in dir.
func generate(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := []string{"Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type", "Descriptor", "Location Type", "Incident Zip", "Incident Address", "City", "Status", "Resolution Description", "Resolution Action Updated Date", "Community Board", "Borough", "Open Data Channel Type", "Park Borough", "Latitude", "Longitude"}
	agencies := [][2]string{{"NYPD", "New York City Police Department"}, {"DOT", "Department of Transportation"}, {"HPD", "Department of Housing Preservation and Development"}, {"DSNY", "Department of Sanitation"}, {"DEP", "Department of Environmental Protection"}}
	types := []string{"Noise - Residential", "Illegal Parking", "HEAT/HOT WATER", "Blocked Driveway", "Street Condition", "Dirty Condition"}
	boroughs := []string{"BROOKLYN", "QUEENS", "MANHATTAN", "BRONX", "STATEN ISLAND"}
	channels := []string{"PHONE", "ONLINE", "MOBILE", "UNKNOWN"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := cw.Write(header); err != nil {
		b.Fatal(err)
	}
	row := make([]string, len(header))
	for i := range n {
		created := start.Add(time.Duration(i) * 7 * time.Second)
		a := agencies[i%len(agencies)]
		bo := boroughs[i%len(boroughs)]
		row[0] = strconv.Itoa(50_000_000 + i)
		row[1] = created.Format("01/02/2006 03:04:05 PM")
		row[2], row[11], row[12], row[13] = "", "Open", "", ""
		if i%3 == 0 {
			closed := created.Add(time.Duration(i%97+1) * time.Hour).Format("01/02/2006 03:04:05 PM")
			row[2], row[11], row[13] = closed, "Closed", closed
			row[12] = "The " + a[1] + " responded to the complaint, and took action to fix the condition."
			if i%30 == 0 {
				row[12] += "\nSee the follow-up, \"case notes\"."
			}
		}
		row[3], row[4] = a[0], a[1]
		row[5], row[6], row[7] = types[i%len(types)], "Loud Music/Party", "Street/Sidewalk"
		row[8] = strconv.Itoa(10001 + i%900)
		row[9] = strconv.Itoa(1+i%400) + " MAIN STREET, APT " + strconv.Itoa(i%20)
		row[10], row[14], row[15] = bo, fmt.Sprintf("%02d %s", 1+i%12, bo), bo
		row[16], row[17] = channels[i%len(channels)], bo
		row[18] = strconv.FormatFloat(40.5+float64(i%1000)/2000, 'f', 6, 64)
		row[19] = strconv.FormatFloat(-74.2+float64(i%1000)/1500, 'f', 6, 64)
		if err := cw.Write(row); err != nil {
			b.Fatal(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReader imports a generated NYC-311-style CSV (rows/s), and
// beside it reads the same file with encoding/csv alone, the raw limit.
func BenchmarkReader(b *testing.B) {
	n := benchRows(b)
	path := generate(b, b.TempDir(), n)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("csvlog", func(b *testing.B) {
		b.SetBytes(fi.Size())
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			rd, err := csvlog.NewReader(f, csvlog.DefaultMapping())
			if err != nil {
				b.Fatal(err)
			}
			traces := 0
			for {
				_, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				traces++
			}
			f.Close()
			if traces != n {
				b.Fatalf("%d traces, want %d", traces, n)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(fi.Size())
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			cr := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
			cr.ReuseRecord = true
			rows := -1
			for {
				_, err := cr.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
			f.Close()
			if rows != n {
				b.Fatalf("%d rows, want %d", rows, n)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkWrite exports a simulated ledger of GOVLEDGER_BENCH_EVENTS/5
// cases (about 6.6 events a case), and beside it reads the same ledger's
// records without writing anything, the raw limit.
func BenchmarkWrite(b *testing.B) {
	cases := max(benchRows(b)/5, 100)
	ctx := context.Background()
	st := memstore.New()
	clock := sim.NewClock(time.Time{})
	l, err := ledger.New(ctx, st, ledger.Config{Clock: clock.Now, KeyStore: privacy.NewMemKeys(sim.KeySource(3))})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sim.Run(ctx, l, clock, sim.Config{Seed: 3, Cases: cases, Days: max(3, cases/2000)}, nil); err != nil {
		b.Fatal(err)
	}
	src := interop.StoreSource(st)
	records := 0
	if err := src.Records(ctx, func(interop.Record) error { records++; return nil }); err != nil {
		b.Fatal(err)
	}
	b.Run("csvlog", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ws, err := csvlog.Write(ctx, io.Discard, src, csvlog.DefaultMapping())
			if err != nil {
				b.Fatal(err)
			}
			if ws.Rows != cases {
				b.Fatalf("%d rows, want %d", ws.Rows, cases)
			}
		}
		b.ReportMetric(float64(cases)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("records", func(b *testing.B) {
		for b.Loop() {
			if err := src.Records(ctx, func(interop.Record) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
