package events_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

const (
	lineID = "01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA"
	lineAt = "2026-11-02T09:30:00+08:00"
)

var lineActor = events.Actor{Kind: events.ActorStaff, ID: "op-1", Unit: "center"}

// fields is a JSON line as top-level keys and raw values, so a test can
// put anything, even invalid JSON, in one place.
type fields map[string]string

// lineOf returns a valid line carrying ex.
func lineOf(ex example) fields {
	return fields{
		"id": `"` + lineID + `"`, "stream": `"` + ex.stream + `"`, "type": `"` + ex.typ + `"`,
		"occurred_at": `"` + lineAt + `"`, "actor": `{"kind":"staff","id":"op-1","unit":"center"}`, "data": ex.data,
	}
}

// validLine returns a valid line of type typ.
func validLine(typ string) fields { return lineOf(exampleOf(typ)) }

// with returns a copy of f with key set to raw, or removed when raw is "".
func (f fields) with(key, raw string) fields {
	g := make(fields, len(f)+1)
	for k, v := range f {
		g[k] = v
	}
	if raw == "" {
		delete(g, key)
	} else {
		g[key] = raw
	}
	return g
}

// String renders the line with its keys in a fixed order.
func (f fields) String() string {
	order := map[string]int{"id": 1, "stream": 2, "type": 3, "schema": 4, "occurred_at": 5, "actor": 6, "data": 7, "expected_version": 8}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, oj := order[keys[i]], order[keys[j]]
		if oi != oj && oi != 0 && oj != 0 {
			return oi < oj
		}
		if (oi == 0) != (oj == 0) {
			return oi != 0
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + k + `":` + f[k])
	}
	b.WriteByte('}')
	return b.String()
}

func TestParseLineAcceptsEveryType(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.typ, func(t *testing.T) {
			l, err := events.ParseLine([]byte(lineOf(ex).String()))
			if err != nil {
				t.Fatalf("valid line refused: %v", err)
			}
			d := l.Draft
			if d.ID != ulid.MustParse(lineID) || d.Stream != ex.stream || d.Actor != lineActor || l.Expected != nil {
				t.Fatalf("draft %+v (expected %v) does not carry the line's envelope", d, l.Expected)
			}
			if want, _ := time.Parse(time.RFC3339, lineAt); !d.OccurredAt.Equal(want) || d.OccurredAt.Format(time.RFC3339) != lineAt {
				t.Fatalf("occurred_at %s, want %s with its zone", d.OccurredAt.Format(time.RFC3339Nano), lineAt)
			}
			if d.Payload.EventType() != ex.typ {
				t.Fatalf("payload is a %s", d.Payload.EventType())
			}
			ev, err := d.Event()
			if err != nil {
				t.Fatalf("a parsed line is not an event: %v", err)
			}
			if ev.Type != ex.typ || ev.Schema != 1 || string(ev.Data) != ex.data {
				t.Fatalf("event %s schema %d data %s, want %s 1 %s", ev.Type, ev.Schema, ev.Data, ex.typ, ex.data)
			}
		})
	}
}

func TestParseLineOptionalFields(t *testing.T) {
	base := validLine(events.TypeCaseAccepted)
	pretty := &bytes.Buffer{}
	if err := json.Indent(pretty, []byte(base.with("data", `{ "unit" : "dept-water" }`).String()), "", "  "); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		line     string
		expected *int64
	}{
		{"explicit current schema", base.with("schema", "1").String(), nil},
		{"expected version -1", base.with("expected_version", "-1").String(), ptr(-1)},
		{"expected version 7", base.with("expected_version", "7").String(), ptr(7)},
		{"surrounding whitespace and CRLF", " \t" + base.String() + "\r\n", nil},
		{"indented over several lines", pretty.String(), nil},
		{"lower-case ULID", base.with("id", `"`+strings.ToLower(lineID)+`"`).String(), nil},
		{"UTC zone", base.with("occurred_at", `"2026-11-02T01:30:00Z"`).String(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := events.ParseLine([]byte(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			if (l.Expected == nil) != (tc.expected == nil) || l.Expected != nil && *l.Expected != *tc.expected {
				t.Fatalf("expected version %v, want %v", l.Expected, tc.expected)
			}
			if l.Draft.ID != ulid.MustParse(lineID) {
				t.Fatalf("id %s", l.Draft.ID)
			}
			ev, err := l.Draft.Event()
			if err != nil || string(ev.Data) != `{"unit":"dept-water"}` {
				t.Fatalf("event data %s (%v)", ev.Data, err)
			}
		})
	}
}

func ptr(v int64) *int64 { return &v }

// badLine is one entry of the bad-input catalogue for ParseLine.
type badLine struct {
	name string
	line string
	want error
	msg  []string
}

var (
	accepted = validLine(events.TypeCaseAccepted)
	// A payload just over the limit inside a line under the line limit.
	bigPayload = `{"unit":"` + strings.Repeat("a", events.MaxPayloadBytes) + `"}`
	// A payload under the limit whose canonical form is over it: json.Marshal writes < as \u003c.
	escapingPayload = `{"channel":"app","category":"c","location":{"grid":"g-1","address":"` + strings.Repeat("\u2028", 5460) + `"},"description":"` + strings.Repeat("\u2028", 5460) + `","deadline_policy":"p"}` // U+2028 is 3 bytes raw, 6 escaped
)

var badLines = []badLine{
	// Not one JSON object.
	{"empty line", ``, events.ErrInvalid, []string{"empty input"}},
	{"blank line", " \t\r\n", events.ErrInvalid, []string{"empty input"}},
	{"malformed JSON", `{"id" "x"}`, events.ErrInvalid, []string{"malformed JSON at byte"}},
	{"truncated JSON", accepted.String()[:40], events.ErrInvalid, []string{"malformed JSON", "unexpected end"}},
	{"not an object", `["case.accepted"]`, events.ErrInvalid, []string{"must be an object", "array"}},
	{"a number, not an object", `42`, events.ErrInvalid, []string{"must be an object", "number"}},
	{"trailing object", accepted.String() + accepted.String(), events.ErrInvalid, []string{"trailing data"}},
	{"trailing brace", accepted.String() + "}", events.ErrInvalid, []string{"trailing data"}},
	{"trailing bracket", accepted.String() + " ]", events.ErrInvalid, []string{"trailing data"}},
	{"trailing garbage", accepted.String() + " x", events.ErrInvalid, []string{"trailing data"}},
	{"unknown top-level field", accepted.with("colour", `"red"`).String(), events.ErrInvalid, []string{"unknown field", `"colour"`}},
	{"unknown actor field", accepted.with("actor", `{"kind":"staff","id":"op-1","role":"boss"}`).String(), events.ErrInvalid, []string{"unknown field", `"role"`}},
	{"unknown payload field", accepted.with("data", `{"unit":"dept-water","colour":"red"}`).String(), events.ErrInvalid, []string{"case.accepted payload", "unknown field", `"colour"`}},
	{"payload key given twice", accepted.with("data", `{"unit":"dept-water","unit":"dept-roads"}`).String(), events.ErrInvalid, []string{"unit", "is given twice"}},
	{"top-level key given twice", `{"id":"01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA","id":"01JD3Q0Z7M3M7ZJ3V7Q9W8X5TB"}`, events.ErrInvalid, []string{"id", "is given twice"}},
	{"payload key in the wrong case", accepted.with("data", `{"UNIT":"dept-water"}`).String(), events.ErrInvalid, []string{"UNIT", `must be spelled "unit"`}},
	{"nested key in the wrong case", validLine(events.TypeCaseReported).with("data", `{"channel":"app","category":"c","location":{"Grid":"g-1"},"deadline_policy":"p"}`).String(), events.ErrInvalid, []string{"location.Grid", `"location.grid"`}},
	{"envelope key in the wrong case", accepted.with("Stream", `"case/C-1"`).String(), events.ErrInvalid, []string{"Stream", `must be spelled "stream"`}},

	// Missing envelope fields.
	{"missing id", accepted.with("id", "").String(), events.ErrInvalid, []string{"id is required"}},
	{"missing stream", accepted.with("stream", "").String(), events.ErrInvalid, []string{"stream is required"}},
	{"missing type", accepted.with("type", "").String(), events.ErrInvalid, []string{"type is required"}},
	{"missing occurred_at", accepted.with("occurred_at", "").String(), events.ErrInvalid, []string{"occurred_at is required"}},
	{"missing actor", accepted.with("actor", "").String(), events.ErrInvalid, []string{"actor is required"}},
	{"missing data", accepted.with("data", "").String(), events.ErrInvalid, []string{"data is required"}},
	{"null data", accepted.with("data", "null").String(), events.ErrInvalid, []string{"data is required"}},
	{"null id", accepted.with("id", "null").String(), events.ErrInvalid, []string{"id is required"}},
	{"empty stream", accepted.with("stream", `""`).String(), events.ErrInvalid, []string{"stream is required"}},

	// Identifiers, types and schemas.
	{"id not a ULID", accepted.with("id", `"not-a-ulid"`).String(), events.ErrInvalid, []string{"id", `"not-a-ulid" is not a ULID`}},
	{"id with a character outside base32", accepted.with("id", `"01JD3Q0Z7M3M7ZJ3V7Q9W8X5TU"`).String(), events.ErrInvalid, []string{"id", "is not a ULID"}},
	{"id overflowing 128 bits", accepted.with("id", `"80000000000000000000000000"`).String(), events.ErrInvalid, []string{"id", "is not a ULID"}},
	{"zero id", accepted.with("id", `"00000000000000000000000000"`).String(), events.ErrInvalid, []string{"id is required"}},
	{"unknown type", accepted.with("type", `"case.teleported"`).String(), events.ErrUnknownType, []string{`"case.teleported"`, "known: ", events.TypeCaseAccepted}},
	{"type with different case", accepted.with("type", `"Case.Accepted"`).String(), events.ErrUnknownType, []string{`"Case.Accepted"`}},
	{"unsupported schema", accepted.with("schema", "2").String(), events.ErrUnsupportedSchema, []string{"case.accepted schema 2"}},
	{"schema zero", accepted.with("schema", "0").String(), events.ErrUnsupportedSchema, []string{"schema 0"}},

	// Wrong-typed envelope fields.
	{"number where id", accepted.with("id", "1").String(), events.ErrInvalid, []string{`field "id" must be a string`}},
	{"number where stream", accepted.with("stream", "7").String(), events.ErrInvalid, []string{`field "stream" must be a string`}},
	{"object where type", accepted.with("type", "{}").String(), events.ErrInvalid, []string{`field "type" must be a string`}},
	{"string where schema", accepted.with("schema", `"1"`).String(), events.ErrInvalid, []string{`field "schema" must be an integer, got string`}},
	{"schema out of range", accepted.with("schema", "70000").String(), events.ErrInvalid, []string{`field "schema" must be an integer`, "70000"}},
	{"number where occurred_at", accepted.with("occurred_at", "1762047000").String(), events.ErrInvalid, []string{`field "occurred_at" must be a string`}},
	{"string where actor", accepted.with("actor", `"op-1"`).String(), events.ErrInvalid, []string{`field "actor" must be an object`}},
	{"number where actor id", accepted.with("actor", `{"kind":"staff","id":1}`).String(), events.ErrInvalid, []string{`field "actor.id" must be a string`}},
	{"string where expected_version", accepted.with("expected_version", `"3"`).String(), events.ErrInvalid, []string{`field "expected_version" must be an integer`}},
	{"number where payload string", accepted.with("data", `{"unit":7}`).String(), events.ErrInvalid, []string{`field "unit" must be a string`}},
	{"string where data", accepted.with("data", `"dept-water"`).String(), events.ErrInvalid, []string{"case.accepted payload", "must be an object"}},

	// Encoding and size.
	{"invalid UTF-8 inside a payload string", "{\"id\":\"" + lineID + "\",\"stream\":\"case/C-1\",\"type\":\"case.accepted\",\"occurred_at\":\"" + lineAt + "\",\"actor\":{\"kind\":\"unit\",\"id\":\"u\"},\"data\":{\"unit\":\"dept-\xc3\x28\"}}", events.ErrInvalid, []string{"line is not valid UTF-8"}},
	{"invalid UTF-8 inside the stream", "{\"id\":\"" + lineID + "\",\"stream\":\"case/C-\xff\",\"type\":\"case.accepted\",\"occurred_at\":\"" + lineAt + "\",\"actor\":{\"kind\":\"unit\",\"id\":\"u\"},\"data\":{\"unit\":\"u\"}}", events.ErrInvalid, []string{"line is not valid UTF-8"}},
	{"raw bytes outside strings", accepted.String()[:1] + "\xfe\xff" + accepted.String()[1:], events.ErrInvalid, []string{"line is not valid UTF-8"}},
	{"oversized payload", accepted.with("data", bigPayload).String(), events.ErrTooLarge, []string{"case.accepted payload is", "limit 65536"}},
	{"payload oversized once canonical", validLine(events.TypeCaseReported).with("data", escapingPayload).String(), events.ErrTooLarge, []string{"case.reported payload is", "limit 65536"}},
	{"oversized line", accepted.with("pad", `"`+strings.Repeat(" ", events.MaxLineBytes)+`"`).String(), events.ErrTooLarge, []string{"line is", "limit 69632"}},

	// occurred_at.
	{"occurred_at without zone", accepted.with("occurred_at", `"2026-11-02T09:30:00"`).String(), events.ErrInvalid, []string{"occurred_at", "is not RFC 3339 with a zone"}},
	{"occurred_at a date only", accepted.with("occurred_at", `"2026-11-02"`).String(), events.ErrInvalid, []string{"occurred_at", "is not RFC 3339 with a zone"}},
	{"occurred_at unparseable", accepted.with("occurred_at", `"yesterday at noon"`).String(), events.ErrInvalid, []string{"occurred_at", `"yesterday at noon" is not RFC 3339`}},
	{"occurred_at an impossible date", accepted.with("occurred_at", `"2026-02-30T09:30:00+08:00"`).String(), events.ErrInvalid, []string{"occurred_at", "is not RFC 3339"}},
	{"occurred_at empty", accepted.with("occurred_at", `""`).String(), events.ErrInvalid, []string{"occurred_at", "is not RFC 3339"}},
	{"occurred_at before 1990", accepted.with("occurred_at", `"1989-12-31T23:59:59Z"`).String(), events.ErrInvalid, []string{"occurred_at", "outside 1990..2199"}},
	{"occurred_at in 2200", accepted.with("occurred_at", `"2200-01-01T00:00:00Z"`).String(), events.ErrInvalid, []string{"occurred_at", "outside 1990..2199"}},
	{"occurred_at zone beyond 18 hours", accepted.with("occurred_at", `"2026-11-02T09:30:00+19:00"`).String(), events.ErrInvalid, []string{"occurred_at", "zone offset +19:00"}},

	// Streams.
	{"stream without kind", accepted.with("stream", `"C-1"`).String(), events.ErrInvalid, []string{"stream", `"C-1" is not of the form`}},
	{"stream of an unknown kind", accepted.with("stream", `"ticket/C-1"`).String(), events.ErrInvalid, []string{"stream", `kind "ticket"`}},
	{"stream with an empty id", accepted.with("stream", `"case/"`).String(), events.ErrInvalid, []string{"stream", `"case/" is not of the form`}},
	{"stream with a control character", accepted.with("stream", `"case/C-\u00011"`).String(), events.ErrInvalid, []string{"stream", "control character"}},
	{"stream with DEL", accepted.with("stream", `"case/C-\u007f"`).String(), events.ErrInvalid, []string{"stream", "control character"}},
	{"registry stream with a separator", validLine(events.TypeUnitRegistered).with("stream", `"registry/units/x"`).String(), events.ErrInvalid, []string{"stream", "separator"}},
	{"stream too long", accepted.with("stream", `"case/`+strings.Repeat("9", events.MaxStreamBytes)+`"`).String(), events.ErrInvalid, []string{"stream is 205 bytes, limit 200"}},
	{"case type on a topic stream", validLine(events.TypeCaseReported).with("stream", `"topic/T-1"`).String(), events.ErrInvalid, []string{"stream", "case.reported events go on case/ streams"}},
	{"ballot on a case stream", validLine(events.TypeBallotCast).with("stream", `"case/C-1"`).String(), events.ErrInvalid, []string{"stream", "ballot.cast events go on topic/ streams"}},
	{"registry type on a case stream", validLine(events.TypeUnitRegistered).with("stream", `"case/C-1"`).String(), events.ErrInvalid, []string{"stream", "unit.registered events go on registry/ streams"}},

	// Actor.
	{"actor kind not in the enum", accepted.with("actor", `{"kind":"robot","id":"r2"}`).String(), events.ErrInvalid, []string{"actor.kind", `"robot" is not one of`}},
	{"actor without kind", accepted.with("actor", `{"id":"op-1"}`).String(), events.ErrInvalid, []string{"actor.kind is required"}},
	{"actor without id", accepted.with("actor", `{"kind":"staff"}`).String(), events.ErrInvalid, []string{"actor.id is required"}},
	{"actor id with a control character", accepted.with("actor", `{"kind":"staff","id":"op\n1"}`).String(), events.ErrInvalid, []string{"actor.id contains a control character"}},
	{"actor unit too long", accepted.with("actor", `{"kind":"staff","id":"op-1","unit":"`+strings.Repeat("u", events.MaxIDBytes+1)+`"}`).String(), events.ErrInvalid, []string{"actor.unit is 129 bytes"}},

	// expected_version.
	{"expected_version below -1", accepted.with("expected_version", "-2").String(), events.ErrInvalid, []string{"expected_version must be -1 (no stream) or a version >= 0"}},
	{"expected_version a fraction", accepted.with("expected_version", "1.5").String(), events.ErrInvalid, []string{`field "expected_version" must be an integer`}},
}

func TestParseLineRejectsBadInput(t *testing.T) {
	for _, tc := range badLines {
		t.Run(tc.name, func(t *testing.T) {
			_, err := events.ParseLine([]byte(tc.line))
			wantError(t, err, tc.want, tc.msg...)
		})
	}
}

// TestParseLineRejectsBadPayloads runs the payload catalogue through
// ParseLine: a payload refused on its own is refused inside a line, with
// the same sentinel and message.
func TestParseLineRejectsBadPayloads(t *testing.T) {
	for _, tc := range badPayloads {
		if _, known := events.Lookup(tc.typ); !known || !json.Valid([]byte(tc.data)) || !utf8.ValidString(tc.data) {
			continue // not expressible as a line's data: covered by TestParseLineRejectsBadInput
		}
		t.Run(tc.name, func(t *testing.T) {
			ex := exampleOf(tc.typ)
			f := lineOf(ex).with("data", tc.data)
			if tc.schema != 0 {
				f = f.with("schema", itoa(tc.schema))
			}
			_, err := events.ParseLine([]byte(f.String()))
			wantError(t, err, tc.want, tc.msg...)
		})
	}
}

func itoa(v uint16) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		offset  int // seconds east of UTC
		wantErr bool
	}{
		{"2026-11-02T09:30:00+08:00", 8 * 3600, false},
		{"2026-11-02T09:30:00-05:30", -(5*3600 + 1800), false},
		{"2026-11-02T09:30:00.123456789Z", 0, false},
		{"2026-11-02T09:30:00+05:45", 5*3600 + 45*60, false},
		{"2026-11-02T09:30:00+18:00", 18 * 3600, false},
		{"2026-11-02T09:30:00-18:01", 0, true},
		{"2026-11-02 09:30:00+08:00", 0, true},
		{"2026-11-02T09:30:00+0800", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := events.ParseTime("at", tc.in)
			if tc.wantErr {
				wantError(t, err, events.ErrInvalid, "at ")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, off := got.Zone(); off != tc.offset {
				t.Fatalf("offset %d, want %d", off, tc.offset)
			}
			if got.Format(time.RFC3339Nano) != tc.in {
				t.Fatalf("%s does not format back to %s", got.Format(time.RFC3339Nano), tc.in)
			}
		})
	}
}

func TestDraftValidate(t *testing.T) {
	ok := func() events.Draft {
		l, err := events.ParseLine([]byte(validLine(events.TypeCaseAccepted).String()))
		if err != nil {
			t.Fatal(err)
		}
		return l.Draft
	}
	tests := []struct {
		name   string
		change func(d *events.Draft)
		msg    string
	}{
		{"zero id", func(d *events.Draft) { d.ID = ulid.ULID{} }, "id is required"},
		{"no payload", func(d *events.Draft) { d.Payload = nil }, "data is required"},
		{"zero occurred_at", func(d *events.Draft) { d.OccurredAt = time.Time{} }, "occurred_at is required"},
		{"occurred_at zone beyond the codec's range", func(d *events.Draft) {
			d.OccurredAt = d.OccurredAt.In(time.FixedZone("", 18*3600+1))
		}, "zone offset"},
		{"invalid payload", func(d *events.Draft) { d.Payload = &events.CaseAccepted{} }, "unit is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ok()
			tc.change(&d)
			if _, err := d.Event(); !errors.Is(err, events.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Event() = %v, want ErrInvalid naming %q", err, tc.msg)
			}
		})
	}
}
