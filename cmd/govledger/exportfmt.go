package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/store"
)

const exportFormatsDoc = `
With a format, writes the ledger for the tools reviewers already use:

  xes      XES 1849-2016 for process-mining tools (ProM, Disco, PM4Py,
           Celonis): one trace per case and per imported trace, lifecycle
           events as activities with lifecycle:transition
           assign/reassign/withdraw/start/complete, org:group the unit and
           org:resource the pseudonymous actor. FILE ending in .gz is
           gzip-compressed.
  ocel     OCEL 2.0 JSON: objects case, unit, resident (pseudonym), topic;
           events with qualified relationships.
  open311  Open311 GeoReport v2 requests.json (one service request per
           case) to FILE, and the per-request status history to --history
           (default FILE with .history.json).
  csv      one row per case in 311 CSV columns (--mapping names them;
           default NYC 311 headers), importable again.

No personal text is written: sealed fields are left out. FILE is written
beside its final name and renamed into place when complete.`

// exportFormat writes one format. mapping is the --mapping file, if any.
type exportFormat struct {
	write func(ctx context.Context, w io.Writer, src interop.Source, mapping []byte, extra map[string]io.Writer) error
	// extra names additional outputs (open311's history) and their
	// default paths, given the main output path.
	extra map[string]func(out string) string
}

// exportTo writes the ledger in s in format name to out (and the
// format's extra outputs), each through a temporary file renamed into
// place.
func exportTo(ctx context.Context, e *env, s store.Store, name, out string, mapping []byte, extraPaths map[string]string) error {
	f, ok := exportFormats()[name]
	if !ok {
		return usageErr("export: unknown format %q (xes, ocel, open311, csv)", name)
	}
	outs := []string{out}
	for k, def := range f.extra {
		if extraPaths[k] == "" {
			extraPaths[k] = def(out)
		}
		outs = append(outs, extraPaths[k])
	}
	files := make([]*atomicFile, len(outs))
	for i, p := range outs {
		af, err := createAtomic(p)
		if err != nil {
			for _, o := range files[:i] {
				o.abort()
			}
			return err
		}
		files[i] = af
	}
	abort := func() {
		for _, o := range files {
			o.abort()
		}
	}
	var main io.Writer = files[0].w
	var gz *gzip.Writer
	if strings.HasSuffix(out, ".gz") {
		gz = gzip.NewWriter(files[0].w)
		main = gz
	}
	extra := map[string]io.Writer{}
	i := 1
	for k := range f.extra {
		extra[k] = files[i].w
		i++
	}
	head, err := s.Head(ctx)
	if err != nil {
		abort()
		return err
	}
	src := &progressSource{Source: interop.StoreSource(s)}
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				n := src.n.Load()
				fmt.Fprintf(e.stderr, "export %s: %d events read (%.0f events/s)\n", name, n, float64(n)/time.Since(start).Seconds())
			}
		}
	}()
	if err := f.write(ctx, main, src, mapping, extra); err != nil {
		abort()
		return fmt.Errorf("export %s: %w", name, err)
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			abort()
			return err
		}
	}
	for _, o := range files {
		if err := o.commit(); err != nil {
			abort()
			return err
		}
	}
	took := time.Since(start)
	fmt.Fprintf(e.stdout, "export %s: a ledger of %d events in %s (%.0f events/s)\n", name, head, took.Round(time.Millisecond), float64(head)/took.Seconds())
	for _, p := range outs {
		st, err := os.Stat(p)
		if err == nil {
			fmt.Fprintf(e.stdout, "  %s: %d bytes\n", p, st.Size())
		}
	}
	return nil
}

// progressSource counts the records an exporter has read, for the
// progress lines; it keeps the capabilities of the source it wraps.
type progressSource struct {
	interop.Source
	n atomic.Int64
}

func (p *progressSource) count(fn func(interop.Record) error) func(interop.Record) error {
	return func(r interop.Record) error {
		p.n.Add(1)
		return fn(r)
	}
}

func (p *progressSource) Records(ctx context.Context, fn func(interop.Record) error) error {
	return p.Source.Records(ctx, p.count(fn))
}

func (p *progressSource) Stream(ctx context.Context, stream string, fn func(interop.Record) error) error {
	return p.Source.Stream(ctx, stream, p.count(fn))
}

// Streams implements interop.StreamsReader when the source does.
func (p *progressSource) Streams(ctx context.Context, streams []string, fn func(interop.Record) error) error {
	if m, ok := p.Source.(interop.StreamsReader); ok {
		return m.Streams(ctx, streams, p.count(fn))
	}
	for _, st := range streams {
		if err := p.Stream(ctx, st, fn); err != nil {
			return err
		}
	}
	return nil
}

// StreamNames implements interop.StreamLister when the source does.
func (p *progressSource) StreamNames(ctx context.Context, fn func(string) error) error {
	if l, ok := p.Source.(interop.StreamLister); ok {
		return l.StreamNames(ctx, fn)
	}
	seen := map[string]bool{}
	return p.Source.Records(ctx, func(r interop.Record) error {
		if seen[r.Event.Stream] {
			return nil
		}
		seen[r.Event.Stream] = true
		return fn(r.Event.Stream)
	})
}

// atomicFile is written beside its final name and renamed into place.
type atomicFile struct {
	path string
	tmp  *os.File
	w    *bufio.Writer
	done bool
}

func createAtomic(path string) (*atomicFile, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &atomicFile{path: path, tmp: tmp, w: bufio.NewWriterSize(tmp, 1<<20)}, nil
}

func (a *atomicFile) commit() error {
	if err := a.w.Flush(); err != nil {
		return err
	}
	if err := a.tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return err
	}
	if err := a.tmp.Sync(); err != nil {
		return err
	}
	if err := a.tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(a.tmp.Name(), a.path); err != nil {
		return err
	}
	a.done = true
	return nil
}

func (a *atomicFile) abort() {
	if a.done {
		return
	}
	a.tmp.Close()
	os.Remove(a.tmp.Name())
}
