package csvlog_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/csvlog"
	"github.com/govledger/govledger/interop/interoptest"
)

// caseFacts is what a round trip must keep of a case.
type caseFacts struct {
	id, category    string
	created, closed time.Time
	status          string
}

// facts folds src into the facts of each case, in order of first
// appearance: closed is the last resolution not undone by a reopening, or
// the closing time of a case closed without one.
func facts(t *testing.T, src interop.Source) []caseFacts {
	t.Helper()
	idx := map[string]int{}
	var out []caseFacts
	var closedAt []time.Time
	err := src.Records(context.Background(), func(r interop.Record) error {
		id := r.Event.CaseID()
		if id == "" {
			return nil
		}
		i, ok := idx[id]
		if !ok {
			i = len(out)
			idx[id] = i
			out = append(out, caseFacts{id: id})
			closedAt = append(closedAt, time.Time{})
		}
		switch p := r.Payload.(type) {
		case *events.CaseReported:
			out[i].category, out[i].created = p.Category, r.Event.OccurredAt
		case *events.CaseResolved:
			out[i].closed = r.Event.OccurredAt
		case *events.CaseReopened:
			out[i].closed = time.Time{}
		case *events.CaseClosed:
			closedAt[i] = r.Event.OccurredAt
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if out[i].closed.IsZero() {
			out[i].closed = closedAt[i]
		}
		out[i].status = "open"
		if !out[i].closed.IsZero() {
			out[i].status = "closed"
		}
	}
	return out
}

// traceFacts are the same facts of imported traces.
func traceFacts(traces []*interop.Trace) []caseFacts {
	var out []caseFacts
	for _, tr := range traces {
		f := caseFacts{id: tr.Name, created: tr.Events[0].Time, status: "open"}
		f.category = tr.Events[0].Payload.(*events.CaseReported).Category
		if len(tr.Events) == 3 {
			f.closed, f.status = tr.Events[1].Time, "closed"
		}
		out = append(out, f)
	}
	return out
}

// traceSource serves imported traces as ledger records, the way a sink
// would write them (unit.registered for each new unit, then the case's
// events), so that they can be exported again.
type traceSource struct{ traces []*interop.Trace }

func (s traceSource) Records(ctx context.Context, fn func(interop.Record) error) error {
	pos := uint64(0)
	emit := func(stream string, at time.Time, actor events.Actor, p events.Payload) error {
		pos++
		return fn(interop.Record{Position: pos, Event: &events.Event{Stream: stream, OccurredAt: at, Actor: actor, Type: p.EventType()}, Payload: p})
	}
	known := map[string]bool{}
	for _, tr := range s.traces {
		for _, u := range tr.Units {
			if !known[u.ID] {
				known[u.ID] = true
				if err := emit(events.UnitsStream, tr.Events[0].Time, events.Actor{}, &events.UnitRegistered{Unit: u.ID, Name: u.Name, Kind: u.Kind, Parent: u.Parent}); err != nil {
					return err
				}
			}
		}
		for _, e := range tr.Events {
			if err := emit(events.CaseStream(tr.Name), e.Time, e.Actor, e.Payload); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s traceSource) Stream(ctx context.Context, stream string, fn func(interop.Record) error) error {
	return errors.New("not used")
}

func importAll(t *testing.T, in []byte, m csvlog.Mapping) []*interop.Trace {
	t.Helper()
	rd, err := csvlog.NewReader(bytes.NewReader(in), m)
	if err != nil {
		t.Fatal(err)
	}
	traces, outcomes := readAll(t, rd)
	if st := rd.Stats(); len(st.Skipped) != 0 || len(st.Notes) != 0 || len(traces) != len(outcomes) {
		t.Fatalf("import of an export: skips %v, notes %v", st.Skipped, st.Notes)
	}
	return traces
}

func TestRoundTripSimulatedLedger(t *testing.T) {
	st := interoptest.Simulated(t, 400, 0)
	src := interop.StoreSource(st)
	want := facts(t, src)
	closed := 0
	for _, f := range want {
		if f.status == "closed" {
			closed++
		}
	}
	if len(want) != 400 || closed == 0 || closed == len(want) {
		t.Fatalf("%d cases, %d closed: the simulation should leave both open and closed cases", len(want), closed)
	}
	nano := csvlog.DefaultMapping()
	nano.TimeLayouts = []string{time.RFC3339Nano}
	nano.Zone = "Asia/Shanghai"
	for _, tc := range []struct {
		name      string
		m         csvlog.Mapping
		precision time.Duration
	}{
		{"nyc layout to the second", csvlog.DefaultMapping(), time.Second},
		{"rfc3339nano exact", nano, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			ws, err := csvlog.Write(context.Background(), &out, src, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if ws.Rows != len(want) {
				t.Fatalf("wrote %d rows, want %d", ws.Rows, len(want))
			}
			traces := importAll(t, out.Bytes(), tc.m)
			got := traceFacts(traces)
			exp := make([]caseFacts, len(want))
			for i, f := range want {
				f.created = f.created.Truncate(max(tc.precision, 1))
				if !f.closed.IsZero() {
					f.closed = f.closed.Truncate(max(tc.precision, 1))
				}
				exp[i] = f
			}
			if len(got) != len(exp) {
				t.Fatalf("imported %d cases, want %d", len(got), len(exp))
			}
			for i := range exp {
				g, w := got[i], exp[i]
				if g.id != w.id || g.category != w.category || g.status != w.status || !g.created.Equal(w.created) || !g.closed.Equal(w.closed) {
					t.Fatalf("case %d:\n got %+v\nwant %+v", i, g, w)
				}
			}

			// The export of the import is the export, but for the agency
			// of open cases: the import keeps it as an attribute only.
			var again bytes.Buffer
			if _, err := csvlog.Write(context.Background(), &again, traceSource{traces}, tc.m); err != nil {
				t.Fatal(err)
			}
			first, err := csv.NewReader(&out).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			second, err := csv.NewReader(&again).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(first) != len(second) {
				t.Fatalf("export of the import has %d rows, want %d", len(second), len(first))
			}
			places := map[string]bool{}
			for _, r := range first[1:] {
				places[r[8]], places[r[9]] = true, true
			}
			blanked := 0
			for i, r := range first {
				if places[r[3]] {
					// A unit's name comes from the first row naming it: a
					// street that also answers cases may have been
					// registered by a row without its agency name.
					r[4], second[i][4] = "", ""
				}
				if r[6] == csvlog.OpenStatus && r[3] != "" {
					r[3], r[4] = "", ""
					blanked++
				}
				if !reflect.DeepEqual(second[i], r) {
					t.Fatalf("export of the import differs at row %d:\n got %q\nwant %q", i, second[i], r)
				}
			}
			if blanked == len(first)-1 {
				t.Fatal("every row is open: the comparison proves little")
			}
		})
	}
}

func TestWriteColumns(t *testing.T) {
	st := interoptest.Simulated(t, 60, 0)
	src := interop.StoreSource(st)
	t.Run("nyc header, no personal text", func(t *testing.T) {
		var out bytes.Buffer
		if _, err := csvlog.Write(context.Background(), &out, src, csvlog.DefaultMapping()); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type", "Status", "Open Data Channel Type", "Borough", "Community Board", "Incident Address", "Latitude", "Longitude", "Resolution Description"}
		if !reflect.DeepEqual(rows[0], want) {
			t.Fatalf("header %q", rows[0])
		}
		for _, r := range rows[1:] {
			line := strings.Join(r, ",")
			if r[10] != "" || strings.Contains(line, "Building ") || strings.Contains(line, "sealed") {
				t.Fatalf("personal text in %q", line)
			}
			if r[6] != "Open" && r[6] != "Closed" || (r[6] == "Closed") != (r[2] != "") {
				t.Fatalf("status %q with closed date %q", r[6], r[2])
			}
			if r[6] == "Closed" && (r[3] == "" || r[4] == "") {
				t.Fatalf("closed case without agency or agency name: %q", line)
			}
		}
	})
	t.Run("keep_address writes plain addresses only", func(t *testing.T) {
		plain, sealed := map[string]string{}, 0
		err := src.Records(context.Background(), func(r interop.Record) error {
			if p, ok := r.Payload.(*events.CaseReported); ok {
				if p.Location.Address.IsSealed() {
					sealed++
				}
				plain[r.Event.CaseID()] = p.Location.Address.Text
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		m := csvlog.DefaultMapping()
		m.KeepAddress = true
		var out bytes.Buffer
		ws, err := csvlog.Write(context.Background(), &out, src, m)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(rows[0], "Incident Address")
		if col < 0 {
			t.Fatalf("no address column in %q", rows[0])
		}
		written := 0
		for _, r := range rows[1:] {
			if r[col] != plain[r[0]] {
				t.Fatalf("case %s: address %q, want %q", r[0], r[col], plain[r[0]])
			}
			if r[col] != "" {
				written++
			}
		}
		if sealed == 0 || written == 0 || ws.Notes[csvlog.NoteAddress] != sealed {
			t.Errorf("%d sealed, %d plain written, notes %v", sealed, written, ws.Notes)
		}
	})
}

func TestWriteFormulaInjection(t *testing.T) {
	lat, lon := 40.5, -73.25
	created := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	tr := &interop.Trace{Name: "=1+2", Events: []interop.Event{
		{Time: created, Payload: &events.CaseReported{Channel: events.ChannelApp, Category: "@SUM(A1)", DeadlinePolicy: "standard-5wd",
			Location: events.Location{Street: "+street", Community: "'=c", Lat: &lat, Lon: &lon, Address: events.Plain("-1 Main St")}}},
		{Time: created.Add(time.Hour), Actor: events.Actor{Kind: events.ActorUnit, ID: "u", Unit: "u"},
			Payload: &events.CaseResolved{Unit: "u", Outcome: events.OutcomeFixed, Summary: "\tcmd"}},
	}, Units: []interop.Unit{{ID: "u", Kind: events.UnitCenter}}}
	m := csvlog.DefaultMapping()
	m.KeepAddress = true
	var out bytes.Buffer
	if _, err := csvlog.Write(context.Background(), &out, traceSource{[]*interop.Trace{tr}}, m); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && cell != "-73.25" {
			t.Errorf("column %q: cell %q starts a formula", rows[0][i], cell)
		}
	}
	if !strings.Contains(out.String(), "'=1+2,") || !strings.Contains(out.String(), "''=c") || !strings.Contains(out.String(), ",-73.25,") {
		t.Errorf("export %s", out.String())
	}
	got := importAll(t, out.Bytes(), m)
	p := got[0].Events[0].Payload.(*events.CaseReported)
	if got[0].Name != "=1+2" || p.Category != "@SUM(A1)" || p.Location.Street != "+street" || p.Location.Community != "'=c" || p.Location.Address.Text != "-1 Main St" || *p.Location.Lon != -73.25 {
		t.Errorf("imported %q %+v", got[0].Name, p)
	}
	if s := got[0].Events[1].Payload.(*events.CaseResolved).Summary; s != "cmd" {
		t.Errorf("summary %q (trimmed, quote stripped)", s)
	}
}

func TestEscapeCell(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""},
		{"plain", "plain"},
		{"=A1", "'=A1"},
		{"+1 555", "'+1 555"},
		{"-73.9", "-73.9"},
		{"-1-1", "'-1-1"},
		{"@x", "'@x"},
		{"\tx", "'\tx"},
		{"'", "'"},
		{"'a", "'a"},
		{"'=a", "''=a"},
		{"''", "'''"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := csvlog.EscapeCell(tc.in); got != tc.out {
				t.Errorf("escape %q = %q, want %q", tc.in, got, tc.out)
			}
			if back := csvlog.UnescapeCell(tc.out); back != tc.in {
				t.Errorf("unescape %q = %q, want %q", tc.out, back, tc.in)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	t.Run("bad mapping", func(t *testing.T) {
		_, err := csvlog.Write(context.Background(), &bytes.Buffer{}, traceSource{}, csvlog.Mapping{})
		if !errors.Is(err, csvlog.ErrMapping) {
			t.Fatalf("got %v, want ErrMapping", err)
		}
	})
	t.Run("source error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := csvlog.Write(context.Background(), &bytes.Buffer{}, failing{boom}, csvlog.DefaultMapping())
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "csvlog: ") {
			t.Fatalf("got %v, want the source's error wrapped", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := csvlog.Write(ctx, &bytes.Buffer{}, interop.StoreSource(interoptest.Simulated(t, 20, 0)), csvlog.DefaultMapping())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("case without report", func(t *testing.T) {
		tr := &interop.Trace{Name: "x", Events: []interop.Event{{Time: time.Now(), Payload: &events.CaseClosed{}}}}
		var out bytes.Buffer
		ws, err := csvlog.Write(context.Background(), &out, traceSource{[]*interop.Trace{tr}}, csvlog.DefaultMapping())
		if err != nil || ws.Rows != 0 || ws.Notes[csvlog.NoteNoReport] != 1 {
			t.Fatalf("stats %+v, err %v", ws, err)
		}
	})
}

type failing struct{ err error }

func (f failing) Records(context.Context, func(interop.Record) error) error { return f.err }
func (f failing) Stream(context.Context, string, func(interop.Record) error) error {
	return f.err
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestWriteGolden imports the sample fixture and exports it again: the
// export is testdata/nyc311-export.golden.csv (go test -update rewrites it).
func TestWriteGolden(t *testing.T) {
	rd := openSample(t, csvlog.DefaultMapping())
	traces, _ := readAll(t, rd)
	var out bytes.Buffer
	ws, err := csvlog.Write(context.Background(), &out, traceSource{traces}, csvlog.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	if ws.Rows != len(traces) {
		t.Fatalf("wrote %d rows, want %d", ws.Rows, len(traces))
	}
	const golden = "testdata/nyc311-export.golden.csv"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("export differs from %s (go test -update rewrites it):\n%s", golden, out.Bytes())
	}
}
