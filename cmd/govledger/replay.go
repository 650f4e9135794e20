package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/replay"
)

const replayDoc = `
Replays the ledger from its events alone (no stored checkpoints) into the
named projections up to a cutoff, verifying every event it reads (hashes,
chains, positions and the Merkle root), and writes a replay manifest: the
ledger's origin, size and root, the cutoff, each projection's version,
configuration and state digest, and every figure of its reports
(docs/replay-manifest.md). Publish the manifest beside the figures;
govledger audit replays it again and compares.

Cutoff, exactly one of:
  --position N   the events at positions 1..N
  --checkpoint FILE --key VERIFIER
                 the events a signed checkpoint covers; the Merkle root of
                 positions 1..size must be the signed root. --key is a
                 verifier key or a file holding one (default: the ledger's
                 checkpoint.pub). A refused checkpoint exits 6.
  --as-of T      the ledger as it stood at T, by recorded time: the events
                 recorded at or before T. T is RFC 3339
                 (2026-07-01T00:00:00+08:00) or a date or date and minute in
                 the policy's zone: --as-of 2026-07-01 is midnight at the
                 start of 1 July, i.e. June as it stood when June ended.
                 Positions are not strictly in recorded-time order under
                 concurrent writers, so the replay scans on until an event
                 recorded more than a minute after T and records how far it
                 scanned; an audit scans exactly as far.

--projection NAME (repeatable, or all: every report but the case traces'
listing) and --by, --period, --from, --to choose the reports, as in
govledger report. A ledger that does not verify exits 4 and no manifest is
written.`

func runReplay(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "replay", "", replayDoc)
	dir := dirFlag(fs)
	bundleDir := bundleFlag(fs)
	opt := optionFlags(fs)
	asOf := fs.String("as-of", "", "the ledger as it stood at this time (recorded time)")
	position := fs.Uint64("position", 0, "replay positions 1..N")
	cpFile := fs.String("checkpoint", "", "replay up to this signed checkpoint (a file)")
	key := fs.String("key", "", "verifier key of the checkpoint, or a file holding it (default: <dir>/checkpoint.pub)")
	var names stringList
	fs.Var(&names, "projection", "a projection to replay (repeatable), or all")
	query := queryFlags(fs)
	out := fs.String("manifest", "", "write the manifest to this file (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("replay takes no arguments")
	}
	if *out == "" {
		return usageErr("replay needs --manifest FILE")
	}
	if len(names) == 0 {
		return usageErr("replay needs --projection NAME (or all)")
	}
	set := 0
	for _, given := range []bool{*asOf != "", *position != 0, *cpFile != ""} {
		if given {
			set++
		}
	}
	if set != 1 {
		return usageErr("replay needs exactly one cutoff: --as-of T, --position N or --checkpoint FILE")
	}
	if err := opt.loadOnce(); err != nil {
		return usageErr("%v", err)
	}
	loc := opt.zone()
	q, err := query(loc)
	if err != nil {
		return err
	}
	reg, all, err := chooseProjections(*opt, names)
	if err != nil {
		return err
	}
	s, err := openSource(*dir, *bundleDir)
	if err != nil {
		return err
	}
	defer s.Close()
	ro := replay.Options{Registry: reg, Program: programName(), SkipRefused: all, Origin: s.origin}
	if q != (projections.Query{}) {
		ro.Queries = map[string][]projections.Query{}
		for _, p := range reg.All() {
			ro.Queries[p.Name()] = []projections.Query{q}
		}
	}
	switch {
	case *position != 0:
		ro.Cutoff = replay.AtPosition(*position)
	case *asOf != "":
		t, err := parseWhen("--as-of", *asOf, loc)
		if err != nil {
			return err
		}
		ro.Cutoff = replay.AsOf(t)
	default:
		cp, note, err := readCheckpoint(*cpFile, *key, s, ro.Origin)
		if err != nil {
			return err
		}
		ro.Cutoff, ro.Checkpoint, ro.CheckpointNote = replay.AtCheckpoint(), cp, note
		if ro.Origin == "" {
			ro.Origin = cp.Origin
		}
	}

	m, err := replay.Run(ctx, s, ro)
	if err != nil {
		return replayErr(e.stdout, err)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := replay.WriteManifest(f, m); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	printSummary(e.stdout, m)
	fmt.Fprintf(e.stdout, "\nwrote %s\n", *out)
	return nil
}

// loadOnce reads the policy so that copies of the options share it.
func (o *builtinOptions) loadOnce() error {
	_, err := o.load()
	return err
}

// chooseProjections returns a registry of the named built-ins; all is
// every reporter but the listings.
func chooseProjections(opt builtinOptions, names []string) (*projections.Registry, bool, error) {
	reg, err := builtins(opt)
	if err != nil {
		return nil, false, usageErr("%v", err)
	}
	chosen := projections.NewRegistry()
	all := false
	for _, name := range names {
		if name == "all" {
			all = true
			for _, p := range reg.All() {
				if _, ok := p.(projections.Reporter); ok && !isListing(p) {
					if _, err := chosen.Get(p.Name()); err != nil {
						_ = chosen.Register(p)
					}
				}
			}
			continue
		}
		p, err := reg.Get(name)
		if err != nil {
			return nil, false, withCode(exitUsage, err)
		}
		if _, ok := p.(projections.Reporter); !ok {
			return nil, false, withCode(exitUsage, fmt.Errorf("%w: %s", projections.ErrNoReport, p.Name()))
		}
		if _, err := chosen.Get(p.Name()); err == nil {
			continue // named twice
		}
		if err := chosen.Register(p); err != nil {
			return nil, false, withCode(exitUsage, err)
		}
	}
	return chosen, all, nil
}

// freshBuiltin returns the built-in projection of a name, new, under opt:
// what audits and explanations replay with.
func freshBuiltin(opt builtinOptions) replay.Fresh {
	return func(name string) (projections.Projection, error) {
		reg, err := builtins(opt)
		if err != nil {
			return nil, err
		}
		return reg.Get(name)
	}
}

// programName identifies this program in manifests: its module version
// and the first digits of its build's SHA-256.
func programName() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	build := program()
	if len(build) > 12 {
		build = build[:12]
	}
	return "govledger " + v + " build " + build
}

// ledgerOrigin is the name of the ledger's checkpoint key
// (<dir>/checkpoint.pub), "" if it has none.
func ledgerOrigin(dir string) string {
	b, err := os.ReadFile(filepath.Join(localDir(dir), verifierKeyFile))
	if err != nil {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimSpace(string(b)), "+")
	return name
}

// readCheckpoint reads and verifies a signed checkpoint against key (a
// verifier key, a file holding one, or "" for the ledger's
// checkpoint.pub) and checks that it is the ledger's (origin). A refused
// checkpoint exits 6.
func readCheckpoint(file, key string, src *source, origin string) (*integrity.Checkpoint, []byte, error) {
	note, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	if key == "" {
		if src.key == "" {
			return nil, nil, usageErr("--checkpoint needs --key VERIFIER: %s has no %s", src.what(), verifierKeyFile)
		}
		key = src.key
	}
	vkey := key
	if st, err := os.Stat(key); err == nil && st.Mode().IsRegular() {
		if vkey, err = readVerifier(key); err != nil {
			return nil, nil, err
		}
	}
	cp, err := integrity.ParseCheckpoint(note, vkey)
	if errors.Is(err, integrity.ErrBadKey) {
		return nil, nil, usageErr("--key %q is neither a readable file nor a verifier key: %v", key, err)
	}
	if err != nil {
		return nil, nil, withCode(exitCheckpoint, fmt.Errorf("checkpoint %s refused: %w", file, err))
	}
	if origin != "" && cp.Origin != origin {
		return nil, nil, withCode(exitCheckpoint, fmt.Errorf("checkpoint %s refused: %w: it is for %q, %s is %q",
			file, integrity.ErrWrongOrigin, cp.Origin, src.what(), origin))
	}
	return &cp, note, nil
}

// replayErr prints the findings of a ledger that does not verify and
// gives each error its exit code.
func replayErr(w io.Writer, err error) error {
	var te *replay.TamperError
	if errors.As(err, &te) {
		for _, f := range te.Findings {
			fmt.Fprintf(w, "FINDING %s\n  position: %d\n  stream:   %s (version %d)\n  expected: %s\n  actual:   %s\n",
				f.Kind, f.Position, f.Stream, f.Version, f.Expected, f.Actual)
		}
		if more := te.Total - uint64(len(te.Findings)); more > 0 {
			fmt.Fprintf(w, "... and %d more finding(s)\n", more)
		}
		return withCode(exitTampered, fmt.Errorf("verification FAILED: %d finding(s): no replay of a ledger that does not verify", te.Total))
	}
	switch {
	case errors.Is(err, replay.ErrCutoff), errors.Is(err, replay.ErrUnavailable), errors.Is(err, projections.ErrQuery):
		return withCode(exitUsage, err)
	case errors.Is(err, replay.ErrLedgerMismatch):
		return withCode(exitMismatch, err)
	}
	return err
}

// How much of each table the summary shows: the manifest has it all.
const (
	headlineRows = 8
	headlineCols = 8
)

// printSummary prints what a replay scanned and each projection's digest
// and first table.
func printSummary(w io.Writer, m *replay.Manifest) {
	fmt.Fprintf(w, "replay: %s\n", m.Cutoff)
	origin := m.Ledger.Origin
	if origin == "" {
		origin = "(no checkpoint key)"
	}
	fmt.Fprintf(w, "ledger: %s, positions 1..%d scanned and verified, root %s\n", origin, m.Ledger.TreeSize, m.Ledger.Root)
	fmt.Fprintf(w, "events: %d included, the last at position %d\n", m.Events.Included, m.Events.LastIncludedPosition)
	for _, p := range m.Projections {
		digest := p.Digest
		if digest == "" {
			digest = "(not Stateful)"
		}
		fmt.Fprintf(w, "  %-16s at position %-9d digest %s\n", p.Name, p.Position, digest)
	}
	for _, p := range m.Projections {
		if len(p.Reports) == 0 {
			continue
		}
		fmt.Fprintln(w)
		printTable(w, p.Name, p.Reports[0], headlineRows)
	}
}

// printTable prints a manifest table, at most max rows and the first
// headlineCols columns.
func printTable(w io.Writer, name string, t replay.Table, max int) {
	fmt.Fprintf(w, "%s  (%s, %s)\n", t.Title, name, replay.QueryLabel(t.Query))
	cut := len(t.Columns) > headlineCols
	if cut {
		t.Columns = t.Columns[:headlineCols]
	}
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Title
	}
	rows := [][]string{head}
	for i, row := range t.Rows {
		if i == max {
			break
		}
		cells := make([]string, len(t.Columns))
		for c := range t.Columns {
			if c < len(row) {
				cells[c] = cellText(t.Columns[c], rawValue(row[c]))
			}
		}
		rows = append(rows, cells)
	}
	writeAligned(w, t.Columns, rows)
	if len(t.Rows) > max {
		fmt.Fprintf(w, "... %d more rows in the manifest\n", len(t.Rows)-max)
	}
	if cut {
		fmt.Fprintln(w, "(the first columns; every figure is in the manifest)")
	}
}

// rawValue decodes a manifest cell for cellText.
func rawValue(b json.RawMessage) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&v); err != nil {
		return string(b)
	}
	return v
}

// showFigure formats a figure value (JSON text) for a human.
func showFigure(v string) string {
	if v == replay.Absent {
		return "(absent)"
	}
	if s, err := strconv.Unquote(v); err == nil {
		return s
	}
	return v
}

// readManifest reads a manifest file.
func readManifest(path string) (*replay.Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := replay.ReadManifest(f)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("%s: %w", path, err))
	}
	return m, nil
}

// explainFlags adds the bounds of the search for explaining events.
func explainFlags(fs *flag.FlagSet) *replay.ExplainOptions {
	o := &replay.ExplainOptions{}
	fs.IntVar(&o.K, "changes", 5, "list at most this many events that changed a figure")
	fs.IntVar(&o.MaxEvaluations, "max-evaluations", 1024, "stop searching after computing this many reports")
	return o
}
