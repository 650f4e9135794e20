package esdbstore

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

// streamPattern matches the KurrentDB streams of a ledger in namespace ns
// (events.ValidateStream's kinds, after the namespace); every other
// stream in $all — system streams ($...), other applications' streams,
// other namespaces' — is ignored.
func streamPattern(ns string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(ns) + `(` + strings.Join(events.StreamKinds(), "|") + `)/`)
}

// envelope is the event metadata (JSON) that carries every envelope field
// that is not the payload, the type, the stream, the version or the ID,
// which KurrentDB stores natively.
type envelope struct {
	Schema     uint16       `json:"schema"`
	OccurredAt string       `json:"occurred_at"` // RFC 3339, nanoseconds and the source zone's offset
	Offset     int          `json:"occurred_offset"`
	RecordedAt string       `json:"recorded_at"` // RFC 3339, nanoseconds, UTC
	Actor      events.Actor `json:"actor"`
	PrevHash   events.Hash  `json:"prev_hash"`
	Hash       events.Hash  `json:"hash"`
}

// toEventData maps a sealed event to what KurrentDB stores: the ULID as
// the event ID (16 bytes), the type, the payload bytes as JSON, the rest
// as metadata.
func toEventData(e *events.Event) (esdb.EventData, error) {
	_, off := e.OccurredAt.Zone()
	meta, err := json.Marshal(envelope{
		Schema:     e.Schema,
		OccurredAt: e.OccurredAt.Format(time.RFC3339Nano),
		Offset:     off,
		RecordedAt: e.RecordedAt.UTC().Format(time.RFC3339Nano),
		Actor:      e.Actor,
		PrevHash:   e.PrevHash,
		Hash:       e.Hash,
	})
	if err != nil {
		return esdb.EventData{}, err
	}
	return esdb.EventData{EventID: uuid.UUID(e.ID), EventType: e.Type, ContentType: esdb.ContentTypeJson, Data: e.Data, Metadata: meta}, nil
}

// fromRecorded rebuilds the sealed event from a recorded one of
// namespace ns. Data is copied.
func fromRecorded(ns string, r *esdb.RecordedEvent) (events.Event, error) {
	var env envelope
	if err := json.Unmarshal(r.UserMetadata, &env); err != nil {
		return events.Event{}, fmt.Errorf("%w: event %s in %s: metadata: %v", events.ErrCorrupt, r.EventID, r.StreamID, err)
	}
	occ, err := time.Parse(time.RFC3339Nano, env.OccurredAt)
	if err != nil {
		return events.Event{}, fmt.Errorf("%w: event %s in %s: occurred_at: %v", events.ErrCorrupt, r.EventID, r.StreamID, err)
	}
	// The offset as stored: RFC 3339 cannot say seconds of an offset.
	occ = occ.In(time.FixedZone("", env.Offset))
	rec, err := time.Parse(time.RFC3339Nano, env.RecordedAt)
	if err != nil {
		return events.Event{}, fmt.Errorf("%w: event %s in %s: recorded_at: %v", events.ErrCorrupt, r.EventID, r.StreamID, err)
	}
	return events.Event{
		ID:         ulid.ULID(r.EventID),
		Stream:     strings.TrimPrefix(r.StreamID, ns),
		Version:    r.EventNumber,
		Type:       r.EventType,
		Schema:     env.Schema,
		OccurredAt: occ,
		RecordedAt: rec.UTC(),
		Actor:      env.Actor,
		Data:       append([]byte(nil), r.Data...),
		PrevHash:   env.PrevHash,
		Hash:       env.Hash,
	}, nil
}
