package process_test

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/govledger/govledger/projections/process"
)

// imported is an event of an imported log (XES/OCEL style), at minutes
// after t0.
type imported struct {
	caseID, activity, resource string
	min                        int
}

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// importedLog is a purchase-approval log with its own vocabulary:
//
//	L1 Register(alice)@0  Check(bob)@30  Approve(carol)@90  Pay(alice)@100         ended, 100 min
//	L2 Register(alice)@0  Check(bob)@60  Reject(carol)@70  Check(bob)@130
//	   Approve(carol)@140  Pay(dave)@200                                           ended, 200 min
//	L3 Register(erin)@0   Check(bob)@30  Approve(carol)@60  Pay(alice)@120         ended, 120 min
//	L4 Register(no resource)@0  Check(bob)@10                                      open
var importedLog = [][]imported{
	{{"L1", "Register", "alice", 0}, {"L1", "Check", "bob", 30}, {"L1", "Approve", "carol", 90}, {"L1", "Pay", "alice", 100}},
	{{"L2", "Register", "alice", 0}, {"L2", "Check", "bob", 60}, {"L2", "Reject", "carol", 70}, {"L2", "Check", "bob", 130},
		{"L2", "Approve", "carol", 140}, {"L2", "Pay", "dave", 200}},
	{{"L3", "Register", "erin", 0}, {"L3", "Check", "bob", 30}, {"L3", "Approve", "carol", 60}, {"L3", "Pay", "alice", 120}},
	{{"L4", "Register", "", 0}, {"L4", "Check", "bob", 10}},
}

func feedLog(t *testing.T, l *process.Log, cases ...[]imported) {
	t.Helper()
	for _, c := range cases {
		for _, e := range c {
			if err := l.Add(e.caseID, e.activity, e.resource, t0.Add(time.Duration(e.min)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if c[0].caseID != "L4" {
			l.End(c[0].caseID)
		}
	}
}

// TestLogVocabularyFree feeds the core with an imported log's own
// activity names and checks every figure by hand.
func TestLogVocabularyFree(t *testing.T) {
	l := process.NewLog(process.LogConfig{})
	feedLog(t, l, importedLog...)
	r := l.Result()

	// 4 cases (L4 open), 16 events; rework: Check twice in L2.
	// Handovers: L1 alice>bob>carol>alice (3), L2 alice>bob>carol>bob>carol>dave (5),
	// L3 erin>bob>carol>alice (3), L4 none (its first event has no resource): 11.
	if got, want := [...]int64{r.Cases, r.Ended, r.Open, r.Events, r.ReworkCases, r.Handovers}, [...]int64{4, 3, 1, 16, 1, 11}; got != want {
		t.Errorf("cases, ended, open, events, rework, handovers = %v, want %v", got, want)
	}
	wantActs := []process.Activity{
		{Name: "Approve", Events: 3, Cases: 3},
		{Name: "Check", Events: 5, Cases: 4, Rework: 1},
		{Name: "Pay", Events: 3, Cases: 3, Ends: 3},
		{Name: "Register", Events: 4, Cases: 4, Starts: 4},
		{Name: "Reject", Events: 1, Cases: 1},
	}
	if !reflect.DeepEqual(r.Activities, wantActs) {
		t.Errorf("activities\n got %+v\nwant %+v", r.Activities, wantActs)
	}
	// L1 and L3 share a variant (2); the open L4's partial trace
	// "Register > Check" sorts before L2's longer one (ties by text).
	var variants []string
	for _, v := range r.Variants {
		variants = append(variants, v.Text+" x"+strconv.FormatInt(v.Cases, 10)+" open "+strconv.FormatInt(v.Open, 10))
	}
	wantVars := []string{
		"Register > Check > Approve > Pay x2 open 0",
		"Register > Check x1 open 1",
		"Register > Check > Reject > Check > Approve > Pay x1 open 0",
	}
	if !reflect.DeepEqual(variants, wantVars) {
		t.Errorf("variants\n got %q\nwant %q", variants, wantVars)
	}
	// Register > Check: [10 30 30 60] min: mean 32.5, median (rank 2) 30.
	// Check > Approve: [10 30 60]: mean 33.33, median 30.
	// Approve > Pay:   [10 60 60]: mean 43.33, median 60.
	// Check > Reject: 10; Reject > Check: 60.
	e := func(from, to string, n int64, mean float64, median int64) process.Edge {
		return process.Edge{From: from, To: to, Count: n, Mean: mean, Median: median, Exact: true}
	}
	wantEdges := []process.Edge{
		e("Approve", "Pay", 3, 130*60/3.0, 3600),
		e("Check", "Approve", 3, 100*60/3.0, 1800),
		e("Check", "Reject", 1, 600, 600),
		e("Register", "Check", 4, 32.5*60, 1800),
		e("Reject", "Check", 1, 3600, 3600),
	}
	if !reflect.DeepEqual(r.Edges, wantEdges) {
		t.Errorf("edges\n got %+v\nwant %+v", r.Edges, wantEdges)
	}
	wantHand := []process.Handover{
		{"alice", "bob", 2}, {"bob", "carol", 4}, {"carol", "alice", 2},
		{"carol", "bob", 1}, {"carol", "dave", 1}, {"erin", "bob", 1},
	}
	if !reflect.DeepEqual(r.ResourceHandovers, wantHand) {
		t.Errorf("handovers\n got %+v\nwant %+v", r.ResourceHandovers, wantHand)
	}
	// Durations 100, 120, 200 min: p50 (rank 2) 120, mean 140, max 200.
	if d := r.Duration; d.Cases != 3 || d.P50 != 7200 || d.Mean != 8400 || d.Max != 12000 {
		t.Errorf("duration %+v", d)
	}
}

func TestLogMergeAndRoundTrip(t *testing.T) {
	whole := process.NewLog(process.LogConfig{})
	feedLog(t, whole, importedLog...)

	t.Run("round-trip", func(t *testing.T) {
		b := whole.AppendBinary(nil)
		back, err := process.UnmarshalLog(b, process.LogConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back.AppendBinary(nil), b) {
			t.Error("AppendBinary does not round-trip")
		}
		if !reflect.DeepEqual(back.Result(), whole.Result()) {
			t.Error("result differs after a round trip")
		}
	})

	t.Run("merge", func(t *testing.T) {
		// b sees L4 and L3 first, so its ids differ from a's.
		a, b := process.NewLog(process.LogConfig{}), process.NewLog(process.LogConfig{})
		feedLog(t, a, importedLog[0], importedLog[1])
		feedLog(t, b, importedLog[3], importedLog[2])
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		if got, want := a.Result(), whole.Result(); !reflect.DeepEqual(got, want) {
			t.Errorf("merged result\n got %+v\nwant %+v", got, want)
		}
		// The merged open case goes on like any other.
		if err := a.Add("L4", "Approve", "carol", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		a.End("L4")
		if r := a.Result(); r.Open != 0 || r.Ended != 4 {
			t.Errorf("after ending L4: open %d ended %d", r.Open, r.Ended)
		}
	})

	t.Run("merge-conflict", func(t *testing.T) {
		a, b := process.NewLog(process.LogConfig{}), process.NewLog(process.LogConfig{})
		feedLog(t, a, importedLog[3])
		feedLog(t, b, importedLog[3], importedLog[0])
		before := a.AppendBinary(nil)
		if err := a.Merge(b); !errors.Is(err, process.ErrMerge) {
			t.Fatalf("Merge: %v, want ErrMerge", err)
		}
		if !bytes.Equal(a.AppendBinary(nil), before) {
			t.Error("a failed merge changed the log")
		}
	})
}

func TestLogLimits(t *testing.T) {
	l := process.NewLog(process.LogConfig{})
	for i := range process.MaxActivities {
		if err := l.Add("c", "a"+strconv.Itoa(i), "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Add("c", "one-too-many", "", t0); !errors.Is(err, process.ErrTooMany) {
		t.Fatalf("Add: %v, want ErrTooMany", err)
	}
	if r := l.Result(); r.Events != process.MaxActivities {
		t.Errorf("events %d: the refused event must not count", r.Events)
	}
}

func TestLogBackwardsTime(t *testing.T) {
	// A time earlier than the previous event's is a zero gap, and the
	// duration runs from the first to the last event added, at least 0.
	l := process.NewLog(process.LogConfig{})
	for _, e := range []imported{{"x", "a", "", 60}, {"x", "b", "", 30}} {
		if err := l.Add(e.caseID, e.activity, e.resource, t0.Add(time.Duration(e.min)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	l.End("x")
	r := l.Result()
	if r.Edges[0].Median != 0 || r.Duration.Max != 0 {
		t.Errorf("edge %+v duration %+v, want zeros", r.Edges[0], r.Duration)
	}
}
