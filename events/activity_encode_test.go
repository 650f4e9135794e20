package events

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeJSON is what encoding/json writes for v with HTML escaping off.
func encodeJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func activityWith(s string, last bool) *ActivityRecorded {
	return &ActivityRecorded{Activity: s, Lifecycle: s, Resource: "r" + s, Role: s, Group: s, Instance: s,
		Attributes: []Attribute{{Key: s, Type: AttrString, Value: s}, {Key: "l", Type: AttrList, Children: []Attribute{{Key: s, Type: AttrID}}}},
		Trace:      &TraceInfo{Name: s, Attributes: []Attribute{{Key: "k", Type: AttrString, Value: s}}}, Last: last}
}

func TestAppendActivityIsEncodingJSON(t *testing.T) {
	for _, p := range []*ActivityRecorded{
		{Activity: "Register"},
		{Activity: "a", Last: true},
		{Activity: "a", Attributes: []Attribute{}, Trace: &TraceInfo{Name: "t"}},
		activityWith("plain", false),
		activityWith("quote \" backslash \\ slash / <html> & amp", true),
		activityWith("tab\t nl\n cr\r bs\b ff\f nul\x00 us\x1f del\x7f", false),
		activityWith("中文 e\u0301 \u2028 \u2029 😀", true),
		activityWith("bad \xff utf-8 \xc3", false),
	} {
		want := encodeJSON(t, p)
		if got := appendActivity(nil, p); !bytes.Equal(got, want) {
			t.Errorf("appendActivity:\n got %s\nwant %s", got, want)
		}
	}
}

// FuzzAppendActivity: for any text, appendActivity writes what
// encoding/json writes.
func FuzzAppendActivity(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\x00\x1f", "\u2028", "\xff", "<>&", "😀"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, last bool) {
		p := activityWith(s, last)
		if got, want := appendActivity(nil, p), encodeJSON(t, p); !bytes.Equal(got, want) {
			t.Fatalf("appendActivity(%q):\n got %s\nwant %s", s, got, want)
		}
	})
}

// attrsOK, the fast check, agrees with the validation that names the
// field, on every limit.
func TestAttrsOKAgreesWithValidate(t *testing.T) {
	deep := func(d int) []Attribute {
		var a []Attribute
		for range d {
			a = []Attribute{{Key: "c", Type: AttrContainer, Children: a}}
		}
		return a
	}
	many := make([]Attribute, MaxAttrs+1)
	for i := range many {
		many[i] = Attribute{Key: "k", Type: AttrString}
	}
	long := string(make([]byte, MaxTextBytes+1))
	for name, attrs := range map[string][]Attribute{
		"ok":              {{Key: "a", Type: AttrInt, Value: "3"}, {Key: "l", Type: AttrList, Children: []Attribute{{Key: "x", Type: AttrDate, Value: "2024-01-01T00:00:00Z"}}}},
		"empty":           nil,
		"no key":          {{Type: AttrString}},
		"bad type":        {{Key: "a", Type: "money"}},
		"bad int":         {{Key: "a", Type: AttrInt, Value: "1.5"}},
		"bad date":        {{Key: "a", Type: AttrDate, Value: "yesterday"}},
		"list with value": {{Key: "a", Type: AttrList, Value: "x"}},
		"bad utf-8 key":   {{Key: "\xff", Type: AttrString}},
		"bad utf-8 value": {{Key: "a", Type: AttrString, Value: "\xff"}},
		"long key":        {{Key: long, Type: AttrString}},
		"long value":      {{Key: "a", Type: AttrString, Value: long}},
		"at depth":        deep(MaxAttrDepth),
		"too deep":        deep(MaxAttrDepth + 1),
		"exactly many":    many[:MaxAttrs],
		"too many":        many,
		"bad child":       {{Key: "l", Type: AttrList, Children: []Attribute{{Key: "x", Type: AttrBoolean, Value: "yes"}}}},
	} {
		n := 0
		fast := attrsOK(attrs, 1, &n)
		slow := validateAttrsSlow("attributes", attrs)
		if fast != (slow == nil) {
			t.Errorf("%s: attrsOK %v, validate %v", name, fast, slow)
		}
	}
}
