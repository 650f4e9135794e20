package open311

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// MaxRequestBytes bounds one service request of an imported file (and any
// other single value the reader passes over): a larger one stops the
// import (an error wrapping interop.ErrInput), so that a hostile file
// cannot make the reader hold more than about this much.
const MaxRequestBytes = 1 << 20

// ErrConfig marks a ReaderConfig that cannot be used.
var ErrConfig = errors.New("open311: bad config")

// Defaults of the ReaderConfig fields.
const (
	DefaultChannel        = events.ChannelOther
	DefaultStreet         = "imported"
	DefaultAgency         = "open311"
	DefaultDeadlinePolicy = "standard-5wd"
	DefaultActor          = "open311"
)

// Skip reasons of the Reader (interop.SkipError.Reason).
const (
	ReasonNotObject        = "request is not an object"
	ReasonInvalidUTF8      = "invalid UTF-8"
	ReasonWrongType        = "field has the wrong type"
	ReasonMissingID        = "missing service_request_id"
	ReasonBadID            = "bad service_request_id"
	ReasonMissingRequested = "missing requested_datetime"
	ReasonBadDatetime      = "bad datetime"
	ReasonUpdatedBefore    = "updated before requested"
	ReasonMissingService   = "missing service_code"
	ReasonBadService       = "bad service_code"
	ReasonBadStatus        = "bad status"
	ReasonBadAgency        = "bad agency_responsible"
	ReasonInvalid          = "request does not make a valid case"
)

// ReaderConfig configures a Reader. Zero fields take the defaults.
type ReaderConfig struct {
	// Channel is the intake channel of every imported report (one of
	// events.Channels). Default "other".
	Channel string
	// Street is the street unit every imported case is located in; the
	// import may register it (kind street). Default "imported".
	Street string
	// Agency is the unit that resolves a closed request without an
	// agency_responsible. Default "open311".
	Agency string
	// DeadlinePolicy is the deadline policy of every imported report.
	// Default "standard-5wd".
	DeadlinePolicy string
	// KeepAddress imports a request's address as plain text in the
	// report's location. Default false: addresses are left out.
	KeepAddress bool
	// Actor is the id of the system actor of imported reports. Default
	// "open311".
	Actor string
}

func (c *ReaderConfig) defaults() error {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&c.Channel, DefaultChannel)
	def(&c.Street, DefaultStreet)
	def(&c.Agency, DefaultAgency)
	def(&c.DeadlinePolicy, DefaultDeadlinePolicy)
	def(&c.Actor, DefaultActor)
	probe := &events.CaseReported{Channel: c.Channel, Category: "probe", Location: events.Location{Street: c.Street}, DeadlinePolicy: c.DeadlinePolicy}
	if err := probe.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err := (&events.CaseResolved{Unit: c.Agency, Outcome: events.OutcomeFixed}).Validate(); err != nil {
		return fmt.Errorf("%w: agency: %w", ErrConfig, err)
	}
	if err := (events.Actor{Kind: events.ActorSystem, ID: c.Actor}).Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// Reader reads GeoReport v2 service requests as traces, one request at a
// time: it holds one request (at most MaxRequestBytes) in memory, never
// the file. A Reader is not safe for concurrent use.
type Reader struct {
	cfg   ReaderConfig
	guard *guard
	dec   *json.Decoder
	state int
	n     int   // requests read
	err   error // sticky: input that cannot be read on
}

const (
	stateStart = iota
	stateArray
	stateDone
)

// NewReader returns a Reader of r. The input is a JSON array of service
// requests, or an object holding that array under "service_requests" or
// "requests" (its other members are skipped; what follows the array is
// not read).
//
// Each request becomes a Trace named by its service_request_id (a string
// or an integer) with, as lifecycle payloads:
//
//   - a case.reported at requested_datetime, by the system actor: channel
//     cfg.Channel, category service_code (service_name when the code is
//     missing), located in street cfg.Street with lat/long when both are
//     valid, the address (plain) only with cfg.KeepAddress, deadline
//     policy cfg.DeadlinePolicy;
//   - for a closed request, a case.resolved at updated_datetime (at
//     requested_datetime if there is none) by agency_responsible (else
//     cfg.Agency), outcome "fixed", status_notes as the summary, then a
//     case.closed at the same time: a closed request takes no further
//     updates.
//
// Trace.Units lists cfg.Street (kind street) and the resolving agency
// (kind center: a centre may resolve a case nobody was dispatched).
//
// Next returns an error wrapping interop.ErrInput, with the byte offset,
// for input that cannot be read on (malformed JSON, not an array, a
// request over MaxRequestBytes), and a *interop.SkipError for a request
// that is readable but unusable (no id or requested_datetime, a datetime
// that is not a W3C date-time with zone, updated before requested,
// invalid UTF-8, a field of the wrong type); the reader goes on after a
// SkipError.
func NewReader(r io.Reader, cfg ReaderConfig) (*Reader, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	g := &guard{r: r}
	dec := json.NewDecoder(g)
	dec.UseNumber()
	return &Reader{cfg: cfg, guard: g, dec: dec}, nil
}

// guard bounds how far the decoder may read past the current element.
type guard struct {
	r     io.Reader
	n     int64 // bytes read
	limit int64
}

var errTooLarge = errors.New("open311: request too large")

func (g *guard) Read(p []byte) (int, error) {
	room := g.limit - g.n
	if room <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// bound lets the decoder read MaxRequestBytes past where it stands, and a
// little more for the separators.
func (rd *Reader) bound() { rd.guard.limit = rd.dec.InputOffset() + MaxRequestBytes + 4096 }

func (rd *Reader) fail(err error) error {
	off := rd.dec.InputOffset()
	switch {
	case errors.Is(err, errTooLarge):
		rd.err = fmt.Errorf("%w: request %d at byte %d is larger than %d bytes", interop.ErrInput, rd.n+1, off, MaxRequestBytes)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		rd.err = fmt.Errorf("%w: unexpected end of input at byte %d", interop.ErrInput, off)
	default:
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		rd.err = fmt.Errorf("%w: byte %d: %w", interop.ErrInput, off, err)
	}
	return rd.err
}

// Next returns the next request's trace, io.EOF after the last.
func (rd *Reader) Next() (*interop.Trace, error) {
	if rd.err != nil {
		return nil, rd.err
	}
	if rd.state == stateStart {
		if err := rd.start(); err != nil {
			return nil, err
		}
	}
	if rd.state == stateDone {
		return nil, io.EOF
	}
	rd.bound()
	if !rd.dec.More() {
		if _, err := rd.dec.Token(); err != nil { // the closing ]
			return nil, rd.fail(err)
		}
		rd.state = stateDone
		return nil, io.EOF
	}
	start := rd.dec.InputOffset()
	var raw json.RawMessage
	if err := rd.dec.Decode(&raw); err != nil {
		return nil, rd.fail(err)
	}
	rd.n++
	return rd.request(raw, start)
}

// start reads up to the first request: past "[" or past the key of the
// array in a wrapping object.
func (rd *Reader) start() error {
	rd.bound()
	tok, err := rd.dec.Token()
	if err != nil {
		return rd.fail(err)
	}
	switch tok {
	case json.Delim('['):
		rd.state = stateArray
		return nil
	case json.Delim('{'):
	default:
		rd.err = fmt.Errorf("%w: byte %d: not a JSON array of service requests", interop.ErrInput, rd.dec.InputOffset())
		return rd.err
	}
	for {
		rd.bound()
		tok, err := rd.dec.Token()
		if err != nil {
			return rd.fail(err)
		}
		key, ok := tok.(string)
		if !ok { // the closing }
			rd.err = fmt.Errorf("%w: byte %d: no \"service_requests\" or \"requests\" array", interop.ErrInput, rd.dec.InputOffset())
			return rd.err
		}
		if key == "service_requests" || key == "requests" {
			rd.bound()
			tok, err := rd.dec.Token()
			if err != nil {
				return rd.fail(err)
			}
			if tok != json.Delim('[') {
				rd.err = fmt.Errorf("%w: byte %d: %q is not an array", interop.ErrInput, rd.dec.InputOffset(), key)
				return rd.err
			}
			rd.state = stateArray
			return nil
		}
		if err := rd.skipValue(); err != nil {
			return err
		}
	}
}

// skipValue skips one value token by token.
func (rd *Reader) skipValue() error {
	depth := 0
	for {
		rd.bound()
		tok, err := rd.dec.Token()
		if err != nil {
			return rd.fail(err)
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// fields is one request's members.
type fields struct {
	m    map[string]json.RawMessage
	name string // for messages
}

// str returns a string member; null or absent is "".
func (f *fields) str(key string) (string, error) {
	v, ok := f.m[key]
	if !ok || string(v) == "null" {
		return "", nil
	}
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", interop.Skip(ReasonWrongType, "request %s: %s is not a string", f.name, key)
	}
	return s, nil
}

// coord returns a number member (a JSON number or a numeric string); ok
// is false when absent, null or not a finite number.
func (f *fields) coord(key string) (v float64, ok bool, err error) {
	raw, present := f.m[key]
	if !present || string(raw) == "null" {
		return 0, false, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false, interop.Skip(ReasonWrongType, "request %s: %s is not a number", f.name, key)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, false, nil
		}
	} else if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, false, interop.Skip(ReasonWrongType, "request %s: %s is not a number", f.name, key)
	}
	v, perr := strconv.ParseFloat(s, 64)
	if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, nil
	}
	return v, true, nil
}

// request turns one raw request into a trace.
func (rd *Reader) request(raw json.RawMessage, offset int64) (*interop.Trace, error) {
	where := fmt.Sprintf("#%d at byte %d", rd.n, offset)
	if !utf8.Valid(raw) {
		return nil, interop.Skip(ReasonInvalidUTF8, "request %s", where)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, interop.Skip(ReasonNotObject, "request %s", where)
	}
	f := fields{name: where}
	if err := json.Unmarshal(raw, &f.m); err != nil {
		return nil, interop.Skip(ReasonNotObject, "request %s: %v", where, err)
	}
	id, err := rd.id(&f)
	if err != nil {
		return nil, err
	}
	f.name = strconv.Quote(id)
	var s struct{ requested, updated, status, code, name, agency, notes, address string }
	for _, m := range []struct {
		key string
		dst *string
	}{
		{"requested_datetime", &s.requested}, {"updated_datetime", &s.updated}, {"status", &s.status},
		{"service_code", &s.code}, {"service_name", &s.name}, {"agency_responsible", &s.agency},
		{"status_notes", &s.notes}, {"address", &s.address},
	} {
		if *m.dst, err = f.str(m.key); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(s.requested) == "" {
		return nil, interop.Skip(ReasonMissingRequested, "request %s", f.name)
	}
	requested, err := parseTime(f.name, "requested_datetime", s.requested)
	if err != nil {
		return nil, err
	}
	updated := requested
	if strings.TrimSpace(s.updated) != "" {
		if updated, err = parseTime(f.name, "updated_datetime", s.updated); err != nil {
			return nil, err
		}
		if updated.Before(requested) {
			return nil, interop.Skip(ReasonUpdatedBefore, "request %s: updated %s, requested %s", f.name, s.updated, s.requested)
		}
	}
	status := strings.ToLower(strings.TrimSpace(s.status))
	switch status {
	case "":
		status = StatusOpen
	case StatusOpen, StatusClosed:
	default:
		return nil, interop.Skip(ReasonBadStatus, "request %s: status %q is neither open nor closed", f.name, clip(s.status, 40))
	}
	category := strings.TrimSpace(s.code)
	if category == "" {
		category = strings.TrimSpace(s.name)
	}
	if category == "" {
		return nil, interop.Skip(ReasonMissingService, "request %s", f.name)
	}
	if !isID(category) {
		return nil, interop.Skip(ReasonBadService, "request %s: %q", f.name, clip(category, 40))
	}

	loc := events.Location{Street: rd.cfg.Street}
	lat, okLat, err := f.coord("lat")
	if err != nil {
		return nil, err
	}
	lon, okLon, err := f.coord("long")
	if err != nil {
		return nil, err
	}
	if okLat && okLon && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		loc.Lat, loc.Lon = &lat, &lon
	}
	if rd.cfg.KeepAddress {
		loc.Address = events.Plain(clip(strings.TrimSpace(s.address), events.MaxTextBytes))
	}
	tr := &interop.Trace{Name: id, Units: []interop.Unit{{ID: rd.cfg.Street, Kind: events.UnitStreet}}}
	tr.Events = append(tr.Events, interop.Event{
		Activity: "reported", Lifecycle: "complete", Time: requested,
		Payload: &events.CaseReported{Channel: rd.cfg.Channel, Category: category, Location: loc, DeadlinePolicy: rd.cfg.DeadlinePolicy},
		Actor:   events.Actor{Kind: events.ActorSystem, ID: rd.cfg.Actor},
	})
	if status == StatusClosed {
		agency := strings.TrimSpace(s.agency)
		if agency == "" {
			agency = rd.cfg.Agency
		}
		if !isID(agency) {
			return nil, interop.Skip(ReasonBadAgency, "request %s: %q", f.name, clip(agency, 40))
		}
		tr.Units = append(tr.Units, interop.Unit{ID: agency, Kind: events.UnitCenter})
		tr.Events = append(tr.Events, interop.Event{
			Activity: "resolved", Lifecycle: "complete", Time: updated, Resource: agency,
			Payload: &events.CaseResolved{Unit: agency, Outcome: events.OutcomeFixed, Summary: clip(strings.TrimSpace(s.notes), events.MaxTextBytes)},
			Actor:   events.Actor{Kind: events.ActorUnit, ID: agency, Unit: agency},
		}, interop.Event{
			// A closed request takes no further updates: the case is
			// archived, so that process mining sees it end.
			Activity: "closed", Lifecycle: "complete", Time: updated, Resource: agency,
			Payload: &events.CaseClosed{},
			Actor:   events.Actor{Kind: events.ActorUnit, ID: agency, Unit: agency},
		})
	}
	for _, e := range tr.Events {
		if err := e.Payload.Validate(); err != nil {
			return nil, interop.Skip(ReasonInvalid, "request %s: %v", f.name, err)
		}
		if err := e.Actor.Validate(); err != nil {
			return nil, interop.Skip(ReasonInvalid, "request %s: %v", f.name, err)
		}
	}
	return tr, nil
}

// id returns the request's service_request_id, a string or an integer.
func (rd *Reader) id(f *fields) (string, error) {
	v, ok := f.m["service_request_id"]
	if !ok || string(v) == "null" {
		return "", interop.Skip(ReasonMissingID, "request %s", f.name)
	}
	var id string
	switch {
	case v[0] == '"':
		if err := json.Unmarshal(v, &id); err != nil {
			return "", interop.Skip(ReasonWrongType, "request %s: service_request_id: %v", f.name, err)
		}
		id = strings.TrimSpace(id)
	case v[0] == '-' || v[0] >= '0' && v[0] <= '9':
		if _, err := strconv.ParseInt(string(v), 10, 64); err != nil {
			return "", interop.Skip(ReasonWrongType, "request %s: service_request_id %s is not an integer", f.name, clip(string(v), 40))
		}
		id = string(v)
	default:
		return "", interop.Skip(ReasonWrongType, "request %s: service_request_id is not a string or integer", f.name)
	}
	if id == "" {
		return "", interop.Skip(ReasonMissingID, "request %s", f.name)
	}
	if !isID(id) {
		return "", interop.Skip(ReasonBadID, "request %s: %q", f.name, clip(id, 40))
	}
	return id, nil
}

// parseTime parses a W3C date-time with a zone (Z or ±hh:mm).
func parseTime(name, field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, interop.Skip(ReasonBadDatetime, "request %s: %s %q is not a W3C date-time with zone", name, field, clip(s, 40))
	}
	if err := events.CheckTime(field, t, true); err != nil {
		return time.Time{}, interop.Skip(ReasonBadDatetime, "request %s: %v", name, err)
	}
	return t, nil
}

// isID reports whether s may be a ledger id: at most events.MaxIDBytes,
// no control character.
func isID(s string) bool {
	if s == "" || len(s) > events.MaxIDBytes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// clip cuts s to at most n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
