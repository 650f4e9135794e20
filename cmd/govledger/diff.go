package main

import (
	"context"
	"fmt"

	"github.com/govledger/govledger/replay"
)

const diffDoc = `
Compares two replay manifests figure by figure: what differs in their
headers (cutoff, ledger size and root, program, event counts, digests),
the figures only in A or only in B, and the figures whose values changed.
Typical use: June as published in July (replay --as-of 2026-07-01) against
June as the ledger says now (replay --position <head>): late events,
reopened cases, ratings.

With --dir, the events that explain each changed figure are looked up in
the ledger (both manifests must be of it, A the earlier one): the replay
under B's cutoff is snapshotted at A's size and bisected up to B's. Exit 0
when the figures are identical, 7 when they differ.`

func runDiff(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "diff", "A B", diffDoc)
	dir := fs.String("dir", "", "explain the changes with the events of this ledger")
	bundleDir := fs.String("bundle", "", "explain the changes with the events of this export bundle")
	opt := optionFlags(fs)
	max := fs.Int("max", 20, "list and explain at most this many figures")
	xo := explainFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErr("diff takes two manifests, A and B")
	}
	if err := opt.loadOnce(); err != nil {
		return usageErr("%v", err)
	}
	a, err := readManifest(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := readManifest(fs.Arg(1))
	if err != nil {
		return err
	}
	d := replay.Diff(a, b)
	w := e.stdout
	for _, h := range d.Header {
		fmt.Fprintf(w, "%-32s A: %s\n%-32s B: %s\n", h.Field, h.A, "", h.B)
	}
	fmt.Fprintf(w, "figures: %d same, %d changed, %d only in A, %d only in B\n", d.Same, len(d.Changed), len(d.OnlyA), len(d.OnlyB))
	listed := 0
	more := func() bool {
		listed++
		return listed <= *max
	}
	for _, c := range d.Changed {
		if more() {
			fmt.Fprintf(w, "  changed  %s: %s -> %s\n", c.FigureID, showFigure(c.A), showFigure(c.B))
		}
	}
	for _, f := range d.OnlyB {
		if more() {
			fmt.Fprintf(w, "  only B   %s: %s\n", f.FigureID, showFigure(f.Value))
		}
	}
	for _, f := range d.OnlyA {
		if more() {
			fmt.Fprintf(w, "  only A   %s: %s\n", f.FigureID, showFigure(f.Value))
		}
	}
	if listed > *max {
		fmt.Fprintf(w, "  ... and %d more\n", listed-*max)
	}
	if (*dir != "" || *bundleDir != "") && !d.Identical() {
		s, err := openSource(*dir, *bundleDir)
		if err != nil {
			return err
		}
		defer s.Close()
		xo.MaxFigures = *max
		exps, capped, err := replay.ExplainDiff(ctx, s, a, b, d, replay.DiffOptions{Fresh: freshBuiltin(*opt), Explain: *xo})
		if err != nil {
			return replayErr(w, err)
		}
		for _, x := range exps {
			fmt.Fprintf(w, "\n%s\n", x.Figure)
			printExplanation(w, x, "it under B's cutoff")
		}
		if capped {
			fmt.Fprintf(w, "\n(explained the first %d figures; --max for more)\n", *max)
		}
	}
	if d.Identical() {
		fmt.Fprintln(w, "IDENTICAL figures")
		return nil
	}
	return withCode(exitMismatch, fmt.Errorf("the figures of %s and %s differ", fs.Arg(0), fs.Arg(1)))
}
