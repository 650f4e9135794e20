package interop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
)

var t0 = time.Date(2024, 6, 3, 9, 0, 0, 0, time.FixedZone("", 2*3600))

func newLedger(t *testing.T) (*ledger.Ledger, *memstore.Store) {
	t.Helper()
	st := memstore.New()
	l, err := ledger.New(context.Background(), st, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return l, st
}

func activityTrace(name string, acts ...string) *interop.Trace {
	tr := &interop.Trace{Name: name, Attributes: []events.Attribute{{Key: "variant", Type: events.AttrString, Value: "v1"}}}
	for i, a := range acts {
		tr.Events = append(tr.Events, interop.Event{Activity: a, Lifecycle: "complete", Resource: "Pete",
			Time:       t0.Add(time.Duration(i) * time.Hour),
			Attributes: []events.Attribute{{Key: "cost", Type: events.AttrFloat, Value: "12.50"}}})
	}
	return tr
}

// caseTrace is a 311-style request: reported, then resolved by its agency.
func caseTrace(name, agency string) *interop.Trace {
	return &interop.Trace{Name: name, Units: []interop.Unit{{ID: agency, Kind: events.UnitCenter}, {ID: "queens", Kind: events.UnitStreet}},
		Events: []interop.Event{
			{Activity: "reported", Time: t0, Payload: &events.CaseReported{Channel: events.ChannelOther, Category: "noise",
				Location: events.Location{Street: "queens"}, DeadlinePolicy: "standard-5wd"},
				Attributes: []events.Attribute{{Key: "Descriptor", Type: events.AttrString, Value: "Loud Music"}}},
			{Activity: "resolved", Time: t0.Add(26 * time.Hour), Payload: &events.CaseResolved{Unit: agency, Outcome: events.OutcomeFixed},
				Actor: events.Actor{Kind: events.ActorUnit, ID: agency, Unit: agency}},
		}}
}

func readAll(t *testing.T, st store.Store) []store.Record {
	t.Helper()
	var out []store.Record
	if err := st.ReadAll(context.Background(), 1, func(r store.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSinkWritesTracesAndRecordsTheImport(t *testing.T) {
	ctx := context.Background()
	l, st := newLedger(t)
	s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "log.xes", SHA256: strings.Repeat("ab", 32), BatchEvents: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []*interop.Trace{
		activityTrace("Case 1", "Register", "Check", "Decide"),
		caseTrace("R-1", "nypd"),
		activityTrace("Case 2", "Register", "Decide"),
		{Name: "empty"},
	} {
		if err := s.Add(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	s.Skip(interop.Skip("unparseable date", "trace x, line 9"))
	sum, err := s.Close(ctx, []events.Attribute{{Key: "concept:name", Type: events.AttrString, Value: "log"}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Traces != 3 || sum.Cases != 1 || sum.Activities != 2 || sum.Events != 7 {
		t.Errorf("summary %+v, want 3 traces (1 case, 2 activity traces), 7 events", sum)
	}
	if sum.Skipped["trace without events"] != 1 || sum.Skipped["unparseable date"] != 1 {
		t.Errorf("skipped %v", sum.Skipped)
	}
	if len(sum.Dropped) != 1 || sum.Dropped[0] != "Descriptor" {
		t.Errorf("dropped %v, want [Descriptor]", sum.Dropped)
	}
	recs := readAll(t, st)
	byStream := map[string][]store.Record{}
	for _, r := range recs {
		byStream[r.Event.Stream] = append(byStream[r.Event.Stream], r)
	}
	tr := byStream["trace/Case 1"]
	if len(tr) != 3 {
		t.Fatalf("trace/Case 1 has %d events, want 3", len(tr))
	}
	first, _ := events.DecodeStored(tr[0].Event.Type, tr[0].Event.Schema, tr[0].Event.Data)
	a := first.(*events.ActivityRecorded)
	if a.Activity != "Register" || a.Trace == nil || a.Trace.Name != "Case 1" || a.Trace.Attributes[0].Value != "v1" || a.Last {
		t.Errorf("first event %+v", a)
	}
	last, _ := events.DecodeStored(tr[2].Event.Type, tr[2].Event.Schema, tr[2].Event.Data)
	if !last.(*events.ActivityRecorded).Last || last.(*events.ActivityRecorded).Trace != nil {
		t.Errorf("last event %+v, want Last and no trace info", last)
	}
	if !tr[1].Event.OccurredAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("time %v", tr[1].Event.OccurredAt)
	}
	if c := byStream["case/R-1"]; len(c) != 2 || c[0].Event.Type != events.TypeCaseReported || c[1].Event.Type != events.TypeCaseResolved {
		t.Errorf("case/R-1: %v", c)
	}
	var units []string
	for _, r := range byStream[events.UnitsStream] {
		p, _ := events.DecodeStored(r.Event.Type, r.Event.Schema, r.Event.Data)
		u := p.(*events.UnitRegistered)
		units = append(units, u.Unit+":"+u.Kind+":"+u.Parent)
	}
	if strings.Join(units, " ") != "imported:district: nypd:center:imported queens:street:imported" {
		t.Errorf("units %v", units)
	}
	imp := byStream[events.ImportsStream]
	if len(imp) != 1 || imp[0].Position != sum.Position {
		t.Fatalf("import record %v at %d", imp, sum.Position)
	}
	p, _ := events.DecodeStored(imp[0].Event.Type, imp[0].Event.Schema, imp[0].Event.Data)
	rec := p.(*events.ImportRecorded)
	if rec.Traces != 3 || rec.Events != 7 || len(rec.Skipped) != 2 || rec.Source != "log.xes" || rec.Attributes[0].Value != "log" {
		t.Errorf("import record %+v", rec)
	}
}

func TestSinkReimportIsIdempotent(t *testing.T) {
	ctx := context.Background()
	l, st := newLedger(t)
	run := func() interop.Summary {
		s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatCSV, Source: "311.csv", SHA256: strings.Repeat("cd", 32)})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range []*interop.Trace{caseTrace("R-1", "nypd"), caseTrace("R-2", "dsny"), activityTrace("A", "x", "y")} {
			if err := s.Add(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := s.Close(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	first := run()
	n := len(readAll(t, st))
	second := run()
	if first.Events != 6 || second.Events != 0 || second.Duplicates != 6 || second.Units != 0 {
		t.Errorf("first %+v, second %+v: want the second run to acknowledge all 6 events and register nothing", first, second)
	}
	if got := len(readAll(t, st)); got != n+1 { // only the second import.recorded
		t.Errorf("ledger grew from %d to %d events, want %d", n, got, n+1)
	}
}

func TestSinkRefusedCaseTraceFallsBackOrIsSkipped(t *testing.T) {
	ctx := context.Background()
	// A case resolved by a department nobody dispatched it to breaks the
	// lifecycle ("not-holder").
	bad := caseTrace("R-9", "dept-x")
	bad.Units[0].Kind = events.UnitDepartment
	for _, fallback := range []bool{true, false} {
		t.Run(map[bool]string{true: "fallback", false: "skip"}[fallback], func(t *testing.T) {
			l, st := newLedger(t)
			s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "x.xes", SHA256: strings.Repeat("00", 32), Fallback: fallback})
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range []*interop.Trace{caseTrace("R-1", "nypd"), bad, caseTrace("R-2", "nypd")} {
				if err := s.Add(ctx, tr); err != nil {
					t.Fatal(err)
				}
			}
			sum, err := s.Close(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			streams := map[string]int{}
			for _, r := range readAll(t, st) {
				streams[r.Event.Stream]++
			}
			if streams["case/R-1"] != 2 || streams["case/R-2"] != 2 || streams["case/R-9"] != 0 {
				t.Errorf("streams %v: the good cases must land whole and the refused one not at all", streams)
			}
			if fallback {
				if sum.Fallbacks["not-holder"] != 1 || streams["trace/R-9"] != 2 {
					t.Errorf("fallbacks %v, streams %v: want R-9 as an activity trace", sum.Fallbacks, streams)
				}
			} else if sum.Skipped["refused: not-holder"] != 1 || streams["trace/R-9"] != 0 {
				t.Errorf("skipped %v, streams %v", sum.Skipped, streams)
			}
		})
	}
}

func TestSinkSameNameTwiceKeepsTheFirst(t *testing.T) {
	ctx := context.Background()
	l, st := newLedger(t)
	s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "x.xes", SHA256: strings.Repeat("00", 32)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []*interop.Trace{activityTrace("A", "x", "y"), activityTrace("A", "p", "q", "r")} {
		if err := s.Add(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := s.Close(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped["stream already holds other events"] != 1 || sum.Events != 2 {
		t.Errorf("summary %+v", sum)
	}
	n := 0
	for _, r := range readAll(t, st) {
		if r.Event.Stream == "trace/A" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("trace/A has %d events, want the first trace's 2", n)
	}
}

func TestStreamID(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ prefix, name, want string }{
		{"", "Case 1", "Case 1"},
		{"bpi2012:", "173688", "bpi2012:173688"},
		{"", "a\x01b", "a_b~"},
		{"", long, strings.Repeat("x", 176) + "~"},
	} {
		got := interop.StreamID(tc.prefix, tc.name)
		if !strings.HasPrefix(got, tc.want) || events.ValidateStream(events.TraceStream(got)) != nil {
			t.Errorf("StreamID(%q, %q) = %q, want prefix %q and a valid stream", tc.prefix, tc.name, got, tc.want)
		}
	}
	if interop.StreamID("", "a\x01b") == interop.StreamID("", "a\x02b") {
		t.Error("two names cleaned alike got one stream id")
	}
}

const fineMapping = `{
  "activities": {
    "Create Fine": {"type": "case.reported", "data": {"channel": "other", "category": "traffic-fine",
        "location": {"street": "{trace:district|central}"}, "deadline_policy": "standard-5wd"}},
    "Send Fine": {"type": "case.dispatched", "data": {"from_unit": "{case.unit|fines-center}", "to_unit": "{org:group}", "mode": "manual"}},
    "Accept": {"type": "case.accepted", "data": {"unit": "{org:group}"}},
    "Payment/complete": {"type": "case.resolved", "data": {"unit": "{case.unit}", "outcome": "fixed", "summary": "paid {amount}"}}
  },
  "unit_kinds": {"fines-center": "center"}
}`

func fineTrace(name string, acts ...string) *interop.Trace {
	tr := activityTrace(name, acts...)
	tr.Attributes = append(tr.Attributes, events.Attribute{Key: "district", Type: events.AttrString, Value: "north"})
	for i := range tr.Events {
		tr.Events[i].Group = "collections"
		tr.Events[i].Attributes = append(tr.Events[i].Attributes, events.Attribute{Key: "amount", Type: events.AttrFloat, Value: "35.0"})
	}
	return tr
}

func TestMappingTurnsActivitiesIntoLifecycleEvents(t *testing.T) {
	ctx := context.Background()
	m, err := interop.LoadMapping(strings.NewReader(fineMapping))
	if err != nil {
		t.Fatal(err)
	}
	l, st := newLedger(t)
	s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "fines.xes", SHA256: strings.Repeat("00", 32), Map: m, Fallback: true})
	if err != nil {
		t.Fatal(err)
	}
	traces := []*interop.Trace{
		fineTrace("F-1", "Create Fine", "Send Fine", "Accept", "Add penalty", "Payment"),
		fineTrace("F-2", "Add penalty", "Create Fine"),       // does not start with the report: stays an activity trace
		fineTrace("F-3", "Create Fine", "Accept", "Payment"), // accepted before any dispatch: the ledger refuses it
	}
	for _, tr := range traces {
		if err := s.Add(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := s.Close(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string][]string{}
	for _, r := range readAll(t, st) {
		types[r.Event.Stream] = append(types[r.Event.Stream], r.Event.Type)
		if r.Event.Type == events.TypeCaseResolved {
			p, _ := events.DecodeStored(r.Event.Type, r.Event.Schema, r.Event.Data)
			if res := p.(*events.CaseResolved); res.Unit != "collections" || res.Summary != "paid 35.0" {
				t.Errorf("resolution %+v", res)
			}
		}
	}
	want := "case.reported case.dispatched case.accepted activity.recorded case.resolved"
	if got := strings.Join(types["case/F-1"], " "); got != want {
		t.Errorf("case/F-1: %s, want %s", got, want)
	}
	if len(types["trace/F-2"]) != 2 || len(types["trace/F-3"]) != 3 || len(types["case/F-3"]) != 0 {
		t.Errorf("streams %v", types)
	}
	if sum.Fallbacks["not-pending"] != 1 || sum.Cases != 1 || sum.Activities != 2 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(strings.Join(types[events.UnitsStream], " "), events.TypeUnitRegistered) {
		t.Errorf("no units registered: %v", types[events.UnitsStream])
	}
}

func TestLoadMappingRefusesBadFiles(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"malformed":     {`{"activities": {`, "mapping"},
		"unknown key":   {`{"activities": {"a": {"type": "case.accepted"}}, "extra": 1}`, `unknown field "extra"`},
		"not lifecycle": {`{"activities": {"a": {"type": "ballot.cast", "data": {}}}}`, "not a case lifecycle type"},
		"empty":         {`{"activities": {}}`, "names no activities"},
		"bad kind":      {`{"activities": {"a": {"type": "case.accepted"}}, "unit_kinds": {"*": "ministry"}}`, "not a unit kind"},
		"data array":    {`{"activities": {"a": {"type": "case.accepted", "data": []}}}`, "must be an object"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := interop.LoadMapping(strings.NewReader(tc.in))
			if !errors.Is(err, interop.ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want ErrInput mentioning %q", err, tc.want)
			}
		})
	}
}

func TestMappingTemplateFailureFallsBack(t *testing.T) {
	ctx := context.Background()
	m, err := interop.LoadMapping(strings.NewReader(fineMapping))
	if err != nil {
		t.Fatal(err)
	}
	tr := activityTrace("F-9", "Create Fine", "Send Fine") // no org:group: to_unit would be empty
	for _, fallback := range []bool{true, false} {
		l, st := newLedger(t)
		s, _ := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "f.xes", SHA256: strings.Repeat("00", 32), Map: m, Fallback: fallback})
		if err := s.Add(ctx, tr); err != nil {
			t.Fatal(err)
		}
		sum, err := s.Close(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range readAll(t, st) {
			if r.Event.Stream == "trace/F-9" {
				n++
			}
		}
		if fallback && (sum.Fallbacks["mapping"] != 1 || n != 2) || !fallback && (sum.Skipped["mapping"] != 1 || n != 0) {
			t.Errorf("fallback=%v: summary %+v, %d events on trace/F-9", fallback, sum, n)
		}
	}
}

func TestSinkAbortKeepsWhatWasWrittenAndRecordsNothing(t *testing.T) {
	ctx := context.Background()
	l, st := newLedger(t)
	s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "x.xes", SHA256: strings.Repeat("00", 32), BatchEvents: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []*interop.Trace{activityTrace("A", "x", "y"), activityTrace("B", "x", "y"), activityTrace("C", "x")} {
		if err := s.Add(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	streams := map[string]int{}
	for _, r := range readAll(t, st) {
		streams[r.Event.Stream]++
	}
	if streams["trace/A"] != 2 || streams["trace/B"] != 2 || streams["trace/C"] != 0 || streams[events.ImportsStream] != 0 {
		t.Errorf("after Abort: %v; want A and B (written), not C (queued) nor an import record", streams)
	}
	if sum := s.Summary(); sum.Traces != 2 || sum.Events != 4 {
		t.Errorf("summary %+v", sum)
	}
}

// A trace with an event the vocabulary refuses is skipped whole, with the
// event named; a case trace with one is imported as activities when the
// activities are valid. The traces around them land.
func TestSinkInvalidEvent(t *testing.T) {
	ctx := context.Background()
	l, st := newLedger(t)
	s, err := interop.NewSink(ctx, l, interop.SinkConfig{Format: events.FormatXES, Source: "x.xes", SHA256: strings.Repeat("00", 32), Fallback: true})
	if err != nil {
		t.Fatal(err)
	}
	bad := activityTrace("bad", "x", "y")
	bad.Events[1].Attributes = []events.Attribute{{Key: "n", Type: events.AttrInt, Value: "1.5"}}
	badCase := caseTrace("R-bad", "nypd")
	badCase.Events[0].Payload.(*events.CaseReported).Channel = "carrier pigeon"
	for _, tr := range []*interop.Trace{activityTrace("A", "x"), bad, badCase, activityTrace("B", "x")} {
		if err := s.Add(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := s.Close(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	streams := map[string]int{}
	for _, r := range readAll(t, st) {
		streams[r.Event.Stream]++
	}
	if sum.Skipped["invalid event"] != 1 || streams["trace/bad"] != 0 || streams["trace/A"] != 1 || streams["trace/B"] != 1 {
		t.Errorf("skipped %v, streams %v", sum.Skipped, streams)
	}
	if sum.Fallbacks["invalid"] != 1 || streams["trace/R-bad"] != 2 || streams["case/R-bad"] != 0 {
		t.Errorf("fallbacks %v, streams %v: the case with an invalid report should come in as activities", sum.Fallbacks, streams)
	}
}
