package open311_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/interoptest"
	"github.com/govledger/govledger/interop/open311"
)

// readAll reads every trace, collecting skips; it fails on any other error.
func readAll(t testing.TB, in string, cfg open311.ReaderConfig) ([]*interop.Trace, []*interop.SkipError) {
	t.Helper()
	r, err := open311.NewReader(strings.NewReader(in), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var trs []*interop.Trace
	var skips []*interop.SkipError
	for {
		tr, err := r.Next()
		if err == io.EOF {
			return trs, skips
		}
		var se *interop.SkipError
		if errors.As(err, &se) {
			skips = append(skips, se)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		trs = append(trs, tr)
	}
}

const sample = `[
 {"service_request_id":"638344","status":"closed","status_notes":"Duplicate request.",
  "service_name":"Sidewalk and Curb Issues","service_code":"006","description":null,
  "agency_responsible":"Department of Public Works","service_notice":null,
  "requested_datetime":"2010-04-14T06:37:38-08:00","updated_datetime":"2010-04-14T06:37:38-08:00",
  "expected_datetime":"2010-04-15T06:37:38-08:00","address":"8TH AVE and JUDAH ST",
  "address_id":545483,"zipcode":94122,"lat":37.762221815,"long":-122.4651145,"media_url":"http://x/y.jpg"},
 {"service_request_id":638349,"status":"open","service_name":"Potholes",
  "requested_datetime":"2010-04-19T06:37:38Z","updated_datetime":null,"lat":"37.76","long":"-122.46"}
]`

func TestReaderSample(t *testing.T) {
	trs, skips := readAll(t, sample, open311.ReaderConfig{})
	if len(skips) != 0 || len(trs) != 2 {
		t.Fatalf("%d traces, skips %v", len(trs), skips)
	}
	t.Run("closed", func(t *testing.T) {
		tr := trs[0]
		if tr.Name != "638344" || len(tr.Events) != 3 || tr.Events[2].Payload.EventType() != events.TypeCaseClosed || !tr.Events[2].Time.Equal(tr.Events[1].Time) {
			t.Fatalf("trace %s with %d events", tr.Name, len(tr.Events))
		}
		rep := tr.Events[0].Payload.(*events.CaseReported)
		if rep.Channel != "other" || rep.Category != "006" || rep.DeadlinePolicy != "standard-5wd" || rep.Location.Street != "imported" {
			t.Errorf("report %+v", rep)
		}
		if !rep.Location.Address.IsZero() {
			t.Errorf("address kept without KeepAddress: %q", rep.Location.Address.Text)
		}
		if rep.Location.Lat == nil || *rep.Location.Lat != 37.762221815 || *rep.Location.Lon != -122.4651145 {
			t.Errorf("coordinates %v %v", rep.Location.Lat, rep.Location.Lon)
		}
		want := time.Date(2010, 4, 14, 6, 37, 38, 0, time.FixedZone("", -8*3600))
		if e := tr.Events[0]; !e.Time.Equal(want) || e.Activity != "reported" || e.Actor.Kind != events.ActorSystem || e.Actor.ID != "open311" {
			t.Errorf("report event %+v", e)
		}
		if _, off := tr.Events[0].Time.Zone(); off != -8*3600 {
			t.Errorf("zone offset %d lost", off)
		}
		res := tr.Events[1].Payload.(*events.CaseResolved)
		if res.Unit != "Department of Public Works" || res.Outcome != events.OutcomeFixed || res.Summary != "Duplicate request." {
			t.Errorf("resolution %+v", res)
		}
		if e := tr.Events[1]; e.Activity != "resolved" || e.Actor.Kind != events.ActorUnit || e.Actor.ID != res.Unit {
			t.Errorf("resolution event %+v", e)
		}
		wantUnits := []interop.Unit{{ID: "imported", Kind: events.UnitStreet}, {ID: "Department of Public Works", Kind: events.UnitCenter}}
		if len(tr.Units) != 2 || tr.Units[0] != wantUnits[0] || tr.Units[1] != wantUnits[1] {
			t.Errorf("units %+v", tr.Units)
		}
	})
	t.Run("open, numeric id, service_name as category, coordinates as strings", func(t *testing.T) {
		tr := trs[1]
		if tr.Name != "638349" || len(tr.Events) != 1 {
			t.Fatalf("trace %s with %d events", tr.Name, len(tr.Events))
		}
		rep := tr.Events[0].Payload.(*events.CaseReported)
		if rep.Category != "Potholes" || rep.Location.Lat == nil || *rep.Location.Lat != 37.76 {
			t.Errorf("report %+v", rep)
		}
		if len(tr.Units) != 1 {
			t.Errorf("units %+v: an open request names no agency", tr.Units)
		}
	})
}

func TestReaderConfig(t *testing.T) {
	cfg := open311.ReaderConfig{Channel: events.ChannelHotline, Street: "st-9", Agency: "center", DeadlinePolicy: "urgent-24h", KeepAddress: true, Actor: "sf311"}
	in := `{"service_requests":[{"service_request_id":"1","status":"closed","service_code":"x","requested_datetime":"2024-01-02T03:04:05+01:00","address":"1 Main St"}]}`
	trs, _ := readAll(t, in, cfg)
	if len(trs) != 1 {
		t.Fatalf("%d traces", len(trs))
	}
	rep := trs[0].Events[0].Payload.(*events.CaseReported)
	if rep.Channel != "hotline" || rep.Location.Street != "st-9" || rep.DeadlinePolicy != "urgent-24h" || rep.Location.Address.Text != "1 Main St" || rep.Location.Address.IsSealed() {
		t.Errorf("report %+v", rep)
	}
	if trs[0].Events[0].Actor.ID != "sf311" {
		t.Errorf("actor %+v", trs[0].Events[0].Actor)
	}
	res := trs[0].Events[1].Payload.(*events.CaseResolved)
	if res.Unit != "center" || !trs[0].Events[1].Time.Equal(trs[0].Events[0].Time) {
		t.Errorf("resolution %+v at %s: want the configured agency at the requested time", res, trs[0].Events[1].Time)
	}

	for _, bad := range []open311.ReaderConfig{{Channel: "fax"}, {Street: strings.Repeat("s", 200)}, {Agency: "a\x01"}} {
		if _, err := open311.NewReader(strings.NewReader("[]"), bad); !errors.Is(err, open311.ErrConfig) {
			t.Errorf("config %+v: error %v", bad, err)
		}
	}
}

func TestReaderWrappers(t *testing.T) {
	one := `{"service_request_id":"1","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z"}`
	tests := []struct {
		name string
		in   string
		n    int
	}{
		{"array", "[" + one + "," + one + "]", 2},
		{"empty array", " [ ] ", 0},
		{"service_requests", `{"meta":{"a":[1,{"b":2}]},"service_requests":[` + one + `]}`, 1},
		{"requests", `{"requests":[` + one + `],"ignored":true}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trs, skips := readAll(t, tt.in, open311.ReaderConfig{})
			if len(trs) != tt.n || len(skips) != 0 {
				t.Fatalf("%d traces, skips %v; want %d", len(trs), skips, tt.n)
			}
		})
	}
}

func TestReaderSkips(t *testing.T) {
	ok := `{"service_request_id":"ok","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z"}`
	tests := []struct {
		name, request, reason, detail string
	}{
		{"no id", `{"service_code":"x","requested_datetime":"2024-01-02T03:04:05Z"}`, open311.ReasonMissingID, "#1"},
		{"empty id", `{"service_request_id":" ","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z"}`, open311.ReasonMissingID, "#1"},
		{"id of wrong type", `{"service_request_id":true,"requested_datetime":"2024-01-02T03:04:05Z"}`, open311.ReasonWrongType, "service_request_id"},
		{"no requested_datetime", `{"service_request_id":"r1","service_code":"x"}`, open311.ReasonMissingRequested, `"r1"`},
		{"datetime without zone", `{"service_request_id":"r2","service_code":"x","requested_datetime":"2024-01-02T03:04:05"}`, open311.ReasonBadDatetime, `"r2"`},
		{"not a datetime", `{"service_request_id":"r3","service_code":"x","requested_datetime":"yesterday"}`, open311.ReasonBadDatetime, "requested_datetime"},
		{"datetime out of range", `{"service_request_id":"r4","service_code":"x","requested_datetime":"1900-01-02T03:04:05Z"}`, open311.ReasonBadDatetime, `"r4"`},
		{"updated before requested", `{"service_request_id":"r5","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","updated_datetime":"2024-01-01T03:04:05Z"}`, open311.ReasonUpdatedBefore, `"r5"`},
		{"status of wrong type", `{"service_request_id":"r6","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","status":1}`, open311.ReasonWrongType, "status"},
		{"unknown status", `{"service_request_id":"r7","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","status":"pending"}`, open311.ReasonBadStatus, `"r7"`},
		{"no service", `{"service_request_id":"r8","requested_datetime":"2024-01-02T03:04:05Z"}`, open311.ReasonMissingService, `"r8"`},
		{"lat of wrong type", `{"service_request_id":"r9","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","lat":{},"long":1}`, open311.ReasonWrongType, "lat"},
		{"not an object", `"hello"`, open311.ReasonNotObject, "#1"},
		{"invalid UTF-8", "{\"service_request_id\":\"r10\",\"service_code\":\"x\xff\",\"requested_datetime\":\"2024-01-02T03:04:05Z\"}", open311.ReasonInvalidUTF8, "#1"},
		{"agency with a control character", `{"service_request_id":"r11","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","status":"closed","agency_responsible":"a\u0001b"}`, open311.ReasonBadAgency, `"r11"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trs, skips := readAll(t, "["+tt.request+","+ok+"]", open311.ReaderConfig{})
			if len(skips) != 1 {
				t.Fatalf("skips %v", skips)
			}
			if skips[0].Reason != tt.reason || !strings.Contains(skips[0].Detail, tt.detail) {
				t.Errorf("skip %q / %q, want reason %q naming %s", skips[0].Reason, skips[0].Detail, tt.reason, tt.detail)
			}
			if len(trs) != 1 || trs[0].Name != "ok" {
				t.Errorf("the reader did not go on: %d traces", len(trs))
			}
		})
	}
}

func TestReaderDropsInvalidCoordinates(t *testing.T) {
	in := `[{"service_request_id":"1","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","lat":95,"long":1},
	        {"service_request_id":"2","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","lat":45},
	        {"service_request_id":"3","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","lat":"","long":""}]`
	trs, skips := readAll(t, in, open311.ReaderConfig{})
	if len(trs) != 3 || len(skips) != 0 {
		t.Fatalf("%d traces, skips %v", len(trs), skips)
	}
	for _, tr := range trs {
		if rep := tr.Events[0].Payload.(*events.CaseReported); rep.Location.Lat != nil {
			t.Errorf("request %s kept coordinates %v", tr.Name, *rep.Location.Lat)
		}
	}
}

func TestReaderBadInput(t *testing.T) {
	tests := []struct {
		name, in, want string
		before         int // traces read before the error
	}{
		{"empty", "", "unexpected end of input at byte 0", 0},
		{"not an array", `"requests"`, "not a JSON array", 0},
		{"number", `42`, "not a JSON array", 0},
		{"object without the array", `{"a":1}`, `no "service_requests"`, 0},
		{"requests not an array", `{"requests":{}}`, `"requests" is not an array`, 0},
		{"malformed", `[{"service_request_id":"1",]`, "byte ", 0},
		{"truncated", `[{"service_request_id":"1","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z"},{"serv`, "byte ", 1},
		{"garbage between requests", `[{"service_request_id":"1","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z"} x]`, "byte ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := open311.NewReader(strings.NewReader(tt.in), open311.ReaderConfig{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				_, err = r.Next()
				if err != nil {
					break
				}
				n++
			}
			if !errors.Is(err, interop.ErrInput) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrInput containing %q", err, tt.want)
			}
			if n != tt.before {
				t.Errorf("%d traces before the error, want %d", n, tt.before)
			}
			if _, again := r.Next(); !errors.Is(again, interop.ErrInput) {
				t.Errorf("error is not sticky: %v", again)
			}
		})
	}
}

// endless is an unending JSON string inside a request: reading it must
// stop at the request limit, not run out of memory.
type endless struct{ started bool }

func (e *endless) Read(p []byte) (int, error) {
	if !e.started {
		e.started = true
		return copy(p, `[{"service_request_id":"1","description":"`), nil
	}
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestReaderBoundsOneRequest(t *testing.T) {
	r, err := open311.NewReader(&endless{}, open311.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	if !errors.Is(err, interop.ErrInput) || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Fatalf("error %v", err)
	}
	// a large request under the limit is read
	big := `[{"service_request_id":"1","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","description":"` + strings.Repeat("b", 900<<10) + `"}]`
	trs, skips := readAll(t, big, open311.ReaderConfig{})
	if len(trs) != 1 || len(skips) != 0 {
		t.Fatalf("%d traces, skips %v", len(trs), skips)
	}
}

// TestRoundTrip exports a simulated ledger's requests and reads them back.
func TestRoundTrip(t *testing.T) {
	b, _ := run(t, requests, interoptest.Simulated(t, 300, 4), open311.Config{})
	want := decode[request](t, b)
	r, err := open311.NewReader(bytes.NewReader(b), open311.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []*interop.Trace
	for {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("request %d: %v", len(got), err)
		}
		got = append(got, tr)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d requests, wrote %d", len(got), len(want))
	}
	for i, w := range want {
		tr := got[i]
		rep := tr.Events[0].Payload.(*events.CaseReported)
		requested, _ := time.Parse(time.RFC3339Nano, w.Requested)
		status := "open"
		if len(tr.Events) == 3 {
			status = "closed"
		}
		_, off1 := tr.Events[0].Time.Zone()
		_, off2 := requested.Zone()
		if tr.Name != w.ID || status != w.Status || rep.Category != w.ServiceCode || !tr.Events[0].Time.Equal(requested) || off1 != off2 {
			t.Fatalf("request %d: read %s %s %s %s, wrote %+v", i, tr.Name, status, rep.Category, tr.Events[0].Time, w)
		}
		if status == "closed" {
			res := tr.Events[1].Payload.(*events.CaseResolved)
			if w.Agency != "" && res.Unit != w.Agency {
				t.Fatalf("request %s resolved by %s, agency %s", w.ID, res.Unit, w.Agency)
			}
		}
	}
}
