package xes_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/xes"
)

// result is everything a Reader returned for one input.
type result struct {
	traces  []*interop.Trace
	skips   []*interop.SkipError
	err     error // the fatal error, nil at a clean io.EOF
	log     []events.Attribute
	reorder int
}

// readAll reads every trace of data, checking the Reader's contract on the
// way: only traces, *SkipError, io.EOF or an error wrapping ErrInput that
// repeats; every attribute valid.
func readAll(t testing.TB, data []byte, cfg xes.ReaderConfig) result {
	t.Helper()
	var res result
	r, err := xes.NewReader(bytes.NewReader(data), cfg)
	if err != nil {
		if !errors.Is(err, interop.ErrInput) {
			t.Fatalf("NewReader: %v does not wrap ErrInput", err)
		}
		res.err = err
		return res
	}
	for i := 0; ; i++ {
		if i > len(data)+10 {
			t.Fatal("Next does not end")
		}
		tr, err := r.Next()
		var sk *interop.SkipError
		switch {
		case err == io.EOF:
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("Next after io.EOF = %v", err)
			}
			res.log = r.Log()
			checkAttrs(t, "log", res.log)
			return res
		case errors.As(err, &sk):
			if tr != nil {
				t.Fatal("trace returned with a SkipError")
			}
			if sk.Reason == "" {
				t.Fatal("SkipError without reason")
			}
			res.skips = append(res.skips, sk)
		case err != nil:
			if !errors.Is(err, interop.ErrInput) {
				t.Fatalf("error %v does not wrap ErrInput", err)
			}
			if !strings.HasPrefix(err.Error(), "xes: ") {
				t.Fatalf("error %q lacks the xes: prefix", err)
			}
			if _, again := r.Next(); again == nil || again.Error() != err.Error() {
				t.Fatalf("Next after %v = %v, want the same error", err, again)
			}
			res.err = err
			return res
		default:
			if tr == nil || len(tr.Events) == 0 || tr.Name == "" {
				t.Fatalf("bad trace %+v", tr)
			}
			checkAttrs(t, "trace "+tr.Name, tr.Attributes)
			for j := range tr.Events {
				checkAttrs(t, "event", tr.Events[j].Attributes)
				if j > 0 && tr.Events[j].Time.Before(tr.Events[j-1].Time) {
					t.Fatalf("trace %s: events not in time order", tr.Name)
				}
			}
			if tr.Reordered {
				res.reorder++
			}
			res.traces = append(res.traces, tr)
		}
	}
}

func checkAttrs(t testing.TB, what string, attrs []events.Attribute) {
	t.Helper()
	for i := range attrs {
		if err := attrs[i].Validate(what); err != nil {
			t.Fatalf("%s: attribute %d: %v", what, i, err)
		}
	}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func str(k, v string) events.Attribute {
	return events.Attribute{Key: k, Type: events.AttrString, Value: v}
}

func typed(typ, k, v string, children ...events.Attribute) events.Attribute {
	return events.Attribute{Key: k, Type: typ, Value: v, Children: children}
}

func findLog(attrs []events.Attribute, key string) []events.Attribute {
	var out []events.Attribute
	for _, a := range attrs {
		if a.Key == key {
			out = append(out, a)
		}
	}
	return out
}

func TestFixtures(t *testing.T) {
	type ev struct{ activity, lifecycle, resource, time string }
	tests := []struct {
		file      string
		names     []string
		events    [][]ev
		skips     []string
		extURI    string // the concept extension's URI as kept in Log
		version   string
		traceAttr []events.Attribute // attributes of the first trace
	}{
		{
			file:  "prom.xes",
			names: []string{"10"},
			events: [][]ev{{
				{"Register", "complete", "System", "2011-01-05T09:20:00+01:00"},
				{"Analyze Defect", "start", "Tester2", "2011-01-05T09:41:00+01:00"},
			}},
			skips:   []string{"timestamp out of range"},
			extURI:  "http://code.deckfour.org/xes/concept.xesext",
			version: "1.0",
		},
		{
			file:  "disco.xes",
			names: []string{"Case 1", "Case 2"},
			events: [][]ev{{
				{"Create Purchase Requisition", "start", "Kim Passa", "2011-01-06T15:44:00+01:00"},
				{"Create Purchase Requisition", "complete", "Kim Passa", "2011-01-06T15:48:00+01:00"},
			}, {
				{"Analyze Request for Quotation", "complete", "Francois de Perrault", "2011-01-07T08:02:00-05:00"},
			}},
			extURI:    "http://www.xes-standard.org/concept.xesext",
			version:   "1.0",
			traceAttr: []events.Attribute{str("variant", "Variant 3"), typed("int", "variant-index", "3"), str("creator", "Fluxicon Disco")},
		},
		{
			file:  "pm4py.xes",
			names: []string{"3", "#2"},
			events: [][]ev{{
				{"A_SUBMITTED", "COMPLETE", "112", "2011-10-01T00:38:44.546+02:00"},
				{"A_PARTLYSUBMITTED", "COMPLETE", "112", "2011-10-01T00:38:44.88+02:00"},
			}, {
				{"A_SUBMITTED", "", "", "2011-10-01T08:08:58.256Z"},
			}},
			extURI:    "http://www.xes-standard.org/concept.xesext",
			version:   "1849-2016",
			traceAttr: []events.Attribute{typed("date", "REG_DATE", "2011-10-01T00:38:44.546+02:00"), typed("float", "AMOUNT_REQ", "5000.0")},
		},
	}
	for _, tc := range tests {
		for _, compressed := range []bool{false, true} {
			name := tc.file
			data := fixture(t, tc.file)
			if compressed {
				name += ".gz"
				data = gz(t, data)
			}
			t.Run(name, func(t *testing.T) {
				res := readAll(t, data, xes.ReaderConfig{})
				if res.err != nil {
					t.Fatal(res.err)
				}
				var names []string
				for _, tr := range res.traces {
					names = append(names, tr.Name)
				}
				if !reflect.DeepEqual(names, tc.names) {
					t.Fatalf("traces %q, want %q", names, tc.names)
				}
				var reasons []string
				for _, s := range res.skips {
					reasons = append(reasons, s.Reason)
				}
				if !reflect.DeepEqual(reasons, tc.skips) {
					t.Fatalf("skips %q, want %q", reasons, tc.skips)
				}
				for i, want := range tc.events {
					tr := res.traces[i]
					var got []ev
					for _, e := range tr.Events {
						got = append(got, ev{e.Activity, e.Lifecycle, e.Resource, e.Time.Format(time.RFC3339Nano)})
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("trace %s events\n got %q\nwant %q", tr.Name, got, want)
					}
				}
				if tc.traceAttr != nil && !reflect.DeepEqual(res.traces[0].Attributes, tc.traceAttr) {
					t.Fatalf("trace attributes %+v, want %+v", res.traces[0].Attributes, tc.traceAttr)
				}
				var uri string
				for _, e := range findLog(res.log, "xes:extension") {
					if v, _ := interop.FindAttr(e.Children, "prefix"); v == "concept" {
						uri, _ = interop.FindAttr(e.Children, "uri")
					}
				}
				if uri != tc.extURI {
					t.Fatalf("concept extension uri %q, want %q", uri, tc.extURI)
				}
				lg := findLog(res.log, "xes:log")
				if len(lg) != 1 {
					t.Fatalf("xes:log %+v", lg)
				}
				if v, _ := interop.FindAttr(lg[0].Children, "xes.version"); v != tc.version {
					t.Fatalf("xes.version %q, want %q", v, tc.version)
				}
				if tc.file != "disco.xes" && len(findLog(res.log, "xes:classifier")) == 0 {
					t.Fatal("no classifier kept")
				}
			})
		}
	}
}

func TestTraceLine(t *testing.T) {
	res := readAll(t, fixture(t, "disco.xes"), xes.ReaderConfig{})
	if len(res.traces) != 2 || res.traces[0].Line != 16 || res.traces[1].Line != 36 {
		t.Fatalf("lines %d, %d; want 16, 36", res.traces[0].Line, res.traces[1].Line)
	}
}

func TestGlobalsKept(t *testing.T) {
	res := readAll(t, fixture(t, "prom.xes"), xes.ReaderConfig{})
	gl := findLog(res.log, "xes:global")
	want := events.Attribute{Key: "xes:global", Type: events.AttrContainer, Children: []events.Attribute{
		str("scope", "event"), str("concept:name", "__INVALID__"), str("lifecycle:transition", "complete")}}
	if len(gl) != 2 || !reflect.DeepEqual(gl[1], want) {
		t.Fatalf("globals %+v", gl)
	}
	if v, _ := interop.FindAttr(res.log, "concept:name"); v != "repairExample.mxml" {
		t.Fatalf("log concept:name %q", v)
	}
}

func TestAttributeTypes(t *testing.T) {
	res := readAll(t, fixture(t, "pm4py.xes"), xes.ReaderConfig{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	got := res.traces[0].Events[0].Attributes
	want := []events.Attribute{
		typed("id", "identity:id", "b6d7e4b0-6f43-4c3a-9b5e-0f7a7e8f1c2d"),
		typed("list", "tags", "", str("tag", "web"), typed("int", "priority", "2")),
		typed("container", "address", "",
			str("city", "Eindhoven"),
			typed("container", "geo", "", typed("float", "lat", "51.44"), typed("float", "lon", "5.47"))),
		typed("string", "note", "a <b> & \"c\" 'd' é中 \nx",
			str("lang", "en"), typed("date", "written", "2011-10-01T00:40:00Z")),
		typed("boolean", "urgent", "true"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attributes\n got %+v\nwant %+v", got, want)
	}
	// The older list form, without <values>.
	res = readAll(t, fixture(t, "prom.xes"), xes.ReaderConfig{})
	want = []events.Attribute{str("defectType", "6"), typed("list", "components", "", str("component", "board"), str("component", "fan"))}
	if got := res.traces[0].Events[0].Attributes; !reflect.DeepEqual(got, want) {
		t.Fatalf("old-style list\n got %+v\nwant %+v", got, want)
	}
}

// doc wraps traces in a minimal log.
func doc(traces ...string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<log xes.version=\"1849-2016\">\n" + strings.Join(traces, "\n") + "\n</log>\n")
}

func trace(name string, evs ...string) string {
	s := "<trace>"
	if name != "" {
		s += `<string key="concept:name" value="` + name + `"/>`
	}
	for _, e := range evs {
		s += "<event>" + e + "</event>"
	}
	return s + "</trace>"
}

func at(activity, ts string) string {
	return `<string key="concept:name" value="` + activity + `"/><date key="time:timestamp" value="` + ts + `"/>`
}

func TestZones(t *testing.T) {
	tests := []struct {
		value  string
		want   time.Time
		offset int
	}{
		{"2024-06-03T09:15:00.000+08:00", time.Date(2024, 6, 3, 1, 15, 0, 0, time.UTC), 8 * 3600},
		{"2024-06-03T09:15:00Z", time.Date(2024, 6, 3, 9, 15, 0, 0, time.UTC), 0},
		{"2024-06-03T09:15:00.123456789-05:30", time.Date(2024, 6, 3, 14, 45, 0, 123456789, time.UTC), -5*3600 - 1800},
		{"2024-06-03T09:15:00", time.Date(2024, 6, 3, 9, 15, 0, 0, time.UTC), 0},
		{"2024-06-03T09:15:00.5+0100", time.Date(2024, 6, 3, 8, 15, 0, 5e8, time.UTC), 3600},
		{" 2024-06-03T09:15:00+01:00 ", time.Date(2024, 6, 3, 8, 15, 0, 0, time.UTC), 3600},
		{"2024-06-03", time.Date(2024, 6, 3, 0, 0, 0, 0, time.UTC), 0},
		{"2024-02-29T23:59:59.999+14:00", time.Date(2024, 2, 29, 9, 59, 59, 999e6, time.UTC), 14 * 3600},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			res := readAll(t, doc(trace("t", at("a", tc.value))), xes.ReaderConfig{})
			if res.err != nil || len(res.traces) != 1 {
				t.Fatalf("err %v, skips %v", res.err, res.skips)
			}
			got := res.traces[0].Events[0].Time
			if _, off := got.Zone(); !got.Equal(tc.want) || off != tc.offset {
				t.Fatalf("time %v (offset %d), want %v (offset %d)", got, off, tc.want, tc.offset)
			}
		})
	}
}

func TestReordered(t *testing.T) {
	data := doc(
		trace("in order", at("a", "2024-01-01T10:00:00Z"), at("b", "2024-01-01T11:00:00Z")),
		trace("out of order", at("c", "2024-01-01T12:00:00+01:00"), at("a", "2024-01-01T10:00:00Z"), at("b", "2024-01-01T10:00:00Z")),
	)
	res := readAll(t, data, xes.ReaderConfig{})
	if res.err != nil || len(res.traces) != 2 {
		t.Fatalf("err %v traces %d", res.err, len(res.traces))
	}
	if res.traces[0].Reordered || !res.traces[1].Reordered || res.reorder != 1 {
		t.Fatalf("reordered %v %v", res.traces[0].Reordered, res.traces[1].Reordered)
	}
	var acts []string
	for _, e := range res.traces[1].Events {
		acts = append(acts, e.Activity)
	}
	// Stable: a before b at the same instant; c (11:00Z) last.
	if strings.Join(acts, ",") != "a,b,c" {
		t.Fatalf("order %v", acts)
	}
}

func TestSkips(t *testing.T) {
	good := trace("good", at("a", "2024-01-01T10:00:00Z"))
	tests := []struct {
		name, trace, reason string
	}{
		{"no events", trace("t"), "trace without events"},
		{"no timestamp", trace("t", `<string key="concept:name" value="a"/>`), "event without time:timestamp"},
		{"unparseable timestamp", trace("t", at("a", "yesterday")), "unparseable date"},
		{"unparseable date attribute", trace("t", at("a", "2024-01-01T10:00:00Z")+`<date key="due" value="2024-13-45"/>`), "unparseable date"},
		{"unknown type", trace("t", at("a", "2024-01-01T10:00:00Z")+`<decimal key="x" value="1"/>`), "unknown attribute type"},
		{"unknown type on trace", `<trace><money key="x" value="1"/>` + "<event>" + at("a", "2024-01-01T10:00:00Z") + "</event></trace>", "unknown attribute type"},
		{"too early", trace("t", at("a", "1970-01-01T00:00:00Z")), "timestamp out of range"},
		{"too late", trace("t", at("a", "2300-01-01T00:00:00Z")), "timestamp out of range"},
		{"bad int", trace("t", at("a", "2024-01-01T10:00:00Z")+`<int key="n" value="1.5"/>`), "invalid attribute value"},
		{"bad boolean", trace("t", at("a", "2024-01-01T10:00:00Z")+`<boolean key="b" value="yes"/>`), "invalid attribute value"},
		{"no key", trace("t", at("a", "2024-01-01T10:00:00Z")+`<string value="v"/>`), "attribute without key"},
		{"long value", trace("t", at("a", "2024-01-01T10:00:00Z")+`<string key="k" value="`+strings.Repeat("x", events.MaxTextBytes+1)+`"/>`), "attribute value too long"},
		{"long key", trace("t", at("a", "2024-01-01T10:00:00Z")+`<string key="`+strings.Repeat("k", events.MaxTextBytes+1)+`" value="v"/>`), "attribute key too long"},
		{"deep", trace("t", at("a", "2024-01-01T10:00:00Z")+strings.Repeat(`<container key="c">`, events.MaxAttrDepth+1)+strings.Repeat(`</container>`, events.MaxAttrDepth+1)), "attributes nest too deep"},
		{"many", trace("t", at("a", "2024-01-01T10:00:00Z")+strings.Repeat(`<int key="n" value="1"/>`, events.MaxAttrs+1)), "too many attributes"},
		{"event outside trace", "<event>" + at("a", "2024-01-01T10:00:00Z") + "</event>", "event outside a trace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, doc(tc.trace, good), xes.ReaderConfig{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.skips) != 1 || res.skips[0].Reason != tc.reason {
				t.Fatalf("skips %v, want one %q", res.skips, tc.reason)
			}
			if !strings.Contains(res.skips[0].Detail, "line ") {
				t.Fatalf("detail %q does not name the line", res.skips[0].Detail)
			}
			if len(res.traces) != 1 || res.traces[0].Name != "good" {
				t.Fatalf("reading did not go on past the skipped trace: %+v", res.traces)
			}
		})
	}
}

// TestManyAttributes reads events whose attributes cross the reader's
// internal chunks, with keys and values that differ by one character.
func TestManyAttributes(t *testing.T) {
	sizes := []int{1, 300, 7, 255, 256, 257, 0, 500, 3}
	var evs []string
	for e, n := range sizes {
		var b strings.Builder
		b.WriteString(at(fmt.Sprintf("act-%d", e), "2024-01-01T10:00:00Z"))
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `<string key="k%d" value="v%d-%d"/>`, i, e, i)
		}
		evs = append(evs, b.String())
	}
	res := readAll(t, doc(trace("t", evs...)), xes.ReaderConfig{})
	if res.err != nil || len(res.traces) != 1 {
		t.Fatalf("err %v skips %v", res.err, res.skips)
	}
	for e, ev := range res.traces[0].Events {
		if ev.Activity != fmt.Sprintf("act-%d", e) || len(ev.Attributes) != sizes[e] {
			t.Fatalf("event %d: %s with %d attributes, want %d", e, ev.Activity, len(ev.Attributes), sizes[e])
		}
		for i, a := range ev.Attributes {
			if a.Key != fmt.Sprintf("k%d", i) || a.Value != fmt.Sprintf("v%d-%d", e, i) {
				t.Fatalf("event %d attribute %d: %+v", e, i, a)
			}
		}
	}
}

func TestTooManyEvents(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= interop.MaxTraceEvents; i++ {
		b.WriteString("<event>" + at("a", "2024-01-01T10:00:00Z") + "</event>")
	}
	data := doc("<trace>"+b.String()+"</trace>", trace("next", at("a", "2024-01-01T10:00:00Z")))
	res := readAll(t, data, xes.ReaderConfig{})
	want := fmt.Sprintf("trace has more than %d events", interop.MaxTraceEvents)
	if res.err != nil || len(res.skips) != 1 || res.skips[0].Reason != want {
		t.Fatalf("err %v skips %v, want %q", res.err, res.skips, want)
	}
	if len(res.traces) != 1 || res.traces[0].Name != "next" {
		t.Fatalf("traces %v", res.traces)
	}
}

// TestLogLimits checks that Log() always fits an import record: at most
// events.MaxAttrs attributes in all, values at most events.MaxTextBytes.
func TestLogLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<log xes.version="` + strings.Repeat("é", events.MaxTextBytes) + `">`)
	for i := 0; i < events.MaxAttrs+10; i++ {
		fmt.Fprintf(&b, `<int key="n%d" value="%d"/>`, i, i)
	}
	b.WriteString(trace("t", at("a", "2024-01-01T10:00:00Z")) + "</log>")
	res := readAll(t, []byte(b.String()), xes.ReaderConfig{})
	if res.err != nil || len(res.traces) != 1 {
		t.Fatalf("err %v", res.err)
	}
	last := res.log[len(res.log)-1]
	if last.Key != "xes:truncated" || last.Value != "true" {
		t.Fatalf("last log attribute %+v, want xes:truncated", last)
	}
	rec := &events.ImportRecorded{Format: events.FormatXES, Source: "x.xes", SHA256: strings.Repeat("0", 64), Attributes: res.log}
	if err := rec.Validate(); err != nil {
		t.Fatalf("import record with Log(): %v", err)
	}
}

func TestTraceTooLarge(t *testing.T) {
	big := trace("big", at("a", "2024-01-01T10:00:00Z")+`<string key="k" value="`+strings.Repeat("x", 3000)+`"/>`,
		at("b", "2024-01-01T10:00:00Z"), at("c", "2024-01-01T10:00:00Z"))
	small := trace("small", at("a", "2024-01-01T10:00:00Z"))
	res := readAll(t, doc(big, small), xes.ReaderConfig{MaxTraceBytes: 2000})
	if res.err != nil || len(res.skips) != 1 || res.skips[0].Reason != "trace too large" {
		t.Fatalf("err %v skips %v", res.err, res.skips)
	}
	if len(res.traces) != 1 || res.traces[0].Name != "small" {
		t.Fatalf("traces %v", res.traces)
	}
	if _, err := xes.NewReader(strings.NewReader(""), xes.ReaderConfig{MaxTraceBytes: -1}); err == nil {
		t.Fatal("negative limit accepted")
	}
}

func TestInputErrors(t *testing.T) {
	valid := fixture(t, "disco.xes")
	compressed := gz(t, valid)
	badCRC := bytes.Clone(compressed)
	badCRC[len(badCRC)-6] ^= 0xff // the CRC-32 in the trailer
	corrupt := bytes.Clone(compressed)
	for i := 20; i < 40; i++ {
		corrupt[i] ^= 0x5a
	}
	laughs := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<log><string key="x" value="&lol3;"/></log>`
	ev := "<event>" + at("a", "2024-01-01T10:00:00Z") + "</event>"
	tests := []struct {
		name string
		data []byte
		cfg  xes.ReaderConfig
		want string
	}{
		{"truncated gzip", compressed[:len(compressed)/2], xes.ReaderConfig{}, "unexpected EOF"},
		{"gzip bad crc", badCRC, xes.ReaderConfig{}, "gzip: invalid checksum"},
		{"corrupt gzip", corrupt, xes.ReaderConfig{}, "flate: corrupt input"},
		{"gzip header only", compressed[:5], xes.ReaderConfig{}, "gzip"},
		{"truncated xml", valid[:len(valid)-30], xes.ReaderConfig{}, "unexpected end of input"},
		{"unbalanced", []byte("<log><trace>" + ev + "</log>"), xes.ReaderConfig{}, "element <trace> closed by </log>"},
		{"stray end tag", []byte("<log></log></trace>"), xes.ReaderConfig{}, "unexpected end element </trace>"},
		{"malformed attribute", []byte(`<log><trace><string key=concept:name value="x"/></trace></log>`), xes.ReaderConfig{}, "unquoted value"},
		{"malformed tag", []byte(`<log><trace <event/></trace></log>`), xes.ReaderConfig{}, "invalid character"},
		{"billion laughs", []byte(laughs), xes.ReaderConfig{}, "DOCTYPE with an internal subset"},
		{"undefined entity", []byte(`<log><string key="x" value="&nbsp;"/></log>`), xes.ReaderConfig{}, "undefined entity &nbsp;"},
		{"invalid utf-8", []byte("<log><string key=\"x\" value=\"\xff\xfe\"/></log>"), xes.ReaderConfig{}, "invalid UTF-8"},
		{"control character", []byte("<log><string key=\"x\" value=\"a\x01\"/></log>"), xes.ReaderConfig{}, "illegal character"},
		{"over-long token", doc(trace("t", ev+`<string key="k" value="`+strings.Repeat("x", 5000)+`"/>`)), xes.ReaderConfig{MaxTokenBytes: 4096}, "token longer than 4096 bytes"},
		{"duplicate attribute", []byte(`<log><string key="x" key="y"/></log>`), xes.ReaderConfig{}, "duplicate attribute key"},
		{"two roots", []byte(`<log></log><log></log>`), xes.ReaderConfig{}, "more than one root element"},
		{"text outside root", []byte(`<log></log>junk`), xes.ReaderConfig{}, "text outside the root element"},
		{"not a log", []byte(`<html></html>`), xes.ReaderConfig{}, "root element is <html>"},
		{"empty", nil, xes.ReaderConfig{}, "no root element"},
		{"latin-1", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><log></log>`), xes.ReaderConfig{}, "unsupported encoding"},
		{"utf-16", []byte("\xff\xfe<\x00l\x00o\x00g\x00/\x00>\x00"), xes.ReaderConfig{}, "UTF-16 input is not supported"},
		{"bad comment", []byte(`<log><!-- a -- b --></log>`), xes.ReaderConfig{}, `"--"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, tc.data, tc.cfg)
			if res.err == nil {
				t.Fatalf("no error; traces %d skips %v", len(res.traces), res.skips)
			}
			if !strings.Contains(res.err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", res.err, tc.want)
			}
			// Check, the import's first pass, finds the same error.
			r, err := xes.NewReader(bytes.NewReader(tc.data), tc.cfg)
			if err == nil {
				_, err = r.Check()
			}
			if err == nil || err.Error() != res.err.Error() {
				t.Fatalf("Check: %v, Next: %v", err, res.err)
			}
		})
	}
}

// TestErrorLine checks that an input error names the line.
func TestErrorLine(t *testing.T) {
	res := readAll(t, []byte("<log>\n<trace>\n\n<event>\n</trace>\n</log>"), xes.ReaderConfig{})
	if res.err == nil || !strings.Contains(res.err.Error(), "line 5:") {
		t.Fatalf("error %v does not name line 5", res.err)
	}
}

// TestBillionLaughsPlainDoctype checks that a DOCTYPE without an internal
// subset is skipped but an entity it might define is still undefined.
func TestDoctype(t *testing.T) {
	ok := []byte(`<!DOCTYPE log SYSTEM "x.dtd"><log>` + trace("t", at("a", "2024-01-01T10:00:00Z")) + `</log>`)
	if res := readAll(t, ok, xes.ReaderConfig{}); res.err != nil || len(res.traces) != 1 {
		t.Fatalf("plain DOCTYPE: err %v", res.err)
	}
	bad := []byte(`<!DOCTYPE log SYSTEM "x.dtd"><log><string key="x" value="&ext;"/></log>`)
	if res := readAll(t, bad, xes.ReaderConfig{}); res.err == nil || !strings.Contains(res.err.Error(), "undefined entity") {
		t.Fatalf("entity from external DTD: err %v", res.err)
	}
}

// Check counts the traces (skipped ones too) and finds no error in a log
// whose problems are all confined to traces.
func TestCheckCountsAndIgnoresSkips(t *testing.T) {
	data := doc(trace("good", at("a", "2024-01-01T10:00:00Z")) + trace("t") + trace("t2", at("a", "yesterday")) +
		"<event>" + at("a", "2024-01-01T10:00:00Z") + "</event>")
	res := readAll(t, data, xes.ReaderConfig{})
	r, err := xes.NewReader(bytes.NewReader(data), xes.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.Check()
	if err != nil || n != len(res.traces)+len(res.skips) || n != 4 {
		t.Fatalf("Check = %d, %v; Next gave %d traces and %d skips", n, err, len(res.traces), len(res.skips))
	}
	if len(r.Log()) == 0 {
		t.Error("Check did not keep the log attributes")
	}
}
