package replay

import (
	"context"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/store"
)

// Store is what Events needs of a store: Head and ReadAll, and Follow for
// live appends.
type Store interface {
	Source
	Follow(ctx context.Context, from uint64, fn func(store.Record) error) error
}

// Events adapts a store to the projection runner's Source (with Follow).
func Events(s Store) projections.Source { return storeSource{s} }

type storeSource struct{ s Store }

var (
	_ projections.Source   = storeSource{}
	_ projections.Follower = storeSource{}
)

func (a storeSource) Head(ctx context.Context) (uint64, error) { return a.s.Head(ctx) }

func (a storeSource) ReadAll(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error {
	var ev events.Event // one for the whole scan: &r.Event would escape, once per event
	return a.s.ReadAll(ctx, from, func(r store.Record) error {
		ev = r.Event
		return fn(r.Position, &ev)
	})
}

func (a storeSource) Follow(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error {
	var ev events.Event
	return a.s.Follow(ctx, from, func(r store.Record) error {
		ev = r.Event
		return fn(r.Position, &ev)
	})
}
