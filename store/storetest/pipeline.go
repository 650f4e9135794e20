package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/govledger/govledger/store"
)

// testPipeline checks the store.Pipeliner capability, for stores that have
// it: appends submitted back to back commit in submission order, each
// validated against the streams as the appends before it left them, and a
// refused append fails alone.
func testPipeline(t *testing.T, s store.Store) {
	p, ok := s.(store.Pipeliner)
	if !ok {
		t.Skip("the store has no store.Pipeliner capability")
	}
	ctx := context.Background()
	chain := Chain("case/pipe", 6)
	other := Chain("case/pipe-other", 1)
	var waits []func() ([]store.AppendResult, error)
	for i := 0; i < 3; i++ {
		evs := chain[2*i : 2*i+2]
		waits = append(waits, p.Submit(ctx, store.StreamAppend{Stream: "case/pipe", Expected: int64(2*i) - 1, Events: evs}))
	}
	// Expects version 1 of a stream that the appends before it took to 5.
	stale := Chain("case/pipe", 1, After(chain[1]))
	waits = append(waits, p.Submit(ctx, store.StreamAppend{Stream: "case/pipe", Expected: 1, Events: stale}))
	waits = append(waits, p.Submit(ctx, StreamAppend(other)))

	var last uint64
	for i, wait := range waits {
		res, err := wait()
		if i == 3 {
			if !errors.Is(err, store.ErrWrongExpectedVersion) {
				t.Fatalf("stale submitted append: want ErrWrongExpectedVersion, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("submitted append %d: %v", i, err)
		}
		if res[0].FirstPosition <= last {
			t.Fatalf("submitted append %d landed at %d, not after %d", i, res[0].FirstPosition, last)
		}
		last = res[0].LastPosition
	}
	got := readStream(t, s, "case/pipe", 0)
	if len(got) != len(chain) {
		t.Fatalf("stream holds %d events, want %d", len(got), len(chain))
	}
	for i := range chain {
		sameEvent(t, "pipelined event", got[i].Event, chain[i])
	}
}
