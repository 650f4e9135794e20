package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/govledger/govledger/bundle"
)

const exportDoc = `
Writes a bundle: a copy of the ledger in --dir as plain files that an
inspector can verify and replay without the original (govledger verify
--bundle DIR). It holds every event in global order (events.jsonl, one
JSON object per line, payloads as stored), the signed checkpoints the
ledger keeps (checkpoints/<size>.checkpoint) and the ledger's verifier
key (checkpoint.pub); see package bundle for the format.

The bundle is written beside DIR and renamed into place when complete,
so DIR never holds half a bundle. DIR must not exist or be empty. The
ledger needs a checkpoint key: run govledger checkpoint first.`

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "--bundle DIR | xes|ocel|open311|csv --out FILE", exportDoc+"\n"+exportFormatsDoc)
	dir := dirFlag(fs)
	out := fs.String("bundle", "", "directory to write the bundle to (must not exist, or be empty)")
	file := fs.String("out", "", "file to write the format to")
	history := fs.String("history", "", "open311: file for the status history (default FILE with .history.json)")
	mapping := fs.String("mapping", "", "csv: column mapping file (default NYC 311 headers)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 1 {
		if *file == "" || *out != "" {
			return usageErr("export %s takes --out FILE", fs.Arg(0))
		}
		var mapBytes []byte
		if *mapping != "" {
			b, err := readLimited(*mapping, 4<<20)
			if err != nil {
				return fmt.Errorf("mapping: %w", err)
			}
			mapBytes = b
		}
		s, err := openStore(*dir)
		if err != nil {
			return err
		}
		defer s.Close()
		return exportTo(ctx, e, s, fs.Arg(0), *file, mapBytes, map[string]string{"history": *history})
	}
	if fs.NArg() != 0 || *out == "" {
		return usageErr("export takes --bundle DIR, or a format (xes, ocel, open311, csv) and --out FILE")
	}
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	_, verifier, err := ledgerKey(*dir)
	if errors.Is(err, errNoKey) {
		return fmt.Errorf("the ledger has no checkpoint key yet: run govledger checkpoint first")
	}
	if err != nil {
		return err
	}
	notes, err := storedCheckpoints(ctx, s)
	if err != nil {
		return err
	}
	sum, err := bundle.Write(ctx, *out, s, bundle.Meta{VerifierKey: verifier, Checkpoints: notes, CreatedBy: programVersion()})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "export: %d events (head %d) to %s in %s (%.0f events/s)\n",
		sum.Events, sum.Head, sum.Dir, sum.Elapsed.Round(1e6), sum.Rate())
	fmt.Fprintf(e.stdout, "  events.jsonl: %d bytes, sha256 %s\n", sum.EventsBytes, sum.EventsSHA256)
	fmt.Fprintf(e.stdout, "  checkpoints:  %d signed %v", len(sum.Checkpoints), sum.Checkpoints)
	if sum.CheckpointsLeftOut > 0 {
		fmt.Fprintf(e.stdout, " (%d signed after the export began left out)", sum.CheckpointsLeftOut)
	}
	fmt.Fprintf(e.stdout, "\n  verifier key: %s\n", verifier)
	if len(sum.Checkpoints) == 0 {
		fmt.Fprintln(e.stdout, "  note: no signed checkpoint covers these events, so the bundle proves only its own consistency; run govledger checkpoint before exporting")
	}
	return nil
}

// programVersion names this program and its build for bundle.json.
func programVersion() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return "govledger " + v
}
