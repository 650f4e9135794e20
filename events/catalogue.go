package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"sync"
	"time"
	"unicode/utf8"
)

// Payload is the typed body of an event. Every catalogue type implements it.
type Payload interface {
	// EventType returns the stable type name, e.g. "case.reported".
	EventType() string
	// Validate checks the payload on its own (field presence, enums,
	// lengths, UTF-8). Rules that need the ledger's state are the ledger's.
	Validate() error
}

// Spec describes one catalogue entry.
type Spec struct {
	// Type is the stable type name.
	Type string
	// Schema is the current payload schema version.
	Schema uint16
	// StreamKind is the kind of stream the type may be appended to.
	StreamKind string
	// Doc is a one-line description.
	Doc string

	new func() Payload
}

// New returns a zero payload of the spec's type.
func (s Spec) New() Payload { return s.new() }

var catalogue = map[string]Spec{
	TypeCaseReported:   {TypeCaseReported, 1, StreamCase, "request received (上报/受理)", func() Payload { return new(CaseReported) }},
	TypeCaseDispatched: {TypeCaseDispatched, 1, StreamCase, "sent to a unit (派单/转办)", func() Payload { return new(CaseDispatched) }},
	TypeCaseReturned:   {TypeCaseReturned, 1, StreamCase, "unit refuses the order (退单)", func() Payload { return new(CaseReturned) }},
	TypeCaseAccepted:   {TypeCaseAccepted, 1, StreamCase, "unit signs for the order (签收)", func() Payload { return new(CaseAccepted) }},
	TypeCaseContacted:  {TypeCaseContacted, 1, StreamCase, "unit contacted the citizen", func() Payload { return new(CaseContacted) }},
	TypeCaseExtended:   {TypeCaseExtended, 1, StreamCase, "deadline extension granted", func() Payload { return new(CaseExtended) }},
	TypeCaseResolved:   {TypeCaseResolved, 1, StreamCase, "unit finished (办结)", func() Payload { return new(CaseResolved) }},
	TypeCaseReopened:   {TypeCaseReopened, 1, StreamCase, "reopened (重办)", func() Payload { return new(CaseReopened) }},
	TypeCaseRated:      {TypeCaseRated, 1, StreamCase, "citizen return-visit answer (回访评价)", func() Payload { return new(CaseRated) }},
	TypeCaseMerged:     {TypeCaseMerged, 1, StreamCase, "duplicate of another case", func() Payload { return new(CaseMerged) }},
	TypeCaseClosed:     {TypeCaseClosed, 1, StreamCase, "archived; no further events", func() Payload { return new(CaseClosed) }},
	TypeTopicOpened:    {TypeTopicOpened, 1, StreamTopic, "community topic opened for deliberation (社区议事)", func() Payload { return new(TopicOpened) }},
	TypeBallotCast:     {TypeBallotCast, 1, StreamTopic, "an eligible voter's ballot", func() Payload { return new(BallotCast) }},
	TypeTopicClosed:    {TypeTopicClosed, 1, StreamTopic, "voting closed, result published", func() Payload { return new(TopicClosed) }},
	TypeUnitRegistered: {TypeUnitRegistered, 1, StreamRegistry, "a unit and its place in the hierarchy", func() Payload { return new(UnitRegistered) }},
	TypeRespPublished:  {TypeRespPublished, 1, StreamRegistry, "responsibility list (职责清单/派单目录), versioned", func() Payload { return new(ResponsibilityPublished) }},
	TypeSubjectErased:  {TypeSubjectErased, 1, StreamRegistry, "a citizen's personal data was crypto-shredded", func() Payload { return new(SubjectErased) }},

	TypeActivityRecorded: {TypeActivityRecorded, 1, StreamTrace, "an imported log's activity (XES event), on its trace's stream or a case's", func() Payload { return new(ActivityRecorded) }},
	TypeImportRecorded:   {TypeImportRecorded, 1, StreamRegistry, "an import of an external log: source, digest, counts and skips", func() Payload { return new(ImportRecorded) }},
}

// alsoOn lists the other stream kinds a type may go on: an imported
// activity that no mapping turns into a lifecycle event stays an activity
// on its case's stream.
var alsoOn = map[string][]string{TypeActivityRecorded: {StreamCase}}

// AllowedOn reports whether the type may be appended to a stream of kind.
func (s Spec) AllowedOn(kind string) bool {
	if kind == s.StreamKind {
		return true
	}
	for _, k := range alsoOn[s.Type] {
		if k == kind {
			return true
		}
	}
	return false
}

// Lookup returns the catalogue entry for a type name.
func Lookup(typ string) (Spec, bool) {
	s, ok := catalogue[typ]
	return s, ok
}

// Types returns every catalogue type name, sorted.
func Types() []string {
	out := make([]string, 0, len(catalogue))
	for t := range catalogue {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// EncodePayload validates p and returns its canonical bytes: compact JSON
// with fields in declaration order and no HTML escaping. These are the
// bytes stored and hashed. A personal field that names a subject must be
// sealed: plain text there is refused with ErrUnsealed, so that no code path
// stores a subject's personal text in clear.
func EncodePayload(p Payload) ([]byte, error) { return encodePayload(p, true) }

// encodePayload is EncodePayload; sealed says whether to refuse a subject's
// plain personal text.
func encodePayload(p Payload, sealed bool) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if sealed {
		if err := checkSealed(p); err != nil {
			return nil, err
		}
	}
	if a, ok := p.(*ActivityRecorded); ok {
		b := appendActivity(make([]byte, 0, 256), a)
		if len(b) > MaxPayloadBytes {
			return nil, fmt.Errorf("%w: %s payload is %d bytes, limit %d", ErrTooLarge, p.EventType(), len(b), MaxPayloadBytes)
		}
		return b, nil
	}
	e := encoders.Get().(*payloadEncoder)
	defer e.release()
	if err := e.enc.Encode(p); err != nil {
		return nil, fmt.Errorf("%w: encode %s: %v", ErrInvalid, p.EventType(), err)
	}
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
	if len(b) > MaxPayloadBytes {
		return nil, fmt.Errorf("%w: %s payload is %d bytes, limit %d", ErrTooLarge, p.EventType(), len(b), MaxPayloadBytes)
	}
	return bytes.Clone(b), nil
}

// payloadEncoder is a reusable JSON encoder writing into its own buffer.
type payloadEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &payloadEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false) // "<", ">" and "&" stay as written
	return e
}}

func (e *payloadEncoder) release() {
	if e.buf.Cap() > 1<<17 {
		return // don't keep a buffer grown by one huge payload
	}
	e.buf.Reset()
	encoders.Put(e)
}

// DecodePayload strictly decodes payload bytes of a type and schema:
// unknown fields, trailing data, invalid UTF-8 and wrong-typed fields are
// errors, and the result is validated.
func DecodePayload(typ string, schema uint16, data []byte) (Payload, error) {
	spec, ok := catalogue[typ]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, typ)
	}
	if schema != spec.Schema {
		return nil, fmt.Errorf("%w: %s schema %d (this build knows %d)", ErrUnsupportedSchema, typ, schema, spec.Schema)
	}
	if len(data) > MaxPayloadBytes {
		return nil, fmt.Errorf("%w: %s payload is %d bytes, limit %d", ErrTooLarge, typ, len(data), MaxPayloadBytes)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: %s payload is not valid UTF-8", ErrInvalid, typ)
	}
	p := spec.new()
	if err := checkKeys(data, reflect.TypeOf(p)); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("%w: %s payload: %s", ErrInvalid, typ, jsonProblem(err))
	}
	if trailing(data, dec) {
		return nil, fmt.Errorf("%w: %s payload: trailing data after the JSON object", ErrInvalid, typ)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// trailing reports whether anything but JSON whitespace follows the value
// dec has just decoded from b. (dec.More is not enough: it is false before
// a stray '}' or ']'.)
func trailing(b []byte, dec *json.Decoder) bool {
	return len(bytes.Trim(b[dec.InputOffset():], " \t\r\n")) != 0
}

// jsonProblem turns encoding/json errors into messages that name the field.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Sprintf("field %q must be %s, got %s", e.Field, jsonKind(e.Type.Kind().String()), e.Value)
		}
		return fmt.Sprintf("must be %s, got %s", jsonKind(e.Type.Kind().String()), e.Value)
	case *json.SyntaxError:
		return fmt.Sprintf("malformed JSON at byte %d: %v", e.Offset, e)
	}
	switch err {
	case io.EOF:
		return "empty input, want one JSON object"
	case io.ErrUnexpectedEOF:
		return "malformed JSON: unexpected end of input"
	}
	return err.Error()
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return k
}

// FieldError is a validation failure naming the field and the rule broken.
// It unwraps to ErrInvalid.
type FieldError struct {
	Field string
	Rule  string
}

func (e *FieldError) Error() string { return "events: invalid event: " + e.Field + " " + e.Rule }

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, rule string) error { return &FieldError{Field: field, Rule: rule} }

func checkID(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid(field, "is required")
		}
		return nil
	}
	if len(s) > MaxIDBytes {
		return invalid(field, fmt.Sprintf("is %d bytes, limit %d", len(s), MaxIDBytes))
	}
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return invalid(field, "contains a control character")
		}
	}
	return nil
}

func checkText(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid(field, "is required")
		}
		return nil
	}
	if len(s) > MaxTextBytes {
		return invalid(field, fmt.Sprintf("is %d bytes, limit %d", len(s), MaxTextBytes))
	}
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	return nil
}

func checkEnum(field, v string, allowed ...string) error {
	if v == "" {
		return invalid(field, fmt.Sprintf("is required (one of %v)", allowed))
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return invalid(field, fmt.Sprintf("%q is not one of %v", v, allowed))
}

// Times before MinTime or after MaxTime are refused: they are typing errors,
// and outside them nanosecond timestamps overflow.
var (
	MinTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CheckTime validates a timestamp field.
func CheckTime(field string, t time.Time, required bool) error {
	if t.IsZero() {
		if required {
			return invalid(field, "is required (RFC 3339 with zone, e.g. 2026-11-02T09:30:00+08:00)")
		}
		return nil
	}
	if t.Before(MinTime) || !t.Before(MaxTime) {
		return invalid(field, fmt.Sprintf("%s is outside %d..%d", t.Format(time.RFC3339), MinTime.Year(), MaxTime.Year()-1))
	}
	if off := offset(t); off < -maxZoneOffset || off > maxZoneOffset {
		return invalid(field, fmt.Sprintf("zone offset %s is outside -18:00..+18:00", t.Format("-07:00")))
	}
	return nil
}

// maxZoneOffset bounds a timestamp's zone offset, in seconds: the canonical
// encoding (codec.go) cannot hold a larger one.
const maxZoneOffset = 18 * 3600
