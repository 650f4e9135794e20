package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/govledger/govledger/internal/rawpebble"
)

// benchXES writes (once per size, cached in the temp dir) a generated XES
// log of n events: traces of 10 events, each event with an activity, a
// resource, a timestamp with zone, a lifecycle transition and a float
// attribute — about 280 bytes per event, like a process-mining export.
func benchXES(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("govledger-bench-%d.xes", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, `<?xml version="1.0" encoding="UTF-8"?>`)
	fmt.Fprintln(w, `<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">`)
	fmt.Fprintln(w, `<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>`)
	fmt.Fprintln(w, `<string key="concept:name" value="generated benchmark log"/>`)
	base := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	for t := 0; t < n/10; t++ {
		fmt.Fprintf(w, "<trace>\n\t<string key=\"concept:name\" value=\"case-%d\"/>\n", t)
		for e := 0; e < 10; e++ {
			at := base.Add(time.Duration(t)*time.Minute + time.Duration(e)*17*time.Minute).In(time.FixedZone("", 3600))
			fmt.Fprintf(w, "\t<event>\n\t\t<string key=\"concept:name\" value=\"Activity %d\"/>\n\t\t<string key=\"org:resource\" value=\"Resource %d\"/>\n\t\t<date key=\"time:timestamp\" value=\"%s\"/>\n\t\t<string key=\"lifecycle:transition\" value=\"complete\"/>\n\t\t<float key=\"cost\" value=\"%d.5\"/>\n\t</event>\n",
				e, t%50, at.Format("2006-01-02T15:04:05.000-07:00"), e)
		}
		fmt.Fprintln(w, "</trace>")
	}
	fmt.Fprintln(w, "</log>")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// buildBinary builds govledger once per benchmark run.
func buildBinary(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "govledger")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runMeasured runs the binary and returns its wall time and peak RSS.
func runMeasured(b *testing.B, bin string, args ...string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("govledger %v: %v\n%s", args, err, out)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return took, rss
}

// BenchmarkImportXES is `govledger import xes` end to end, as a user runs
// it: the binary reads a generated XES log twice (checked whole, then
// imported) into a new durable ledger with its Merkle log kept, and its
// peak RSS is measured by the kernel (getrusage of the child). Then
// `govledger export xes` writes the ledger back out. Beside them: raw
// Pebble writing the same number of 300-byte values in synced batches of
// 1000. Targets: import >= 100k events/s, peak RSS < 500 MB whatever the
// file size, export at least as fast as import.
//
//	go test -run x -bench ImportXES -benchtime 1x ./cmd/govledger/
//	GOVLEDGER_BENCH_EVENTS=1000000 go test -run x -bench ImportXES -benchtime 1x ./cmd/govledger/
func BenchmarkImportXES(b *testing.B) {
	n := 100_000
	if s := os.Getenv("GOVLEDGER_BENCH_EVENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	path := benchXES(b, n)
	st, _ := os.Stat(path)
	bin := buildBinary(b)
	var imp, exp time.Duration
	var impRSS, expRSS int64
	var raw rawpebble.Result
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), "ledger")
		t, rss := runMeasured(b, bin, "import", "--quiet", "--dir", dir, "xes", path)
		imp += t
		impRSS = max(impRSS, rss)
		t, rss = runMeasured(b, bin, "export", "--dir", dir, "xes", "--out", filepath.Join(b.TempDir(), "out.xes"))
		exp += t
		expRSS = max(expRSS, rss)
		// The raw limit's values are made after the children ran, and
		// given back before the next run: a child's peak RSS, as the
		// kernel counts it, starts from this process's RSS at the spawn.
		vals := make([][]byte, n)
		for i := range vals {
			vals[i] = make([]byte, 300)
		}
		r, err := rawpebble.SyncedBatches(context.Background(), b.TempDir(), rawpebble.DefaultOptions(), vals, 1000)
		if err != nil {
			b.Fatal(err)
		}
		raw = raw.Add(r)
		vals = nil
		debug.FreeOSMemory()
	}
	runs := float64(b.N)
	b.ReportMetric(float64(n)*runs/imp.Seconds(), "import-events/s")
	b.ReportMetric(float64(n)*runs/exp.Seconds(), "export-events/s")
	b.ReportMetric(raw.EventsPerSecond(), "raw-events/s")
	b.ReportMetric(float64(n)*runs/imp.Seconds()/raw.EventsPerSecond(), "import-ratio")
	b.ReportMetric(float64(impRSS)/(1<<20), "import-peak-MiB")
	b.ReportMetric(float64(expRSS)/(1<<20), "export-peak-MiB")
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MiB")
}
