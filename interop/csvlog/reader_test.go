package csvlog_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/csvlog"
)

// outcome is what one call of Next gave: a trace's name and line, or a
// skip's reason.
type outcome struct {
	name   string
	line   int
	reason string
}

// readAll reads every row of r, failing the test on an error that is not a
// skip, and checks that every payload, unit and attribute is valid.
func readAll(t testing.TB, rd *csvlog.Reader) ([]*interop.Trace, []outcome) {
	t.Helper()
	var traces []*interop.Trace
	var got []outcome
	for {
		tr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return traces, got
		}
		var skip *interop.SkipError
		if errors.As(err, &skip) {
			if !strings.HasPrefix(skip.Detail, "line ") {
				t.Fatalf("skip %q: detail %q does not name the line", skip.Reason, skip.Detail)
			}
			got = append(got, outcome{reason: skip.Reason})
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if err := checkTrace(tr); err != nil {
			t.Fatalf("trace %q: %v", tr.Name, err)
		}
		traces = append(traces, tr)
		got = append(got, outcome{name: tr.Name, line: tr.Line})
	}
}

// checkTrace checks what a Sink would: payloads, units, attributes, times
// and the case stream name are valid.
func checkTrace(tr *interop.Trace) error {
	if err := events.ValidateStream(events.CaseStream(tr.Name)); err != nil {
		return err
	}
	for i := range tr.Events {
		e := &tr.Events[i]
		if err := e.Payload.Validate(); err != nil {
			return err
		}
		if err := events.CheckTime("time", e.Time, true); err != nil {
			return err
		}
		for j := range e.Attributes {
			if err := e.Attributes[j].Validate("attr"); err != nil {
				return err
			}
		}
		if e.Actor != (events.Actor{}) {
			if err := e.Actor.Validate(); err != nil {
				return err
			}
		}
	}
	for _, u := range tr.Units {
		p := u.Parent
		if p == "" {
			p = "the-import-district"
		}
		name := u.Name
		if name == "" {
			name = u.ID
		}
		if err := (&events.UnitRegistered{Unit: u.ID, Name: name, Kind: u.Kind, Parent: p}).Validate(); err != nil {
			return err
		}
	}
	return nil
}

func openSample(t *testing.T, m csvlog.Mapping) *csvlog.Reader {
	t.Helper()
	f, err := os.Open("testdata/nyc311-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	rd, err := csvlog.NewReader(f, m)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

func TestReaderSample(t *testing.T) {
	rd := openSample(t, csvlog.DefaultMapping())
	traces, got := readAll(t, rd)
	want := []outcome{
		{name: "59000001", line: 2},
		{name: "59000002", line: 4},
		{name: "59000003", line: 5},
		{name: "59000004", line: 6},
		{reason: csvlog.ReasonColumnCount},
		{reason: csvlog.ReasonMissingID},
		{reason: csvlog.ReasonMissingCreated},
		{reason: csvlog.ReasonBadCreated},
		{reason: csvlog.ReasonBadClosed},
		{reason: csvlog.ReasonClosedFirst},
		{reason: csvlog.ReasonMissingCategory},
		{reason: csvlog.ReasonUTF8},
		{reason: csvlog.ReasonTooLong},
		{reason: csvlog.ReasonTimeRange},
		{reason: csvlog.ReasonInvalidID},
		{reason: csvlog.ReasonQuoting},
		{name: "59000017", line: 19},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outcomes:\n got %+v\nwant %+v", got, want)
	}
	byName := map[string]*interop.Trace{}
	for _, tr := range traces {
		byName[tr.Name] = tr
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("closed row", func(t *testing.T) {
		tr := byName["59000001"]
		if len(tr.Events) != 3 || tr.Events[2].Activity != csvlog.ActivityClosed || tr.Events[2].Payload.EventType() != events.TypeCaseClosed || !tr.Events[2].Time.Equal(tr.Events[1].Time) {
			t.Fatalf("%d events, want reported, resolved and closed at the closed date", len(tr.Events))
		}
		rep, res := tr.Events[0], tr.Events[1]
		if rep.Activity != csvlog.ActivityReported || !rep.Time.Equal(utc("2026-11-03T09:15:00Z")) || rep.Actor != (events.Actor{}) {
			t.Errorf("reported event %+v", rep)
		}
		p := rep.Payload.(*events.CaseReported)
		if p.Channel != events.ChannelHotline || p.Category != "Noise - Residential" || p.DeadlinePolicy != "standard-5wd" {
			t.Errorf("report %+v", p)
		}
		if p.Location.Street != "BROOKLYN" || p.Location.Community != "03 BROOKLYN" || *p.Location.Lat != 40.6812 || *p.Location.Lon != -73.9442 {
			t.Errorf("location %+v", p.Location)
		}
		if !p.Location.Address.IsZero() {
			t.Errorf("address %q imported without keep_address", p.Location.Address.Text)
		}
		for _, a := range rep.Attributes {
			if strings.Contains(a.Value, "MAIN ST") {
				t.Errorf("address kept as attribute %+v", a)
			}
		}
		for k, v := range map[string]string{"Descriptor": "Loud Music/Party", "Status": "Closed", "Open Data Channel Type": "PHONE"} {
			if got, _ := interop.FindAttr(rep.Attributes, k); got != v {
				t.Errorf("attribute %q = %q, want %q", k, got, v)
			}
		}
		if _, ok := interop.FindAttr(rep.Attributes, "Agency"); ok {
			t.Error("agency of a resolved row kept as an attribute too")
		}
		r := res.Payload.(*events.CaseResolved)
		if res.Activity != csvlog.ActivityResolved || !res.Time.Equal(utc("2026-11-03T14:30:00Z")) || r.Unit != "NYPD" || r.Outcome != events.OutcomeFixed {
			t.Errorf("resolved %+v %+v", res, r)
		}
		if r.Summary != "The Police Department responded, and\nupon arrival those responsible had left." {
			t.Errorf("summary %q", r.Summary)
		}
		if res.Actor != (events.Actor{Kind: events.ActorUnit, ID: "NYPD", Unit: "NYPD"}) {
			t.Errorf("actor %+v", res.Actor)
		}
		wantUnits := []interop.Unit{
			{ID: "BROOKLYN", Kind: events.UnitStreet},
			{ID: "03 BROOKLYN", Kind: events.UnitCommunity, Parent: "BROOKLYN"},
			{ID: "NYPD", Name: "New York City Police Department", Kind: events.UnitCenter},
		}
		if !reflect.DeepEqual(tr.Units, wantUnits) {
			t.Errorf("units %+v", tr.Units)
		}
	})
	t.Run("open row keeps agency", func(t *testing.T) {
		tr := byName["59000002"]
		if len(tr.Events) != 1 {
			t.Fatalf("%d events, want 1", len(tr.Events))
		}
		if v, _ := interop.FindAttr(tr.Events[0].Attributes, "Agency"); v != "DOT" {
			t.Errorf("agency attribute %q", v)
		}
		if p := tr.Events[0].Payload.(*events.CaseReported); p.Channel != events.ChannelApp {
			t.Errorf("channel %q", p.Channel)
		}
	})
	t.Run("closed without date is open", func(t *testing.T) {
		tr := byName["59000003"]
		if len(tr.Events) != 1 {
			t.Fatalf("%d events, want 1", len(tr.Events))
		}
		if p := tr.Events[0].Payload.(*events.CaseReported); p.Channel != events.ChannelOther || p.Location.Lat != nil {
			t.Errorf("report %+v", p)
		}
	})
	t.Run("formula quote, offsets, messy street", func(t *testing.T) {
		tr := byName["59000004"]
		if len(tr.Events) != 3 {
			t.Fatalf("%d events, want 3 (status %q is closed)", len(tr.Events), "closed")
		}
		rep := tr.Events[0]
		if v, _ := interop.FindAttr(rep.Attributes, "Descriptor"); v != `=HYPERLINK("http://x")` {
			t.Errorf("descriptor %q, want the formula quote stripped", v)
		}
		if _, off := rep.Time.Zone(); off != -5*3600 || !rep.Time.Equal(utc("2026-11-03T17:00:00Z")) {
			t.Errorf("created %s", rep.Time)
		}
		p := rep.Payload.(*events.CaseReported)
		if p.Location.Street != "STATEN ISLAND" || p.Location.Lat != nil || p.Channel != events.ChannelApp {
			t.Errorf("report %+v", p)
		}
		if v, _ := interop.FindAttr(rep.Attributes, "Latitude"); v != "91.5" {
			t.Errorf("out-of-range latitude kept as %q", v)
		}
		if s := tr.Events[1].Payload.(*events.CaseResolved).Summary; s != "-fixed" {
			t.Errorf("summary %q", s)
		}
	})
	t.Run("stats", func(t *testing.T) {
		st := rd.Stats()
		if st.Rows != 17 || st.Cases != 5 {
			t.Errorf("rows %d cases %d, want 17 and 5", st.Rows, st.Cases)
		}
		for _, o := range want {
			if o.reason != "" && st.Skipped[o.reason] != 1 {
				t.Errorf("skipped[%q] = %d, want 1", o.reason, st.Skipped[o.reason])
			}
		}
		if st.Notes[csvlog.NoteClosedNoDate] != 1 || st.Notes[csvlog.NoteCoordinates] != 1 {
			t.Errorf("notes %v", st.Notes)
		}
	})
}

// minimal maps the id, created and category columns of NYC 311.
func minimal() csvlog.Mapping {
	return csvlog.Mapping{Columns: csvlog.Columns{ID: "Unique Key", Created: "Created Date", Category: "Complaint Type"}}
}

func TestReaderSkipDetail(t *testing.T) {
	in := "Unique Key,Created Date,Complaint Type\nA-1,yesterday,Noise\nA-2,2026-01-01 00:00:00\n"
	rd, err := csvlog.NewReader(strings.NewReader(in), minimal())
	if err != nil {
		t.Fatal(err)
	}
	_, err = rd.Next()
	var skip *interop.SkipError
	if !errors.As(err, &skip) || skip.Reason != csvlog.ReasonBadCreated || !strings.Contains(skip.Detail, "line 2") || !strings.Contains(skip.Detail, `"A-1"`) {
		t.Fatalf("got %v, want a skip naming line 2 and id A-1", err)
	}
	_, err = rd.Next()
	if !errors.As(err, &skip) || skip.Reason != csvlog.ReasonColumnCount || skip.Detail != `line 3, id "A-2": 2 fields, the header has 3` {
		t.Fatalf("got %v, want a column count skip naming line 3 and id A-2", err)
	}
	if _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the skips: %v, want io.EOF", err)
	}
}

func TestNewReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // in the message
	}{
		{"empty", "", "empty input"},
		{"only a BOM", "\ufeff", "empty input"},
		{"blank lines", "\r\n\r\n", "empty input"},
		{"no id column", "Key,Created Date,Complaint Type\n1,2\n", `"Unique Key"`},
		{"no created column", "Unique Key,Created,Complaint Type\n1,2\n", `"Created Date"`},
		{"no category column", "Unique Key,Created Date\n1,2\n", `"Complaint Type" (columns.category)`},
		{"duplicate mapped column", "Unique Key,Created Date,Complaint Type,Unique Key\n", `column "Unique Key" twice`},
		{"duplicate loose match", "unique key,Created Date,Complaint Type, UNIQUE KEY \n", `column "Unique Key" twice`},
		{"bad quoting in header", "\"Unique Key,Created Date\n", "header"},
		{"invalid UTF-8 header", "Unique Key,Created Date,Complaint Type,\xff\n", "UTF-8"},
		{"header too large", "Unique Key,Created Date,Complaint Type," + strings.Repeat("x", csvlog.MaxRowBytes+10), "larger than"},
		{"too many columns", "Unique Key,Created Date,Complaint Type" + strings.Repeat(",x", 600) + "\n", "columns, limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csvlog.NewReader(strings.NewReader(tc.in), minimal())
			if !errors.Is(err, interop.ErrInput) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "csvlog: ") {
				t.Fatalf("got %v, want an ErrInput naming %s", err, tc.want)
			}
		})
	}
	t.Run("default mapping names a column the header lacks", func(t *testing.T) {
		h := "Unique Key,Created Date,Closed Date,Agency,Agency Name,Complaint Type,Status,Open Data Channel Type,Borough,Community Board,Latitude,Longitude,Resolution Description\n"
		_, err := csvlog.NewReader(strings.NewReader(h), csvlog.DefaultMapping())
		if !errors.Is(err, interop.ErrInput) || !strings.Contains(err.Error(), `"Incident Address"`) {
			t.Fatalf("got %v, want ErrInput naming Incident Address", err)
		}
	})
	t.Run("bad mapping", func(t *testing.T) {
		_, err := csvlog.NewReader(strings.NewReader("a,b\n"), csvlog.Mapping{})
		if !errors.Is(err, csvlog.ErrMapping) {
			t.Fatalf("got %v, want ErrMapping", err)
		}
	})
}

func TestColumnMatching(t *testing.T) {
	m := minimal()
	m.Columns.Status = "Status"
	in := " unique key ,CREATED DATE,Status,STATUS,complaint type\n7,2026-11-01 10:00:00,Open,Closed,Noise\n"
	rd, err := csvlog.NewReader(strings.NewReader(in), m)
	if err != nil {
		t.Fatal(err)
	}
	traces, _ := readAll(t, rd)
	if len(traces) != 1 || traces[0].Name != "7" {
		t.Fatalf("traces %+v", traces)
	}
	tr := traces[0]
	if v, _ := interop.FindAttr(tr.Events[0].Attributes, "STATUS"); v != "Closed" {
		t.Errorf("STATUS (not the exact match) should be an attribute, got %q", v)
	}
	if len(tr.Events) != 1 {
		t.Errorf("the exact column Status (Open) decides; got %d events", len(tr.Events))
	}
	if p := tr.Events[0].Payload.(*events.CaseReported); p.Location.Street != csvlog.DefaultStreet {
		t.Errorf("street %q, want the default street", p.Location.Street)
	}
	if tr.Units[0] != (interop.Unit{ID: csvlog.DefaultStreet, Kind: events.UnitStreet}) {
		t.Errorf("units %+v", tr.Units)
	}
}

func TestReaderRules(t *testing.T) {
	m := csvlog.Mapping{
		Columns:  csvlog.Columns{ID: "id", Created: "created", Closed: "closed", Agency: "agency", Category: "type", Street: "street", Community: "community", Grid: "grid", Address: "address", Resolution: "resolution", Channel: "channel"},
		Zone:     "America/New_York",
		Channels: map[string]string{"Phone": events.ChannelHotline},
		// no status column: a closed date closes the row
		KeepAddress:    true,
		DeadlinePolicy: "urgent-24h",
	}
	long := strings.Repeat("é", events.MaxTextBytes) // 2 bytes a rune
	in := "id,created,closed,agency,type,street,community,grid,address,resolution,channel\n" +
		"1,2026-07-01 09:00:00,2026-07-02 09:00:00,311,Noise, S1 ,C1,G1,1 Main St,\"" + long + "\",PHONE\n" +
		"2,2026-07-01 09:00:00,,,Noise,,,G2,,,grid_patrol\n" +
		"3,2026-07-01 09:00:00,2026-07-02 09:00:00,,Noise,,,,,,\n"
	rd, err := csvlog.NewReader(strings.NewReader(in), m)
	if err != nil {
		t.Fatal(err)
	}
	traces, _ := readAll(t, rd)
	if len(traces) != 3 {
		t.Fatalf("%d traces", len(traces))
	}
	t.Run("zone, address, grid parent, truncation", func(t *testing.T) {
		tr := traces[0]
		if len(tr.Events) != 3 {
			t.Fatalf("%d events", len(tr.Events))
		}
		if _, off := tr.Events[0].Time.Zone(); off != -4*3600 || tr.Events[0].Time.UTC().Hour() != 13 {
			t.Errorf("created %s, want 09:00 EDT", tr.Events[0].Time)
		}
		p := tr.Events[0].Payload.(*events.CaseReported)
		if p.Location.Address.Text != "1 Main St" || p.Location.Address.IsSealed() || p.DeadlinePolicy != "urgent-24h" || p.Channel != events.ChannelHotline {
			t.Errorf("report %+v", p)
		}
		want := []interop.Unit{{ID: "S1", Kind: events.UnitStreet}, {ID: "C1", Kind: events.UnitCommunity, Parent: "S1"}, {ID: "G1", Kind: events.UnitGrid, Parent: "C1"}, {ID: "311", Kind: events.UnitCenter}}
		if !reflect.DeepEqual(tr.Units, want) {
			t.Errorf("units %+v", tr.Units)
		}
		if s := tr.Events[1].Payload.(*events.CaseResolved).Summary; len(s) != events.MaxTextBytes {
			t.Errorf("summary is %d bytes, want cut to %d", len(s), events.MaxTextBytes)
		}
	})
	t.Run("grid without community, channel name kept", func(t *testing.T) {
		tr := traces[1]
		p := tr.Events[0].Payload.(*events.CaseReported)
		if p.Channel != events.ChannelGridPatrol {
			t.Errorf("channel %q", p.Channel)
		}
		want := []interop.Unit{{ID: csvlog.DefaultStreet, Kind: events.UnitStreet}, {ID: "G2", Kind: events.UnitGrid, Parent: csvlog.DefaultStreet}}
		if !reflect.DeepEqual(tr.Units, want) {
			t.Errorf("units %+v", tr.Units)
		}
	})
	t.Run("agency that is the street keeps the street kind", func(t *testing.T) {
		m := minimal()
		m.Columns.Closed, m.Columns.Status, m.Columns.Agency, m.Columns.AgencyName, m.Columns.Street = "Closed Date", "Status", "Agency", "Agency Name", "Borough"
		rd, err := csvlog.NewReader(strings.NewReader("Unique Key,Created Date,Closed Date,Status,Agency,Agency Name,Complaint Type,Borough\n1,2026-01-01 00:00:00,2026-01-02 00:00:00,Closed,QUEENS,Queens Borough President,Noise,QUEENS\n"), m)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if want := []interop.Unit{{ID: "QUEENS", Name: "Queens Borough President", Kind: events.UnitStreet}}; !reflect.DeepEqual(tr.Units, want) {
			t.Errorf("units %+v, want %+v", tr.Units, want)
		}
	})
	t.Run("closed without agency is open", func(t *testing.T) {
		tr := traces[2]
		if len(tr.Events) != 1 {
			t.Fatalf("%d events", len(tr.Events))
		}
		if v, _ := interop.FindAttr(tr.Events[0].Attributes, "closed"); v != "2026-07-02 09:00:00" {
			t.Errorf("closed date attribute %q", v)
		}
	})
	st := rd.Stats()
	if st.Notes[csvlog.NoteTruncated] != 1 || st.Notes[csvlog.NoteClosedNoAgency] != 1 {
		t.Errorf("notes %v", st.Notes)
	}
}

// endless is an input of one line that never ends.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestRowTooLarge(t *testing.T) {
	header := "Unique Key,Created Date,Complaint Type,Descriptor\n"
	t.Run("endless line", func(t *testing.T) {
		src := &endless{}
		rd, err := csvlog.NewReader(io.MultiReader(strings.NewReader(header+"1,2026-01-01 00:00:00,Noise,"), src), minimal())
		if err != nil {
			t.Fatal(err)
		}
		_, err = rd.Next()
		if !errors.Is(err, interop.ErrInput) || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("got %v, want ErrInput: row larger than the limit", err)
		}
		if src.n > csvlog.MaxRowBytes+256<<10 {
			t.Errorf("read %d bytes of one row, limit %d", src.n, csvlog.MaxRowBytes)
		}
		if _, again := rd.Next(); again != err {
			t.Errorf("next call: %v, want the same error", again)
		}
	})
	t.Run("just over the limit, quoted", func(t *testing.T) {
		row := "1,2026-01-01 00:00:00,Noise,\"" + strings.Repeat("a\n", (csvlog.MaxRowBytes-20)/2) + "\"\n"
		rd, err := csvlog.NewReader(strings.NewReader(header+row+row), minimal())
		if err != nil {
			t.Fatal(err)
		}
		if len(row) <= csvlog.MaxRowBytes {
			t.Fatalf("row is %d bytes", len(row))
		}
		if _, err := rd.Next(); !errors.Is(err, interop.ErrInput) {
			t.Fatalf("got %v, want ErrInput", err)
		}
	})
	t.Run("under the limit is a skip", func(t *testing.T) {
		row := "1,2026-01-01 00:00:00,Noise," + strings.Repeat("a", csvlog.MaxRowBytes-100) + "\n"
		rd, err := csvlog.NewReader(strings.NewReader(header+row+"2,2026-01-01 00:00:00,Noise,x\n"), minimal())
		if err != nil {
			t.Fatal(err)
		}
		_, err = rd.Next()
		var skip *interop.SkipError
		if !errors.As(err, &skip) || skip.Reason != csvlog.ReasonTooLong {
			t.Fatalf("got %v, want skip %q", err, csvlog.ReasonTooLong)
		}
		tr, err := rd.Next()
		if err != nil || tr.Name != "2" {
			t.Fatalf("next row: %v %v", tr, err)
		}
	})
}

func TestLoadMapping(t *testing.T) {
	t.Run("testdata file is the default", func(t *testing.T) {
		b, err := os.ReadFile("testdata/mapping-nyc311.json")
		if err != nil {
			t.Fatal(err)
		}
		m, err := csvlog.LoadMapping(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, csvlog.DefaultMapping()) {
			t.Fatalf("loaded %+v\nwant %+v", m, csvlog.DefaultMapping())
		}
	})
	t.Run("minimal", func(t *testing.T) {
		m, err := csvlog.LoadMapping(strings.NewReader(`{"columns":{"id":"ID","created":"Opened"}}`))
		if err != nil {
			t.Fatal(err)
		}
		rd, err := csvlog.NewReader(strings.NewReader("ID,Opened,Type\nx,2026-01-02T03:04:05,T\n"), m)
		if err != nil {
			t.Fatal(err)
		}
		_, err = rd.Next()
		var skip *interop.SkipError
		if !errors.As(err, &skip) || skip.Reason != csvlog.ReasonMissingCategory {
			t.Fatalf("got %v, want skip %q (no category column mapped)", err, csvlog.ReasonMissingCategory)
		}
	})
	for _, tc := range []struct{ name, in, want string }{
		{"unknown key", `{"columns":{"id":"a","created":"b"},"zones":"UTC"}`, `"zones"`},
		{"unknown column key", `{"columns":{"id":"a","created":"b","borough":"c"}}`, `"borough"`},
		{"wrong type", `{"columns":{"id":"a","created":"b"},"keep_address":"yes"}`, "keep_address"},
		{"trailing data", `{"columns":{"id":"a","created":"b"}} {}`, "trailing"},
		{"no id", `{"columns":{"created":"b"}}`, "columns.id"},
		{"bad channel", `{"columns":{"id":"a","created":"b"},"channels":{"Phone":"phone"}}`, `"phone" is not one of`},
		{"conflicting channels", `{"columns":{"id":"a","created":"b"},"channels":{"Phone":"hotline","PHONE":"app"}}`, "both"},
		{"channel name to another channel", `{"columns":{"id":"a","created":"b"},"channels":{"App":"hotline"}}`, "cannot translate"},
		{"bad zone", `{"columns":{"id":"a","created":"b"},"zone":"Mars/Olympus"}`, "zone"},
		{"same column twice", `{"columns":{"id":"a","created":"b","street":"B"}}`, "same column"},
		{"bad default street", `{"columns":{"id":"a","created":"b"},"default_street":" x "}`, "default_street"},
		{"open as closed status", `{"columns":{"id":"a","created":"b"},"closed_status":["open"]}`, "open status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csvlog.LoadMapping(strings.NewReader(tc.in))
			if !errors.Is(err, csvlog.ErrMapping) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "csvlog: ") {
				t.Fatalf("got %v, want ErrMapping naming %s", err, tc.want)
			}
		})
	}
}

func TestNotesCountImportedRowsOnly(t *testing.T) {
	m := minimal()
	m.Columns.Status, m.Columns.Closed = "Status", "Closed Date"
	in := "Unique Key,Created Date,Complaint Type,Status,Closed Date,Descriptor\n" +
		"1,2026-01-01 00:00:00,Noise,Closed,,\"" + strings.Repeat("x", events.MaxTextBytes+1) + "\"\n" +
		"2,2026-01-01 00:00:00,Noise,Closed,,ok\n"
	rd, err := csvlog.NewReader(strings.NewReader(in), m)
	if err != nil {
		t.Fatal(err)
	}
	traces, got := readAll(t, rd)
	if len(traces) != 1 || got[0].reason != csvlog.ReasonTooLong {
		t.Fatalf("outcomes %+v", got)
	}
	if st := rd.Stats(); st.Notes[csvlog.NoteClosedNoDate] != 1 || st.Skipped[csvlog.ReasonTooLong] != 1 {
		t.Fatalf("stats %+v: the skipped row's note must not count", st)
	}
}
