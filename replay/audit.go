package replay

import (
	"context"
	"errors"
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/projections"
)

var (
	// ErrUnavailable is returned when a manifest names a projection, a
	// version or a configuration this program does not have.
	ErrUnavailable = errors.New("replay: projection not available")
	// ErrLedgerMismatch is returned when the ledger's first tree_size
	// events are not those a manifest was computed from.
	ErrLedgerMismatch = errors.New("replay: not the ledger of the manifest")
)

// LedgerMismatchError says that the events 1..TreeSize of the ledger hash
// to another root than the manifest's. It unwraps to ErrLedgerMismatch.
type LedgerMismatchError struct {
	Manifest string // which manifest ("published", "A", "B")
	TreeSize uint64
	Want     string // the manifest's root
	Got      string // the ledger's root at TreeSize
}

// Error says what differs.
func (e *LedgerMismatchError) Error() string {
	return fmt.Sprintf("replay: the ledger's events 1..%d hash to root %s, the %s manifest says %s: its figures were not computed from these events",
		e.TreeSize, e.Got, e.Manifest, e.Want)
}

// Unwrap returns ErrLedgerMismatch.
func (e *LedgerMismatchError) Unwrap() error { return ErrLedgerMismatch }

// AuditOptions configures an audit.
type AuditOptions struct {
	// Fresh returns this program's projection of a name, with its
	// configuration, new. Required.
	Fresh Fresh
	// Program identifies the program that audits.
	Program string
	// OnFinding, if set, is called with every tamper finding.
	OnFinding func(*integrity.Finding)
	// Explain bounds the search for the events behind the first mismatch.
	Explain ExplainOptions
	// NoExplain skips that search.
	NoExplain bool
}

// Mismatch is a figure whose published and replayed values differ
// (Absent where one of them has no such figure).
type Mismatch struct {
	FigureID
	Published string `json:"published"`
	Replayed  string `json:"replayed"`
}

// HeaderDiff is a field of two manifests that differs.
type HeaderDiff struct {
	Field string `json:"field"`
	A     string `json:"a"`
	B     string `json:"b"`
}

// AuditResult is the outcome of an audit.
type AuditResult struct {
	// Replayed is the manifest of the audit's own replay.
	Replayed *Manifest `json:"-"`
	// Matched counts the figures that match.
	Matched int `json:"matched"`
	// Mismatches lists the figures that differ, in the published order
	// (then the replayed figures the manifest lacks).
	Mismatches []Mismatch `json:"mismatches"`
	// Header lists the published counts, positions and digests that
	// differ from the replay's (A: published, B: replayed).
	Header []HeaderDiff `json:"header,omitempty"`
	// Explanation, on a mismatch, lists the events that changed the first
	// differing figure in the replay.
	Explanation *Explanation `json:"explanation,omitempty"`
}

// OK reports whether every figure, count and digest matched.
func (r *AuditResult) OK() bool { return len(r.Mismatches) == 0 && len(r.Header) == 0 }

// First is the first differing figure, or nil.
func (r *AuditResult) First() *Mismatch {
	if len(r.Mismatches) == 0 {
		return nil
	}
	return &r.Mismatches[0]
}

// Audit re-runs exactly the replay the published manifest describes (the
// same cutoff, the same positions 1..tree_size, the same projections,
// versions and configurations, the same queries), checks that the
// ledger's root at tree_size is the manifest's, and compares the figures
// one by one. On a mismatch it searches, unless told not to, for the
// events at which the first differing figure changed value in the replay.
// A ledger that does not verify gives a *TamperError; one whose events
// are not the manifest's a *LedgerMismatchError; a projection this program
// does not have an error wrapping ErrUnavailable.
func Audit(ctx context.Context, src Source, published *Manifest, opts AuditOptions) (*AuditResult, error) {
	if published.Format != Format {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrManifest, published.Format, Format)
	}
	if opts.Fresh == nil {
		return nil, errors.New("replay: audit needs AuditOptions.Fresh")
	}
	reg, queries, err := programOf(published, opts.Fresh)
	if err != nil {
		return nil, err
	}
	ro := Options{Registry: reg, Queries: queries, Cutoff: published.Cutoff, Origin: published.Ledger.Origin,
		Program: opts.Program, OnFinding: opts.OnFinding}
	if published.Cutoff.Kind == CutoffCheckpoint {
		// The note's signature is the publisher's business; the root at
		// its size is compared below, as for any cutoff.
		root, _ := parseRoot(published.Ledger.Root)
		ro.Checkpoint = &integrity.Checkpoint{Origin: published.Ledger.Origin, Size: published.Ledger.TreeSize, Root: events.Hash(root)}
		ro.CheckpointNote = []byte(published.Ledger.Checkpoint)
	}
	if published.Cutoff.Kind == CutoffAsOf {
		ro.Scan = published.Ledger.TreeSize
	}
	replayed, err := run(ctx, src, ro)
	if err != nil {
		return nil, err
	}
	if replayed.Ledger.Root != published.Ledger.Root {
		return nil, &LedgerMismatchError{Manifest: "published", TreeSize: published.Ledger.TreeSize, Want: published.Ledger.Root, Got: replayed.Ledger.Root}
	}
	res := &AuditResult{Replayed: replayed, Mismatches: []Mismatch{}}
	res.Header = headerDiffs(published, replayed, false)
	got := map[FigureID]string{}
	rfigs := Figures(replayed)
	for _, f := range rfigs {
		got[f.FigureID] = f.Value
	}
	seen := map[FigureID]bool{}
	for _, f := range Figures(published) {
		seen[f.FigureID] = true
		v, ok := got[f.FigureID]
		if ok && v == f.Value {
			res.Matched++
			continue
		}
		res.Mismatches = append(res.Mismatches, Mismatch{FigureID: f.FigureID, Published: f.Value, Replayed: v})
	}
	for _, f := range rfigs {
		if !seen[f.FigureID] {
			res.Mismatches = append(res.Mismatches, Mismatch{FigureID: f.FigureID, Published: Absent, Replayed: f.Value})
		}
	}
	if first := res.First(); first != nil && !opts.NoExplain {
		x := newExplainer(src, includeOf(published.Cutoff), first.Projection, opts.Fresh, queryIndex(published), opts.Explain)
		exps, err := x.explain(ctx, []FigureID{first.FigureID}, 0, published.Ledger.TreeSize)
		if err != nil {
			return nil, err
		}
		e := exps[0]
		if e.AtTo != first.Replayed && !e.Capped {
			// Cannot happen for a deterministic projection: say so rather
			// than explain another value.
			e.Note = fmt.Sprintf("the step-by-step replay gives %s, the runner %s: the projection is not deterministic", ShowValue(e.AtTo), ShowValue(first.Replayed))
		}
		res.Explanation = &e
	}
	return res, nil
}

// programOf builds the registry and queries that reproduce m's replay
// with this program's projections, refusing a name, version or
// configuration it does not have.
func programOf(m *Manifest, fresh Fresh) (*projections.Registry, map[string][]projections.Query, error) {
	reg := projections.NewRegistry()
	queries := map[string][]projections.Query{}
	for _, pr := range m.Projections {
		p, err := fresh(pr.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, pr.Name, err)
		}
		if p.Name() != pr.Name {
			return nil, nil, fmt.Errorf("%w: the manifest was computed by %s, this program has %s", ErrUnavailable, pr.Name, p.Name())
		}
		if c := configOf(p); c != pr.Config {
			return nil, nil, fmt.Errorf("%w: %s was computed under configuration %s, this program's is %s (pass the same policy and options)",
				ErrUnavailable, pr.Name, orNone(pr.Config), orNone(c))
		}
		if err := reg.Register(p); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrManifest, err)
		}
		qs := []projections.Query{}
		seen := map[string]bool{}
		for _, t := range pr.Reports {
			if l := QueryLabel(t.Query); !seen[l] {
				seen[l] = true
				qs = append(qs, t.Query)
			}
		}
		queries[pr.Name] = qs
	}
	if reg.Len() == 0 {
		return nil, nil, fmt.Errorf("%w: no projections", ErrManifest)
	}
	return reg, queries, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// includeOf is the filter of a cutoff: nil (every event scanned) but for as_of.
func includeOf(c Cutoff) func(*events.Event) bool {
	if c.Kind != CutoffAsOf {
		return nil
	}
	t := c.AsOf
	return func(e *events.Event) bool { return !e.RecordedAt.After(t) }
}

// queryIndex maps the query labels of m's tables to their queries.
func queryIndex(ms ...*Manifest) map[string]projections.Query {
	out := map[string]projections.Query{}
	for _, m := range ms {
		for _, p := range m.Projections {
			for _, t := range p.Reports {
				out[QueryLabel(t.Query)] = t.Query
			}
		}
	}
	return out
}
