// Package interop moves case logs between govledger and the formats the
// field already uses: XES (IEEE 1849-2016) and OCEL 2.0 for process-mining
// tools, Open311 GeoReport v2 for 311 systems, and 311-style CSV exports.
//
// Imports share one model. A reader (interop/xes, interop/csvlog,
// interop/open311) turns its input into Traces: one per source case, its
// Events in time order. An Event is an activity (XES concept:name,
// lifecycle, org attributes, every other attribute typed) and, when a
// mapping or a domain-aware reader knows what it means, the lifecycle
// Payload it stands for (case.reported, case.dispatched, ...). A Sink
// writes Traces to the ledger: a trace with lifecycle payloads becomes a
// case stream, any other an activity trace stream (trace/<id>) of
// activity.recorded events; each trace is written whole or not at all.
//
// Exports read the ledger as Records, in global order, and each writer
// (xes, ocel, open311, csvlog) streams its format.
package interop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

// Limits on what one trace may hold: they bound the memory an import
// needs, whatever the size of the file.
const (
	// MaxTraceEvents is the most events one trace may have; a longer one
	// is skipped (reason "trace has more than 50000 events").
	MaxTraceEvents = 50_000
)

// ErrInput marks input that cannot be read at all (malformed XML, a
// corrupt gzip stream, a CSV whose header is unusable): the import stops
// before writing anything.
var ErrInput = errors.New("interop: bad input")

// Trace is one case of a source log.
type Trace struct {
	// Name is the case's identifier in the source (XES trace
	// concept:name, a CSV row's request id).
	Name string
	// Attributes are the trace's other attributes, typed, in source order.
	Attributes []events.Attribute
	// Events are the trace's events, in time order (stable). A reader
	// that found them out of order sorts them and sets Reordered.
	Events    []Event
	Reordered bool
	// Units are units the trace's payloads name that the import may
	// register if the ledger does not know them yet (an Open311 agency, a
	// CSV borough). A unit the ledger already has is used as it is.
	Units []Unit
	// Line is where the trace starts in the source (1-based), for
	// messages; 0 when unknown.
	Line int
}

// Unit is a unit an import may register (unit.registered). An empty
// Parent means the import's district; an empty Name means the ID.
type Unit struct {
	ID, Name, Kind, Parent string
}

// Event is one event of a trace.
type Event struct {
	// Activity is the activity name (XES concept:name).
	Activity string
	// Lifecycle is the transition (XES lifecycle:transition).
	Lifecycle string
	// Resource, Role, Group and Instance are XES org:resource, org:role,
	// org:group and concept:instance.
	Resource, Role, Group, Instance string
	// Time is when it happened (XES time:timestamp), with its zone.
	Time time.Time
	// Attributes are every other attribute, typed, in source order.
	Attributes []events.Attribute
	// Payload, if set, is the lifecycle event this event stands for, set
	// by a Mapping or a domain-aware reader. nil keeps the event an
	// activity.recorded.
	Payload events.Payload
	// Actor, if set, is who caused the event; the default is the
	// importing system.
	Actor events.Actor
}

// Attr returns the value of the event's attribute key, looking first at
// the standard fields (concept:name, lifecycle:transition, org:resource,
// org:role, org:group, concept:instance, time:timestamp) and then at the
// top-level attributes.
func (e *Event) Attr(key string) (string, bool) {
	switch key {
	case "concept:name":
		return e.Activity, e.Activity != ""
	case "lifecycle:transition":
		return e.Lifecycle, e.Lifecycle != ""
	case "org:resource":
		return e.Resource, e.Resource != ""
	case "org:role":
		return e.Role, e.Role != ""
	case "org:group":
		return e.Group, e.Group != ""
	case "concept:instance":
		return e.Instance, e.Instance != ""
	case "time:timestamp":
		if e.Time.IsZero() {
			return "", false
		}
		return e.Time.Format(time.RFC3339Nano), true
	}
	return FindAttr(e.Attributes, key)
}

// FindAttr returns the value of the first top-level attribute named key.
func FindAttr(attrs []events.Attribute, key string) (string, bool) {
	for i := range attrs {
		if attrs[i].Key == key {
			return attrs[i].Value, true
		}
	}
	return "", false
}

// SkipError is a trace, row or record that is not imported, and why; the
// import counts it by Reason and goes on. Reason is short and stable (it
// is the key the counts are kept under); Detail says which one and where.
type SkipError struct {
	Reason string
	Detail string
}

func (e *SkipError) Error() string {
	if e.Detail == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Detail
}

// Skip returns a *SkipError.
func Skip(reason, format string, args ...any) *SkipError {
	return &SkipError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Record is one ledger event as exporters read it: its global position,
// the envelope and the decoded payload.
type Record struct {
	Position uint64
	Event    *events.Event
	Payload  events.Payload
}

// Source is what exporters read: a ledger's store (StoreSource) or
// anything else that holds events in global order. Its methods MUST be
// safe for concurrent use: the XES writer reads several streams at once.
type Source interface {
	// Records calls fn for every event in global order, stopping at fn's
	// first error, which it returns.
	Records(ctx context.Context, fn func(Record) error) error
	// Stream calls fn for every event of one stream, in version order.
	Stream(ctx context.Context, stream string, fn func(Record) error) error
}

// StreamLister is an optional capability of a Source: every stream, in
// the order of its first event, without decoding payloads. Exporters
// that write stream by stream (XES) list the streams with it, else with
// Records.
type StreamLister interface {
	StreamNames(ctx context.Context, fn func(stream string) error) error
}

// StreamsReader is an optional capability of a Source: several streams
// read one after the other, each as Stream reads it, at less cost than
// one call each.
type StreamsReader interface {
	Streams(ctx context.Context, streams []string, fn func(Record) error) error
}

// Reader is the part of a store.Store that StoreSource reads.
type Reader interface {
	ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error
	ReadStream(ctx context.Context, stream string, from uint64, fn func(store.Record) error) error
}

// StoreSource reads a store: every payload is decoded (events.DecodeStored)
// and a payload that does not decode is an error naming its position.
func StoreSource(r Reader) Source { return storeSource{r} }

type storeSource struct{ r Reader }

func (s storeSource) Records(ctx context.Context, fn func(Record) error) error {
	return s.r.ReadAll(ctx, 1, func(rec store.Record) error { return deliver(rec, fn) })
}

func (s storeSource) Stream(ctx context.Context, stream string, fn func(Record) error) error {
	return s.r.ReadStream(ctx, stream, 0, func(rec store.Record) error { return deliver(rec, fn) })
}

// multiReader is a store that reads several streams with one set of
// iterators (pebblestore).
type multiReader interface {
	ReadStreams(ctx context.Context, streams []string, from uint64, fn func(store.Record) error) error
}

// Streams implements StreamsReader.
func (s storeSource) Streams(ctx context.Context, streams []string, fn func(Record) error) error {
	if m, ok := s.r.(multiReader); ok {
		return m.ReadStreams(ctx, streams, 0, func(rec store.Record) error { return deliver(rec, fn) })
	}
	for _, st := range streams {
		if err := s.Stream(ctx, st, fn); err != nil {
			return err
		}
	}
	return nil
}

// StreamNames implements StreamLister.
func (s storeSource) StreamNames(ctx context.Context, fn func(stream string) error) error {
	seen := map[string]struct{}{}
	return s.r.ReadAll(ctx, 1, func(rec store.Record) error {
		if _, ok := seen[rec.Event.Stream]; ok {
			return nil
		}
		name := strings.Clone(rec.Event.Stream)
		seen[name] = struct{}{}
		return fn(name)
	})
}

func deliver(rec store.Record, fn func(Record) error) error {
	p, err := events.DecodeStored(rec.Event.Type, rec.Event.Schema, rec.Event.Data)
	if err != nil {
		return fmt.Errorf("interop: event at position %d (%s): %w", rec.Position, rec.Event.Stream, err)
	}
	return fn(Record{Position: rec.Position, Event: &rec.Event, Payload: p})
}
