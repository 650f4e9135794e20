package xes_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/interoptest"
	"github.com/govledger/govledger/interop/xes"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store/memstore"
)

type stored struct {
	typ string
	at  time.Time
}

func TestWriteSimulatedRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := interoptest.Simulated(t, 40, 0)
	src := interop.StoreSource(st)

	// What the ledger holds: case streams in first-appearance order.
	var order []string
	want := map[string][]stored{}
	sealed := 0
	err := src.Records(ctx, func(rec interop.Record) error {
		kind, id := events.SplitStream(rec.Event.Stream)
		if kind == events.StreamTopic || kind == events.StreamRegistry {
			return nil
		}
		if _, ok := want[id]; !ok {
			order = append(order, id)
		}
		want[id] = append(want[id], stored{rec.Event.Type, rec.Event.OccurredAt})
		for _, f := range events.PersonalFields(rec.Payload) {
			if f.Value.IsSealed() {
				sealed++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(order) < 10 || sealed == 0 {
		t.Fatalf("simulation too small: %d cases, %d sealed fields", len(order), sealed)
	}

	var buf bytes.Buffer
	stats, err := xes.Write(ctx, &buf, src, xes.WriterConfig{LogName: "district"})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Bytes != int64(buf.Len()) || stats.Traces != len(order) {
		t.Fatalf("stats %+v, want %d traces, %d bytes", stats, len(order), buf.Len())
	}
	wellFormed(t, buf.Bytes())
	res := readAll(t, buf.Bytes(), xes.ReaderConfig{})
	if res.err != nil || len(res.skips) > 0 {
		t.Fatalf("reading the export: %v %v", res.err, res.skips)
	}
	if len(res.traces) != len(order) {
		t.Fatalf("%d traces, want %d", len(res.traces), len(order))
	}
	nev := 0
	for i, tr := range res.traces {
		if tr.Name != order[i] {
			t.Fatalf("trace %d is %q, want %q", i, tr.Name, order[i])
		}
		w := want[tr.Name]
		if len(tr.Events) != len(w) {
			t.Fatalf("trace %s: %d events, want %d", tr.Name, len(tr.Events), len(w))
		}
		dispatched := false
		for j, e := range tr.Events {
			nev++
			if e.Activity != w[j].typ || !e.Time.Equal(w[j].at) {
				t.Fatalf("trace %s event %d: %s at %v, want %s at %v", tr.Name, j, e.Activity, e.Time, w[j].typ, w[j].at)
			}
			if _, o1 := e.Time.Zone(); true {
				if _, o2 := w[j].at.Zone(); o1 != o2 {
					t.Fatalf("trace %s event %d: offset %d, want %d", tr.Name, j, o1, o2)
				}
			}
			wantLC := map[string]string{events.TypeCaseReturned: "withdraw", events.TypeCaseAccepted: "start"}[e.Activity]
			if e.Activity == events.TypeCaseDispatched {
				wantLC = map[bool]string{false: "assign", true: "reassign"}[dispatched]
				dispatched = true
			}
			if wantLC == "" {
				wantLC = "complete"
			}
			if e.Lifecycle != wantLC {
				t.Fatalf("trace %s event %d (%s): lifecycle %q, want %q", tr.Name, j, e.Activity, e.Lifecycle, wantLC)
			}
			if e.Resource == "" || e.Role == "" {
				t.Fatalf("event %+v without org:resource or org:role", e)
			}
			for _, k := range []string{"identity:id", "govledger:position", "govledger:hash"} {
				if _, ok := interop.FindAttr(e.Attributes, k); !ok {
					t.Fatalf("event without %s", k)
				}
			}
			if e.Activity == events.TypeCaseDispatched {
				to, _ := interop.FindAttr(e.Attributes, "data:to_unit")
				if to == "" || e.Group != to {
					t.Fatalf("dispatch org:group %q, data:to_unit %q", e.Group, to)
				}
			}
			assertNoSealed(t, e.Attributes)
		}
	}
	if nev != stats.Events {
		t.Fatalf("read %d events, stats say %d", nev, stats.Events)
	}
	if v, _ := interop.FindAttr(res.log, "concept:name"); v != "district" {
		t.Fatalf("log concept:name %q", v)
	}
}

// assertNoSealed fails if a sealed personal field was written.
func assertNoSealed(t *testing.T, attrs []events.Attribute) {
	t.Helper()
	for _, a := range attrs {
		if a.Key == "sealed" || a.Key == "subject" && a.Type == events.AttrString && len(a.Children) == 0 && strings.Contains(a.Value, "sealed") {
			t.Fatalf("sealed field written: %+v", a)
		}
		assertNoSealed(t, a.Children)
	}
}

// TestWriteImportedRoundTrip imports fixtures as activity.recorded trace
// streams and checks that the export reads back as the same traces.
func TestWriteImportedRoundTrip(t *testing.T) {
	for _, file := range []string{"pm4py.xes", "disco.xes", "prom.xes"} {
		t.Run(file, func(t *testing.T) {
			ctx := context.Background()
			in := readAll(t, fixture(t, file), xes.ReaderConfig{})
			if in.err != nil {
				t.Fatal(in.err)
			}
			st := memstore.New()
			l, err := ledger.New(ctx, st, ledger.Config{})
			if err != nil {
				t.Fatal(err)
			}
			s := eventstest.New()
			for i, tr := range in.traces {
				var drafts []events.Draft
				stream := events.TraceStream("t" + string(rune('a'+i)))
				for j, e := range tr.Events {
					p := &events.ActivityRecorded{Activity: e.Activity, Lifecycle: e.Lifecycle, Resource: e.Resource,
						Role: e.Role, Group: e.Group, Instance: e.Instance, Attributes: e.Attributes}
					if p.Activity == "" {
						p.Activity = "unnamed"
					}
					if j == 0 {
						p.Trace = &events.TraceInfo{Name: tr.Name, Attributes: tr.Attributes}
					}
					s.At(e.Time)
					drafts = append(drafts, s.Draft(stream, eventstest.System, p))
				}
				if _, err := l.Append(ctx, stream, ledger.Any, drafts...); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if _, err := xes.Write(ctx, &buf, interop.StoreSource(st), xes.WriterConfig{}); err != nil {
				t.Fatal(err)
			}
			out := readAll(t, buf.Bytes(), xes.ReaderConfig{})
			if out.err != nil || len(out.skips) != 0 {
				t.Fatalf("%v %v", out.err, out.skips)
			}
			if len(out.traces) != len(in.traces) {
				t.Fatalf("%d traces, want %d", len(out.traces), len(in.traces))
			}
			for i := range in.traces {
				a, b := in.traces[i], out.traces[i]
				if a.Name != b.Name || !reflect.DeepEqual(a.Attributes, b.Attributes) || len(a.Events) != len(b.Events) {
					t.Fatalf("trace %d:\n got %+v\nwant %+v", i, b, a)
				}
				for j := range a.Events {
					ea, eb := a.Events[j], b.Events[j]
					_, oa := ea.Time.Zone()
					_, ob := eb.Time.Zone()
					if !ea.Time.Equal(eb.Time) || oa != ob {
						t.Fatalf("trace %s event %d: time %v, want %v", a.Name, j, eb.Time, ea.Time)
					}
					ea.Time, eb.Time = time.Time{}, time.Time{}
					if !reflect.DeepEqual(ea, eb) {
						t.Fatalf("trace %s event %d:\n got %+v\nwant %+v", a.Name, j, eb, ea)
					}
				}
			}
		})
	}
}

// sliceSource is a Source over records held in memory.
type sliceSource []interop.Record

func (s sliceSource) Records(ctx context.Context, fn func(interop.Record) error) error {
	for _, r := range s {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s sliceSource) Stream(ctx context.Context, stream string, fn func(interop.Record) error) error {
	for _, r := range s {
		if r.Event.Stream == stream {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestWriteEscaping checks the policy for text XML cannot hold: markup
// characters and tab, newline, CR survive as references; other control
// characters and invalid UTF-8 become U+FFFD.
func TestWriteEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a<b>&"c"'d'`, `a<b>&"c"'d'`},
		{"tab\tnl\ncr\r", "tab\tnl\ncr\r"},
		{"bell\x07nul\x00", "bell\uFFFDnul\uFFFD"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"nonchar\uFFFE", "nonchar\uFFFD"},
		{"中文 é", "中文 é"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p := &events.ActivityRecorded{Activity: "a", Attributes: []events.Attribute{str("k", tc.in)},
				Trace: &events.TraceInfo{Name: "t"}}
			ev := &events.Event{Stream: "trace/t", Type: events.TypeActivityRecorded, OccurredAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
			var buf bytes.Buffer
			if _, err := xes.Write(context.Background(), &buf, sliceSource{{Position: 1, Event: ev, Payload: p}}, xes.WriterConfig{}); err != nil {
				t.Fatal(err)
			}
			wellFormed(t, buf.Bytes())
			res := readAll(t, buf.Bytes(), xes.ReaderConfig{})
			if res.err != nil || len(res.traces) != 1 {
				t.Fatalf("%v", res.err)
			}
			if got, _ := interop.FindAttr(res.traces[0].Events[0].Attributes, "k"); got != tc.want {
				t.Fatalf("value %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWriteTimes checks the precision and zone of written times.
func TestWriteTimes(t *testing.T) {
	zone := time.FixedZone("", -(3*3600 + 30*60))
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), `value="2024-01-02T03:04:05.000Z"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 120e6, eventstest.Zone), `value="2024-01-02T03:04:05.120+08:00"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 123456e3, zone), `value="2024-01-02T03:04:05.123456-03:30"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 7, time.UTC), `value="2024-01-02T03:04:05.000000007Z"`},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			ev := &events.Event{Stream: "trace/t", Type: events.TypeActivityRecorded, OccurredAt: tc.at}
			p := &events.ActivityRecorded{Activity: "a"}
			var buf bytes.Buffer
			if _, err := xes.Write(context.Background(), &buf, sliceSource{{Position: 1, Event: ev, Payload: p}}, xes.WriterConfig{}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), `<date key="time:timestamp" `+tc.want) {
				t.Fatalf("no %s in\n%s", tc.want, buf.String())
			}
		})
	}
}

// TestWriteHeader checks the extensions, globals and classifiers.
func TestWriteHeader(t *testing.T) {
	var buf bytes.Buffer
	if _, err := xes.Write(context.Background(), &buf, sliceSource{}, xes.WriterConfig{}); err != nil {
		t.Fatal(err)
	}
	res := readAll(t, buf.Bytes(), xes.ReaderConfig{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	var got []string
	for _, a := range res.log {
		var parts []string
		for _, c := range a.Children {
			parts = append(parts, c.Key+"="+c.Value)
		}
		got = append(got, a.Key+"{"+strings.Join(parts, ",")+"}")
	}
	want := []string{
		"xes:log{xes.version=1849-2016,xes.features=nested-attributes,xmlns=http://www.xes-standard.org/}",
		"xes:extension{name=Concept,prefix=concept,uri=http://www.xes-standard.org/concept.xesext}",
		"xes:extension{name=Time,prefix=time,uri=http://www.xes-standard.org/time.xesext}",
		"xes:extension{name=Lifecycle,prefix=lifecycle,uri=http://www.xes-standard.org/lifecycle.xesext}",
		"xes:extension{name=Organizational,prefix=org,uri=http://www.xes-standard.org/org.xesext}",
		"xes:extension{name=Identity,prefix=identity,uri=http://www.xes-standard.org/identity.xesext}",
		"xes:global{scope=trace,concept:name=__INVALID__}",
		"xes:global{scope=event,concept:name=__INVALID__,time:timestamp=1970-01-01T00:00:00.000+00:00,lifecycle:transition=complete}",
		"xes:classifier{name=Activity,keys=concept:name}",
		"xes:classifier{name=Activity and transition,keys=concept:name lifecycle:transition}",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("header\n got %q\nwant %q", got, want)
	}
}

// wellFormed checks that encoding/xml reads doc.
func wellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("encoding/xml: %v", err)
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	ctx := context.Background()
	src := interop.StoreSource(interoptest.Simulated(t, 5, 0))
	if _, err := xes.Write(ctx, &failWriter{n: 1000}, src, xes.WriterConfig{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("write error: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := xes.Write(cctx, io.Discard, src, xes.WriterConfig{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
