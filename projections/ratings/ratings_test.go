package ratings

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func mustNew(t testing.TB, cfg Config) *Projection {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func folded(t *testing.T, cfg Config) *Projection {
	t.Helper()
	p := mustNew(t, cfg)
	projectiontest.Apply(t, p, projectiontest.Events(t, story().Drafts()))
	return p
}

func TestKit(t *testing.T) {
	projectiontest.Run(t, func() projections.Projection { return mustNew(t, Config{}) },
		projectiontest.Events(t, story().Drafts()))
}

func report(t *testing.T, p *Projection, q projections.Query) [][]any {
	t.Helper()
	r, err := p.Report(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Rows {
		if len(row) != len(r.Columns) {
			t.Fatalf("row %v has %d cells for %d columns", row, len(row), len(r.Columns))
		}
	}
	return r.Rows
}

// Cell order after the group (and period) columns: valid, superseded,
// invalid, contacted, solved, satisfied, basically, unsatisfied, response,
// resolution, satisfaction, composite, resolved, reopened, reopen rate.
func TestReport(t *testing.T) {
	p := folded(t, Config{})
	i := func(n int64) int64 { return n }
	tests := []struct {
		name string
		q    projections.Query
		want [][]any
	}{
		{
			name: "by-unit",
			want: [][]any{
				// env: R-2 (2nd rating: C S basically; 1 superseded), R-3 (valid: S basically;
				// 1 invalid before it), R-7 (C, unsatisfied). 2/3 contacted, 2/3 solved,
				// satisfaction (0 + 0.9 x 2)/3 = 0.6, composite 0.1 x 2/3 + 0.5 x 2/3 + 0.4 x 0.6 = 0.64.
				// Resolved cases handled by env; reopened R-2: 1/2.
				{env, i(3), i(1), i(1), i(2), i(2), i(0), i(2), i(1), 0.6667, 0.6667, 0.6, 0.64, i(2), i(1), 0.5},
				// roads: R-1 (C S satisfied), R-4 (first rating: nothing; its later invalid
				// rating is counted apart), R-8 (C S satisfied): 2/3 each, composite 2/3.
				// Resolved; reopened R-4: 1/3.
				{roads, i(3), i(0), i(1), i(2), i(2), i(2), i(0), i(1), 0.6667, 0.6667, 0.6667, 0.6667, i(3), i(1), 0.3333},
				// water: no counted rating (R-2's went to env after the reopening); resolved
				// R-5 and R-7 (reopened, now with water, unresolved): 1/2.
				{water, i(0), i(0), i(0), i(0), i(0), i(0), i(0), i(0), nil, nil, nil, nil, i(2), i(1), 0.5},
			},
		},
		{
			name: "by-unit-per-day",
			q:    projections.Query{Period: projections.PeriodDay},
			want: [][]any{
				// R-7's rating, R-3's invalid rating; reported on day 2.
				{env, "2026-11-02", i(1), i(0), i(1), i(1), i(0), i(0), i(0), i(1), 1.0, 0.0, 0.0, 0.1, i(2), i(1), 0.5},
				// R-3's valid rating: 0.5 + 0.4 x 0.9 = 0.86.
				{env, "2026-11-03", i(1), i(0), i(0), i(0), i(1), i(0), i(1), i(0), 0.0, 1.0, 0.9, 0.86, i(0), i(0), nil},
				// R-2's second rating: 0.1 + 0.5 + 0.4 x 0.9 = 0.96.
				{env, "2026-11-09", i(1), i(1), i(0), i(1), i(1), i(0), i(1), i(0), 1.0, 1.0, 0.9, 0.96, i(0), i(0), nil},
				{roads, "2026-11-02", i(1), i(0), i(0), i(1), i(1), i(1), i(0), i(0), 1.0, 1.0, 1.0, 1.0, i(2), i(1), 0.5},
				{roads, "2026-11-03", i(1), i(0), i(0), i(0), i(0), i(0), i(0), i(1), 0.0, 0.0, 0.0, 0.0, i(0), i(0), nil},
				// R-8's rating, R-4's invalid rating; R-8 reported on day 9, not reopened.
				{roads, "2026-11-09", i(1), i(0), i(1), i(1), i(1), i(1), i(0), i(0), 1.0, 1.0, 1.0, 1.0, i(1), i(0), 0.0},
				{water, "2026-11-02", i(0), i(0), i(0), i(0), i(0), i(0), i(0), i(0), nil, nil, nil, nil, i(2), i(1), 0.5},
			},
		},
		{
			name: "by-category",
			q:    projections.Query{By: projections.ByCategory},
			want: [][]any{
				// R-3 (S basically), R-7 (C unsatisfied): sat 0.9/2 = 0.45, composite 0.05 + 0.25 + 0.18.
				{eventstest.Noise, i(2), i(0), i(1), i(1), i(1), i(0), i(1), i(1), 0.5, 0.5, 0.45, 0.48, i(2), i(1), 0.5},
				{eventstest.Pothole, i(3), i(0), i(1), i(2), i(2), i(2), i(0), i(1), 0.6667, 0.6667, 0.6667, 0.6667, i(3), i(1), 0.3333},
				// R-2 only (R-5 unrated): composite 0.96; resolved.
				{eventstest.Leak, i(1), i(1), i(0), i(1), i(1), i(0), i(1), i(0), 1.0, 1.0, 0.9, 0.96, i(2), i(1), 0.5},
			},
		},
		{
			name: "from-day-9",
			q:    projections.Query{From: time.Date(2026, 11, 9, 0, 0, 0, 0, eventstest.Zone)},
			want: [][]any{
				{roads, i(1), i(0), i(0), i(1), i(1), i(1), i(0), i(0), 1.0, 1.0, 1.0, 1.0, i(1), i(0), 0.0},
			},
		},
		{
			name: "by-street",
			q:    projections.Query{By: projections.ByStreet},
			want: [][]any{
				// Every case is in st-1: the totals. 4/6 contacted and solved;
				// satisfaction (2 + 0.9 x 2)/6 = 0.6333; composite 0.0667 + 0.3333 + 0.2533 = 0.6533;
				// resolved R-1..R-5, R-7, R-8; reopened: 3/7.
				{eventstest.Street1, i(6), i(1), i(2), i(4), i(4), i(2), i(2), i(2), 0.6667, 0.6667, 0.6333, 0.6533, i(7), i(3), 0.4286},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := report(t, p, tt.q)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestTotalsAndUnits(t *testing.T) {
	p := folded(t, Config{})
	want := Rates{Unit: "(all)", Valid: 6, Superseded: 1, Invalid: 2, Response: 0.6667, Resolution: 0.6667,
		Satisfaction: 0.6333, Composite: 0.6533, Resolved: 7, Reopened: 3, ReopenRate: 0.4286}
	if got := p.Totals(); got != want {
		t.Errorf("Totals() = %+v\nwant       %+v", got, want)
	}
	got, ok := p.Unit(env)
	wantEnv := Rates{Unit: env, Valid: 3, Superseded: 1, Invalid: 1, Response: 0.6667, Resolution: 0.6667,
		Satisfaction: 0.6, Composite: 0.64, Resolved: 2, Reopened: 1, ReopenRate: 0.5}
	if !ok || got != wantEnv {
		t.Errorf("Unit(env) = %+v %v\nwant %+v", got, ok, wantEnv)
	}
	if w, ok := p.Unit(water); !ok || w.Valid != 0 || w.Composite != 0 || w.ReopenRate != 0.5 {
		t.Errorf("Unit(water) = %+v %v", w, ok)
	}
	if _, ok := p.Unit("nobody"); ok {
		t.Error("Unit(nobody) found")
	}
	if n := len(p.Units()); n != 3 {
		t.Errorf("%d units, want 3", n)
	}
	wantReasons := []ReasonCount{{unreachable, 1}, {notReporter, 1}}
	if got := p.InvalidReasons(); !reflect.DeepEqual(got, wantReasons) {
		t.Errorf("InvalidReasons() = %v, want %v", got, wantReasons)
	}
}

func ptr(f float64) *float64 { return &f }

// TestConfig checks the weights and the basically-satisfied credit, and
// that a bad configuration is refused.
func TestConfig(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		bad      bool
		sat, cmp float64 // Totals: 2 satisfied, 2 basically, 4/6 contacted and solved, of 6
	}{
		{name: "defaults", cfg: Config{}, sat: 0.6333, cmp: 0.6533},
		// sat (2 + 0.5 x 2)/6 = 0.5; 0.2 x 2/3 + 0.4 x 2/3 + 0.4 x 0.5 = 0.6.
		{name: "custom", cfg: Config{Weights: Weights{0.2, 0.4, 0.4}, Basically: ptr(0.5)}, sat: 0.5, cmp: 0.6},
		// f = 0 is a value, not the default: sat 2/6; 0.1 x 2/3 + 0.5 x 2/3 + 0.4 x 1/3 = 0.5333.
		{name: "no-credit", cfg: Config{Basically: ptr(0)}, sat: 0.3333, cmp: 0.5333},
		// f = 1: sat 4/6; composite 2/3.
		{name: "full-credit", cfg: Config{Basically: ptr(1)}, sat: 0.6667, cmp: 0.6667},
		// 0.1 + 0.2 + 0.7 is 1.0000000000000002 in floating point: within 1e-9.
		{name: "sum-within-tolerance", cfg: Config{Weights: Weights{0.1, 0.2, 0.7}}, sat: 0.6333, cmp: 0.6433},
		{name: "negative-weight", cfg: Config{Weights: Weights{-0.1, 0.6, 0.5}}, bad: true},
		{name: "sum-not-one", cfg: Config{Weights: Weights{0.1, 0.5, 0.3}}, bad: true},
		{name: "nan-weight", cfg: Config{Weights: Weights{math.NaN(), 0.5, 0.5}}, bad: true},
		{name: "credit-above-one", cfg: Config{Basically: ptr(1.1)}, bad: true},
		{name: "credit-negative", cfg: Config{Basically: ptr(-0.1)}, bad: true},
		{name: "credit-nan", cfg: Config{Basically: ptr(math.NaN())}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if tt.bad {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("New error %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			projectiontest.Apply(t, p, projectiontest.Events(t, story().Drafts()))
			got := p.Totals()
			if got.Satisfaction != tt.sat || got.Composite != tt.cmp {
				t.Errorf("satisfaction %v composite %v, want %v %v", got.Satisfaction, got.Composite, tt.sat, tt.cmp)
			}
		})
	}
}

// TestWhichRatingCounts covers supersession one case at a time.
func TestWhichRatingCounts(t *testing.T) {
	type rating struct {
		valid     bool
		contacted bool
	}
	tests := []struct {
		name              string
		ratings           []rating
		valid, superseded int64
		invalid           int64
		response          float64
	}{
		{"one-valid", []rating{{true, true}}, 1, 0, 0, 1},
		{"latest-valid-counts", []rating{{true, false}, {true, true}}, 1, 1, 0, 1},
		{"latest-valid-counts-either-way", []rating{{true, true}, {true, false}}, 1, 1, 0, 0},
		{"invalid-does-not-supersede", []rating{{true, true}, {false, false}}, 1, 0, 1, 1},
		{"valid-after-invalid", []rating{{false, false}, {true, false}}, 1, 0, 1, 0},
		{"three-valid", []rating{{true, false}, {true, false}, {true, true}}, 1, 2, 0, 1},
		{"only-invalid", []rating{{false, false}, {false, false}}, 0, 0, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := eventstest.New()
			c := s.Case("X")
			c.Reported(events.ChannelHotline, eventstest.Pothole)
			c.Dispatched(center, roads, events.ModeRule)
			for i, r := range tt.ratings {
				if i > 0 {
					c.Reopened()
					c.Resolved(roads, events.OutcomeFixed)
				} else {
					c.Resolved(roads, events.OutcomeFixed)
				}
				if r.valid {
					c.Rated(r.contacted, true, events.Satisfied)
				} else {
					c.RatedInvalid("citizen declined to answer")
				}
			}
			p := mustNew(t, Config{})
			projectiontest.Apply(t, p, projectiontest.Events(t, s.Drafts()))
			got := p.Totals()
			if got.Valid != tt.valid || got.Superseded != tt.superseded || got.Invalid != tt.invalid || got.Response != tt.response {
				t.Errorf("Totals() = %+v, want valid %d superseded %d invalid %d response %v",
					got, tt.valid, tt.superseded, tt.invalid, tt.response)
			}
			if got.Resolved != 1 || got.Reopened != min(int64(len(tt.ratings)-1), 1) {
				t.Errorf("resolved %d reopened %d: a case counts once", got.Resolved, got.Reopened)
			}
		})
	}
}

func TestCharts(t *testing.T) {
	r, err := folded(t, Config{}).Report(projections.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Charts) != 3 {
		t.Fatalf("%d charts", len(r.Charts))
	}
	bar, line, inv := r.Charts[0], r.Charts[1], r.Charts[2]
	// Units with counted ratings only: env, roads.
	wantComposite := []projections.Point{{X: env, Y: 0.64}, {X: roads, Y: 0.6667}}
	if bar.Kind != "bar" || len(bar.Series) != 4 || !reflect.DeepEqual(bar.Series[3].Points, wantComposite) {
		t.Errorf("rates chart %+v", bar)
	}
	// W45: 2/4 contacted, 2/4 solved, (1 + 0.9)/4 = 0.475: 0.05 + 0.25 + 0.19 = 0.49.
	// W46: 1, 1, (1 + 0.9)/2 = 0.95: 0.1 + 0.5 + 0.38 = 0.98.
	wantTrend := []projections.Point{{X: "2026-W45", Y: 0.49}, {X: "2026-W46", Y: 0.98}}
	if line.Kind != "line" || !reflect.DeepEqual(line.Series[0].Points, wantTrend) {
		t.Errorf("trend chart %+v", line)
	}
	wantInv := []projections.Point{{X: unreachable, Y: 1}, {X: notReporter, Y: 1}}
	if inv.Kind != "bar" || !reflect.DeepEqual(inv.Series[0].Points, wantInv) {
		t.Errorf("invalid chart %+v", inv)
	}
	if r.Projection != Name || len(r.Notes) == 0 {
		t.Error("report without name or notes")
	}
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		q    projections.Query
	}{
		{"by-unit", projections.Query{}},
		{"by-channel-week", projections.Query{By: projections.ByChannel, Period: projections.PeriodWeek}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := projectiontest.ReportJSON(t, folded(t, Config{}), tt.q)
			if b := projectiontest.ReportJSON(t, folded(t, Config{}), tt.q); a != b {
				t.Fatal("the same events gave different report JSON")
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, []byte(a), "", "  "); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("report differs from %s (run with -update if intended):\n%s", path, buf.String())
			}
		})
	}
}

func TestBadQueries(t *testing.T) {
	p := folded(t, Config{})
	d := time.Date(2026, 11, 3, 0, 0, 0, 0, eventstest.Zone)
	for _, tt := range []struct {
		name string
		q    projections.Query
	}{
		{"unknown-dimension", projections.Query{By: "respondent"}},
		{"unknown-period", projections.Query{Period: "quarter"}},
		{"empty-window", projections.Query{From: d, To: d}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := p.Report(tt.q); !errors.Is(err, projections.ErrQuery) {
				t.Errorf("error %v, want ErrQuery", err)
			}
		})
	}
}

func TestCorruptState(t *testing.T) {
	good := projectiontest.State(t, folded(t, Config{}))
	t.Run("every-truncation", func(t *testing.T) {
		for n := range len(good) {
			if err := mustNew(t, Config{}).UnmarshalState(good[:n]); !errors.Is(err, ErrState) {
				t.Fatalf("truncated to %d of %d bytes: error %v, want ErrState", n, len(good), err)
			}
		}
	})
	t.Run("trailing-byte", func(t *testing.T) {
		if err := mustNew(t, Config{}).UnmarshalState(append(bytes.Clone(good), 0)); !errors.Is(err, ErrState) {
			t.Errorf("error %v, want ErrState", err)
		}
	})
	t.Run("flipped-bytes-never-panic", func(t *testing.T) {
		for i := len(stateMagic); i < len(good); i++ {
			for _, x := range []byte{0x01, 0x40, 0xff} {
				b := bytes.Clone(good)
				b[i] ^= x
				p := mustNew(t, Config{})
				if p.UnmarshalState(b) == nil {
					if _, err := p.Report(projections.Query{By: projections.ByGrid, Period: projections.PeriodDay}); err != nil {
						t.Fatal(err)
					}
					p.Units()
					p.InvalidReasons()
				}
			}
		}
	})
	t.Run("failed-unmarshal-leaves-empty", func(t *testing.T) {
		p := folded(t, Config{})
		if err := p.UnmarshalState([]byte("ratings/v1\x00\x01\xff")); !errors.Is(err, ErrState) {
			t.Fatalf("error %v", err)
		}
		if p.Totals().Valid != 0 {
			t.Error("state kept after a refused unmarshal")
		}
	})
}

func TestClosedCasesReleased(t *testing.T) {
	p := folded(t, Config{})
	// Closed. Live: six.
	if len(p.live) != 6 {
		t.Errorf("%d live cases, want 6", len(p.live))
	}
	s := eventstest.New()
	s.Case("R-1").Rated(false, false, events.Unsatisfied)
	projectiontest.ApplyFrom(t, p, 1000, projectiontest.Events(t, s.Drafts()))
	if got := p.Totals().Valid; got != 6 {
		t.Errorf("a rating of a closed case changed the count: %d", got)
	}
}

// TestPeriodOfReport keys ratings by the period of the case's report:
// every case but R-8 was reported on day 2, so day 2 holds every counted
// rating but R-8's, and both invalid ratings (R-3's, R-4's).
func TestPeriodOfReport(t *testing.T) {
	p := folded(t, Config{PeriodOfReport: true})
	got := report(t, p, projections.Query{By: projections.ByStreet, Period: projections.PeriodDay})
	i := func(n int64) int64 { return n }
	want := [][]any{
		// contacted; solved;
		// satisfied R-1; basically: (1 + 1.8)/5 = 0.56; 0.06 + 0.3 + 0.224 = 0.584.
		{eventstest.Street1, "2026-11-02", i(5), i(1), i(2), i(3), i(3), i(1), i(2), i(2), 0.6, 0.6, 0.56, 0.584, i(6), i(3), 0.5},
		{eventstest.Street1, "2026-11-09", i(1), i(0), i(0), i(1), i(1), i(1), i(0), i(0), 1.0, 1.0, 1.0, 1.0, i(1), i(0), 0.0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%v\nwant\n%v", got, want)
	}
}

func TestDefaultZone(t *testing.T) {
	if z := DefaultZone(); z.String() != "Asia/Shanghai" {
		t.Errorf("DefaultZone() = %q", z)
	}
	if _, off := time.Date(2026, 7, 1, 0, 0, 0, 0, DefaultZone()).Zone(); off != 8*3600 {
		t.Errorf("offset %d", off)
	}
}
