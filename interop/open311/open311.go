// Package open311 moves cases between the ledger and Open311 GeoReport v2
// (https://wiki.open311.org/GeoReport_v2) service requests in JSON.
//
// # Export
//
// WriteRequests writes what GET /requests.json returns: a JSON array of
// service requests, one per case, in the order the cases were reported:
//
//	[{"service_request_id":"C-1","status":"closed","status_notes":"resolved: fixed",
//	  "service_name":"water.leak","service_code":"water.leak","agency_responsible":"dept-water",
//	  "requested_datetime":"2026-11-02T11:00:00+08:00","updated_datetime":"2026-11-02T13:10:00+08:00",
//	  "expected_datetime":"2026-11-05T12:20:00+08:00","lat":31.23,"long":121.47}]
//
// status is "open" or "closed": a resolved, merged or closed case is
// closed, a reopened case open again. status_notes describes the last
// event that changed the case; a rating does not, nor archiving a case
// that was already resolved or merged. agency_responsible is
// the unit that resolved the case, else the one holding it (accepted),
// else the one it was last dispatched to (after a return: the unit that
// dispatched it). expected_datetime is the latest deadline extension.
// Datetimes are W3C date-times with the event's zone offset. address is
// written only when the case's address is plain text (a report without a
// reporter); a sealed address is never written, nor any description or
// comment. With Config.ExtendedAttributes the location's unit ids and the
// intake channel are added as "extended_attributes", the extension the
// Open311 wiki documents (GeoReport_v2/Extensions) and Chicago's endpoint
// serves; without it only GeoReport v2 fields are written.
//
// WriteHistory writes the per-request status history GeoReport v2 leaves
// out: a JSON array with one entry per lifecycle event of every case, in
// the ledger's global order (a request's entries are in its own time
// order), each with the request's status after the event:
//
//	[{"service_request_id":"C-1","updated_datetime":"2026-11-02T11:10:00+08:00",
//	  "status":"open","status_notes":"dispatched to dept-roads (manual)",
//	  "agency_responsible":"dept-roads","event_id":"01M6...","event_type":"case.dispatched"}]
//
// status_notes per event type: "reported via hotline", "dispatched to
// dept-roads (rule)", "returned by dept-roads: wrong_area", "accepted by
// dept-water", "dept-water contacted the reporter (phone)", "deadline
// extended to <datetime>", "resolved: fixed" (", duplicate of C-0"),
// "reopened by citizen", "rated: satisfied" or "rating not counted",
// "merged into C-1", "closed".
//
// Both writers read the ledger once and keep a small state per case.
//
// # Import
//
// A Reader reads a GeoReport v2 requests JSON array (or an object holding
// it under "service_requests" or "requests") one request at a time, and
// turns each into an interop.Trace: a case.reported at requested_datetime
// and, for a closed request, a case.resolved and a case.closed (a closed
// request takes no further updates) at updated_datetime. See NewReader.
package open311

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// Request statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Config configures WriteRequests and WriteHistory. The zero value is
// ready to use.
type Config struct {
	// ServiceNames maps a category (service_code) to its service_name; a
	// category without an entry is its own name.
	ServiceNames map[string]string
	// ExtendedAttributes adds "extended_attributes" to each request: the
	// street, community and grid unit ids and the intake channel.
	ExtendedAttributes bool
}

// Stats counts what a writer wrote.
type Stats struct {
	// Requests is the number of service requests (cases) written or,
	// for WriteHistory, seen.
	Requests int
	// Updates is the number of history entries written (WriteHistory).
	Updates int
	// Skipped counts events that are not case lifecycle events.
	Skipped int
}

// request is the state of one case.
type request struct {
	id                      string
	category, channel       string
	requested, updated      time.Time
	expected                time.Time
	status, notes           string
	agency, sender          string
	address                 string
	lat, lon                *float64
	street, community, grid string
}

// apply folds a lifecycle event into q and returns the event's status
// notes; ok is false for an event that is not a lifecycle event.
func (q *request) apply(p events.Payload, at time.Time) (notes string, ok bool) {
	switch p := p.(type) {
	case *events.CaseReported:
		q.category, q.channel, q.requested, q.status = p.Category, p.Channel, at, StatusOpen
		q.street, q.community, q.grid = p.Location.Street, p.Location.Community, p.Location.Grid
		q.lat, q.lon = p.Location.Lat, p.Location.Lon
		if !p.Location.Address.IsSealed() {
			q.address = p.Location.Address.Text
		}
		notes = "reported via " + p.Channel
	case *events.CaseDispatched:
		q.agency, q.sender = p.ToUnit, p.FromUnit
		notes = "dispatched to " + p.ToUnit + " (" + p.Mode + ")"
	case *events.CaseReturned:
		if q.sender != "" {
			q.agency = q.sender
		}
		notes = "returned by " + p.Unit + ": " + p.Reason
	case *events.CaseAccepted:
		q.agency = p.Unit
		notes = "accepted by " + p.Unit
	case *events.CaseContacted:
		notes = p.Unit + " contacted the reporter (" + p.Means + ")"
	case *events.CaseExtended:
		q.expected = p.NewDeadline
		notes = "deadline extended to " + datetime(p.NewDeadline)
	case *events.CaseResolved:
		q.agency, q.status = p.Unit, StatusClosed
		notes = "resolved: " + p.Outcome
		if p.DuplicateOf != "" {
			notes += ", duplicate of " + p.DuplicateOf
		}
	case *events.CaseReopened:
		q.status = StatusOpen
		notes = "reopened by " + p.By
	case *events.CaseRated:
		if p.Valid {
			notes = "rated: " + p.Satisfaction
		} else {
			notes = "rating not counted"
		}
		q.updated = at
		return notes, true // a rating does not explain the status
	case *events.CaseMerged:
		q.status = StatusClosed
		notes = "merged into " + p.Parent
	case *events.CaseClosed:
		notes = "closed"
		if q.status == StatusClosed && q.notes != "" {
			q.updated = at
			return notes, true // archiving keeps the reason the case closed
		}
		q.status = StatusClosed
	default:
		return "", false
	}
	q.updated, q.notes = at, notes
	return notes, true
}

// datetime formats t as a W3C date-time with its zone offset.
func datetime(t time.Time) string { return t.Format(time.RFC3339Nano) }

type requestJSON struct {
	ID          string    `json:"service_request_id"`
	Status      string    `json:"status"`
	StatusNotes string    `json:"status_notes,omitempty"`
	ServiceName string    `json:"service_name"`
	ServiceCode string    `json:"service_code"`
	Agency      string    `json:"agency_responsible,omitempty"`
	Requested   string    `json:"requested_datetime"`
	Updated     string    `json:"updated_datetime"`
	Expected    string    `json:"expected_datetime,omitempty"`
	Address     string    `json:"address,omitempty"`
	Lat         *float64  `json:"lat,omitempty"`
	Long        *float64  `json:"long,omitempty"`
	Extended    *extended `json:"extended_attributes,omitempty"`
}

type extended struct {
	Street    string `json:"street,omitempty"`
	Community string `json:"community,omitempty"`
	Grid      string `json:"grid,omitempty"`
	Channel   string `json:"channel,omitempty"`
}

type updateJSON struct {
	ID          string `json:"service_request_id"`
	Updated     string `json:"updated_datetime"`
	Status      string `json:"status"`
	StatusNotes string `json:"status_notes"`
	Agency      string `json:"agency_responsible,omitempty"`
	EventID     string `json:"event_id"`
	EventType   string `json:"event_type"`
}

// WriteRequests writes one service request per case of src to w as a
// GeoReport v2 requests JSON array, in report order. It reads src once.
func WriteRequests(ctx context.Context, w io.Writer, src interop.Source, cfg Config) (Stats, error) {
	var stats Stats
	byID := map[string]*request{}
	var order []*request
	err := src.Records(ctx, func(r interop.Record) error {
		id := r.Event.CaseID()
		if id == "" {
			stats.Skipped++
			return nil
		}
		q := byID[id]
		if q == nil {
			if _, ok := r.Payload.(*events.CaseReported); !ok {
				stats.Skipped++ // a case stream that does not open with a report
				return nil
			}
			q = &request{id: id}
			byID[id] = q
			order = append(order, q)
		}
		if _, ok := q.apply(r.Payload, r.Event.OccurredAt); !ok {
			stats.Skipped++
		}
		return nil
	})
	if err != nil {
		return stats, fmt.Errorf("open311: read: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return stats, fmt.Errorf("open311: %w", err)
	}
	aw := newArrayWriter(w)
	for _, q := range order {
		name := q.category
		if n, ok := cfg.ServiceNames[q.category]; ok && n != "" {
			name = n
		}
		out := requestJSON{
			ID: q.id, Status: q.status, StatusNotes: q.notes,
			ServiceName: name, ServiceCode: q.category, Agency: q.agency,
			Requested: datetime(q.requested), Updated: datetime(q.updated),
			Address: q.address, Lat: q.lat, Long: q.lon,
		}
		if !q.expected.IsZero() {
			out.Expected = datetime(q.expected)
		}
		if cfg.ExtendedAttributes {
			out.Extended = &extended{Street: q.street, Community: q.community, Grid: q.grid, Channel: q.channel}
		}
		if err := aw.add(out); err != nil {
			return stats, err
		}
		stats.Requests++
	}
	return stats, aw.close()
}

// WriteHistory writes one entry per case lifecycle event of src to w as a
// JSON array, in global order, each with the request's status after the
// event. It reads src once and keeps a few fields per case. cfg has no
// effect on the history today; it is taken so that both writers are
// called alike.
func WriteHistory(ctx context.Context, w io.Writer, src interop.Source, cfg Config) (Stats, error) {
	var stats Stats
	byID := map[string]*request{}
	aw := newArrayWriter(w)
	err := src.Records(ctx, func(r interop.Record) error {
		id := r.Event.CaseID()
		if id == "" {
			stats.Skipped++
			return nil
		}
		q := byID[id]
		if q == nil {
			if _, ok := r.Payload.(*events.CaseReported); !ok {
				stats.Skipped++
				return nil
			}
			q = &request{id: id}
			byID[id] = q
			stats.Requests++
		}
		notes, ok := q.apply(r.Payload, r.Event.OccurredAt)
		if !ok {
			stats.Skipped++
			return nil
		}
		// only what the history needs is kept per case
		q.address, q.lat, q.lon, q.notes = "", nil, nil, ""
		if err := aw.add(updateJSON{
			ID: id, Updated: datetime(r.Event.OccurredAt), Status: q.status, StatusNotes: notes,
			Agency: q.agency, EventID: r.Event.ID.String(), EventType: r.Event.Type,
		}); err != nil {
			return &writeError{err}
		}
		stats.Updates++
		return nil
	})
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return stats, we.err
		}
		return stats, fmt.Errorf("open311: read: %w", err)
	}
	return stats, aw.close()
}

// writeError marks an error of the writer, as opposed to the source's.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

func (e *writeError) Unwrap() error { return e.err }

// arrayWriter writes a JSON array one element a line.
type arrayWriter struct {
	bw  *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
	n   int
}

func newArrayWriter(w io.Writer) *arrayWriter {
	a := &arrayWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	a.enc = json.NewEncoder(&a.buf)
	a.enc.SetEscapeHTML(false)
	return a
}

func (a *arrayWriter) add(v any) error {
	a.buf.Reset()
	if a.n == 0 {
		a.buf.WriteString("[\n")
	} else {
		a.buf.WriteString(",\n")
	}
	if err := a.enc.Encode(v); err != nil {
		return fmt.Errorf("open311: encode: %w", err)
	}
	a.buf.Truncate(a.buf.Len() - 1) // the encoder's newline
	a.n++
	if _, err := a.bw.Write(a.buf.Bytes()); err != nil {
		return fmt.Errorf("open311: write: %w", err)
	}
	return nil
}

func (a *arrayWriter) close() error {
	end := "\n]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	if _, err := a.bw.WriteString(end); err != nil {
		return fmt.Errorf("open311: write: %w", err)
	}
	if err := a.bw.Flush(); err != nil {
		return fmt.Errorf("open311: write: %w", err)
	}
	return nil
}
