package events_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/sim"
)

// fastTypes are the types DecodeStored reads without encoding/json.
var fastTypes = []string{
	events.TypeCaseReported, events.TypeCaseDispatched, events.TypeCaseReturned, events.TypeCaseAccepted,
	events.TypeCaseContacted, events.TypeCaseExtended, events.TypeCaseResolved, events.TypeCaseReopened,
	events.TypeCaseRated, events.TypeCaseMerged, events.TypeCaseClosed, events.TypeBallotCast,
}

// sameAsDecodePayload fails t unless DecodeStored returns what
// DecodePayload returns: an equal payload, or an error with the same text.
func sameAsDecodePayload(t testing.TB, typ string, schema uint16, data []byte) (events.Payload, error) {
	t.Helper()
	want, wantErr := events.DecodePayload(typ, schema, data)
	got, err := events.DecodeStored(typ, schema, data)
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("%s %q: DecodeStored error %v, DecodePayload error %v", typ, data, err, wantErr)
	case err != nil && errorText(err) != errorText(wantErr):
		t.Fatalf("%s %q: DecodeStored error %q, DecodePayload error %q", typ, data, err, wantErr)
	case !reflect.DeepEqual(got, want):
		t.Fatalf("%s %q:\nDecodeStored  %#v\nDecodePayload %#v", typ, data, got, want)
	}
	return want, wantErr
}

// errorText is the text of a decoding error, up to the part that
// DecodePayload itself does not repeat: of a sealed object with several
// unknown keys it names whichever key it meets first in a map.
func errorText(err error) string {
	const unknownKey = "sealed field has unknown key"
	msg := err.Error()
	if i := strings.Index(msg, unknownKey); i >= 0 {
		return msg[:i+len(unknownKey)]
	}
	return msg
}

const (
	box32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="                     // 32 bytes
	box48 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v" // 48 bytes
)

// storedCase is a payload as a store may hold it. fast says whether the
// canonical reader takes it (true) or hands it to DecodePayload (false).
type storedCase struct {
	name string
	typ  string
	data string
	fast bool
}

var storedCases = []storedCase{
	// case.reported
	{"sealed address and description", "case.reported", exampleOf("case.reported").data, true},
	{"plain text, no reporter", "case.reported", `{"channel":"grid_patrol","category":"city.litter","location":{"grid":"g-1","address":"Building 7"},"description":"bags by the gate","deadline_policy":"urgent-24h"}`, true},
	{"location by street only", "case.reported", `{"channel":"superior","category":"c","location":{"street":"st-1"},"deadline_policy":"p"}`, true},
	{"unicode text", "case.reported", `{"channel":"app","category":"road.pothole","location":{"community":"cm-1"},"description":"路面坑洼，车辆通行困难 🚧 <b>&amp;</b> ` + "\u2028" + `","deadline_policy":"standard-5wd"}`, true},
	{"coordinates in every form", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":-0.5,"lon":1.21e2},"deadline_policy":"p"}`, true},
	{"coordinates zero", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":0,"lon":-0},"deadline_policy":"p"}`, true},
	{"coordinates with capital exponent", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":3E+1,"lon":1E-2},"deadline_policy":"p"}`, true},
	{"coordinate with a leading zero", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":01,"lon":1},"deadline_policy":"p"}`, false},
	{"coordinate out of float range", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":1e400,"lon":1},"deadline_policy":"p"}`, false},
	{"coordinate without digits after the point", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":1.,"lon":1},"deadline_policy":"p"}`, false},
	{"coordinate as a string", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":"1","lon":1},"deadline_policy":"p"}`, false},
	{"coordinate out of range", "case.reported", `{"channel":"hotline","category":"c","location":{"grid":"g-1","lat":91,"lon":1},"deadline_policy":"p"}`, false},
	{"escaped newline in a description", "case.reported", `{"channel":"app","category":"c","location":{"grid":"g-1"},"description":"line 1\nline 2","deadline_policy":"p"}`, false},
	{"sealed keys reversed", "case.reported", `{"channel":"app","category":"c","location":{"grid":"g-1"},"reporter":"S-1","description":{"sealed":"` + box32 + `","subject":"S-1"},"deadline_policy":"p"}`, false},
	{"sealed form not canonical base64", "case.reported", `{"channel":"app","category":"c","location":{"grid":"g-1"},"reporter":"S-1","description":{"subject":"S-1","sealed":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9="},"deadline_policy":"p"}`, false},
	{"sealed form too short", "case.reported", `{"channel":"app","category":"c","location":{"grid":"g-1"},"reporter":"S-1","description":{"subject":"S-1","sealed":"AAEC"},"deadline_policy":"p"}`, false},
	{"sealed form with a third key", "case.reported", `{"channel":"app","category":"c","location":{"grid":"g-1"},"reporter":"S-1","description":{"subject":"S-1","sealed":"` + box32 + `","x":1},"deadline_policy":"p"}`, false},
	{"sealed form with an empty box", "case.reported", `{"channel":"app","category":"c","location":{"grid":"g-1"},"reporter":"S-1","description":{"subject":"S-1","sealed":""},"deadline_policy":"p"}`, false},
	{"sealed description without a subject", "case.reported", `{"channel":"app","category":"c","location":{"grid":"g-1"},"description":{"subject":"","sealed":"` + box32 + `"},"deadline_policy":"p"}`, false},
	{"location without a place", "case.reported", `{"channel":"app","category":"c","location":{},"deadline_policy":"p"}`, false},
	{"channel not in the enum", "case.reported", `{"channel":"fax","category":"c","location":{"grid":"g-1"},"deadline_policy":"p"}`, false},
	{"keys out of order", "case.reported", `{"category":"c","channel":"app","location":{"grid":"g-1"},"deadline_policy":"p"}`, false},
	{"whitespace between keys", "case.reported", `{"channel":"app", "category":"c","location":{"grid":"g-1"},"deadline_policy":"p"}`, false},

	// case.dispatched
	{"rule dispatch", "case.dispatched", exampleOf("case.dispatched").data, true},
	{"manual dispatch", "case.dispatched", `{"from_unit":"center","to_unit":"dept-roads","mode":"manual"}`, true},
	{"list version written as 0", "case.dispatched", `{"from_unit":"center","to_unit":"dept-roads","mode":"fallback","list_version":0}`, true},
	{"list version of 18 digits", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"rule","rule_id":"r","list_version":999999999999999999}`, true},
	{"list version of 19 digits", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"rule","rule_id":"r","list_version":1000000000000000000}`, false},
	{"list version overflowing int64", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"rule","rule_id":"r","list_version":99999999999999999999}`, false},
	{"list version negative", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"manual","list_version":-1}`, false},
	{"list version negative zero", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"manual","list_version":-0}`, false},
	{"list version with a fraction", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"rule","rule_id":"r","list_version":1.0}`, false},
	{"list version with an exponent", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"rule","rule_id":"r","list_version":1e2}`, false},
	{"list version with a leading zero", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"rule","rule_id":"r","list_version":01}`, false},
	{"empty note", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"forced","note":""}`, true},
	{"note with HTML characters", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"forced","note":"<ruling> & co"}`, true},
	{"note with an escaped quote", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"forced","note":"the \"owner\""}`, false},
	{"dispatch to the sender", "case.dispatched", `{"from_unit":"u","to_unit":"u","mode":"manual"}`, false},
	{"rule dispatch without a rule", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":"rule"}`, false},
	{"mode null", "case.dispatched", `{"from_unit":"center","to_unit":"u","mode":null}`, false},

	// case.returned
	{"return with every field", "case.returned", exampleOf("case.returned").data, true},
	{"return with reason only", "case.returned", `{"unit":"dept-roads","reason":"unclear_ownership"}`, true},
	{"return reason not in the enum", "case.returned", `{"unit":"dept-roads","reason":"bored"}`, false},

	// case.accepted
	{"accepted", "case.accepted", exampleOf("case.accepted").data, true},
	{"accepted without unit", "case.accepted", `{}`, false},
	{"accepted unit null", "case.accepted", `{"unit":null}`, false},
	{"accepted unit twice", "case.accepted", `{"unit":"a","unit":"b"}`, false},
	{"accepted unit spelled in capitals", "case.accepted", `{"UNIT":"a"}`, false},
	{"accepted unit with an escape", "case.accepted", `{"unit":"\u0041"}`, false},
	{"accepted unit with DEL", "case.accepted", "{\"unit\":\"a\x7fb\"}", false},
	{"accepted unit with a raw control character", "case.accepted", "{\"unit\":\"a\x01b\"}", false},
	{"accepted unit not UTF-8", "case.accepted", "{\"unit\":\"a\xffb\"}", false},
	{"accepted unit too long", "case.accepted", `{"unit":"` + strings.Repeat("u", events.MaxIDBytes+1) + `"}`, false},
	{"accepted unit at the id limit", "case.accepted", `{"unit":"` + strings.Repeat("u", events.MaxIDBytes) + `"}`, true},
	{"accepted with trailing space", "case.accepted", `{"unit":"a"} `, false},
	{"accepted with a trailing object", "case.accepted", `{"unit":"a"}{}`, false},
	{"accepted truncated", "case.accepted", `{"unit":"a"`, false},
	{"accepted without a closing quote", "case.accepted", `{"unit":"a`, false},
	{"accepted with a trailing comma", "case.accepted", `{"unit":"a",}`, false},
	{"accepted empty input", "case.accepted", ``, false},

	// case.contacted
	{"contacted by phone", "case.contacted", exampleOf("case.contacted").data, true},
	{"contacted by visit", "case.contacted", `{"unit":"u","means":"visit"}`, true},
	{"contacted by other", "case.contacted", `{"unit":"u","means":"other"}`, true},
	{"contacted by pigeon", "case.contacted", `{"unit":"u","means":"pigeon"}`, false},

	// case.extended
	{"extension", "case.extended", exampleOf("case.extended").data, true},
	{"extension in UTC", "case.extended", `{"new_deadline":"2026-11-09T10:00:00Z","reason":"r"}`, true},
	{"extension with fractional seconds", "case.extended", `{"new_deadline":"2026-11-09T10:00:00.123456789-05:30","reason":"r"}`, true},
	{"extension with a lower-case zone", "case.extended", `{"new_deadline":"2026-11-09T10:00:00z","reason":"r"}`, false},
	{"extension without zone", "case.extended", `{"new_deadline":"2026-11-09T18:00:00","reason":"r"}`, false},
	{"extension with a one-digit hour, which time accepts", "case.extended", `{"new_deadline":"2026-11-09T8:00:00+08:00","reason":"r"}`, true},
	{"extension out of range", "case.extended", `{"new_deadline":"1970-01-01T00:00:00Z","reason":"r"}`, false},
	{"extension zone out of range", "case.extended", `{"new_deadline":"2026-11-09T18:00:00+19:00","reason":"r"}`, false},
	{"extension as a number", "case.extended", `{"new_deadline":1762077000,"reason":"r"}`, false},
	{"extension without reason", "case.extended", `{"new_deadline":"2026-11-09T18:00:00+08:00"}`, false},

	// case.resolved
	{"resolution with evidence", "case.resolved", exampleOf("case.resolved").data, true},
	{"resolution as a duplicate", "case.resolved", `{"unit":"u","outcome":"duplicate","duplicate_of":"C-0"}`, true},
	{"resolution with ten pieces of evidence", "case.resolved", `{"unit":"u","outcome":"fixed","evidence":["1","2","3","4","5","6","7","8","9","10"]}`, true},
	{"resolution with unicode summary", "case.resolved", `{"unit":"u","outcome":"explained","summary":"已向市民解释政策"}`, true},
	{"resolution with thirty pieces of evidence", "case.resolved", `{"unit":"u","outcome":"fixed","evidence":["e"` + strings.Repeat(`,"e"`, 29) + `]}`, false},
	{"resolution with empty evidence", "case.resolved", `{"unit":"u","outcome":"fixed","evidence":[]}`, false},
	{"resolution with null evidence", "case.resolved", `{"unit":"u","outcome":"fixed","evidence":null}`, false},
	{"resolution with an empty reference", "case.resolved", `{"unit":"u","outcome":"fixed","evidence":["a",""]}`, false},
	{"resolution with evidence unterminated", "case.resolved", `{"unit":"u","outcome":"fixed","evidence":["a"}`, false},
	{"resolution as a duplicate of nothing", "case.resolved", `{"unit":"u","outcome":"duplicate"}`, false},

	// case.reopened
	{"reopened", "case.reopened", exampleOf("case.reopened").data, true},
	{"reopened by the supervisor", "case.reopened", `{"reason":"spot check","by":"supervisor"}`, true},
	{"reopened without reason", "case.reopened", `{"by":"hotline"}`, false},

	// case.rated
	{"rating", "case.rated", exampleOf("case.rated").data, true},
	{"rating all false", "case.rated", `{"contacted":false,"solved":false,"valid":false,"invalid_reason":"unreachable"}`, true},
	{"rating with a sealed comment", "case.rated", `{"contacted":true,"solved":false,"satisfaction":"unsatisfied","valid":true,"comment":{"subject":"S-9","sealed":"` + box48 + `"},"respondent":"S-9"}`, true},
	{"rating with an empty satisfaction", "case.rated", `{"contacted":false,"solved":false,"satisfaction":"","valid":false,"invalid_reason":"malicious"}`, false},
	{"valid rating without satisfaction", "case.rated", `{"contacted":true,"solved":true,"valid":true}`, false},
	{"rating with a string for a boolean", "case.rated", `{"contacted":"yes","solved":true,"satisfaction":"satisfied","valid":true}`, false},
	{"rating with a truncated boolean", "case.rated", `{"contacted":tru`, false},
	{"rating with a boolean in capitals", "case.rated", `{"contacted":TRUE,"solved":true,"satisfaction":"satisfied","valid":true}`, false},

	// case.merged, case.closed, ballot.cast
	{"merged", "case.merged", exampleOf("case.merged").data, true},
	{"merged without parent", "case.merged", `{}`, false},
	{"closed with a note", "case.closed", exampleOf("case.closed").data, true},
	{"closed without a note", "case.closed", `{}`, true},
	{"closed with an unknown key", "case.closed", `{"notes":"x"}`, false},
	{"ballot", "ballot.cast", exampleOf("ballot.cast").data, true},
	{"ballot in unicode", "ballot.cast", `{"voter":"居民-12","choice":"同意"}`, true},
	{"ballot without choice", "ballot.cast", `{"voter":"V-1"}`, false},
	{"ballot not an object", "ballot.cast", `["V-1","yes"]`, false},
}

// TestDecodeStoredMatchesDecodePayload runs both decoders over typical and
// edge payloads of every hot type, the example of every catalogue type and
// every bad payload of the catalogue tests, and checks which inputs the
// canonical reader takes.
func TestDecodeStoredMatchesDecodePayload(t *testing.T) {
	for _, tc := range storedCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sameAsDecodePayload(t, tc.typ, 1, []byte(tc.data))
			if got := events.ReadsCanonical(tc.typ, []byte(tc.data)); got != tc.fast {
				t.Errorf("read without encoding/json: %v, want %v", got, tc.fast)
			}
			if tc.fast && err != nil {
				t.Errorf("a canonical case is invalid: %v", err)
			}
		})
	}
	for _, ex := range examples {
		t.Run("example "+ex.typ, func(t *testing.T) {
			sameAsDecodePayload(t, ex.typ, 1, []byte(ex.data))
			sameAsDecodePayload(t, ex.typ, 2, []byte(ex.data))
		})
	}
	for _, tc := range badPayloads {
		t.Run("bad "+tc.name, func(t *testing.T) {
			schema := tc.schema
			if schema == 0 {
				schema = 1
			}
			if _, err := sameAsDecodePayload(t, tc.typ, schema, []byte(tc.data)); err == nil {
				t.Error("a bad payload decodes")
			}
		})
	}
}

// TestDecodeStoredReadsEveryHotType: the example of every hot type is read
// without encoding/json, under the schema the readers were written for.
func TestDecodeStoredReadsEveryHotType(t *testing.T) {
	for _, typ := range fastTypes {
		spec, ok := events.Lookup(typ)
		if !ok || spec.Schema != events.FastSchema {
			t.Errorf("%s is schema %d in the catalogue; the canonical reader knows schema %d", typ, spec.Schema, events.FastSchema)
		}
		if !events.ReadsCanonical(typ, []byte(exampleOf(typ).data)) {
			t.Errorf("%s: the canonical example is not read without encoding/json", typ)
		}
	}
}

// TestDecodeStoredAllocations guards the replay path: a dispatch decodes
// with two allocations (the payload and its strings).
func TestDecodeStoredAllocations(t *testing.T) {
	data := []byte(exampleOf(events.TypeCaseDispatched).data)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := events.DecodeStored(events.TypeCaseDispatched, 1, data); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("%.0f allocations per case.dispatched, want at most 2", allocs)
	}
}

// simPayloads returns the stored payloads of a small simulated month: the
// drafts' payloads with the reporters' and respondents' personal text
// sealed (a dummy box of the size a real seal gives), in canonical form.
func simPayloads(t testing.TB, cfg sim.Config) (types []string, data [][]byte) {
	t.Helper()
	seal := func(f events.PersonalField) (events.Personal, error) {
		if f.Subject == "" || f.Value.IsZero() || f.Value.IsSealed() {
			return f.Value, nil
		}
		box := make([]byte, 12+len(f.Value.Text)+16)
		for i := range box {
			box[i] = byte(i*7 + len(f.Name))
		}
		return events.Personal{Sealed: &events.Sealed{Subject: f.Subject, Box: box}}, nil
	}
	_, err := sim.Generate(cfg, func(d events.Draft) error {
		p, err := events.MapPersonal(d.Payload, seal)
		if err != nil {
			return err
		}
		b, err := events.EncodePayload(p)
		if err != nil {
			return err
		}
		types, data = append(types, p.EventType()), append(data, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return types, data
}

// TestDecodeStoredSimLedger: every payload of a simulated ledger decodes
// identically by both decoders, and every payload of a hot type is read
// without encoding/json.
func TestDecodeStoredSimLedger(t *testing.T) {
	types, data := simPayloads(t, sim.Config{Seed: 7, Days: 14, Cases: 1500, Topics: 4})
	fast := map[string]bool{}
	for _, typ := range fastTypes {
		fast[typ] = true
	}
	seen := map[string]int{}
	for i, typ := range types {
		if _, err := sameAsDecodePayload(t, typ, 1, data[i]); err != nil {
			t.Fatalf("a simulated %s does not decode: %v", typ, err)
		}
		if fast[typ] && !events.ReadsCanonical(typ, data[i]) {
			t.Errorf("a simulated %s is not read without encoding/json: %s", typ, data[i])
		}
		seen[typ]++
	}
	for _, typ := range fastTypes {
		if seen[typ] == 0 && typ != events.TypeCaseMerged {
			t.Errorf("the simulated ledger has no %s", typ)
		}
	}
	t.Logf("%d payloads: %v", len(types), seen)
}

// fuzzTypes maps the fuzz target's type selector to a catalogue type.
var fuzzTypes = events.Types()

func fuzzType(sel byte) string { return fuzzTypes[int(sel)%len(fuzzTypes)] }

// FuzzDecodeStored: on any bytes, as any catalogue type, DecodeStored
// returns what DecodePayload returns. The bytes are also put, as text, in
// the string fields of a hot payload whose canonical encoding is decoded
// both ways; canonical bytes without escapes must be read without
// encoding/json.
func FuzzDecodeStored(f *testing.F) {
	f.Fuzz(func(t *testing.T, sel byte, data []byte) {
		sameAsDecodePayload(t, fuzzType(sel), 1, data)

		p := payloadWith(sel, string(data))
		b, err := events.EncodePayload(p)
		if err != nil {
			return
		}
		if _, err := sameAsDecodePayload(t, p.EventType(), 1, b); err != nil {
			t.Fatalf("canonical %s does not decode: %v", b, err)
		}
		if !bytes.Contains(b, []byte(`\`)) && !events.ReadsCanonical(p.EventType(), b) {
			t.Fatalf("canonical %s without escapes is not read without encoding/json", b)
		}
	})
}

// payloadWith returns a hot payload, chosen by sel, with s in its string
// fields.
func payloadWith(sel byte, s string) events.Payload {
	switch sel % 7 {
	case 0:
		return &events.CaseDispatched{FromUnit: "center", ToUnit: s, Mode: events.ModeRule, RuleID: s, ListVersion: int(sel), Note: s}
	case 1:
		return &events.CaseReported{Channel: events.ChannelApp, Category: s, Location: events.Location{Street: s, Grid: s, Address: events.Plain(s)},
			Description: events.Plain(s), DeadlinePolicy: s}
	case 2:
		return &events.CaseRated{Solved: sel&8 != 0, InvalidReason: s, Comment: events.Plain(s)}
	case 3:
		return &events.CaseResolved{Unit: s, Outcome: events.OutcomeFixed, Evidence: []string{s, s, "photo"}, Summary: s}
	case 4:
		return &events.CaseReturned{Unit: s, Reason: events.ReasonOther, SuggestedUnit: s + "-2", Note: s}
	case 5:
		return &events.ActivityRecorded{Activity: s, Lifecycle: "complete", Resource: s, Group: s,
			Attributes: []events.Attribute{{Key: s, Type: events.AttrString, Value: s}, {Key: "l", Type: events.AttrList,
				Children: []events.Attribute{{Key: s, Type: events.AttrID, Value: s}}}},
			Trace: &events.TraceInfo{Name: s, Attributes: []events.Attribute{{Key: "k", Type: events.AttrString, Value: s}}}, Last: sel&8 != 0}
	}
	return &events.BallotCast{Voter: s, Choice: s}
}

// storedSeeds is the generated seed corpus of FuzzDecodeStored: the
// example of every catalogue type and every case of storedCases.
func storedSeeds() map[string][]byte {
	sel := map[string]byte{}
	for i, typ := range fuzzTypes {
		sel[typ] = byte(i)
	}
	file := func(typ, data string) []byte {
		return fmt.Appendf(nil, "go test fuzz v1\nbyte(%q)\n[]byte(%q)\n", sel[typ], data)
	}
	out := map[string][]byte{}
	for _, ex := range examples {
		out["valid-"+ex.typ] = file(ex.typ, ex.data)
	}
	for _, tc := range storedCases {
		if len(tc.data) <= maxSeedBytes {
			out["stored-"+slug(tc.name)] = file(tc.typ, tc.data)
		}
	}
	return out
}

// TestDecodeStoredSeedCorpus keeps testdata/fuzz/FuzzDecodeStored in step
// with the examples and storedCases (run with -update). Files named
// otherwise (inputs the fuzzer kept) are left alone.
func TestDecodeStoredSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeStored")
	corpus := storedSeeds()
	if *update {
		old, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, path := range old {
			name := filepath.Base(path)
			if _, keep := corpus[name]; !keep && (strings.HasPrefix(name, "valid-") || strings.HasPrefix(name, "stored-")) {
				os.Remove(path)
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range corpus {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s is missing or stale (run go test ./events -run TestDecodeStoredSeedCorpus -update)", path)
		}
	}
}

// BenchmarkDecodeStored compares DecodePayload and DecodeStored on the
// payloads of a simulated month: per hot type (the first such payload of
// the ledger) and over the whole ledger in order ("ledger", events/s; the
// registry, whose types take the strict path, is under 2% of it).
func BenchmarkDecodeStored(b *testing.B) {
	types, data := simPayloads(b, sim.Config{Seed: 1, Days: 30, Cases: 20000, Topics: 10})
	decoders := []struct {
		name string
		fn   func(string, uint16, []byte) (events.Payload, error)
	}{{"DecodePayload", events.DecodePayload}, {"DecodeStored", events.DecodeStored}}
	for _, typ := range fastTypes {
		i := indexOf(types, typ)
		if i < 0 {
			continue
		}
		for _, d := range decoders {
			b.Run(typ+"/"+d.name, func(b *testing.B) {
				b.SetBytes(int64(len(data[i])))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := d.fn(typ, 1, data[i]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	for _, d := range decoders {
		b.Run("ledger/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for i, typ := range types {
					if _, err := d.fn(typ, 1, data[i]); err != nil {
						b.Fatal(err)
					}
				}
				n += len(types)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
		})
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
