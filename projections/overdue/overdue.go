// Package overdue is the worked example of docs/write-a-projection.md: the
// overdue backlog by street. A case is overdue when it is not resolved and
// its deadline (its deadline policy, replaced by any extension) has passed
// as of the latest event the projection has seen; a reviewer reads it as
// "which streets are sitting on late cases right now".
package overdue

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/policy"
)

// Name is the projection's name and version.
const Name = "overdue/v1"

// ErrState is returned for a serialized state that cannot be read.
var ErrState = errors.New("overdue: corrupt state")

// Config configures the projection. The zero Config uses policy.Default().
type Config struct {
	// Rules gives the deadlines; nil means policy.Default().
	Rules *policy.Rules
}

// Projection folds case events into the open backlog, by street.
type Projection struct {
	rules *policy.Rules
	s     state
}

// state is everything the projection knows; its JSON is the checkpoint.
type state struct {
	Cases map[string]*openCase `json:"cases"` // open cases by case id
	Now   int64                `json:"now"`   // latest occurred_at seen, unix seconds
}

type openCase struct {
	Street   string `json:"street"`
	Deadline int64  `json:"deadline"` // unix seconds
	Resolved bool   `json:"resolved"`
}

// New returns an empty projection.
func New(cfg Config) *Projection {
	if cfg.Rules == nil {
		cfg.Rules = policy.Default()
	}
	return &Projection{rules: cfg.Rules, s: state{Cases: map[string]*openCase{}}}
}

// Compile-time checks: the core and the optional capabilities.
var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Filter     = (*Projection)(nil)
	_ projections.Stateful   = (*Projection)(nil)
	_ projections.Reporter   = (*Projection)(nil)
)

// Name implements projections.Projection.
func (p *Projection) Name() string { return Name }

// Types implements projections.Filter: the runner skips every other type.
func (p *Projection) Types() []string {
	return []string{events.TypeCaseReported, events.TypeCaseExtended, events.TypeCaseResolved,
		events.TypeCaseReopened, events.TypeCaseClosed}
}

// Apply implements projections.Projection: a pure fold over event time.
func (p *Projection) Apply(_ uint64, e *events.Event, payload events.Payload) error {
	p.s.Now = max(p.s.Now, e.OccurredAt.Unix())
	id := e.CaseID()
	switch pl := payload.(type) {
	case *events.CaseReported:
		deadline, _ := p.rules.Deadline(e.OccurredAt, pl.DeadlinePolicy)
		p.s.Cases[id] = &openCase{Street: pl.Location.Street, Deadline: deadline.Unix()}
	case *events.CaseExtended:
		if c := p.s.Cases[id]; c != nil {
			c.Deadline = pl.NewDeadline.Unix()
		}
	case *events.CaseResolved:
		if c := p.s.Cases[id]; c != nil {
			c.Resolved = true
		}
	case *events.CaseReopened:
		if c := p.s.Cases[id]; c != nil {
			c.Resolved = false
		}
	case *events.CaseClosed:
		delete(p.s.Cases, id) // closed is final: forget the case
	}
	return nil
}

// MarshalState implements projections.Stateful. encoding/json sorts map
// keys, so the same state always gives the same bytes.
func (p *Projection) MarshalState() ([]byte, error) { return json.Marshal(p.s) }

// UnmarshalState implements projections.Stateful.
func (p *Projection) UnmarshalState(b []byte) error {
	var s state
	if err := json.Unmarshal(b, &s); err != nil || s.Cases == nil {
		return fmt.Errorf("%w: %v", ErrState, err)
	}
	for id, c := range s.Cases {
		if c == nil {
			return fmt.Errorf("%w: case %q is null", ErrState, id)
		}
	}
	p.s = s
	return nil
}

// Street is one row of the report.
type Street struct {
	Street  string
	Open    int64 // cases not resolved
	Overdue int64 // of those, past their deadline
	Oldest  int64 // seconds the longest-overdue case is past its deadline
}

// Streets returns the backlog by street as of the latest event, sorted by
// overdue cases (most first), then street.
func (p *Projection) Streets() []Street {
	by := map[string]*Street{}
	for _, c := range p.s.Cases {
		if c.Resolved {
			continue
		}
		s := by[c.Street]
		if s == nil {
			s = &Street{Street: c.Street}
			by[c.Street] = s
		}
		s.Open++
		if late := p.s.Now - c.Deadline; late > 0 {
			s.Overdue++
			s.Oldest = max(s.Oldest, late)
		}
	}
	out := make([]Street, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue > out[j].Overdue
		}
		return out[i].Street < out[j].Street
	})
	return out
}

// Report implements projections.Reporter. It groups by street only and
// takes no period or window: the backlog is a picture of one moment.
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	if err := q.Check(projections.ByStreet); err != nil {
		return nil, err
	}
	if q.Period != "" || !q.From.IsZero() || !q.To.IsZero() {
		return nil, fmt.Errorf("%w: the overdue backlog is as of the latest event; it takes no --period, --from or --to", projections.ErrQuery)
	}
	r := &projections.Report{
		Projection: Name,
		Title:      "Overdue backlog by street",
		Query:      q,
		Columns: []projections.Column{
			{Key: "street", Title: "street", Kind: projections.KindText},
			{Key: "open", Title: "open", Kind: projections.KindCount, Note: "cases not resolved"},
			{Key: "overdue", Title: "overdue", Kind: projections.KindCount, Note: "open cases past their deadline"},
			{Key: "overdue_rate", Title: "overdue share", Kind: projections.KindRate, Note: "overdue / open"},
			{Key: "oldest_overdue_h", Title: "oldest overdue (h)", Kind: projections.KindHours, Note: "hours the longest-overdue case is past its deadline"},
		},
		Rows:  [][]any{},
		Notes: []string{"As of " + time.Unix(p.s.Now, 0).In(p.rules.Location()).Format(time.RFC3339) + ", the latest event seen (projections read no clock)."},
	}
	var chart projections.Series
	chart.Name = "overdue"
	for _, s := range p.Streets() {
		r.Rows = append(r.Rows, []any{s.Street, s.Open, s.Overdue, projections.Rate(s.Overdue, s.Open), projections.Hours(s.Oldest)})
		chart.Points = append(chart.Points, projections.Point{X: s.Street, Y: float64(s.Overdue)})
	}
	r.Charts = []projections.Chart{{Kind: "bar", ID: "overdue-by-street", Title: "Overdue cases by street", XLabel: "street", YLabel: "cases", Series: []projections.Series{chart}}}
	return r, nil
}

// ConfigFingerprint implements projections.Configured: a checkpoint made
// under other deadline rules is rebuilt.
func (p *Projection) ConfigFingerprint() string { return p.rules.Fingerprint() }
