package replay

import (
	"context"
	"fmt"
	"strconv"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/projections"
)

// Change is a figure both manifests hold with different values.
type Change struct {
	FigureID
	A string `json:"a"`
	B string `json:"b"`
}

// DiffResult compares two manifests figure by figure.
type DiffResult struct {
	// Header lists what differs in the manifests' headers: program,
	// ledger, cutoff, event counts, and each projection's version,
	// configuration, position and digest.
	Header []HeaderDiff `json:"header"`
	OnlyA  []Figure     `json:"only_a"`
	OnlyB  []Figure     `json:"only_b"`
	// Changed lists the figures whose values differ, in B's order.
	Changed []Change `json:"changed"`
	// Same counts the figures with the same value in both.
	Same int `json:"same"`
}

// Identical reports whether the two manifests hold the same figures with
// the same values (their headers may differ).
func (d DiffResult) Identical() bool {
	return len(d.OnlyA) == 0 && len(d.OnlyB) == 0 && len(d.Changed) == 0
}

// Diff compares a and b figure by figure, and their headers.
func Diff(a, b *Manifest) DiffResult {
	d := DiffResult{Header: headerDiffs(a, b, true), OnlyA: []Figure{}, OnlyB: []Figure{}, Changed: []Change{}}
	av := map[FigureID]string{}
	fa := Figures(a)
	for _, f := range fa {
		av[f.FigureID] = f.Value
	}
	inB := map[FigureID]bool{}
	for _, f := range Figures(b) {
		inB[f.FigureID] = true
		v, ok := av[f.FigureID]
		switch {
		case !ok:
			d.OnlyB = append(d.OnlyB, f)
		case v == f.Value:
			d.Same++
		default:
			d.Changed = append(d.Changed, Change{FigureID: f.FigureID, A: v, B: f.Value})
		}
	}
	for _, f := range fa {
		if !inB[f.FigureID] {
			d.OnlyA = append(d.OnlyA, f)
		}
	}
	return d
}

// headerDiffs lists the header fields of a and b that differ. An audit
// (all false) leaves out what is expected to differ between a publisher's
// program and an auditor's: the program.
func headerDiffs(a, b *Manifest, all bool) []HeaderDiff {
	var out []HeaderDiff
	add := func(field, x, y string) {
		if x != y {
			out = append(out, HeaderDiff{Field: field, A: x, B: y})
		}
	}
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	if all {
		add("program", a.Program, b.Program)
		add("ledger.origin", a.Ledger.Origin, b.Ledger.Origin)
		add("ledger.tree_size", u(a.Ledger.TreeSize), u(b.Ledger.TreeSize))
		add("ledger.root", a.Ledger.Root, b.Ledger.Root)
		add("cutoff", a.Cutoff.String(), b.Cutoff.String())
	}
	add("events.scanned", u(a.Events.Scanned), u(b.Events.Scanned))
	add("events.included", u(a.Events.Included), u(b.Events.Included))
	add("events.last_included_position", u(a.Events.LastIncludedPosition), u(b.Events.LastIncludedPosition))
	bp := map[string]ProjectionResult{}
	for _, p := range b.Projections {
		base, _, _ := projections.SplitName(p.Name)
		bp[base] = p
	}
	seen := map[string]bool{}
	for _, p := range a.Projections {
		base, _, _ := projections.SplitName(p.Name)
		seen[base] = true
		q, ok := bp[base]
		if !ok {
			add("projection "+base, p.Name, "(absent)")
			continue
		}
		add("projection "+base+" name", p.Name, q.Name)
		add("projection "+base+" config", p.Config, q.Config)
		add("projection "+base+" position", u(p.Position), u(q.Position))
		add("projection "+base+" digest", p.Digest, q.Digest)
	}
	for _, p := range b.Projections {
		base, _, _ := projections.SplitName(p.Name)
		if !seen[base] {
			add("projection "+base, "(absent)", p.Name)
		}
	}
	return out
}

// DiffOptions configures ExplainDiff.
type DiffOptions struct {
	// Fresh returns this program's projection of a name, new. Required.
	Fresh Fresh
	// OnFinding, if set, is called with every tamper finding.
	OnFinding func(*integrity.Finding)
	// Explain bounds the search (MaxFigures: how many figures).
	Explain ExplainOptions
}

// ExplainDiff finds the events that explain the figures d found changed
// (or present in only one manifest) between a and b, two replays of the
// same ledger with a.tree_size <= b.tree_size. It first checks, verifying
// src up to b.tree_size, that src holds both manifests' events (their
// roots). Then, for each figure, it replays under b's cutoff, snapshots
// at a's tree_size and bisects up to b's: the change points are in
// (a.tree_size, b.tree_size]. Each explanation's AtFrom is the figure
// under b's cutoff at a's tree_size; it differs from a's value only when
// b's cutoff includes events at or before a's tree_size that a's did not
// (a's as-of time leaves out events recorded after it). The returned
// explanations follow d's order; figures past ExplainOptions.MaxFigures
// are left out and capped says so.
func ExplainDiff(ctx context.Context, src Source, a, b *Manifest, d DiffResult, opts DiffOptions) (exps []Explanation, capped bool, err error) {
	if opts.Fresh == nil {
		return nil, false, fmt.Errorf("replay: ExplainDiff needs DiffOptions.Fresh")
	}
	if a.Ledger.Origin != b.Ledger.Origin {
		return nil, false, fmt.Errorf("%w: A is of ledger %q, B of %q", ErrLedgerMismatch, a.Ledger.Origin, b.Ledger.Origin)
	}
	if a.Ledger.TreeSize > b.Ledger.TreeSize {
		return nil, false, fmt.Errorf("replay: A scanned %d positions, more than B's %d: give the earlier replay first", a.Ledger.TreeSize, b.Ledger.TreeSize)
	}
	if err := checkRoots(ctx, src, opts.OnFinding, a, b); err != nil {
		return nil, false, err
	}
	type fig struct {
		id   FigureID
		a, b string
	}
	var figs []fig
	for _, c := range d.Changed {
		figs = append(figs, fig{c.FigureID, c.A, c.B})
	}
	for _, f := range d.OnlyB {
		figs = append(figs, fig{f.FigureID, Absent, f.Value})
	}
	for _, f := range d.OnlyA {
		figs = append(figs, fig{f.FigureID, f.Value, Absent})
	}
	if max := opts.Explain.withDefaults().MaxFigures; len(figs) > max {
		figs, capped = figs[:max], true
	}
	byProj := map[string][]FigureID{}
	var order []string
	for _, f := range figs {
		if _, ok := byProj[f.id.Projection]; !ok {
			order = append(order, f.id.Projection)
		}
		byProj[f.id.Projection] = append(byProj[f.id.Projection], f.id)
	}
	found := map[FigureID]Explanation{}
	queries := queryIndex(a, b)
	for _, name := range order {
		if err := available(b, name, opts.Fresh); err != nil {
			return nil, false, err
		}
		x := newExplainer(src, includeOf(b.Cutoff), name, opts.Fresh, queries, opts.Explain)
		es, err := x.explain(ctx, byProj[name], a.Ledger.TreeSize, b.Ledger.TreeSize)
		if err != nil {
			return nil, false, err
		}
		for _, e := range es {
			found[e.Figure] = e
		}
	}
	for _, f := range figs {
		e := found[f.id]
		if e.AtFrom != f.a && e.Note == "" {
			e.Note = fmt.Sprintf("under B's cutoff the figure reads %s at position %d where A says %s: B counts events at or before %d that A's cutoff leaves out",
				ShowValue(e.AtFrom), e.From, ShowValue(f.a), e.From)
		}
		exps = append(exps, e)
	}
	return exps, capped, nil
}

// available checks that this program has m's projection name with the
// same version and configuration.
func available(m *Manifest, name string, fresh Fresh) error {
	for _, p := range m.Projections {
		if p.Name != name {
			continue
		}
		q, err := fresh(name)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrUnavailable, name, err)
		}
		if q.Name() != name || configOf(q) != p.Config {
			return fmt.Errorf("%w: %s (configuration %s) is not this program's %s (configuration %s)", ErrUnavailable, name, orNone(p.Config), q.Name(), orNone(configOf(q)))
		}
		return nil
	}
	return fmt.Errorf("%w: B has no projection %s", ErrUnavailable, name)
}

// checkRoots verifies src up to b's tree size and checks that its roots
// at a's and b's tree sizes are theirs.
func checkRoots(ctx context.Context, src Source, onFinding func(*integrity.Finding), a, b *Manifest) error {
	sc := &scan{src: src, n: b.Ledger.TreeSize, onFinding: onFinding, v: integrity.NewChainVerifier(1), tree: integrity.NewTree(), mark: a.Ledger.TreeSize}
	if err := sc.ReadAll(ctx, 1, func(uint64, *events.Event) error { return nil }); err != nil {
		return err
	}
	if sc.total > 0 {
		return &TamperError{Findings: sc.findings, Total: sc.total}
	}
	if got := sc.markRoot.String(); got != a.Ledger.Root {
		return &LedgerMismatchError{Manifest: "A", TreeSize: a.Ledger.TreeSize, Want: a.Ledger.Root, Got: got}
	}
	if got := sc.tree.Root().String(); got != b.Ledger.Root {
		return &LedgerMismatchError{Manifest: "B", TreeSize: b.Ledger.TreeSize, Want: b.Ledger.Root, Got: got}
	}
	return nil
}
