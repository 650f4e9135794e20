package stats

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"
)

func TestQuantileIsExactNearestRank(t *testing.T) {
	var d Dist
	for _, v := range []int64{15, 20, 35, 40, 50} {
		d.Add(v)
	}
	// Nearest rank: the ceil(p*n)-th smallest value.
	for _, tc := range []struct {
		p    float64
		want int64
	}{{0.05, 15}, {0.2, 15}, {0.3, 20}, {0.4, 20}, {0.5, 35}, {0.9, 50}, {1, 50}} {
		if got := d.Quantile(tc.p); got != tc.want {
			t.Errorf("Quantile(%v) = %d, want %d", tc.p, got, tc.want)
		}
	}
	if d.Count() != 5 || d.Sum() != 160 || d.Min() != 15 || d.Max() != 50 || d.Mean() != 32 || !d.Exact() {
		t.Errorf("count %d sum %d min %d max %d mean %v exact %v", d.Count(), d.Sum(), d.Min(), d.Max(), d.Mean(), d.Exact())
	}
	var empty Dist
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Error("an empty Dist must answer 0")
	}
}

func TestSketchBeyondBudgetStaysWithinRelativeError(t *testing.T) {
	exact := Dist{Budget: 1 << 30}
	sketched := Dist{Budget: 1000}
	x := uint64(1)
	for range 50000 {
		x = x*6364136223846793005 + 1442695040888963407
		v := int64(x>>40) % 500000 // seconds, up to ~6 days
		exact.Add(v)
		sketched.Add(v)
	}
	if sketched.Exact() || !exact.Exact() {
		t.Fatal("the budget did not switch the representation")
	}
	for _, p := range []float64{0.5, 0.9, 0.95, 0.99} {
		want, got := float64(exact.Quantile(p)), float64(sketched.Quantile(p))
		if math.Abs(got-want) > RelativeError*want+1 {
			t.Errorf("p%v: sketch %v, exact %v: beyond %v relative error", p*100, got, want, RelativeError)
		}
	}
	if sketched.Sum() != exact.Sum() || sketched.Count() != exact.Count() {
		t.Error("sum and count must stay exact in a sketch")
	}
}

func TestMergeEqualsAddingEverything(t *testing.T) {
	for _, budget := range []int{0, 10} {
		var a, b, all Dist
		a.Budget, b.Budget, all.Budget = budget, budget, budget
		for v := int64(0); v < 40; v++ {
			if v%3 == 0 {
				a.Add(v * 7)
			} else {
				b.Add(v * 7)
			}
			all.Add(v * 7)
		}
		a.Merge(&b)
		for _, p := range []float64{0.5, 0.9} {
			if a.Quantile(p) != all.Quantile(p) {
				t.Errorf("budget %d: merged p%v %d, all %d", budget, p, a.Quantile(p), all.Quantile(p))
			}
		}
		if a.Count() != all.Count() || a.Sum() != all.Sum() {
			t.Errorf("budget %d: merged count/sum differ", budget)
		}
	}
}

func TestSerializationRoundTripsAndRefusesCorruption(t *testing.T) {
	for _, budget := range []int{0, 5} {
		var d Dist
		d.Budget = budget
		for _, v := range []int64{9, 0, 3, 3, 700, 12, 5, 1} {
			d.Add(v)
		}
		b := d.AppendBinary(nil)
		r := Decoder{B: b}
		back := r.Dist()
		if r.Err != nil || len(r.B) != 0 {
			t.Fatalf("budget %d: decode: %v, %d bytes left", budget, r.Err, len(r.B))
		}
		if again := back.AppendBinary(nil); !bytes.Equal(again, b) {
			t.Errorf("budget %d: round trip changed the bytes", budget)
		}
		if back.Quantile(0.5) != d.Quantile(0.5) {
			t.Errorf("budget %d: round trip changed the median", budget)
		}
		for n := 0; n < len(b); n++ {
			r := Decoder{B: b[:n]}
			r.Dist()
			if r.Err == nil && n > 0 {
				// A prefix may decode as a shorter valid value only if
				// what it claims fits; it must never panic.
				continue
			}
			if n > 0 && !errors.Is(r.Err, ErrCorrupt) {
				t.Errorf("budget %d: prefix of %d bytes: %v", budget, n, r.Err)
			}
		}
	}
}

func TestPeriod(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	// 2026-11-29 23:30 UTC is Monday 2026-11-30 07:30 in +08:00.
	at := time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC)
	for period, want := range map[string]string{"day": "2026-11-30", "week": "2026-W49", "month": "2026-11"} {
		if got := Period(at, period, loc); got != want {
			t.Errorf("Period(%s) = %s, want %s", period, got, want)
		}
	}
	if !SameDay(time.Date(2026, 11, 30, 0, 1, 0, 0, loc), time.Date(2026, 11, 30, 23, 59, 0, 0, loc), loc) ||
		SameDay(time.Date(2026, 11, 29, 23, 59, 0, 0, loc), time.Date(2026, 11, 30, 0, 1, 0, 0, loc), loc) {
		t.Error("SameDay is wrong around midnight")
	}
}
