package ocel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/interoptest"
	"github.com/govledger/govledger/interop/ocel"
	"github.com/govledger/govledger/store/memstore"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Plaintexts the story seals: none may appear in an export.
const (
	secretDescription = interoptest.SecretDescription
	secretAddress     = interoptest.SecretAddress
	secretComment     = interoptest.SecretComment
)

// story returns a store holding a small district's story, written through
// a ledger that seals personal fields: a case through its whole life with
// a return and a reopening, a duplicate merged into it, a secret and an
// open vote, and an imported activity trace.
func story(t testing.TB) *memstore.Store {
	t.Helper()
	s := eventstest.New()
	s.District()
	interoptest.SealedCase(s)

	secret := s.Topic("T-secret")
	secret.Open(24*time.Hour, true, "V-1", "V-2", "V-3")
	secret.Ballot("V-1", "yes")
	secret.Ballot("V-2", "no")
	s.Advance(24 * time.Hour)
	secret.Close(events.OptionCount{Option: "yes", Votes: 1}, events.OptionCount{Option: "no", Votes: 1})
	open := s.Topic("T-open")
	open.Open(24*time.Hour, false, "V-1", "V-2")
	open.Ballot("V-1", "no")
	s.Advance(24 * time.Hour)
	open.Close(events.OptionCount{Option: "yes", Votes: 0}, events.OptionCount{Option: "no", Votes: 1})

	s.Draft(events.TraceStream("X-1"), eventstest.System, &events.ActivityRecorded{
		Activity: "Check invoice", Lifecycle: "complete", Resource: "clerk-7",
		Attributes: []events.Attribute{
			{Key: "amount", Type: events.AttrFloat, Value: "12.50"},
			{Key: "items", Type: events.AttrInt, Value: "3"},
			{Key: "urgent", Type: events.AttrBoolean, Value: "1"},
			{Key: "due", Type: events.AttrDate, Value: "2026-11-05T12:00:00+08:00"},
			{Key: "lines", Type: events.AttrList},
		},
		Trace: &events.TraceInfo{Name: "invoice 1"},
	})
	s.Draft(events.TraceStream("X-1"), eventstest.System, &events.ActivityRecorded{Activity: "case.closed", Last: true})
	return interoptest.Write(t, s.Drafts())
}

func export(t testing.TB, st *memstore.Store, cfg ocel.Config) ([]byte, ocel.Stats) {
	t.Helper()
	var buf bytes.Buffer
	stats, err := ocel.Write(context.Background(), &buf, interop.StoreSource(st), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), stats
}

// doc is the OCEL 2.0 JSON document, decoded for assertions.
type doc struct {
	EventTypes  []typeDecl `json:"eventTypes"`
	ObjectTypes []typeDecl `json:"objectTypes"`
	Events      []struct {
		ID            string      `json:"id"`
		Type          string      `json:"type"`
		Time          string      `json:"time"`
		Attributes    []attribute `json:"attributes"`
		Relationships []relation  `json:"relationships"`
	} `json:"events"`
	Objects []struct {
		ID            string      `json:"id"`
		Type          string      `json:"type"`
		Attributes    []attribute `json:"attributes"`
		Relationships []relation  `json:"relationships"`
	} `json:"objects"`
}

type typeDecl struct {
	Name       string `json:"name"`
	Attributes []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"attributes"`
}

type attribute struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
	Time  string `json:"time"`
}

type relation struct {
	ObjectID  string `json:"objectId"`
	Qualifier string `json:"qualifier"`
}

func decode(t *testing.T, b []byte) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	return d
}

func schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "ocel20-schema-json.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("ocel20-schema-json.json", s); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("ocel20-schema-json.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, b []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(v)
}

func TestValidAgainstPublishedSchema(t *testing.T) {
	sch := schema(t)
	b, _ := export(t, story(t), ocel.Config{})
	if err := validate(t, sch, b); err != nil {
		t.Fatalf("story export invalid: %v", err)
	}
	b, stats := export(t, interoptest.Simulated(t, 300, 6), ocel.Config{})
	if err := validate(t, sch, b); err != nil {
		t.Fatalf("simulated export invalid: %v", err)
	}
	if stats.Events < 300 || stats.Objects < 300 {
		t.Fatalf("stats %+v: fewer events or objects than cases", stats)
	}
	// The schema must catch what it is there to catch: a value written
	// as a number (NativeValues) is not a string.
	native, _ := export(t, story(t), ocel.Config{NativeValues: true})
	if err := validate(t, sch, native); err == nil {
		t.Fatal("native values validated against a schema that types values as strings")
	}
}

// event returns the events of type typ.
func eventsOf(d doc, typ string) []int {
	var out []int
	for i, e := range d.Events {
		if e.Type == typ {
			out = append(out, i)
		}
	}
	return out
}

func rels(rs []relation) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		if m[r.Qualifier] != "" {
			m[r.Qualifier] += ","
		}
		m[r.Qualifier] += r.ObjectID
	}
	return m
}

func attrs(as []attribute) map[string]any {
	m := map[string]any{}
	for _, a := range as {
		m[a.Name] = a.Value
	}
	return m
}

func TestEventRelationshipsAndAttributes(t *testing.T) {
	d := decode(t, mustExport(t))
	tests := []struct {
		name  string
		typ   string
		nth   int
		rels  map[string]string
		attrs map[string]any
	}{
		{"reported", events.TypeCaseReported, 0,
			map[string]string{"case": "case/C-1", "reporter": "resident/S-C-1", "location": "unit/st-1,unit/cm-1,unit/g-1"},
			map[string]any{"channel": "hotline", "category": "water.leak", "deadline_policy": "standard-5wd"}},
		{"dispatched manual", events.TypeCaseDispatched, 0,
			map[string]string{"case": "case/C-1", "from": "unit/center", "to": "unit/dept-roads"},
			map[string]any{"mode": "manual"}},
		{"dispatched by rule", events.TypeCaseDispatched, 1,
			map[string]string{"case": "case/C-1", "from": "unit/center", "to": "unit/dept-water"},
			map[string]any{"mode": "rule", "rule_id": "r-leak", "list_version": "1"}},
		{"returned", events.TypeCaseReturned, 0,
			map[string]string{"case": "case/C-1", "returned-by": "unit/dept-roads"},
			map[string]any{"reason": "wrong_area"}},
		{"accepted", events.TypeCaseAccepted, 0,
			map[string]string{"case": "case/C-1", "unit": "unit/dept-water"}, map[string]any{}},
		{"contacted", events.TypeCaseContacted, 0,
			map[string]string{"case": "case/C-1", "unit": "unit/dept-water"}, map[string]any{"means": "phone"}},
		{"resolved", events.TypeCaseResolved, 0,
			map[string]string{"case": "case/C-1", "unit": "unit/dept-water"}, map[string]any{"outcome": "fixed", "evidence": "0"}},
		{"rated", events.TypeCaseRated, 0,
			map[string]string{"case": "case/C-1", "respondent": "resident/S-C-1"},
			map[string]any{"contacted": "true", "solved": "false", "satisfaction": "unsatisfied", "valid": "true"}},
		{"reopened", events.TypeCaseReopened, 0, map[string]string{"case": "case/C-1"}, map[string]any{"by": "citizen"}},
		{"merged", events.TypeCaseMerged, 0, map[string]string{"case": "case/C-2", "parent": "case/C-1"}, map[string]any{}},
		{"topic opened", events.TypeTopicOpened, 0,
			map[string]string{"topic": "topic/T-secret", "community": "unit/cm-1"},
			map[string]any{"secret": "true", "options": "2", "eligible": "3"}},
		{"open ballot", events.TypeBallotCast, 2,
			map[string]string{"topic": "topic/T-open", "voter": "resident/V-1"}, map[string]any{"choice": "no"}},
		{"topic closed", events.TypeTopicClosed, 0,
			map[string]string{"topic": "topic/T-secret"}, map[string]any{"turnout": "2", "votes:yes": "1", "votes:no": "1"}},
		{"unit registered", events.TypeUnitRegistered, 2,
			map[string]string{"unit": "unit/st-1", "parent": "unit/d-1"}, map[string]any{"name": "Unit st-1", "kind": "street"}},
		{"activity", "Check invoice", 0,
			map[string]string{"trace": "trace/X-1"},
			map[string]any{"lifecycle:transition": "complete", "org:resource": "clerk-7", "amount": "12.5", "items": "3", "urgent": "true", "due": "2026-11-05T12:00:00+08:00"}},
		{"activity named like a ledger type", "activity:case.closed", 0, map[string]string{"trace": "trace/X-1"}, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := eventsOf(d, tt.typ)
			if len(idx) <= tt.nth {
				t.Fatalf("%d %s events, want more than %d", len(idx), tt.typ, tt.nth)
			}
			e := d.Events[idx[tt.nth]]
			if got := rels(e.Relationships); !equalMaps(got, tt.rels) {
				t.Errorf("relationships %v, want %v", got, tt.rels)
			}
			got := attrs(e.Attributes)
			for k, v := range tt.attrs {
				if got[k] != v {
					t.Errorf("attribute %s = %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func mustExport(t *testing.T) []byte {
	b, _ := export(t, story(t), ocel.Config{})
	return b
}

func TestSecretBallotsDoNotLinkVoterAndChoice(t *testing.T) {
	b, stats := export(t, story(t), ocel.Config{})
	d := decode(t, b)
	if stats.WithheldChoices != 2 {
		t.Errorf("withheld %d choices, want the 2 secret ballots", stats.WithheldChoices)
	}
	var secret, open int
	for _, i := range eventsOf(d, events.TypeBallotCast) {
		e := d.Events[i]
		r := rels(e.Relationships)
		_, hasChoice := attrs(e.Attributes)["choice"]
		switch r["topic"] {
		case "topic/T-secret":
			secret++
			if hasChoice {
				t.Errorf("secret ballot %s carries a choice: %+v", e.ID, e.Attributes)
			}
			if r["voter"] == "" {
				t.Errorf("secret ballot %s lost its voter (participation is public)", e.ID)
			}
		case "topic/T-open":
			open++
			if !hasChoice {
				t.Errorf("open ballot %s lost its choice", e.ID)
			}
		}
	}
	if secret != 2 || open != 1 {
		t.Fatalf("%d secret and %d open ballots, want 2 and 1", secret, open)
	}
}

func TestNoPersonalText(t *testing.T) {
	tests := []struct {
		name string
		cfg  ocel.Config
	}{{"strings", ocel.Config{}}, {"native", ocel.Config{NativeValues: true}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := export(t, story(t), tt.cfg)
			for _, s := range []string{secretDescription, secretAddress, secretComment, "Jasmine", "sealed", "31.23"} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("output contains %q", s)
				}
			}
		})
	}
	// The simulation seals every reporter's description and address.
	b, _ := export(t, interoptest.Simulated(t, 200, 6), ocel.Config{})
	for _, s := range []string{"sealed", "Building "} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("simulated output contains %q", s)
		}
	}
}

func TestObjects(t *testing.T) {
	d := decode(t, mustExport(t))
	byID := map[string]int{}
	for i, o := range d.Objects {
		if _, dup := byID[o.ID]; dup {
			t.Fatalf("object %s twice", o.ID)
		}
		byID[o.ID] = i
		if i > 0 && d.Objects[i-1].ID >= o.ID {
			t.Fatalf("objects not in id order: %s before %s", d.Objects[i-1].ID, o.ID)
		}
	}
	// every related object exists, with the right type prefix
	for _, e := range d.Events {
		for _, r := range e.Relationships {
			i, ok := byID[r.ObjectID]
			if !ok {
				t.Fatalf("event %s relates to unknown object %s", e.ID, r.ObjectID)
			}
			if !strings.HasPrefix(r.ObjectID, d.Objects[i].Type+"/") {
				t.Fatalf("object %s has type %s", r.ObjectID, d.Objects[i].Type)
			}
		}
	}
	obj := func(id string) (map[string][]string, map[string]string) {
		o := d.Objects[byID[id]]
		hist := map[string][]string{}
		for _, a := range o.Attributes {
			if a.Time == "" {
				t.Errorf("%s attribute %s has no time", id, a.Name)
			}
			hist[a.Name] = append(hist[a.Name], a.Value.(string))
		}
		return hist, rels(o.Relationships)
	}
	t.Run("case status over time", func(t *testing.T) {
		hist, _ := obj("case/C-1")
		if got := strings.Join(hist["status"], ","); got != "open,resolved,open,resolved,closed" {
			t.Errorf("status history %s", got)
		}
		if got := hist["category"]; len(got) != 1 || got[0] != "water.leak" {
			t.Errorf("category %v", got)
		}
	})
	t.Run("merged into", func(t *testing.T) {
		hist, r := obj("case/C-2")
		if r["merged-into"] != "case/C-1" {
			t.Errorf("relationships %v", r)
		}
		if got := strings.Join(hist["status"], ","); got != "open,merged" {
			t.Errorf("status history %s", got)
		}
	})
	t.Run("unit part of", func(t *testing.T) {
		hist, r := obj("unit/g-1")
		if r["part-of"] != "unit/cm-1" {
			t.Errorf("relationships %v", r)
		}
		if hist["kind"][0] != "grid" || hist["parent"][0] != "cm-1" || hist["name"][0] != "Unit g-1" {
			t.Errorf("attributes %v", hist)
		}
	})
	t.Run("resident is a pseudonym", func(t *testing.T) {
		hist, _ := obj("resident/S-C-1")
		if len(hist) != 0 {
			t.Errorf("resident has attributes %v", hist)
		}
	})
	t.Run("trace", func(t *testing.T) {
		hist, _ := obj("trace/X-1")
		if hist["name"][0] != "invoice 1" {
			t.Errorf("attributes %v", hist)
		}
	})
}

func TestTypesDeclareAttributes(t *testing.T) {
	d := decode(t, mustExport(t))
	declared := map[string]map[string]string{}
	for _, et := range d.EventTypes {
		m := map[string]string{}
		for _, a := range et.Attributes {
			m[a.Name] = a.Type
		}
		declared[et.Name] = m
	}
	for _, e := range d.Events {
		m, ok := declared[e.Type]
		if !ok {
			t.Fatalf("event type %s not declared", e.Type)
		}
		for _, a := range e.Attributes {
			if m[a.Name] == "" {
				t.Errorf("%s attribute %s not declared", e.Type, a.Name)
			}
		}
	}
	want := map[string]map[string]string{
		events.TypeCaseRated:      {"contacted": "boolean", "valid": "boolean", "satisfaction": "string", "solved": "boolean"},
		events.TypeCaseExtended:   {"new_deadline": "time"},
		events.TypeCaseDispatched: {"list_version": "integer", "mode": "string", "rule_id": "string"},
		"Check invoice":           {"amount": "float", "items": "integer", "urgent": "boolean", "due": "time"},
	}
	for typ, attrs := range want {
		for name, ty := range attrs {
			if declared[typ][name] != ty {
				t.Errorf("%s.%s declared %q, want %q", typ, name, declared[typ][name], ty)
			}
		}
	}
	if _, ok := declared["Check invoice"]["lines"]; ok {
		t.Error("a list attribute was declared")
	}
	var objTypes []string
	for _, ot := range d.ObjectTypes {
		objTypes = append(objTypes, ot.Name)
	}
	if got := strings.Join(objTypes, ","); got != "case,resident,topic,trace,unit" {
		t.Errorf("object types %s", got)
	}
}

func TestNativeValues(t *testing.T) {
	b, _ := export(t, story(t), ocel.Config{NativeValues: true})
	d := decode(t, b)
	e := d.Events[eventsOf(d, "Check invoice")[0]]
	a := attrs(e.Attributes)
	if a["amount"] != 12.5 || a["items"] != float64(3) || a["urgent"] != true || a["due"] != "2026-11-05T12:00:00+08:00" {
		t.Fatalf("native attributes %v", a)
	}
}

func TestDeterministic(t *testing.T) {
	st := interoptest.Simulated(t, 300, 6)
	a, _ := export(t, st, ocel.Config{})
	b, _ := export(t, st, ocel.Config{})
	if !bytes.Equal(a, b) {
		t.Fatal("two exports of one ledger differ")
	}
	c, _ := export(t, interoptest.Simulated(t, 300, 6), ocel.Config{})
	if !bytes.Equal(a, c) {
		t.Fatal("exports of two identical ledgers differ")
	}
}

func TestStatsAndTimes(t *testing.T) {
	st := story(t)
	b, stats := export(t, st, ocel.Config{})
	d := decode(t, b)
	if stats.Events != len(d.Events) || stats.Objects != len(d.Objects) {
		t.Fatalf("stats %+v, document has %d events, %d objects", stats, len(d.Events), len(d.Objects))
	}
	// responsibility.published is the one event of the story without an
	// OCEL counterpart
	if stats.Skipped != 1 {
		t.Errorf("skipped %d, want 1", stats.Skipped)
	}
	if stats.DroppedAttributes != 1 {
		t.Errorf("dropped %d attributes, want the one list", stats.DroppedAttributes)
	}
	first := d.Events[0]
	if first.Time != eventstest.Start.Format(time.RFC3339) {
		t.Errorf("first event time %s, want %s with its zone", first.Time, eventstest.Start.Format(time.RFC3339))
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, os.ErrClosed
	}
	return len(p), nil
}

func TestErrors(t *testing.T) {
	st := interoptest.Simulated(t, 300, 6)
	t.Run("writer", func(t *testing.T) {
		_, err := ocel.Write(context.Background(), &failingWriter{n: 100}, interop.StoreSource(st), ocel.Config{})
		if err == nil || !strings.HasPrefix(err.Error(), "ocel: write:") || !errorsIs(err, os.ErrClosed) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := ocel.Write(ctx, &bytes.Buffer{}, interop.StoreSource(st), ocel.Config{})
		if !errorsIs(err, context.Canceled) {
			t.Fatalf("error %v", err)
		}
	})
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func TestStreamsEvents(t *testing.T) {
	src := interop.StoreSource(interoptest.Simulated(t, 300, 6))
	atLast, total := interoptest.WrittenBeforeEnd(t, src, func(w io.Writer, src interop.Source) error {
		_, err := ocel.Write(context.Background(), w, src, ocel.Config{})
		return err
	})
	// all but the write buffer of the events was out before the source ended
	if atLast < total/2 {
		t.Fatalf("%d of %d bytes written when the last event was read: events are not streamed", atLast, total)
	}
}
