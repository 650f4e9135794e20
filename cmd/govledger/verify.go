package main

import (
	"context"
	"fmt"
	"io"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
)

const verifyDoc = `
Checks the whole ledger in global order: every event's hash covers its
bytes, every stream's events chain to the one before (prev_hash) with
versions 0, 1, 2, ..., and positions run 1, 2, 3, ... without gaps.
On a break it prints the position, stream, expected and actual value of
each finding and exits 4.`

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "", verifyDoc)
	dir := dirFlag(fs)
	max := fs.Int("max-findings", 20, "print at most this many findings")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("verify takes no arguments")
	}
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := verifyAndPrint(ctx, s, e.stdout, *max)
	if err != nil {
		return err
	}
	return verdict(rep)
}

// verdict turns a report into the command's result.
func verdict(rep replay.Report) error {
	if !rep.OK() {
		return withCode(exitTampered, fmt.Errorf("verification FAILED: %d finding(s) in %d events", rep.Findings, rep.Events))
	}
	return nil
}

// verifyAndPrint verifies src, printing each finding (at most max) and a summary to w.
func verifyAndPrint(ctx context.Context, src replay.Source, w io.Writer, max int) (replay.Report, error) {
	printed := 0
	rep, err := replay.Verify(ctx, src, func(f *integrity.Finding) {
		if printed < max {
			fmt.Fprintf(w, "FINDING %s\n  position: %d\n  stream:   %s (version %d)\n  expected: %s\n  actual:   %s\n",
				f.Kind, f.Position, f.Stream, f.Version, f.Expected, f.Actual)
		}
		printed++
	})
	if err != nil {
		return rep, err
	}
	if printed > max {
		fmt.Fprintf(w, "... and %d more finding(s)\n", printed-max)
	}
	if rep.OK() {
		fmt.Fprintf(w, "verify: OK: %d events in %d streams; every hash and chain link holds (%.0f events/s)\n", rep.Events, rep.Streams, rep.Rate())
	} else {
		fmt.Fprintf(w, "verify: FAILED: %d finding(s) in %d events\n", rep.Findings, rep.Events)
	}
	return rep, nil
}
