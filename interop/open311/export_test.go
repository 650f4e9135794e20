package open311_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/interoptest"
	"github.com/govledger/govledger/interop/open311"
	"github.com/govledger/govledger/store/memstore"
)

// Plaintexts the story seals: none may appear in an export.
const (
	secretDescription = interoptest.SecretDescription
	secretAddress     = interoptest.SecretAddress
	secretComment     = interoptest.SecretComment
	patrolAddress     = "Corner of Elm St and 5th"
)

// story returns a store holding a small district's cases, written through
// a ledger that seals personal fields:
//
//	C-1  reported with a sealed address, dispatched to the wrong unit,
//	     returned, dispatched again, extended, resolved, rated
//	     unsatisfied, reopened, resolved again, closed
//	C-2  merged into C-1
//	C-3  a patrol finding with a plain address, dispatched and accepted
//	C-4  resolved, then reopened
func story(t testing.TB) *memstore.Store {
	t.Helper()
	s := eventstest.New()
	s.District()
	interoptest.SealedCase(s)
	p := s.Case("C-3")
	p.ReportedWith(&events.CaseReported{
		Channel: events.ChannelGridPatrol, Category: eventstest.Pothole,
		Location:       events.Location{Street: eventstest.Street2, Community: eventstest.Community2, Grid: eventstest.Grid2, Address: events.Plain(patrolAddress)},
		DeadlinePolicy: "urgent-24h",
	})
	p.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
	p.Accepted(eventstest.Roads)
	r := s.Case("C-4")
	r.Reported(events.ChannelHotline, eventstest.Noise)
	r.Dispatched(eventstest.Center, eventstest.Environment, events.ModeRule)
	r.Accepted(eventstest.Environment)
	r.Resolved(eventstest.Environment, events.OutcomeExplained)
	r.Reopened()
	return interoptest.Write(t, s.Drafts())
}

type writer func(context.Context, *bytes.Buffer, interop.Source, open311.Config) (open311.Stats, error)

func requests(ctx context.Context, w *bytes.Buffer, src interop.Source, cfg open311.Config) (open311.Stats, error) {
	return open311.WriteRequests(ctx, w, src, cfg)
}

func history(ctx context.Context, w *bytes.Buffer, src interop.Source, cfg open311.Config) (open311.Stats, error) {
	return open311.WriteHistory(ctx, w, src, cfg)
}

func run(t testing.TB, fn writer, st *memstore.Store, cfg open311.Config) ([]byte, open311.Stats) {
	t.Helper()
	var buf bytes.Buffer
	stats, err := fn(context.Background(), &buf, interop.StoreSource(st), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), stats
}

type request struct {
	ID          string         `json:"service_request_id"`
	Status      string         `json:"status"`
	StatusNotes string         `json:"status_notes"`
	ServiceName string         `json:"service_name"`
	ServiceCode string         `json:"service_code"`
	Agency      string         `json:"agency_responsible"`
	Requested   string         `json:"requested_datetime"`
	Updated     string         `json:"updated_datetime"`
	Expected    string         `json:"expected_datetime"`
	Address     string         `json:"address"`
	Lat         *float64       `json:"lat"`
	Long        *float64       `json:"long"`
	Extended    map[string]any `json:"extended_attributes"`
}

type update struct {
	ID          string `json:"service_request_id"`
	Updated     string `json:"updated_datetime"`
	Status      string `json:"status"`
	StatusNotes string `json:"status_notes"`
	Agency      string `json:"agency_responsible"`
	EventID     string `json:"event_id"`
	EventType   string `json:"event_type"`
}

func decode[T any](t *testing.T, b []byte) []T {
	t.Helper()
	var out []T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("output: %v\n%s", err, b)
	}
	return out
}

func TestWriteRequests(t *testing.T) {
	b, stats := run(t, requests, story(t), open311.Config{ServiceNames: map[string]string{eventstest.Leak: "Water leak"}})
	reqs := decode[request](t, b)
	if stats.Requests != 4 || len(reqs) != 4 {
		t.Fatalf("stats %+v, %d requests", stats, len(reqs))
	}
	at := func(step int) string {
		// the story's clock: District takes 12 drafts, then one per event
		return eventstest.Start.Add(time.Duration(step) * 10 * time.Minute).Format(time.RFC3339)
	}
	tests := []struct {
		name string
		got  request
		want request
	}{
		{"closed after a return, a reopening and an extension", reqs[0], request{
			ID: "C-1", Status: "closed", StatusNotes: "resolved: fixed", ServiceName: "Water leak", ServiceCode: eventstest.Leak,
			Agency: eventstest.Water, Requested: at(12), Updated: at(12 + 13), Expected: eventstest.Start.Add(18*10*time.Minute + 72*time.Hour).Format(time.RFC3339),
		}},
		{"merged", reqs[1], request{
			ID: "C-2", Status: "closed", StatusNotes: "merged into C-1", ServiceName: "Water leak", ServiceCode: eventstest.Leak,
			Requested: at(26), Updated: at(27),
		}},
		{"patrol finding with a plain address", reqs[2], request{
			ID: "C-3", Status: "open", StatusNotes: "accepted by dept-roads", ServiceName: eventstest.Pothole, ServiceCode: eventstest.Pothole,
			Agency: eventstest.Roads, Requested: at(28), Updated: at(30), Address: patrolAddress,
		}},
		{"reopened", reqs[3], request{
			ID: "C-4", Status: "open", StatusNotes: "reopened by citizen", ServiceName: eventstest.Noise, ServiceCode: eventstest.Noise,
			Agency: eventstest.Environment, Requested: at(31), Updated: at(35),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.got
			g.Lat, g.Long = nil, nil
			if g.Extended != nil {
				t.Errorf("extended_attributes written without the option: %v", g.Extended)
			}
			g.Extended = nil
			if !reflect.DeepEqual(g, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", g, tt.want)
			}
		})
	}
	if reqs[0].Lat == nil || *reqs[0].Lat != 31.23 || *reqs[0].Long != 121.47 {
		t.Errorf("C-1 coordinates %v %v", reqs[0].Lat, reqs[0].Long)
	}
	if reqs[2].Lat != nil {
		t.Errorf("C-3 has coordinates it was not reported with")
	}
}

func TestExtendedAttributes(t *testing.T) {
	b, _ := run(t, requests, story(t), open311.Config{ExtendedAttributes: true})
	reqs := decode[request](t, b)
	want := map[string]any{"street": eventstest.Street1, "community": eventstest.Community1, "grid": eventstest.Grid1, "channel": "hotline"}
	for k, v := range want {
		if reqs[0].Extended[k] != v {
			t.Errorf("extended_attributes %v, want %v", reqs[0].Extended, want)
		}
	}
}

func TestWriteHistory(t *testing.T) {
	b, stats := run(t, history, story(t), open311.Config{})
	ups := decode[update](t, b)
	if stats.Updates != len(ups) || stats.Requests != 4 {
		t.Fatalf("stats %+v, %d entries", stats, len(ups))
	}
	var c1 []string
	for _, u := range ups {
		if u.EventID == "" || u.EventType == "" || u.Updated == "" {
			t.Fatalf("entry without event or time: %+v", u)
		}
		if u.ID == "C-1" {
			c1 = append(c1, u.Status+"|"+u.StatusNotes+"|"+u.Agency)
		}
	}
	want := []string{
		"open|reported via hotline|",
		"open|dispatched to dept-roads (manual)|dept-roads",
		"open|returned by dept-roads: wrong_area|center",
		"open|dispatched to dept-water (rule)|dept-water",
		"open|accepted by dept-water|dept-water",
		"open|dept-water contacted the reporter (phone)|dept-water",
		"open|deadline extended to " + eventstest.Start.Add(18*10*time.Minute+72*time.Hour).Format(time.RFC3339) + "|dept-water",
		"closed|resolved: fixed|dept-water",
		"closed|rated: unsatisfied|dept-water",
		"open|reopened by citizen|dept-water",
		"open|dispatched to dept-water (rule)|dept-water",
		"open|accepted by dept-water|dept-water",
		"closed|resolved: fixed|dept-water",
		"closed|closed|dept-water",
	}
	if strings.Join(c1, "\n") != strings.Join(want, "\n") {
		t.Fatalf("C-1 history:\n%s\nwant:\n%s", strings.Join(c1, "\n"), strings.Join(want, "\n"))
	}
	if len(ups) != 14+2+3+5 {
		t.Errorf("%d entries, want one per lifecycle event (24)", len(ups))
	}
}

func TestNoSealedOrPersonalText(t *testing.T) {
	tests := []struct {
		name string
		fn   writer
		cfg  open311.Config
	}{
		{"requests", requests, open311.Config{}},
		{"requests extended", requests, open311.Config{ExtendedAttributes: true}},
		{"history", history, open311.Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := run(t, tt.fn, story(t), tt.cfg)
			for _, s := range []string{secretDescription, secretAddress, secretComment, "Jasmine", "sealed", "S-C-1"} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("output contains %q", s)
				}
			}
		})
	}
	b, _ := run(t, requests, interoptest.Simulated(t, 300, 4), open311.Config{})
	if bytes.Contains(b, []byte("sealed")) {
		t.Error("simulated export contains a sealed field")
	}
}

func TestDeterministic(t *testing.T) {
	st := interoptest.Simulated(t, 300, 4)
	for _, fn := range []writer{requests, history} {
		a, _ := run(t, fn, st, open311.Config{})
		b, _ := run(t, fn, st, open311.Config{})
		if !bytes.Equal(a, b) {
			t.Fatal("two exports of one ledger differ")
		}
	}
}

func TestSimulatedStatuses(t *testing.T) {
	st := interoptest.Simulated(t, 300, 4)
	b, stats := run(t, requests, st, open311.Config{})
	reqs := decode[request](t, b)
	if stats.Requests != 300 || len(reqs) != 300 {
		t.Fatalf("stats %+v, %d requests", stats, len(reqs))
	}
	var open, closed int
	for _, q := range reqs {
		switch q.Status {
		case "open":
			open++
		case "closed":
			closed++
		default:
			t.Fatalf("status %q", q.Status)
		}
		req, err1 := time.Parse(time.RFC3339Nano, q.Requested)
		upd, err2 := time.Parse(time.RFC3339Nano, q.Updated)
		if err1 != nil || err2 != nil || upd.Before(req) {
			t.Fatalf("request %s: requested %s, updated %s", q.ID, q.Requested, q.Updated)
		}
		if !strings.HasSuffix(q.Requested, "+08:00") {
			t.Fatalf("requested %s lost its zone", q.Requested)
		}
	}
	if open == 0 || closed == 0 {
		t.Errorf("%d open, %d closed: want both", open, closed)
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, os.ErrClosed
	}
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	st := interoptest.Simulated(t, 300, 4)
	for name, fn := range map[string]func(context.Context, *failingWriter) error{
		"requests": func(ctx context.Context, w *failingWriter) error {
			_, err := open311.WriteRequests(ctx, w, interop.StoreSource(st), open311.Config{})
			return err
		},
		"history": func(ctx context.Context, w *failingWriter) error {
			_, err := open311.WriteHistory(ctx, w, interop.StoreSource(st), open311.Config{})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := fn(context.Background(), &failingWriter{n: 100})
			if !errors.Is(err, os.ErrClosed) || !strings.HasPrefix(err.Error(), "open311: write:") {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestHistoryStreams(t *testing.T) {
	src := interop.StoreSource(interoptest.Simulated(t, 300, 4))
	atLast, total := interoptest.WrittenBeforeEnd(t, src, func(w io.Writer, src interop.Source) error {
		_, err := open311.WriteHistory(context.Background(), w, src, open311.Config{})
		return err
	})
	if atLast < total/2 {
		t.Fatalf("%d of %d bytes written when the last event was read: the history is not streamed", atLast, total)
	}
}
