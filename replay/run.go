package replay

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/store"
)

// AsOfSlack is how far past an as-of time a replay keeps scanning.
// Positions are not strictly ordered by recorded time: with concurrent
// writers, an event stamped later can commit first, by milliseconds. An
// as-of replay therefore filters by RecordedAt rather than cutting at a
// position, and it stops scanning at the first event recorded more than
// AsOfSlack after the as-of time, on the assumption that no commit lags
// its stamp by that much. The manifest records the positions scanned, and
// an audit replays exactly those.
const AsOfSlack = time.Minute

// Errors of a replay.
var (
	// ErrCutoff is returned for a cutoff that is missing, ambiguous or past
	// the ledger's head.
	ErrCutoff = errors.New("replay: bad cutoff")
	// ErrNoProjections is returned for a replay with nothing to replay into.
	ErrNoProjections = errors.New("replay: no projections")
)

// TamperError is a replay refused because the ledger does not verify: no
// manifest is made from such a ledger. It carries the findings (the first
// MaxFindings of them) and unwraps to integrity.ErrTampered.
type TamperError struct {
	Findings []*integrity.Finding
	Total    uint64 // every finding, including those not kept
}

// MaxFindings is how many findings a TamperError keeps.
const MaxFindings = 100

// Error says how many findings there are and what the first is.
func (e *TamperError) Error() string {
	if len(e.Findings) == 0 {
		return "replay: the ledger does not verify"
	}
	return fmt.Sprintf("replay: the ledger does not verify: %d finding(s), the first: %s at position %d", e.Total, e.Findings[0].Kind, e.Findings[0].Position)
}

// Unwrap returns integrity.ErrTampered.
func (e *TamperError) Unwrap() error { return integrity.ErrTampered }

// Options configures a replay.
type Options struct {
	// Registry holds the projections to replay into, none of which has
	// applied anything. Required.
	Registry *projections.Registry
	// Queries lists the queries to report, per projection (by base name,
	// "timeliness", or full name); a projection without an entry reports
	// the zero Query (its default report).
	Queries map[string][]projections.Query
	// SkipRefused leaves out of the manifest a query a projection refuses
	// (projections.ErrQuery, e.g. a grouping it does not offer); without
	// it the replay fails.
	SkipRefused bool
	// Cutoff says up to where: AtPosition(n), AtCheckpoint() or AsOf(t).
	Cutoff Cutoff
	// Checkpoint is the checkpoint of an AtCheckpoint cutoff, its
	// signature already checked by the caller, and CheckpointNote the
	// signed note it was parsed from (kept in the manifest).
	Checkpoint     *integrity.Checkpoint
	CheckpointNote []byte
	// Origin is the ledger's name (its checkpoint key's name); the
	// checkpoint's origin if empty.
	Origin string
	// Program identifies the program that replays (name, version, build).
	Program string
	// OnFinding, if set, is called with every tamper finding as it is found.
	OnFinding func(*integrity.Finding)
	// Clock stamps the manifest's created_at (default time.Now).
	Clock func() time.Time
	// Scan, if not 0, is the exact number of positions an AsOf replay
	// scans (1..Scan), as an audit of a published manifest does, instead
	// of scanning towards the head.
	Scan uint64
}

// Run replays src into the projections of opts.Registry up to the cutoff,
// verifying every record it scans (hash, chain, version, position and the
// Merkle root), and returns the manifest of the replay. A ledger that
// does not verify gives a *TamperError and no manifest. The projections
// are folded by a projections.Runner without stored checkpoints: an
// inspector's replay starts from the events alone.
func Run(ctx context.Context, src Source, opts Options) (*Manifest, error) {
	m, err := run(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	if opts.Cutoff.Kind == CutoffCheckpoint {
		if got := m.Ledger.Root; got != opts.Checkpoint.Root.String() {
			f := &integrity.Finding{Kind: integrity.RootMismatch, Position: m.Ledger.TreeSize,
				Expected: fmt.Sprintf("root %s signed for size %d", opts.Checkpoint.Root, opts.Checkpoint.Size),
				Actual:   "root " + got + " of the ledger's events 1.." + fmt.Sprint(m.Ledger.TreeSize)}
			if opts.OnFinding != nil {
				opts.OnFinding(f)
			}
			return nil, &TamperError{Findings: []*integrity.Finding{f}, Total: 1}
		}
	}
	return m, nil
}

// run is Run without the comparison of the root with a checkpoint's.
func run(ctx context.Context, src Source, opts Options) (*Manifest, error) {
	if opts.Registry == nil || opts.Registry.Len() == 0 {
		return nil, ErrNoProjections
	}
	head, err := src.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("replay: head: %w", err)
	}
	sc := &scan{src: src, onFinding: opts.OnFinding, v: integrity.NewChainVerifier(1), tree: integrity.NewTree()}
	cut := opts.Cutoff
	origin := opts.Origin
	var note string
	switch cut.Kind {
	case CutoffPosition:
		if cut.Position == 0 || !cut.AsOf.IsZero() || opts.Checkpoint != nil {
			return nil, fmt.Errorf("%w: a position cutoff needs a position of 1 or more, and nothing else", ErrCutoff)
		}
		if cut.Position > head {
			return nil, fmt.Errorf("%w: position %d is past the ledger's head %d", ErrCutoff, cut.Position, head)
		}
		sc.n = cut.Position
	case CutoffCheckpoint:
		if opts.Checkpoint == nil || cut.Position != 0 && cut.Position != opts.Checkpoint.Size || !cut.AsOf.IsZero() {
			return nil, fmt.Errorf("%w: a checkpoint cutoff needs the checkpoint, and nothing else", ErrCutoff)
		}
		if origin == "" {
			origin = opts.Checkpoint.Origin
		} else if origin != opts.Checkpoint.Origin {
			return nil, fmt.Errorf("%w: the checkpoint is for %q, the ledger is %q", ErrCutoff, opts.Checkpoint.Origin, origin)
		}
		cut.Position, sc.n, sc.gapKind = opts.Checkpoint.Size, opts.Checkpoint.Size, integrity.Truncated
		note = string(opts.CheckpointNote)
	case CutoffAsOf:
		if cut.AsOf.IsZero() || cut.Position != 0 || opts.Checkpoint != nil {
			return nil, fmt.Errorf("%w: an as-of cutoff needs a time, and nothing else", ErrCutoff)
		}
		asOf := cut.AsOf
		sc.include = func(e *events.Event) bool { return !e.RecordedAt.After(asOf) }
		if opts.Scan != 0 {
			if opts.Scan > head {
				return nil, fmt.Errorf("%w: the replay scanned %d positions, the ledger's head is %d", ErrCutoff, opts.Scan, head)
			}
			sc.n = opts.Scan
		} else {
			sc.n, sc.stopAfter = head, asOf.Add(AsOfSlack)
		}
	default:
		return nil, fmt.Errorf("%w: kind %q (want position, checkpoint or as_of)", ErrCutoff, cut.Kind)
	}

	sc.done = sc.n == 0
	runner, err := projections.NewRunner(projections.RunnerConfig{Source: sc}, opts.Registry)
	if err != nil {
		return nil, err
	}
	runErr := runner.RunTo(ctx, sc.n)
	if sc.total > 0 {
		return nil, &TamperError{Findings: sc.findings, Total: sc.total}
	}
	if runErr != nil {
		return nil, fmt.Errorf("replay: %w", runErr)
	}
	if !sc.done {
		return nil, fmt.Errorf("replay: the projections stopped reading at position %d of %d", sc.v.Next()-1, sc.n)
	}

	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	m := &Manifest{
		Format:    Format,
		Program:   opts.Program,
		CreatedAt: clock().UTC().Truncate(time.Second),
		Ledger:    LedgerInfo{Origin: origin, TreeSize: sc.n, Root: sc.tree.Root().String(), Checkpoint: note},
		Cutoff:    cut,
		Events:    EventCounts{Scanned: sc.n, Included: sc.included, LastIncludedPosition: sc.last},
	}
	status := runner.Status()
	for i, p := range opts.Registry.All() {
		st := status[i]
		res := ProjectionResult{Name: p.Name(), Version: st.Version, Config: configOf(p), Position: st.Position, Digest: st.Digest, Reports: []Table{}}
		for _, q := range queriesOf(opts.Queries, p.Name()) {
			tables, err := tablesOf(p, q)
			if errors.Is(err, projections.ErrQuery) && opts.SkipRefused {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("replay: %s: %w", p.Name(), err)
			}
			res.Reports = append(res.Reports, tables...)
		}
		m.Projections = append(m.Projections, res)
	}
	return m, nil
}

func configOf(p projections.Projection) string {
	if c, ok := p.(projections.Configured); ok {
		return c.ConfigFingerprint()
	}
	return ""
}

func queriesOf(qs map[string][]projections.Query, name string) []projections.Query {
	if q, ok := qs[name]; ok {
		return q
	}
	base, _, _ := projections.SplitName(name)
	if q, ok := qs[base]; ok {
		return q
	}
	return []projections.Query{{}}
}

// viewer is a projection that answers a query with several reports (the
// process mining views).
type viewer interface {
	Views(q projections.Query) ([]*projections.Report, error)
}

// tablesOf returns the tables p reports for q: its views if it has
// several, else its report.
func tablesOf(p projections.Projection, q projections.Query) ([]Table, error) {
	var reports []*projections.Report
	switch r := p.(type) {
	case viewer:
		rs, err := r.Views(q)
		if err != nil {
			return nil, err
		}
		reports = rs
	case projections.Reporter:
		rep, err := r.Report(q)
		if err != nil {
			return nil, err
		}
		reports = []*projections.Report{rep}
	default:
		return nil, projections.ErrNoReport
	}
	out := make([]Table, 0, len(reports))
	for _, r := range reports {
		t, err := tableOf(r, q)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// scan is the runner's Source over a replay's Source: it verifies every
// record of positions 1..n as it reads (chain, hash, version, position,
// and the Merkle tree), and hands the runner only the records the cutoff
// includes, and none once a finding is made.
type scan struct {
	src       Source
	n         uint64                   // scan positions 1..n
	include   func(*events.Event) bool // nil: every event
	stopAfter time.Time                // as-of: stop at the first event recorded after it
	gapKind   string                   // finding kind when the ledger ends before n (default position-gap)
	onFinding func(*integrity.Finding)

	v        *integrity.ChainVerifier
	tree     *integrity.Tree
	findings []*integrity.Finding
	total    uint64
	included uint64
	last     uint64 // last included position
	done     bool   // scanned to n
	mark     uint64 // a size whose root to keep (0: none)
	markRoot events.Hash
}

var _ projections.Source = (*scan)(nil)

func (s *scan) Head(context.Context) (uint64, error) { return s.n, nil }

func (s *scan) report(f *integrity.Finding) {
	s.total++
	if len(s.findings) < MaxFindings {
		s.findings = append(s.findings, f)
	}
	if s.onFinding != nil {
		s.onFinding(f)
	}
}

// ReadAll scans once, from position 1; the runner (without checkpoints)
// reads from there.
func (s *scan) ReadAll(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error {
	if from != s.v.Next() {
		return fmt.Errorf("replay: internal: read from %d, the scan is at %d", from, s.v.Next())
	}
	// The reading goroutine hands events to the runner; the pipeline
	// hashes them, checks the chains and grows the tree beside it.
	var found atomic.Bool // a finding was made: fold no more
	_, isRaw := s.src.(RawSource)
	p := startPipeline(s.v, s.tree, isRaw, func(f *integrity.Finding) {
		s.report(f)
		found.Store(true)
	}, func(pos uint64) {
		if pos == s.mark {
			s.markRoot = s.tree.Root()
		}
	})
	next := from // the position after the last one read
	var ev events.Event
	var err error
	if raw, ok := s.src.(RawSource); ok {
		// The stored bytes: decoded here once for the runner, hashed as
		// they are by the checker (no re-encoding).
		err = raw.ReadRecords(ctx, from, func(pos uint64, rec []byte) error {
			if pos > s.n {
				return errStop
			}
			derr := events.DecodeRecordNoCopy(rec, &ev)
			if derr == nil && !s.stopAfter.IsZero() && ev.RecordedAt.After(s.stopAfter) {
				s.n = pos - 1 // scanned: the positions before it
				return errStop
			}
			p.addRaw(pos, rec) // the checker reports a record that does not decode
			next = pos + 1
			if derr != nil || (s.include != nil && !s.include(&ev)) {
				return nil
			}
			s.included++
			s.last = pos
			if found.Load() {
				return nil // verify on, fold no more
			}
			return fn(pos, &ev)
		})
		if err == errStop {
			err = nil
		}
		from = s.n + 1 // read: the loop below is for sources without raw records
	}
	for from <= s.n {
		err = s.src.ReadAll(ctx, from, func(r store.Record) error {
			if r.Position > s.n {
				return errStop
			}
			if !s.stopAfter.IsZero() && r.Event.RecordedAt.After(s.stopAfter) {
				s.n = r.Position - 1 // scanned: the positions before it
				return errStop
			}
			p.add(r.Position, &r.Event)
			next = r.Position + 1
			if s.include != nil && !s.include(&r.Event) {
				return nil
			}
			s.included++
			s.last = r.Position
			if found.Load() {
				return nil // verify on, fold no more
			}
			ev = r.Event
			return fn(r.Position, &ev)
		})
		if err == nil || err == errStop {
			err = nil
			break
		}
		if !errors.Is(err, events.ErrCorrupt) {
			break
		}
		// The record at the next position does not decode: report it
		// and go on after it.
		p.corrupt(next, err)
		next++
		from = next
	}
	p.finish()
	if err != nil {
		return fmt.Errorf("replay: read: %w", err)
	}
	if s.v.Next() <= s.n {
		kind := s.gapKind
		if kind == "" {
			kind = integrity.PositionGap
		}
		s.report(&integrity.Finding{Kind: kind, Position: s.v.Next(),
			Expected: fmt.Sprintf("events up to position %d", s.n), Actual: fmt.Sprintf("the log ends at position %d", s.v.Next()-1)})
	}
	if s.mark == 0 {
		s.markRoot = integrity.EmptyRoot()
	}
	s.done = true
	return nil
}
