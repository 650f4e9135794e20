package events_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
)

// example is a valid event of one catalogue type: the stream it goes on and
// its payload in canonical form (compact JSON, fields in declaration order).
type example struct {
	typ, stream, data string
}

// examples holds one valid example for every catalogue type.
// TestEveryTypeHasAnExample fails when a type is added without one.
var examples = []example{
	{events.TypeCaseReported, "case/C-1", `{"channel":"hotline","category":"road.pothole","location":{"street":"st-1","community":"cm-1","grid":"g-1","address":{"subject":"S-1","sealed":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},"lat":31.23,"lon":121.47},"reporter":"S-1","description":{"subject":"S-1","sealed":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"},"deadline_policy":"standard-5wd"}`},
	{events.TypeCaseDispatched, "case/C-1", `{"from_unit":"center","to_unit":"dept-roads","mode":"rule","rule_id":"r-pothole","list_version":1,"note":"auto"}`},
	{events.TypeCaseReturned, "case/C-1", `{"unit":"dept-roads","reason":"wrong_area","suggested_unit":"dept-water","note":"a water main"}`},
	{events.TypeCaseAccepted, "case/C-1", `{"unit":"dept-water"}`},
	{events.TypeCaseContacted, "case/C-1", `{"unit":"dept-water","means":"phone"}`},
	{events.TypeCaseExtended, "case/C-1", `{"new_deadline":"2026-11-09T18:00:00+08:00","reason":"needs parts","approved_by":"op-1"}`},
	{events.TypeCaseResolved, "case/C-1", `{"unit":"dept-water","outcome":"fixed","evidence":["photo:1","photo:2"],"summary":"valve replaced"}`},
	{events.TypeCaseReopened, "case/C-1", `{"reason":"citizen unsatisfied","by":"citizen"}`},
	{events.TypeCaseRated, "case/C-1", `{"contacted":true,"solved":true,"satisfaction":"satisfied","valid":true,"comment":"quick"}`},
	{events.TypeCaseMerged, "case/C-2", `{"parent":"C-1"}`},
	{events.TypeCaseClosed, "case/C-1", `{"note":"archived"}`},
	{events.TypeTopicOpened, "topic/T-1", `{"community":"cm-1","question":"Install a charging shed for e-bikes?","options":["yes","no"],"eligible":["V-1","V-2"],"opens_at":"2026-11-02T09:00:00+08:00","closes_at":"2026-11-03T09:00:00+08:00","secret":true}`},
	{events.TypeBallotCast, "topic/T-1", `{"voter":"V-1","choice":"yes"}`},
	{events.TypeTopicClosed, "topic/T-1", `{"turnout":2,"tally":[{"option":"yes","votes":2},{"option":"no","votes":0}],"outcome":"yes"}`},
	{events.TypeUnitRegistered, "registry/units", `{"unit":"dept-roads","name":"Roads department","kind":"department","parent":"d-1"}`},
	{events.TypeRespPublished, "registry/responsibility", `{"list_version":1,"effective_from":"2026-11-01T00:00:00+08:00","fallback":"d-1","rules":[{"id":"r-pothole","category":"road.pothole","unit":"dept-roads"},{"id":"r-noise-st2","category":"env.noise","street":"st-2","unit":"st-2"}]}`},
	{events.TypeSubjectErased, "registry/subjects", `{"subject":"S-1","reason":"request of the subject"}`},
	{events.TypeActivityRecorded, "trace/Case 1", `{"activity":"Register request","lifecycle":"complete","resource":"Pete","group":"front-office","attributes":[{"key":"cost","type":"float","value":"50.0"},{"key":"tags","type":"list","children":[{"key":"tag","type":"string","value":"urgent"}]}],"trace":{"name":"Case 1","attributes":[{"key":"channel","type":"string","value":"phone"}]}}`},
	{events.TypeImportRecorded, "registry/imports", `{"format":"xes","source":"running-example.xes","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","attributes":[{"key":"concept:name","type":"string","value":"running example"}],"traces":6,"events":42,"reordered":1,"skipped":[{"reason":"trace without events","count":1}]}`},
}

func exampleOf(typ string) example {
	for _, ex := range examples {
		if ex.typ == typ {
			return ex
		}
	}
	panic("no example of " + typ)
}

// patch returns typ's example payload with key set to the raw JSON value,
// or removed when raw is "". Keys come out sorted, which is valid input.
func patch(typ, key, raw string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(exampleOf(typ).data), &m); err != nil {
		panic(err)
	}
	if raw == "" {
		delete(m, key)
	} else {
		m[key] = json.RawMessage(raw)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("patch %s.%s = %s: %v", typ, key, raw, err))
	}
	return string(b)
}

// wantError fails t unless err wraps want and its message contains every
// fragment (the field and the rule it names).
func wantError(t *testing.T, err, want error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error wrapping %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q does not wrap %v", err, want)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

func TestEveryTypeHasAnExample(t *testing.T) {
	have := map[string]example{}
	for _, ex := range examples {
		if _, dup := have[ex.typ]; dup {
			t.Errorf("two examples of %s", ex.typ)
		}
		have[ex.typ] = ex
	}
	types := events.Types()
	if len(types) == 0 {
		t.Fatal("empty catalogue")
	}
	for _, typ := range types {
		ex, ok := have[typ]
		if !ok {
			t.Errorf("catalogue type %s has no example in catalogue_test.go: add one", typ)
			continue
		}
		spec, ok := events.Lookup(typ)
		if !ok || spec.Type != typ || spec.Schema == 0 || spec.Doc == "" {
			t.Errorf("Lookup(%s) = %+v, %v", typ, spec, ok)
		}
		if got := spec.New().EventType(); got != typ {
			t.Errorf("%s: New().EventType() = %s", typ, got)
		}
		if kind, _ := events.SplitStream(ex.stream); kind != spec.StreamKind {
			t.Errorf("%s example is on %s, the type goes on %s/ streams", typ, ex.stream, spec.StreamKind)
		}
		delete(have, typ)
	}
	for typ := range have {
		t.Errorf("example of %s, which is not in the catalogue", typ)
	}
	if _, ok := events.Lookup("case.teleported"); ok {
		t.Error("Lookup found a type outside the catalogue")
	}
}

func TestPayloadCanonicalForm(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.typ, func(t *testing.T) {
			p, err := events.DecodePayload(ex.typ, 1, []byte(ex.data))
			if err != nil {
				t.Fatalf("valid example refused: %v", err)
			}
			if p.EventType() != ex.typ {
				t.Fatalf("decoded a %s", p.EventType())
			}
			got, err := events.EncodePayload(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != ex.data {
				t.Fatalf("EncodePayload(DecodePayload(x)) is not x:\n got %s\nwant %s", got, ex.data)
			}
			// Other spellings of the same payload (indented, keys sorted
			// rather than in declaration order) canonicalise to the same bytes.
			var m map[string]any
			if err := json.Unmarshal([]byte(ex.data), &m); err != nil {
				t.Fatal(err)
			}
			sorted, _ := json.Marshal(m)
			indented, _ := json.MarshalIndent(m, "", "\t")
			for _, alt := range [][]byte{sorted, indented} {
				p, err := events.DecodePayload(ex.typ, 1, alt)
				if err != nil {
					t.Fatalf("%s refused: %v", alt, err)
				}
				again, err := events.EncodePayload(p)
				if err != nil || string(again) != ex.data {
					t.Fatalf("%s canonicalises to %s (%v), want %s", alt, again, err, ex.data)
				}
			}
		})
	}
}

func TestPayloadEscapesCanonicalise(t *testing.T) {
	// JSON escapes are input spellings; the canonical form is fixed.
	in := `{"unit":"dept-\u0077ater"}`
	p, err := events.DecodePayload(events.TypeCaseAccepted, 1, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := events.EncodePayload(p)
	if string(got) != `{"unit":"dept-water"}` {
		t.Fatalf("canonical form of %s is %s", in, got)
	}
}

// badPayload is one entry of the bad-input catalogue for payloads.
type badPayload struct {
	name   string
	typ    string
	schema uint16 // 0 means the current schema
	data   string
	want   error
	msg    []string // fragments the message must contain
}

var bigText = strings.Repeat("x", events.MaxTextBytes+1)

var badPayloads = []badPayload{
	// Shape of the JSON.
	{"malformed JSON", "case.accepted", 0, `{"unit" "dept-water"}`, events.ErrInvalid, []string{"malformed JSON"}},
	{"truncated JSON", "case.accepted", 0, `{"unit":"dept-wa`, events.ErrInvalid, []string{"malformed JSON", "unexpected end"}},
	{"empty payload", "case.accepted", 0, ``, events.ErrInvalid, []string{"empty input"}},
	{"not an object", "case.accepted", 0, `["dept-water"]`, events.ErrInvalid, []string{"must be an object", "array"}},
	{"a string, not an object", "case.accepted", 0, `"dept-water"`, events.ErrInvalid, []string{"must be an object", "string"}},
	{"trailing object", "case.accepted", 0, `{"unit":"dept-water"} {"unit":"dept-roads"}`, events.ErrInvalid, []string{"trailing data"}},
	{"trailing brace", "case.accepted", 0, `{"unit":"dept-water"}}`, events.ErrInvalid, []string{"trailing data"}},
	{"trailing bracket", "case.accepted", 0, `{"unit":"dept-water"}]`, events.ErrInvalid, []string{"trailing data"}},
	{"unknown field", "case.accepted", 0, `{"unit":"dept-water","colour":"red"}`, events.ErrInvalid, []string{"unknown field", `"colour"`}},
	{"unknown nested field", "case.reported", 0, patch("case.reported", "location", `{"grid":"g-1","floor":3}`), events.ErrInvalid, []string{"unknown field", `"floor"`}},
	{"invalid UTF-8 in a string", "case.accepted", 0, "{\"unit\":\"dept-\xff\"}", events.ErrInvalid, []string{"case.accepted", "not valid UTF-8"}},
	{"oversized", "case.accepted", 0, `{"unit":"` + strings.Repeat("a", events.MaxPayloadBytes) + `"}`, events.ErrTooLarge, []string{"case.accepted", "limit 65536"}},
	{"unknown type", "case.teleported", 0, `{}`, events.ErrUnknownType, []string{`"case.teleported"`}},
	{"unsupported schema", "case.accepted", 2, `{"unit":"dept-water"}`, events.ErrUnsupportedSchema, []string{"case.accepted", "schema 2"}},
	{"schema from a later build", "case.accepted", 99, `{"unit":"dept-water"}`, events.ErrUnsupportedSchema, []string{"schema 99"}},

	// Wrong-typed fields.
	{"number where string", "case.accepted", 0, `{"unit":42}`, events.ErrInvalid, []string{`field "unit"`, "must be a string", "number"}},
	{"string where integer", "case.dispatched", 0, patch("case.dispatched", "list_version", `"1"`), events.ErrInvalid, []string{`field "list_version"`, "must be an integer", "string"}},
	{"fraction where integer", "topic.closed", 0, `{"turnout":1,"tally":[{"option":"yes","votes":1.5}]}`, events.ErrInvalid, []string{`"tally.votes"`, "must be an integer", "1.5"}},
	{"string where boolean", "case.rated", 0, patch("case.rated", "valid", `"yes"`), events.ErrInvalid, []string{`field "valid"`, "must be a boolean"}},
	{"string where array", "topic.opened", 0, patch("topic.opened", "options", `"yes,no"`), events.ErrInvalid, []string{`field "options"`, "must be an array"}},
	{"string where object", "case.reported", 0, patch("case.reported", "location", `"st-1"`), events.ErrInvalid, []string{`field "location"`, "must be an object"}},
	{"string where nested number", "case.reported", 0, patch("case.reported", "location", `{"grid":"g-1","lat":"31.2","lon":121.4}`), events.ErrInvalid, []string{`"location.lat"`, "must be a number"}},
	{"number where time", "case.extended", 0, patch("case.extended", "new_deadline", `1762077000`), events.ErrInvalid, []string{"case.extended", "not a JSON string"}},
	{"time without zone", "case.extended", 0, patch("case.extended", "new_deadline", `"2026-11-09T18:00:00"`), events.ErrInvalid, []string{"2026-11-09T18:00:00", "parsing time"}},
	{"time out of range", "case.extended", 0, patch("case.extended", "new_deadline", `"1970-01-01T00:00:00Z"`), events.ErrInvalid, []string{"new_deadline", "outside 1990..2199"}},
	{"time zone out of range", "topic.opened", 0, patch("topic.opened", "opens_at", `"2026-11-02T09:00:00+19:00"`), events.ErrInvalid, []string{"opens_at", "zone offset +19:00"}},

	// Required fields, identifiers, lengths.
	{"missing unit", "case.accepted", 0, `{}`, events.ErrInvalid, []string{"unit is required"}},
	{"null unit", "case.accepted", 0, `{"unit":null}`, events.ErrInvalid, []string{"unit is required"}},
	{"missing category", "case.reported", 0, patch("case.reported", "category", ""), events.ErrInvalid, []string{"category is required"}},
	{"missing deadline policy", "case.reported", 0, patch("case.reported", "deadline_policy", ""), events.ErrInvalid, []string{"deadline_policy is required"}},
	{"missing location", "case.reported", 0, patch("case.reported", "location", ""), events.ErrInvalid, []string{"location needs at least one of street, community, grid"}},
	{"lat without lon", "case.reported", 0, patch("case.reported", "location", `{"grid":"g-1","lat":31.2}`), events.ErrInvalid, []string{"lat and lon go together"}},
	{"lat out of range", "case.reported", 0, patch("case.reported", "location", `{"grid":"g-1","lat":91,"lon":0}`), events.ErrInvalid, []string{"lat/lon out of range"}},
	{"control character in an id", "case.accepted", 0, `{"unit":"dept\u0001water"}`, events.ErrInvalid, []string{"unit contains a control character"}},
	{"id too long", "case.accepted", 0, `{"unit":"` + strings.Repeat("u", events.MaxIDBytes+1) + `"}`, events.ErrInvalid, []string{"unit is 129 bytes, limit 128"}},
	{"text too long", "case.reported", 0, patch("case.reported", "description", `"`+bigText+`"`), events.ErrInvalid, []string{"description is 16385 bytes, limit 16384"}},
	{"empty evidence reference", "case.resolved", 0, patch("case.resolved", "evidence", `["photo:1",""]`), events.ErrInvalid, []string{"evidence[1] is required"}},
	{"missing extension reason", "case.extended", 0, patch("case.extended", "reason", ""), events.ErrInvalid, []string{"reason is required"}},
	{"missing erasure reason", "subject.erased", 0, patch("subject.erased", "reason", ""), events.ErrInvalid, []string{"reason is required"}},
	{"missing voter", "ballot.cast", 0, `{"choice":"yes"}`, events.ErrInvalid, []string{"voter is required"}},

	// Enums.
	{"channel not in the enum", "case.reported", 0, patch("case.reported", "channel", `"fax"`), events.ErrInvalid, []string{"channel", `"fax" is not one of`}},
	{"missing channel", "case.reported", 0, patch("case.reported", "channel", ""), events.ErrInvalid, []string{"channel is required"}},
	{"mode not in the enum", "case.dispatched", 0, patch("case.dispatched", "mode", `"auto"`), events.ErrInvalid, []string{"mode", `"auto" is not one of`}},
	{"reason not in the enum", "case.returned", 0, patch("case.returned", "reason", `"bored"`), events.ErrInvalid, []string{"reason", `"bored" is not one of`}},
	{"outcome not in the enum", "case.resolved", 0, patch("case.resolved", "outcome", `"done"`), events.ErrInvalid, []string{"outcome", `"done" is not one of`}},
	{"satisfaction not in the enum", "case.rated", 0, patch("case.rated", "satisfaction", `"meh"`), events.ErrInvalid, []string{"satisfaction", `"meh" is not one of`}},
	{"unit kind not in the enum", "unit.registered", 0, patch("unit.registered", "kind", `"county"`), events.ErrInvalid, []string{"kind", `"county" is not one of`}},
	{"contact means not in the enum", "case.contacted", 0, patch("case.contacted", "means", `"pigeon"`), events.ErrInvalid, []string{"means", `"pigeon" is not one of`}},
	{"reopened by not in the enum", "case.reopened", 0, patch("case.reopened", "by", `"mayor"`), events.ErrInvalid, []string{"by", `"mayor" is not one of`}},
	{"enum is case-sensitive", "case.reported", 0, patch("case.reported", "channel", `"Hotline"`), events.ErrInvalid, []string{"channel", `"Hotline"`}},

	// Cross-field rules.
	{"rule dispatch without rule_id", "case.dispatched", 0, patch("case.dispatched", "rule_id", ""), events.ErrInvalid, []string{"rule_id", `required for mode "rule"`}},
	{"rule dispatch without list_version", "case.dispatched", 0, patch("case.dispatched", "list_version", ""), events.ErrInvalid, []string{"list_version", `required for mode "rule"`}},
	{"dispatch to the sending unit", "case.dispatched", 0, patch("case.dispatched", "to_unit", `"center"`), events.ErrInvalid, []string{"to_unit equals from_unit"}},
	{"negative list_version", "case.dispatched", 0, `{"from_unit":"center","to_unit":"dept-roads","mode":"manual","list_version":-1}`, events.ErrInvalid, []string{"list_version is negative"}},
	{"duplicate outcome without duplicate_of", "case.resolved", 0, patch("case.resolved", "outcome", `"duplicate"`), events.ErrInvalid, []string{"duplicate_of", `exactly when outcome is "duplicate"`}},
	{"duplicate_of on another outcome", "case.resolved", 0, patch("case.resolved", "duplicate_of", `"C-0"`), events.ErrInvalid, []string{"duplicate_of", `exactly when outcome is "duplicate"`}},
	{"valid rating with invalid_reason", "case.rated", 0, patch("case.rated", "invalid_reason", `"unreachable"`), events.ErrInvalid, []string{"invalid_reason is set on a valid rating"}},
	{"invalid rating without invalid_reason", "case.rated", 0, patch("case.rated", "valid", `false`), events.ErrInvalid, []string{"invalid_reason is required when valid is false"}},
	{"topic with one option", "topic.opened", 0, patch("topic.opened", "options", `["yes"]`), events.ErrInvalid, []string{"options has 1 entries, need 2..32"}},
	{"topic with no options", "topic.opened", 0, patch("topic.opened", "options", ""), events.ErrInvalid, []string{"options has 0 entries"}},
	{"topic with a repeated option", "topic.opened", 0, patch("topic.opened", "options", `["yes","no","yes"]`), events.ErrInvalid, []string{`options repeats "yes"`}},
	{"topic with a repeated voter", "topic.opened", 0, patch("topic.opened", "eligible", `["V-1","V-2","V-1"]`), events.ErrInvalid, []string{`eligible lists "V-1" twice`}},
	{"topic with no voters", "topic.opened", 0, patch("topic.opened", "eligible", `[]`), events.ErrInvalid, []string{"eligible has 0 voters"}},
	{"topic closing when it opens", "topic.opened", 0, patch("topic.opened", "closes_at", `"2026-11-02T09:00:00+08:00"`), events.ErrInvalid, []string{"closes_at is not after opens_at"}},
	{"topic closing before it opens", "topic.opened", 0, patch("topic.opened", "closes_at", `"2026-11-02T00:59:59Z"`), events.ErrInvalid, []string{"closes_at is not after opens_at"}},
	{"tally not summing to turnout", "topic.closed", 0, patch("topic.closed", "turnout", `3`), events.ErrInvalid, []string{"tally sums to 2, turnout is 3"}},
	{"negative votes", "topic.closed", 0, `{"turnout":0,"tally":[{"option":"yes","votes":-1},{"option":"no","votes":1}]}`, events.ErrInvalid, []string{"tally[0].votes is negative"}},
	{"negative turnout", "topic.closed", 0, `{"turnout":-1,"tally":[]}`, events.ErrInvalid, []string{"turnout is negative"}},
	{"responsibility rules repeating an id", "responsibility.published", 0, patch("responsibility.published", "rules", `[{"id":"r-1","category":"a","unit":"u"},{"id":"r-1","category":"b","unit":"u"}]`), events.ErrInvalid, []string{`rules[1].id "r-1" repeats`}},
	{"responsibility rules repeating a scope", "responsibility.published", 0, patch("responsibility.published", "rules", `[{"id":"r-1","category":"a","street":"st-1","unit":"u"},{"id":"r-2","category":"a","street":"st-1","unit":"v"}]`), events.ErrInvalid, []string{"rules[1]", `category "a" in street "st-1" has two rules`}},
	{"responsibility rules repeating a district-wide scope", "responsibility.published", 0, patch("responsibility.published", "rules", `[{"id":"r-1","category":"a","unit":"u"},{"id":"r-2","category":"a","unit":"v"}]`), events.ErrInvalid, []string{"rules[1]", `category "a" in street "" has two rules`}},
	{"responsibility list without rules", "responsibility.published", 0, patch("responsibility.published", "rules", `[]`), events.ErrInvalid, []string{"rules has 0 rules"}},
	{"responsibility list version zero", "responsibility.published", 0, patch("responsibility.published", "list_version", `0`), events.ErrInvalid, []string{"list_version must be 1 or more"}},
	{"responsibility rule without unit", "responsibility.published", 0, patch("responsibility.published", "rules", `[{"id":"r-1","category":"a"}]`), events.ErrInvalid, []string{"rules[0].unit is required"}},
	{"district with a parent", "unit.registered", 0, `{"unit":"d-1","name":"District","kind":"district","parent":"city"}`, events.ErrInvalid, []string{"parent must be empty for a district"}},
	{"department without a parent", "unit.registered", 0, patch("unit.registered", "parent", ""), events.ErrInvalid, []string{"parent is required for a department"}},
	{"unit its own parent", "unit.registered", 0, patch("unit.registered", "parent", `"dept-roads"`), events.ErrInvalid, []string{"parent is the unit itself"}},
}

func TestDecodePayloadRejectsBadInput(t *testing.T) {
	for _, tc := range badPayloads {
		t.Run(tc.name, func(t *testing.T) {
			schema := tc.schema
			if schema == 0 {
				schema = 1
			}
			p, err := events.DecodePayload(tc.typ, schema, []byte(tc.data))
			if p != nil {
				t.Errorf("returned a payload with the error: %+v", p)
			}
			wantError(t, err, tc.want, tc.msg...)
		})
	}
}

func TestEncodePayloadValidates(t *testing.T) {
	tests := []struct {
		name string
		p    events.Payload
		want error
		msg  string
	}{
		{"invalid", &events.CaseAccepted{}, events.ErrInvalid, "unit is required"},
		{"too large once escaped", &events.CaseReported{Channel: events.ChannelApp, Category: "c", Location: events.Location{Grid: "g-1"},
			Description: events.Plain(strings.Repeat("\x01", 12000)), DeadlinePolicy: "p"}, events.ErrTooLarge, "limit 65536"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := events.EncodePayload(tc.p)
			if b != nil {
				t.Errorf("returned bytes with the error")
			}
			wantError(t, err, tc.want, tc.msg)
		})
	}
}

func TestFieldError(t *testing.T) {
	_, err := events.DecodePayload(events.TypeCaseAccepted, 1, []byte(`{}`))
	var fe *events.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("%v is not a *FieldError", err)
	}
	if fe.Field != "unit" || fe.Rule != "is required" {
		t.Fatalf("FieldError{%q, %q}, want unit / is required", fe.Field, fe.Rule)
	}
	if !errors.Is(fe, events.ErrInvalid) {
		t.Fatal("FieldError does not unwrap to ErrInvalid")
	}
}

func TestRatingSatisfactionRequiredOnlyWhenValid(t *testing.T) {
	if _, err := events.DecodePayload(events.TypeCaseRated, 1, []byte(`{"contacted":false,"solved":false,"valid":false,"invalid_reason":"unreachable"}`)); err != nil {
		t.Fatalf("an invalid rating without a satisfaction answer: %v", err)
	}
	_, err := events.DecodePayload(events.TypeCaseRated, 1, []byte(`{"contacted":true,"solved":true,"valid":true}`))
	if !errors.Is(err, events.ErrInvalid) || !strings.Contains(err.Error(), "satisfaction is required") {
		t.Fatalf("a valid rating without satisfaction: %v", err)
	}
}
