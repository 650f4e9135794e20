package storetest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// base is the business time of version 0 unless At says otherwise.
func base() time.Time { return time.Date(2026, 11, 2, 9, 30, 0, 0, time.FixedZone("UTC+8", 8*3600)) }

// Option adjusts the events Chain builds.
type Option func(*chainConfig)

type chainConfig struct {
	version int64 // the stream's version before the first event
	prev    events.Hash
	pad     int
	at      time.Time
}

// From continues a stream that is at version (store.NoStream for a new
// stream) with last hash prev: the values StreamHead returns.
func From(version int64, prev events.Hash) Option {
	return func(c *chainConfig) { c.version, c.prev = version, prev }
}

// After continues the stream after its event last.
func After(last events.Event) Option { return From(int64(last.Version), last.Hash) }

// Pad adds n bytes of text to every payload, to reach a record size.
func Pad(n int) Option { return func(c *chainConfig) { c.pad = n } }

// At sets the business time of version 0 (by default 2026-11-02 09:30 in
// UTC+8); later versions follow a second apart.
func At(t time.Time) Option { return func(c *chainConfig) { c.at = t } }

// Chain returns n sealed events for stream with fresh ULIDs, versions
// consecutive and each linked to the one before. Without options it opens
// the stream: versions 0..n-1, the first linked to the zero hash. Version 0
// carries a case.reported payload and later versions case.dispatched ones;
// the store does not interpret them.
func Chain(stream string, n int, opts ...Option) []events.Event {
	c := chainConfig{version: store.NoStream, at: base()}
	for _, o := range opts {
		o(&c)
	}
	out := make([]events.Event, n)
	prev := c.prev
	for i := range out {
		v := uint64(c.version + 1 + int64(i))
		e := newEvent(stream, v, c.at, c.pad)
		e.Seal(prev)
		prev = e.Hash
		out[i] = e
	}
	return out
}

// StreamAppend returns the append of evs (a Chain) to their stream,
// expecting the version just before the first event.
func StreamAppend(evs []events.Event) store.StreamAppend {
	return store.StreamAppend{Stream: evs[0].Stream, Expected: int64(evs[0].Version) - 1, Events: evs}
}

func newEvent(stream string, version uint64, base time.Time, pad int) events.Event {
	occurred := base.Add(time.Duration(version) * time.Second)
	text := padding(version, pad)
	var (
		p     events.Payload
		actor events.Actor
	)
	if version == 0 {
		p = &events.CaseReported{
			Channel:        events.ChannelHotline,
			Category:       "roads",
			Location:       events.Location{Street: "st-1", Community: "cm-1", Grid: "g-1"},
			Description:    events.Plain("pothole outside number 12" + text),
			DeadlinePolicy: "standard-5wd",
		}
		actor = events.Actor{Kind: events.ActorCitizen, ID: "S-1"}
	} else {
		p = &events.CaseDispatched{
			FromUnit: "st-1",
			ToUnit:   fmt.Sprintf("unit-%d", version),
			Mode:     events.ModeManual,
			Note:     "dispatched by the duty officer" + text,
		}
		actor = events.Actor{Kind: events.ActorStaff, ID: "staff-7", Unit: "st-1"}
	}
	data, err := events.EncodePayload(p)
	if err != nil {
		panic("storetest: test payload does not validate: " + err.Error())
	}
	spec, _ := events.Lookup(p.EventType())
	return events.Event{
		ID:         ulid.Make(),
		Stream:     stream,
		Version:    version,
		Type:       spec.Type,
		Schema:     spec.Schema,
		OccurredAt: occurred,
		RecordedAt: occurred.Add(1500 * time.Millisecond).UTC(),
		Actor:      actor,
		Data:       data,
	}
}

// padding returns n bytes of lower-case text that compresses about as well
// as prose, different for each version.
func padding(version uint64, n int) string {
	if n <= 0 {
		return ""
	}
	r := rand.New(rand.NewPCG(version, uint64(n)))
	b := make([]byte, n)
	b[0] = ' '
	for i := 1; i < n; i++ {
		if r.IntN(6) == 0 {
			b[i] = ' '
		} else {
			b[i] = byte('a' + r.IntN(26))
		}
	}
	return string(b)
}
