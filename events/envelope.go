package events

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
)

// Limits enforced on every event. They bound what one producer can make the
// ledger store and keep a malformed or hostile input from exhausting memory.
const (
	// MaxPayloadBytes is the largest payload (Data) accepted: 64 KiB.
	MaxPayloadBytes = 64 << 10
	// MaxStreamBytes is the longest stream name accepted.
	MaxStreamBytes = 200
	// MaxIDBytes bounds identifiers inside payloads and actors (unit, case, subject ids).
	MaxIDBytes = 128
	// MaxTextBytes bounds free-text fields (descriptions, comments, questions).
	MaxTextBytes = 16 << 10
)

// Hash is a SHA-256 digest.
type Hash [32]byte

// ZeroHash is the PrevHash of the first event of every stream.
var ZeroHash Hash

// String returns the hash in lowercase hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zeros.
func (h Hash) IsZero() bool { return h == ZeroHash }

// MarshalText encodes the hash as hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes a hex hash.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("%w: hash must be 64 hex characters, got %d", ErrInvalid, len(b))
	}
	_, err := hex.Decode(h[:], b)
	if err != nil {
		return fmt.Errorf("%w: hash: %v", ErrInvalid, err)
	}
	return nil
}

// ActorKind says who performed an action.
type ActorKind string

// Actor kinds.
const (
	ActorCitizen ActorKind = "citizen"
	ActorStaff   ActorKind = "staff"
	ActorUnit    ActorKind = "unit"
	ActorSystem  ActorKind = "system"
)

// Actor is who caused an event: its kind, an identifier (a pseudonymous
// subject id for citizens) and, for staff and units, the unit acting.
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   string    `json:"id"`
	Unit string    `json:"unit,omitempty"`
}

// Validate checks the actor's kind and identifiers.
func (a Actor) Validate() error {
	switch a.Kind {
	case ActorCitizen, ActorStaff, ActorUnit, ActorSystem:
	case "":
		return invalid("actor.kind", "is required (citizen, staff, unit or system)")
	default:
		return invalid("actor.kind", fmt.Sprintf("%q is not one of citizen, staff, unit, system", a.Kind))
	}
	if err := checkID("actor.id", a.ID, true); err != nil {
		return err
	}
	return checkID("actor.unit", a.Unit, false)
}

// Stream kinds, the part of a stream name before the first slash.
const (
	StreamCase     = "case"
	StreamTopic    = "topic"
	StreamRegistry = "registry"
)

// StreamKinds lists every stream kind.
func StreamKinds() []string { return []string{StreamCase, StreamTopic, StreamRegistry, StreamTrace} }

// CaseStream returns the stream name of case id.
func CaseStream(id string) string { return StreamCase + "/" + id }

// TopicStream returns the stream name of topic id.
func TopicStream(id string) string { return StreamTopic + "/" + id }

// RegistryStream returns the stream name of registry name.
func RegistryStream(name string) string { return StreamRegistry + "/" + name }

// Well-known registry streams.
var (
	UnitsStream          = RegistryStream("units")
	ResponsibilityStream = RegistryStream("responsibility")
	SubjectsStream       = RegistryStream("subjects")
)

// SplitStream splits a stream name into kind and id.
func SplitStream(stream string) (kind, id string) {
	kind, id, _ = strings.Cut(stream, "/")
	return kind, id
}

// ValidateStream checks a stream name: "<kind>/<id>" with kind case, topic, trace
// or registry, an id of printable UTF-8 without NUL, at most MaxStreamBytes.
func ValidateStream(stream string) error {
	if stream == "" {
		return invalid("stream", "is required")
	}
	if len(stream) > MaxStreamBytes {
		return invalid("stream", fmt.Sprintf("is %d bytes, limit %d", len(stream), MaxStreamBytes))
	}
	if !utf8.ValidString(stream) {
		return invalid("stream", "is not valid UTF-8")
	}
	kind, id, ok := strings.Cut(stream, "/")
	if !ok || id == "" {
		return invalid("stream", fmt.Sprintf("%q is not of the form case/<id>, topic/<id>, trace/<id> or registry/<name>", stream))
	}
	switch kind {
	case StreamCase, StreamTopic, StreamRegistry, StreamTrace:
	default:
		return invalid("stream", fmt.Sprintf("kind %q is not case, topic, trace or registry", kind))
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || r == '/' && kind == StreamRegistry {
			return invalid("stream", fmt.Sprintf("%q contains a control character or separator", stream))
		}
	}
	return nil
}

// Event is one immutable fact in the ledger.
//
// ID is the producer-assigned idempotency key. Version is the 0-based
// position of the event in its stream. Data holds the payload bytes exactly
// as stored and hashed. PrevHash is the Hash of the previous event in the
// same stream (zero for the first) and Hash covers everything else.
type Event struct {
	ID         ulid.ULID
	Stream     string
	Version    uint64
	Type       string
	Schema     uint16
	OccurredAt time.Time
	RecordedAt time.Time
	Actor      Actor
	Data       []byte
	PrevHash   Hash
	Hash       Hash
}

// CaseID returns the case id of an event on a case stream, or "".
func (e *Event) CaseID() string {
	kind, id := SplitStream(e.Stream)
	if kind != StreamCase {
		return ""
	}
	return id
}

// Payload decodes the event's Data into its typed payload.
func (e *Event) Payload() (Payload, error) {
	return DecodePayload(e.Type, e.Schema, e.Data)
}

// Seal sets e.PrevHash to prev and computes e.Hash over the canonical bytes.
func (e *Event) Seal(prev Hash) {
	e.PrevHash = prev
	buf := scratch.Get().(*[]byte)
	*buf = AppendBody((*buf)[:0], e)
	e.Hash = HashBody(*buf)
	if cap(*buf) <= 1<<17 {
		scratch.Put(buf)
	}
}

// scratch holds encoding buffers for Seal.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// SameContent reports whether two events carry the same producer content:
// id, stream, type, schema, business time, actor and payload bytes. The
// ledger-assigned fields (version, recorded time, hashes) are ignored. It is
// how a re-sent event is recognised as the one already acknowledged.
func SameContent(a, b *Event) bool {
	return a.ID == b.ID && a.Stream == b.Stream && a.Type == b.Type && a.Schema == b.Schema &&
		a.OccurredAt.Equal(b.OccurredAt) && offset(a.OccurredAt) == offset(b.OccurredAt) &&
		a.Actor == b.Actor && string(a.Data) == string(b.Data)
}

func offset(t time.Time) int {
	_, off := t.Zone()
	return off
}
