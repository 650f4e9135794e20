package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store/pebblestore"
)

const importDoc = `
Imports a case log kept elsewhere into the ledger:

  xes      an XES event log (.xes or .xes.gz; IEEE 1849-2016, as ProM,
           Disco, PM4Py and Celonis write it). Each trace becomes one
           stream of activity.recorded events (trace/<name>), every
           attribute kept with its type. With --mapping, activities the
           mapping names become lifecycle events and the trace a case
           (case/<name>); see docs/interop.md for the mapping file.
  csv      a 311-style CSV export, one row per request (created date,
           closed date, agency, complaint type, status, ...). --mapping
           names the columns (default: NYC 311 headers). Each row becomes
           a case: case.reported and, when closed, case.resolved.
  open311  an Open311 GeoReport v2 requests.json (an array of service
           requests). Each request becomes a case like a CSV row.

The file is read twice: first it is checked whole, and a file that cannot
be read (malformed XML or JSON, a truncated or corrupt gzip, an unusable
CSV header, entity declarations) is refused before anything is written.
Then every trace is written whole or not at all; a trace that cannot be
imported (no events, no timestamps, unparseable dates, a wrong column
count, ...) is skipped and counted with its reason. Event IDs are derived
from the trace, so running the same import again writes only what is
missing. The import ends with an import.recorded event on registry/imports
holding the file's name and SHA-256 and the counts.

Imported units (agencies, boroughs, mapped departments) are registered
under --district when the ledger does not know them.`

// importCachedStreams bounds the stream states an import keeps in memory.
const importCachedStreams = 1 << 14

// traceReader is what every format's reader gives the import.
type traceReader interface {
	Next() (*interop.Trace, error)
}

// checker is a reader that can check the rest of its input for errors
// that make it unreadable faster than it reads it (xes.Reader).
type checker interface {
	Check() (int, error)
}

// logAttributes is a reader that knows the log's own attributes.
type logAttributes interface {
	Log() []events.Attribute
}

// importFormat opens one format's reader; mapping is the --mapping file
// (nil when not given). It returns the reader and, for formats whose
// mapping turns activities into lifecycle events, the interop.Mapping.
type importFormat struct {
	format string // events.Format*
	open   func(in io.Reader, mapping []byte) (traceReader, *interop.Mapping, error)
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "xes|csv|open311 FILE", importDoc)
	dir := dirFlag(fs)
	mapping := fs.String("mapping", "", "mapping file (xes: activities to lifecycle events; csv: columns)")
	prefix := fs.String("prefix", "", "put before every trace name in its stream id (to keep two logs with the same case ids apart)")
	district := fs.String("district", "imported", "unit the imported units are registered under (registered if missing)")
	strict := fs.Bool("strict", false, "skip a mapped trace the ledger refuses, instead of importing it as activities")
	quiet := fs.Bool("quiet", false, "no progress lines")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file")
	skipped := fs.String("skipped", "", "write every skipped trace and fallback (reason and where) to this file; the first 10 go to stderr either way")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErr("import takes a format (xes, csv, open311) and a FILE")
	}
	f, ok := importFormats()[fs.Arg(0)]
	if !ok {
		return usageErr("import: unknown format %q (xes, csv, open311)", fs.Arg(0))
	}
	var mapBytes []byte
	if *mapping != "" {
		b, err := readLimited(*mapping, 4<<20)
		if err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		mapBytes = b
	}
	path, cleanup, err := seekableInput(e, fs.Arg(1))
	if err != nil {
		return err
	}
	defer cleanup()

	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	// Pass 1: the whole file must read before anything is written.
	check, err := readAllTraces(ctx, path, f, mapBytes, nil)
	if errors.Is(err, interop.ErrInput) {
		return withCode(exitRefused, fmt.Errorf("import %s: %w; nothing was written", fs.Arg(1), err))
	}
	if err != nil {
		return err
	}
	// An import writes each stream once, in one call: the stream states
	// the ledger and the store keep for later appends are of no use to
	// it, and caches sized for a live ledger would grow with the file.
	l, s, err := openLedgerWith(ctx, *dir, ledger.Config{CachedStreams: importCachedStreams},
		pebblestore.Config{StreamCacheEntries: importCachedStreams}, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	last := start
	cfg := interop.SinkConfig{Format: f.format, Source: filepath.Base(fs.Arg(1)), SHA256: check.digest,
		Prefix: *prefix, District: *district, Fallback: !*strict, Map: check.mapping}
	if mapBytes != nil && check.mapping == nil {
		sum := sha256.Sum256(mapBytes)
		cfg.Mapping = hex.EncodeToString(sum[:])
	}
	if !*quiet {
		cfg.Progress = func(sum interop.Summary) {
			if now := time.Now(); now.Sub(last) >= 2*time.Second {
				last = now
				fmt.Fprintf(e.stderr, "import: %d of %d traces, %d events (%.0f events/s)\n",
					sum.Traces+sum.SkippedTotal(), check.traces, sum.Events+sum.Duplicates, float64(sum.Events+sum.Duplicates)/now.Sub(start).Seconds())
			}
		}
	}
	var skipOut io.Writer
	if *skipped != "" {
		sf, err := os.Create(*skipped)
		if err != nil {
			return err
		}
		defer sf.Close()
		skipOut = sf
	}
	shown := 0
	cfg.OnSkip = func(se *interop.SkipError) {
		if skipOut != nil {
			fmt.Fprintf(skipOut, "%s\t%s\n", se.Reason, se.Detail)
		}
		if shown < 10 {
			shown++
			if strings.HasPrefix(se.Reason, "imported as activities") {
				fmt.Fprintf(e.stderr, "import: %v\n", se)
			} else {
				fmt.Fprintf(e.stderr, "import: skipped: %v\n", se)
			}
		}
	}
	sink, err := interop.NewSink(ctx, l, cfg)
	if err != nil {
		return err
	}
	// Pass 2: the same reading, into the ledger.
	again, err := readAllTraces(ctx, path, f, mapBytes, func(t *interop.Trace, skip *interop.SkipError) error {
		if skip != nil {
			sink.Skip(skip)
			return nil
		}
		return sink.Add(ctx, t)
	})
	if err == nil && again.digest != check.digest {
		err = fmt.Errorf("%s changed while it was imported (sha256 %s, then %s): run the import again on a file nobody writes", fs.Arg(1), check.digest, again.digest)
	}
	if err != nil {
		if aerr := sink.Abort(context.WithoutCancel(ctx)); aerr != nil {
			return fmt.Errorf("%w (and stopping: %v)", err, aerr)
		}
		sum := sink.Summary()
		return fmt.Errorf("%w; %d traces (%d events) were written and stay: run the same import again to finish it", err, sum.Traces, sum.Events+sum.Duplicates)
	}
	sum, err := sink.Close(ctx, again.log)
	if err != nil {
		return err
	}
	printImport(e.stdout, fs.Arg(0), fs.Arg(1), sum, time.Since(start))
	return nil
}

// scan is what one reading of an import file found.
type scan struct {
	digest  string
	traces  int
	log     []events.Attribute
	mapping *interop.Mapping
}

// readAllTraces reads the file at path with format f, calling fn (if
// set) with each trace or skip, in file order. A read error that is not a
// skip stops it. With fn, the file is read on a goroutine of its own, a
// few thousand events ahead of fn, so that parsing and writing use two
// cores.
func readAllTraces(ctx context.Context, path string, f importFormat, mapping []byte, fn func(*interop.Trace, *interop.SkipError) error) (scan, error) {
	var sc scan
	file, err := os.Open(path)
	if err != nil {
		return sc, err
	}
	defer file.Close()
	h := sha256.New()
	in := io.TeeReader(file, h)
	r, m, err := f.open(in, mapping)
	if err != nil {
		return sc, err
	}
	sc.mapping = m
	read := func(emit func(item) error) error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			t, err := r.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			var skip *interop.SkipError
			if err != nil && !errors.As(err, &skip) {
				return err
			}
			sc.traces++
			if err := emit(item{t, skip}); err != nil {
				return err
			}
		}
	}
	if c, ok := r.(checker); ok && fn == nil {
		sc.traces, err = c.Check()
	} else if fn == nil {
		err = read(func(item) error { return nil })
	} else {
		err = pipe(ctx, read, func(it item) error { return fn(it.t, it.skip) })
	}
	if err != nil {
		return sc, err
	}
	if la, ok := r.(logAttributes); ok {
		sc.log = la.Log()
	}
	// The reader may stop before the end (a trailing newline, padding):
	// the digest is of the whole file.
	if _, err := io.Copy(io.Discard, in); err != nil {
		return sc, err
	}
	sc.digest = hexSum(h)
	return sc, nil
}

// item is a trace read, or the reason it was skipped.
type item struct {
	t    *interop.Trace
	skip *interop.SkipError
}

// pipe runs produce on a goroutine, handing its items to consume in
// chunks of about chunkEvents events, at most two chunks ahead: the
// memory held is bounded by the chunks, not by the file.
func pipe(ctx context.Context, produce func(emit func(item) error) error, consume func(item) error) error {
	const chunkEvents = 4096
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []item, 2)
	done := make(chan error, 1)
	go func() {
		var chunk []item
		n := 0
		send := func() error {
			select {
			case chunks <- chunk:
				chunk, n = nil, 0
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := produce(func(it item) error {
			chunk = append(chunk, it)
			if it.t != nil {
				n += len(it.t.Events)
			}
			if n >= chunkEvents {
				return send()
			}
			return nil
		})
		if err == nil && len(chunk) > 0 {
			err = send()
		}
		close(chunks)
		done <- err
	}()
	for chunk := range chunks {
		for _, it := range chunk {
			if err := consume(it); err != nil {
				cancel()
				for range chunks {
				}
				<-done
				return err
			}
		}
	}
	return <-done
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// seekableInput returns a path to read the input from twice: the file
// itself, or stdin ("-") copied to a temporary file.
func seekableInput(e *env, arg string) (string, func(), error) {
	if arg != "-" {
		if _, err := os.Stat(arg); err != nil {
			return "", nil, err
		}
		return arg, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "govledger-import-*")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, e.stdin); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("read stdin: %w", err)
	}
	return tmp.Name(), cleanup, nil
}

func printImport(w io.Writer, format, file string, sum interop.Summary, took time.Duration) {
	n := sum.Events + sum.Duplicates
	fmt.Fprintf(w, "import %s %s: %d traces (%d cases, %d activity traces), %d events in %s (%.0f events/s)\n",
		format, file, sum.Traces, sum.Cases, sum.Activities, n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	if sum.Duplicates > 0 {
		fmt.Fprintf(w, "  already in the ledger (an earlier run): %d events, not written again\n", sum.Duplicates)
	}
	if sum.Units > 0 {
		fmt.Fprintf(w, "  units registered: %d\n", sum.Units)
	}
	if sum.Reordered > 0 {
		fmt.Fprintf(w, "  traces reordered by timestamp: %d\n", sum.Reordered)
	}
	printCounts(w, "imported as activities (the ledger refused their lifecycle events)", sum.Fallbacks)
	printCounts(w, "skipped", sum.Skipped)
	if len(sum.Dropped) > 0 {
		fmt.Fprintf(w, "  attributes of mapped events not kept (no place in the case vocabulary): %s\n", strings.Join(sum.Dropped, ", "))
	}
	fmt.Fprintf(w, "  recorded as import.recorded at position %d\n", sum.Position)
}

func printCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	total := 0
	for k, n := range m {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "  %s: %d\n", title, total)
	for _, k := range keys {
		fmt.Fprintf(w, "    %6d  %s\n", m[k], k)
	}
}
