package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
)

const verifyDoc = `
Checks the whole ledger in global order, in one pass: every event's hash
covers its bytes, every stream's events chain to the one before
(prev_hash) with versions 0, 1, 2, ..., positions run 1, 2, 3, ...
without gaps, and the Merkle root recomputed over all events agrees with
the ledger's stored Merkle log (from which proofs are served).

With --checkpoint FILE (repeatable) it also checks signed checkpoints:
each signature against --key (default: the ledger's checkpoint.pub), and
the root recomputed at each one's size against the signed root. Every
checkpoint the ledger keeps is checked the same way, so two matching
roots also prove the later checkpoint only appended to the earlier one.
A ledger rewritten and re-hashed after it was signed, or cut short, is
caught here even when every chain link holds.

With --bundle DIR it verifies an export bundle (govledger export)
instead, without the original: the same checks over its events, and the
root at every checkpoint in the bundle. The trust anchor is --key, the
key the ledger's operator published; without --key the bundle's own
checkpoint.pub is used, with a warning, since it came with the copy.

Exit 0: sound. Exit 4: findings (each printed with its position, stream,
expected and actual value). Exit 6: a checkpoint was refused (bad
signature, another ledger's, malformed).`

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "", verifyDoc)
	dir := dirFlag(fs)
	max := fs.Int("max-findings", 20, "print at most this many findings")
	var cps stringList
	fs.Var(&cps, "checkpoint", "a signed checkpoint file to check the ledger against (repeatable)")
	keyArg := fs.String("key", "", "the verifier key for checkpoints, or a file holding it (default: the ledger's or the bundle's checkpoint.pub)")
	bundleDir := fs.String("bundle", "", "verify the export bundle in this directory instead of the ledger in --dir")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("verify takes no arguments")
	}
	if *bundleDir != "" {
		return verifyBundle(ctx, e, *bundleDir, *keyArg, cps, *max)
	}
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	opts, pre, closeLog, err := ledgerAnchors(ctx, s, *dir, *keyArg, cps)
	if err != nil {
		return err
	}
	defer closeLog()
	rep, err := verifyAndPrint(ctx, s, e.stdout, *max, opts, pre)
	if err != nil {
		return err
	}
	return verdict(rep)
}

// ledgerAnchors gathers what a ledger is verified against: the checkpoint
// files given, every checkpoint the ledger keeps, and its stored Merkle
// log. Findings made before the pass (a Merkle log that cannot be
// brought to the head) are returned to be printed with the others.
func ledgerAnchors(ctx context.Context, s store.Store, dir, keyArg string, files []string) (replay.VerifyOptions, []*integrity.Finding, func(), error) {
	var opts replay.VerifyOptions
	var pre []*integrity.Finding
	nop := func() {}
	vkey := ""
	var err error
	if keyArg != "" {
		if vkey, err = readVerifier(keyArg); err != nil {
			return opts, nil, nop, err
		}
	} else if _, vkey, err = ledgerKey(dir); err != nil && !(errors.Is(err, errNoKey) && len(files) == 0) {
		return opts, nil, nop, fmt.Errorf("checkpoints need a verifier key: %w", err)
	}
	if vkey != "" {
		// A key of another ledger verifies that ledger's checkpoints,
		// which say nothing about this one.
		if _, own, err := ledgerKey(dir); err == nil && keyName(own) != keyName(vkey) {
			return opts, nil, nop, withCode(exitCheckpoint, fmt.Errorf("%w: --key is the key of %s, this ledger is %s",
				integrity.ErrWrongOrigin, keyName(vkey), keyName(own)))
		}
		notes, err := storedCheckpoints(ctx, s)
		if err != nil {
			return opts, nil, nop, err
		}
		names := storedNames(notes)
		for _, f := range files {
			note, err := readLimited(f, integrity.MaxCheckpointBytes)
			if err != nil {
				return opts, nil, nop, withCode(exitCheckpoint, fmt.Errorf("checkpoint %s: %w", f, err))
			}
			notes, names = append(notes, note), append(names, f)
		}
		cs, err := parseCheckpoints(notes, names, vkey)
		if err != nil {
			return opts, nil, nop, err
		}
		// A file that is also kept by the ledger is checked once.
		seen := make(map[integrity.Checkpoint]bool, len(cs))
		for _, c := range cs {
			if !seen[c] {
				seen[c] = true
				opts.Checkpoints = append(opts.Checkpoints, c)
			}
		}
	}
	k, err := startMerkle(ctx, s)
	switch {
	case errors.Is(err, integrity.ErrTreeSize) || errors.Is(err, integrity.ErrMerkleStore):
		head, herr := s.Head(ctx)
		if herr != nil {
			return opts, nil, nop, herr
		}
		pre = append(pre, &integrity.Finding{Kind: integrity.LogMismatch, Position: head,
			Expected: fmt.Sprintf("a Merkle log that covers a prefix of the ledger's %d events", head), Actual: err.Error()})
		return opts, pre, nop, nil
	case err != nil:
		return opts, nil, nop, err
	}
	opts.Log = k.Log()
	return opts, pre, func() { k.Close(ctx) }, nil
}

// verdict turns a report into the command's result.
func verdict(rep replay.Report) error {
	if !rep.OK() {
		return withCode(exitTampered, fmt.Errorf("verification FAILED: %d finding(s) in %d events", rep.Findings, rep.Events))
	}
	return nil
}

// verifyAndPrint verifies src, printing each finding (at most max) and a
// summary to w. pre are findings made before the pass; they are printed
// after the pass's, so that the first finding printed is the first
// position where the events themselves differ.
func verifyAndPrint(ctx context.Context, src replay.Source, w io.Writer, max int, opts replay.VerifyOptions, pre []*integrity.Finding) (replay.Report, error) {
	printed := 0
	print := func(f *integrity.Finding) {
		if printed < max {
			stream := "- (the ledger as a whole)"
			if f.Stream != "" {
				stream = fmt.Sprintf("%s (version %d)", f.Stream, f.Version)
			}
			fmt.Fprintf(w, "FINDING %s\n  position: %d\n  stream:   %s\n  expected: %s\n  actual:   %s\n",
				f.Kind, f.Position, stream, f.Expected, f.Actual)
		}
		printed++
	}
	opts.OnFinding = print
	rep, err := replay.VerifyWith(ctx, src, opts)
	if err != nil {
		return rep, err
	}
	for _, f := range pre {
		print(f)
	}
	rep.Findings += uint64(len(pre))
	if printed > max {
		fmt.Fprintf(w, "... and %d more finding(s)\n", printed-max)
	}
	if rep.OK() {
		fmt.Fprintf(w, "verify: OK: %d events in %d streams; every hash and chain link holds (%.0f events/s)\n", rep.Events, rep.Streams, rep.Rate())
		fmt.Fprintf(w, "  merkle root %s at %d events", rep.Root, rep.Head)
		if rep.LogChecked {
			fmt.Fprint(w, ", equal to the stored log's")
		}
		fmt.Fprintln(w)
		if n := len(opts.Checkpoints); n > 0 {
			fmt.Fprintf(w, "  %d signed checkpoint(s) match: the ledger holds what was signed, and only appended since\n", rep.CheckpointsMatched)
		}
	} else {
		fmt.Fprintf(w, "verify: FAILED: %d finding(s) in %d events\n", rep.Findings, rep.Events)
	}
	return rep, nil
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("over %d bytes", max)
	}
	return b, nil
}
