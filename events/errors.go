package events

import "errors"

// Sentinel errors. Validation errors wrap ErrInvalid and name the field and
// the rule that was broken.
var (
	// ErrInvalid is wrapped by every validation failure.
	ErrInvalid = errors.New("events: invalid event")
	// ErrUnknownType is returned for a type name outside the catalogue.
	ErrUnknownType = errors.New("events: unknown event type")
	// ErrUnsupportedSchema is returned for a schema version the catalogue does not know.
	ErrUnsupportedSchema = errors.New("events: unsupported schema version")
	// ErrTooLarge is returned for a payload larger than MaxPayloadBytes.
	ErrTooLarge = errors.New("events: payload too large")
	// ErrCorrupt is returned when stored bytes cannot be decoded.
	ErrCorrupt = errors.New("events: corrupt encoding")
	// ErrHashMismatch is returned when an event's stored hash differs from
	// the hash of its bytes.
	ErrHashMismatch = errors.New("events: hash mismatch")
)
