package main

import (
	"context"
	"fmt"
	"io"

	"github.com/govledger/govledger/replay"
)

const auditDoc = `
Re-runs exactly the replay a published manifest describes (the same
cutoff, the same positions, the same projections, versions and
configurations, the same queries), verifying the ledger on the way, and
compares the figures one by one.

  MATCH n figures                    every figure, count and digest matches: exit 0
  MISMATCH ...                       the first differing figure (projection,
                                     query, row, column, published and
                                     replayed values) and the events at which
                                     the replayed figure changed value, latest
                                     first: exit 7
  a ledger whose first tree_size events are not the manifest's: exit 7
  a ledger that does not verify: its findings, exit 4

The projections are this program's built-ins under --policy and --k: pass
those the publisher used (a different configuration is refused, exit 2).
The events that changed a figure are found by snapshots and bisection,
bounded by --changes and --max-evaluations.`

func runAudit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit", "", auditDoc)
	dir := dirFlag(fs)
	bundleDir := bundleFlag(fs)
	opt := optionFlags(fs)
	path := fs.String("manifest", "", "the published manifest (required)")
	max := fs.Int("max-mismatches", 20, "list at most this many mismatches")
	xo := explainFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *path == "" {
		return usageErr("audit takes --manifest FILE and no arguments")
	}
	if err := opt.loadOnce(); err != nil {
		return usageErr("%v", err)
	}
	published, err := readManifest(*path)
	if err != nil {
		return err
	}
	s, err := openSource(*dir, *bundleDir)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := replay.Audit(ctx, s, published, replay.AuditOptions{Fresh: freshBuiltin(*opt), Program: programName(), Explain: *xo})
	if err != nil {
		return replayErr(e.stdout, err)
	}
	w := e.stdout
	fmt.Fprintf(w, "audit: %s replayed: positions 1..%d verified, root %s matches the manifest's\n",
		published.Cutoff, published.Ledger.TreeSize, published.Ledger.Root)
	if res.OK() {
		fmt.Fprintf(w, "MATCH %d figures\n", res.Matched)
		return nil
	}
	for _, h := range res.Header {
		fmt.Fprintf(w, "DIFFERS %s: published %s, replayed %s\n", h.Field, h.A, h.B)
	}
	if first := res.First(); first != nil {
		fmt.Fprintf(w, "MISMATCH %d of %d figures differ (%d match)\n\nfirst differing figure:\n", len(res.Mismatches), len(res.Mismatches)+res.Matched, res.Matched)
		printFigureID(w, "  ", first.FigureID)
		fmt.Fprintf(w, "  published:  %s\n  replayed:   %s\n", showFigure(first.Published), showFigure(first.Replayed))
		if res.Explanation != nil {
			fmt.Fprintln(w)
			printExplanation(w, *res.Explanation, "the replayed figure")
		}
		if len(res.Mismatches) > 1 {
			fmt.Fprintf(w, "\nall mismatches (published -> replayed):\n")
			for i, m := range res.Mismatches {
				if i == *max {
					fmt.Fprintf(w, "  ... and %d more\n", len(res.Mismatches)-*max)
					break
				}
				fmt.Fprintf(w, "  %s: %s -> %s\n", m.FigureID, showFigure(m.Published), showFigure(m.Replayed))
			}
		}
	}
	return withCode(exitMismatch, fmt.Errorf("the replay does not match the manifest %s", *path))
}

func printFigureID(w io.Writer, indent string, f replay.FigureID) {
	fmt.Fprintf(w, "%sprojection: %s\n%squery:      %s\n", indent, f.Projection, indent, f.Query)
	if f.Report != "" {
		fmt.Fprintf(w, "%sreport:     %s\n", indent, f.Report)
	}
	fmt.Fprintf(w, "%srow:        %s\n%scolumn:     %s\n", indent, f.Row, indent, f.Column)
}

// printExplanation lists the change points of a figure.
func printExplanation(w io.Writer, e replay.Explanation, what string) {
	fmt.Fprintf(w, "events that changed %s in positions %d..%d (latest first; %s at %d, %s at %d):\n",
		what, e.From+1, e.To, showFigure(e.AtFrom), e.From, showFigure(e.AtTo), e.To)
	if len(e.Changes) == 0 {
		fmt.Fprintln(w, "  none: the figure has the same value at every snapshot")
	}
	for _, c := range e.Changes {
		fmt.Fprintf(w, "  position %d: %s on %s (event %s)\n    occurred %s, recorded %s\n    %s -> %s\n",
			c.Position, c.Type, c.Stream, c.EventID, c.OccurredAt.Format("2006-01-02T15:04:05Z07:00"), c.RecordedAt.Format("2006-01-02T15:04:05Z07:00"),
			showFigure(c.Before), showFigure(c.After))
	}
	if e.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", e.Note)
	}
}
