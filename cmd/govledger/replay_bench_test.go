package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/internal/rawpebble"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store/pebblestore"
)

// benchLedger returns the directory of a simulated ledger of about n
// events, building it on first use. Ledgers are kept under
// $GOVLEDGER_BENCH_DIR (default: the system temp dir) so that repeated
// runs measure replay, not the simulation.
func benchLedger(b *testing.B, n int) string {
	b.Helper()
	root := os.Getenv("GOVLEDGER_BENCH_DIR")
	if root == "" {
		root = os.TempDir()
	}
	dir := filepath.Join(root, fmt.Sprintf("govledger-bench-%d", n))
	done := filepath.Join(dir, "BENCH-COMPLETE")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	_ = os.RemoveAll(dir)
	ctx := context.Background()
	clock := sim.NewClock(time.Time{})
	l, s, err := openLedger(ctx, dir, ledger.Config{Clock: clock.Now}, sim.KeySource(1))
	if err != nil {
		b.Fatal(err)
	}
	// About 6.6 events per case, plus topics and the registry.
	cases := n * 10 / 66
	start := time.Now()
	sum, err := sim.Run(ctx, l, clock, sim.Config{Seed: 1, Cases: cases, Days: max(30, cases/2000)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s: %d events, %d cases in %s", dir, sum.Events, sum.Cases, time.Since(start).Round(time.Second))
	if err := os.WriteFile(filepath.Join(dir, "BENCH-CASES"), []byte(strconv.Itoa(sum.Cases)), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(done, []byte(strconv.FormatInt(sum.Events, 10)), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// casesOf reads the number of cases the simulator wrote (BENCH-CASES),
// 0 if unknown.
func casesOf(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "BENCH-CASES"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

func benchSizes() []int {
	sizes := []int{1_000_000}
	if v := os.Getenv("GOVLEDGER_BENCH_EVENTS"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err == nil && n > 0 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

// BenchmarkReplay replays simulated ledgers through timeliness alone and
// through every built-in, printing the raw Pebble scan rate of the same
// ledger beside each figure. Sizes: GOVLEDGER_BENCH_EVENTS (default
// 1000000; e.g. "1000000,10000000"); what is replayed:
// GOVLEDGER_BENCH_PROJECTIONS (default "decode-only,timeliness,all"; any
// built-in's name replays it alone).
//
//	go test -run x -bench Replay -benchtime 3x ./cmd/govledger/
func BenchmarkReplay(b *testing.B) {
	setMemoryLimit() // as the command runs
	for _, n := range benchSizes() {
		dir := benchLedger(b, n)
		raw := rawScan(b, dir)
		which := []string{"decode-only", "timeliness", "all"}
		if v := os.Getenv("GOVLEDGER_BENCH_PROJECTIONS"); v != "" {
			which = strings.Split(v, ",")
		}
		for _, which := range which {
			b.Run(fmt.Sprintf("%s/events=%d", which, n), func(b *testing.B) {
				s, err := pebblestore.Open(dir, pebblestore.Config{})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				var events uint64
				var status []projections.Status
				var kept *projections.Registry
				cpu0 := cpuTime()
				b.ResetTimer()
				for range b.N {
					reg, err := benchRegistry(which)
					if err != nil {
						b.Fatal(err)
					}
					r, err := projections.NewRunner(projections.RunnerConfig{Source: replay.Events(s)}, reg)
					if err != nil {
						b.Fatal(err)
					}
					if err := r.Run(context.Background()); err != nil {
						b.Fatal(err)
					}
					events += r.Position()
					b.StopTimer() // the digests are not part of the replay
					status = r.Status()
					for _, st := range status {
						if st.Err != nil || st.Position != r.Position() {
							b.Fatalf("%s: %+v", st.Name, st)
						}
					}
					b.StartTimer()
					kept = reg
				}
				b.StopTimer()
				b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(events), "cpu-ns/event")
				rate := float64(events) / b.Elapsed().Seconds()
				b.ReportMetric(rate, "events/s")
				b.ReportMetric(raw, "raw-scan-events/s")
				b.ReportMetric(rate/raw, "ratio")
				b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
				runtime.GC() // what the projections hold, not garbage waiting for a cycle
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "live-heap-MiB")
				if cases := casesOf(dir); cases > 0 {
					b.ReportMetric(float64(ms.HeapInuse)/float64(cases), "live-bytes/case")
				}
				runtime.KeepAlive(kept)
			})
		}
	}
}

// nop reads every catalogued type and does nothing: the runner's own cost
// (read, copy, decode every payload once).
type nop struct{}

func (nop) Name() string                                      { return "nop/v1" }
func (nop) Apply(uint64, *events.Event, events.Payload) error { return nil }
func (nop) Types() []string                                   { return events.Types() }

func benchRegistry(which string) (*projections.Registry, error) {
	if which == "decode-only" {
		reg := projections.NewRegistry()
		return reg, reg.Register(nop{})
	}
	all, err := builtins(builtinOptions{k: 5})
	if err != nil || which == "all" {
		return all, err
	}
	p, err := all.Get(which)
	if err != nil {
		return nil, err
	}
	one := projections.NewRegistry()
	return one, one.Register(p)
}

// rawScan is the raw ceiling: one forward scan of the same ledger's log
// keyspace with a bare Pebble iterator, in events/s (best of three).
func rawScan(b *testing.B, dir string) float64 {
	db, err := rawpebble.Open(dir, rawpebble.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	best := 0.0
	for range 3 {
		r, err := db.Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		best = max(best, r.EventsPerSecond())
	}
	return best
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine, CPU per event moves less than events per second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set (VmHWM) in bytes, 0 where
// /proc is missing.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkReport times `govledger report timeliness` on a checkpointed
// ledger: "cached" asks a query answered before (served from the report
// cache at the same head), "from-checkpoint" asks a new window each time
// (the state is loaded from its checkpoint and the report computed).
//
//	go test -run x -bench Report -benchtime 5x ./cmd/govledger/
func BenchmarkReport(b *testing.B) {
	setMemoryLimit()
	for _, n := range benchSizes() {
		dir := benchLedger(b, n)
		e := &env{stdout: io.Discard, stderr: io.Discard}
		if code := run(context.Background(), e, []string{"projections", "--dir", dir}); code != exitOK {
			b.Fatalf("projections: exit %d", code)
		}
		b.Run(fmt.Sprintf("cached/events=%d", n), func(b *testing.B) {
			args := []string{"report", "timeliness", "--dir", dir, "--format", "json"}
			run(context.Background(), e, args)
			b.ResetTimer()
			for range b.N {
				if code := run(context.Background(), e, args); code != exitOK {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
		})
		b.Run(fmt.Sprintf("from-checkpoint/events=%d", n), func(b *testing.B) {
			for i := range b.N {
				from := sim.DefaultStart.AddDate(0, 0, i%28+1).Format("2006-01-02")
				if code := run(context.Background(), e, []string{"report", "timeliness", "--dir", dir, "--format", "json", "--from", from}); code != exitOK {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
		})
	}
}
