// Package interoptest builds ledgers for the import and export tests:
// simulated districts and hand-told stories, written through a ledger
// that seals personal fields, as a real ledger holds them.
package interoptest

import (
	"context"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store/memstore"
)

// Simulated returns a store holding three simulated days of a district
// (seed 3) with cases cases and topics community topics.
func Simulated(t testing.TB, cases, topics int) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	clock := sim.NewClock(time.Time{})
	l, err := ledger.New(ctx, st, ledger.Config{Clock: clock.Now, KeyStore: privacy.NewMemKeys(sim.KeySource(3))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(ctx, l, clock, sim.Config{Seed: 3, Cases: cases, Days: 3, Topics: topics}, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// Write appends drafts one by one through a ledger that seals personal
// fields, and returns the store.
func Write(t testing.TB, drafts []events.Draft) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	l, err := ledger.New(ctx, st, ledger.Config{KeyStore: privacy.NewMemKeys(sim.KeySource(3))})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drafts {
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			t.Fatalf("append %s %s: %v", d.Stream, d.Payload.EventType(), err)
		}
	}
	return st
}
