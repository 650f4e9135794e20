package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
)

// Draft is an event as a producer proposes it. The ledger assigns the
// version, the recorded time and the hashes.
type Draft struct {
	ID         ulid.ULID
	Stream     string
	OccurredAt time.Time
	Actor      Actor
	Payload    Payload
}

// Validate checks everything about the draft that needs no ledger state.
func (d *Draft) Validate() error {
	if d.ID == (ulid.ULID{}) {
		return invalid("id", "is required (a ULID)")
	}
	if err := ValidateStream(d.Stream); err != nil {
		return err
	}
	if d.Payload == nil {
		return invalid("data", "is required")
	}
	spec, ok := catalogue[d.Payload.EventType()]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownType, d.Payload.EventType())
	}
	if kind, _ := SplitStream(d.Stream); !spec.AllowedOn(kind) {
		return invalid("stream", fmt.Sprintf("%s events go on %s/ streams, not %q", spec.Type, spec.StreamKind, d.Stream))
	}
	if err := CheckTime("occurred_at", d.OccurredAt, true); err != nil {
		return err
	}
	return d.Actor.Validate()
}

// Event validates the draft and returns the unsealed event it proposes,
// with its canonical payload bytes.
func (d *Draft) Event() (Event, error) {
	if err := d.Validate(); err != nil {
		return Event{}, err
	}
	data, err := EncodePayload(d.Payload)
	if err != nil {
		return Event{}, err
	}
	spec := catalogue[d.Payload.EventType()]
	return Event{
		ID: d.ID, Stream: d.Stream, Type: spec.Type, Schema: spec.Schema,
		OccurredAt: d.OccurredAt, Actor: d.Actor, Data: data,
	}, nil
}

// MaxLineBytes is the longest JSON line accepted by ParseLine: the payload
// limit plus room for the envelope.
const MaxLineBytes = MaxPayloadBytes + 4<<10

// Line is one event in the JSON Lines input format:
//
//	{"id":"01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA","stream":"case/2026-000001",
//	 "type":"case.reported","occurred_at":"2026-11-02T09:30:00+08:00",
//	 "actor":{"kind":"citizen","id":"S-1"},"data":{...}}
//
// schema is optional (the current schema); expected_version is optional: the
// stream's version before this event, -1 for "the stream must not exist".
type Line struct {
	Draft Draft
	// Expected is the expected stream version, or nil for "any".
	Expected *int64
}

type lineJSON struct {
	ID              *string         `json:"id"`
	Stream          *string         `json:"stream"`
	Type            *string         `json:"type"`
	Schema          *uint16         `json:"schema"`
	OccurredAt      *string         `json:"occurred_at"`
	Actor           *Actor          `json:"actor"`
	Data            json.RawMessage `json:"data"`
	ExpectedVersion *int64          `json:"expected_version"`
}

// ParseLine strictly parses one JSON line: valid UTF-8, one JSON object,
// no unknown fields, every required field present and of the right type,
// a known type and schema, a valid payload.
func ParseLine(b []byte) (Line, error) {
	b = bytes.TrimSpace(b)
	if len(b) > MaxLineBytes {
		return Line{}, fmt.Errorf("%w: line is %d bytes, limit %d", ErrTooLarge, len(b), MaxLineBytes)
	}
	if !utf8.Valid(b) {
		return Line{}, fmt.Errorf("%w: line is not valid UTF-8", ErrInvalid)
	}
	var lj lineJSON
	if err := checkKeys(b, reflect.TypeOf(lj)); err != nil {
		return Line{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lj); err != nil {
		return Line{}, fmt.Errorf("%w: %s", ErrInvalid, jsonProblem(err))
	}
	if trailing(b, dec) {
		return Line{}, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalid)
	}
	switch {
	case lj.ID == nil:
		return Line{}, invalid("id", "is required (a ULID)")
	case lj.Stream == nil:
		return Line{}, invalid("stream", "is required")
	case lj.Type == nil:
		return Line{}, invalid("type", "is required")
	case lj.OccurredAt == nil:
		return Line{}, invalid("occurred_at", "is required")
	case lj.Actor == nil:
		return Line{}, invalid("actor", "is required")
	case len(lj.Data) == 0 || string(lj.Data) == "null":
		return Line{}, invalid("data", "is required")
	}
	id, err := ulid.ParseStrict(*lj.ID)
	if err != nil {
		return Line{}, invalid("id", fmt.Sprintf("%q is not a ULID: %v", *lj.ID, err))
	}
	spec, ok := Lookup(*lj.Type)
	if !ok {
		return Line{}, fmt.Errorf("%w: %q (known: %s)", ErrUnknownType, *lj.Type, strings.Join(Types(), ", "))
	}
	schema := spec.Schema
	if lj.Schema != nil {
		schema = *lj.Schema
	}
	occ, err := ParseTime("occurred_at", *lj.OccurredAt)
	if err != nil {
		return Line{}, err
	}
	p, err := DecodePayload(spec.Type, schema, lj.Data)
	if err != nil {
		return Line{}, err
	}
	l := Line{Draft: Draft{ID: id, Stream: *lj.Stream, OccurredAt: occ, Actor: *lj.Actor, Payload: p}, Expected: lj.ExpectedVersion}
	if l.Expected != nil && *l.Expected < -1 {
		return Line{}, invalid("expected_version", "must be -1 (no stream) or a version >= 0")
	}
	if err := l.Draft.Validate(); err != nil {
		return Line{}, err
	}
	// The canonical payload can be longer than the input (json.Marshal
	// escapes <, > and &): refuse here what Draft.Event would refuse.
	// Plain text of a subject is fine here: the ledger seals it.
	if _, err := encodePayload(p, false); err != nil {
		return Line{}, err
	}
	return l, nil
}

// ParseTime parses an RFC 3339 timestamp that carries an explicit zone.
func ParseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, invalid(field, fmt.Sprintf("%q is not RFC 3339 with a zone (e.g. 2026-11-02T09:30:00+08:00)", s))
	}
	if err := CheckTime(field, t, true); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// JSON is the output form of a stored event, used by show and export.
type JSON struct {
	Position   uint64          `json:"position,omitempty"`
	ID         string          `json:"id"`
	Stream     string          `json:"stream"`
	Version    uint64          `json:"version"`
	Type       string          `json:"type"`
	Schema     uint16          `json:"schema"`
	OccurredAt string          `json:"occurred_at"`
	RecordedAt string          `json:"recorded_at"`
	Actor      Actor           `json:"actor"`
	Data       json.RawMessage `json:"data"`
	PrevHash   Hash            `json:"prev_hash"`
	Hash       Hash            `json:"hash"`
}

// ToJSON returns the output form of e at a global position.
func (e *Event) ToJSON(position uint64) JSON {
	return JSON{
		Position: position, ID: e.ID.String(), Stream: e.Stream, Version: e.Version,
		Type: e.Type, Schema: e.Schema,
		OccurredAt: e.OccurredAt.Format(time.RFC3339Nano), RecordedAt: e.RecordedAt.Format(time.RFC3339Nano),
		Actor: e.Actor, Data: json.RawMessage(e.Data), PrevHash: e.PrevHash, Hash: e.Hash,
	}
}
