package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
	"github.com/govledger/govledger/store/storetest"
)

// oneAtATime refuses several streams in one call, as a cluster does.
type oneAtATime struct{ store.Store }

func (o oneAtATime) Append(ctx context.Context, appends ...store.StreamAppend) ([]store.AppendResult, error) {
	if len(appends) > 1 {
		return nil, store.ErrMultiStream
	}
	return o.Store.Append(ctx, appends...)
}

func TestSequentialAppendsStreamByStream(t *testing.T) {
	ctx := context.Background()
	s := store.Sequential(oneAtATime{memstore.New()})
	a, b := storetest.Chain("case/a", 2), storetest.Chain("case/b", 1)
	res, err := s.Append(ctx, storetest.StreamAppend(a), storetest.StreamAppend(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].FirstPosition != 1 || res[0].LastPosition != 2 || res[1].FirstPosition != 3 {
		t.Fatalf("results %+v", res)
	}
	// A re-send of the whole call is acknowledged stream by stream.
	res, err = s.Append(ctx, storetest.StreamAppend(a), storetest.StreamAppend(b))
	if err != nil || !res[0].Duplicate || !res[1].Duplicate {
		t.Fatalf("re-send: %+v %v", res, err)
	}
	// A failure part-way says how much was written.
	c := storetest.Chain("case/c", 1)
	stale := storetest.StreamAppend(storetest.Chain("case/a", 1))
	_, err = s.Append(ctx, storetest.StreamAppend(c), stale)
	if !errors.Is(err, store.ErrWrongExpectedVersion) || !strings.Contains(err.Error(), "1 of 2 streams were written") {
		t.Fatalf("failure part-way: %v", err)
	}
	// The shape of the call is checked before anything is written.
	if _, err := s.Append(ctx, storetest.StreamAppend(storetest.Chain("case/d", 1)), storetest.StreamAppend(storetest.Chain("case/d", 1))); !errors.Is(err, store.ErrInvalidAppend) {
		t.Fatalf("two appends to one stream: %v", err)
	}
	if h, _ := s.Head(ctx); h != 4 {
		t.Fatalf("head %d, want 4", h)
	}
}
