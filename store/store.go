// Package store defines the contract every govledger backend implements and
// the errors they share. The embedded default is store/pebblestore; the
// conformance suite every backend runs in one line is store/storetest.
//
// A Store keeps sealed events (see package events): it does not interpret
// payloads or enforce the case lifecycle (that is the ledger's job), but it
// does guarantee, atomically per Append call:
//
//   - optimistic concurrency: each stream append names the stream version it
//     expects, and the whole call fails with ErrWrongExpectedVersion if any
//     stream moved;
//   - idempotency by event ID: re-sending a stream append whose events are
//     all already stored, at the same stream and versions with the same
//     hashes, writes nothing and returns their original positions; an
//     append of which only some events are stored, or an ID stored anywhere
//     else, is refused with ErrDuplicateID or ErrWrongExpectedVersion (when
//     both apply, a backend may report either: callers treat both as "look
//     the IDs up and decide");
//   - durability: when Append returns nil, the events survive a crash;
//   - a global order: every event gets a position, 1, 2, 3, ... in commit
//     order, with no gaps.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

// Sentinel errors shared by all backends.
var (
	// ErrWrongExpectedVersion: a stream was not at the version the append expected.
	ErrWrongExpectedVersion = errors.New("store: wrong expected version")
	// ErrDuplicateID: an event ID is already stored at another place.
	ErrDuplicateID = errors.New("store: duplicate event id")
	// ErrInvalidAppend: the append request itself is malformed (versions
	// not consecutive, broken chain link, empty, two appends to one stream).
	ErrInvalidAppend = errors.New("store: invalid append")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrMultiStream: the backend cannot commit several streams atomically.
	ErrMultiStream = errors.New("store: multi-stream atomic append not supported")
)

// NoStream is the expected version of a stream that must not exist yet.
const NoStream int64 = -1

// WrongVersionError is the typed form of ErrWrongExpectedVersion.
type WrongVersionError struct {
	Stream   string
	Expected int64 // what the append expected (-1: no stream)
	Actual   int64 // the stream's version (-1: no stream)
}

func (e *WrongVersionError) Error() string {
	return fmt.Sprintf("store: wrong expected version on %s: expected %d, stream is at %d", e.Stream, e.Expected, e.Actual)
}

// Unwrap returns ErrWrongExpectedVersion.
func (e *WrongVersionError) Unwrap() error { return ErrWrongExpectedVersion }

// DuplicateIDError is the typed form of ErrDuplicateID.
type DuplicateIDError struct {
	ID       ulid.ULID
	Position uint64 // where the ID is already stored
}

func (e *DuplicateIDError) Error() string {
	return fmt.Sprintf("store: duplicate event id %s (already at position %d)", e.ID, e.Position)
}

// Unwrap returns ErrDuplicateID.
func (e *DuplicateIDError) Unwrap() error { return ErrDuplicateID }

// Record is a stored event with its global position.
type Record struct {
	Position uint64
	Event    events.Event
}

// StreamAppend is the part of an Append call that goes to one stream.
// Events are sealed (Version, PrevHash and Hash set): Events[0].Version is
// Expected+1 and versions are consecutive.
type StreamAppend struct {
	Stream   string
	Expected int64 // the stream's current version, or NoStream
	Events   []events.Event
}

// AppendResult reports where one StreamAppend landed.
type AppendResult struct {
	Stream        string
	FirstPosition uint64
	LastPosition  uint64
	// Duplicate is true when every event was already stored (an
	// idempotent re-send) and nothing was written.
	Duplicate bool
}

// Store is the contract of a ledger backend.
//
// Implementations MUST be safe for concurrent use. Callbacks are called
// sequentially from the calling goroutine; the Record passed to a callback
// (including Event.Data) is valid only during the call and must be copied
// if kept. A callback's non-nil error stops the read and is returned as is.
type Store interface {
	// Append writes one or more stream appends atomically and durably:
	// all of them or none. Results are in the order of the appends.
	Append(ctx context.Context, appends ...StreamAppend) ([]AppendResult, error)
	// ReadStream calls fn for the events of stream from version from on,
	// in version order. A stream that does not exist yields no calls.
	ReadStream(ctx context.Context, stream string, from uint64, fn func(Record) error) error
	// ReadAll calls fn for every event at position >= from in global order.
	ReadAll(ctx context.Context, from uint64, fn func(Record) error) error
	// Follow is ReadAll that does not stop at the head: it waits for new
	// events and delivers them until ctx is done (returning ctx.Err()), fn
	// fails (returning its error) or the store is closed (ErrClosed). It
	// delivers only acknowledged (durable) events.
	Follow(ctx context.Context, from uint64, fn func(Record) error) error
	// Head returns the position of the last event, 0 for an empty store.
	Head(ctx context.Context) (uint64, error)
	// StreamHead returns a stream's last version and hash, or version
	// NoStream and a zero hash when the stream does not exist.
	StreamHead(ctx context.Context, stream string) (version int64, last events.Hash, err error)
	// Lookup finds an event by ID.
	Lookup(ctx context.Context, id ulid.ULID) (Record, bool, error)
	// Close releases the store. Calls after Close return ErrClosed.
	Close() error
}

// Pipeliner is an optional Store capability for bulk writers: Submit hands
// an append to the store and returns at once, so that the caller can
// prepare its next append while this one is made durable. Appends
// submitted from one goroutine are validated and committed in submission
// order, each against the streams as the appends before it left them.
// wait blocks until the append is durable or has failed, with Append's
// results and errors; it must be called exactly once. A store without this
// capability is used through Append, one call at a time.
type Pipeliner interface {
	Submit(ctx context.Context, appends ...StreamAppend) (wait func() ([]AppendResult, error))
}

// CheckAppend validates the shape of an append request: non-empty, one
// append per stream, versions consecutive from Expected+1 and every event's
// Stream equal to the append's. Backends call it before writing.
func CheckAppend(appends []StreamAppend) error {
	if len(appends) == 0 {
		return fmt.Errorf("%w: nothing to append", ErrInvalidAppend)
	}
	seen := make(map[string]bool, len(appends))
	for _, a := range appends {
		if a.Stream == "" {
			return fmt.Errorf("%w: empty stream name", ErrInvalidAppend)
		}
		if len(a.Events) == 0 {
			return fmt.Errorf("%w: no events for %s", ErrInvalidAppend, a.Stream)
		}
		if seen[a.Stream] {
			return fmt.Errorf("%w: two appends to %s in one call", ErrInvalidAppend, a.Stream)
		}
		seen[a.Stream] = true
		if a.Expected < NoStream {
			return fmt.Errorf("%w: expected version %d on %s", ErrInvalidAppend, a.Expected, a.Stream)
		}
		for i := range a.Events {
			e := &a.Events[i]
			if e.Stream != a.Stream {
				return fmt.Errorf("%w: event %s is for %s, append is for %s", ErrInvalidAppend, e.ID, e.Stream, a.Stream)
			}
			if want := uint64(a.Expected + 1 + int64(i)); e.Version != want {
				return fmt.Errorf("%w: event %s on %s has version %d, want %d", ErrInvalidAppend, e.ID, a.Stream, e.Version, want)
			}
			if i > 0 && e.PrevHash != a.Events[i-1].Hash {
				return fmt.Errorf("%w: event %s on %s does not chain to the event before it", ErrInvalidAppend, e.ID, a.Stream)
			}
		}
	}
	return nil
}
