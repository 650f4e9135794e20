package esdbtest_test

import (
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

// ledgerStreams excludes the server's own streams, as a projection must.
var ledgerStreams = &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: `^[^$]`}

func TestSubscribeToAllFilteredCatchUpThenLive(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	old := events("Old", 3)
	if _, err := c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{}, old...); err != nil {
		t.Fatal(err)
	}

	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From:            esdb.Start{},
		Filter:          ledgerStreams,
		MaxSearchWindow: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	// Catch-up: the three events (never the system ones), checkpoints
	// every two examined events, then the caught-up signal.
	var got []uuid.UUID
	var checkpoints []esdb.Position
	for caughtUp := false; !caughtUp; {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			t.Fatalf("dropped: %v", ev.SubscriptionDropped.Error)
		case ev.EventAppeared != nil:
			got = append(got, ev.EventAppeared.Event.EventID)
		case ev.CheckPointReached != nil:
			checkpoints = append(checkpoints, *ev.CheckPointReached)
		case ev.CaughtUp != nil:
			caughtUp = true
		}
	}
	if !equalIDs(got, dataIDs(old)) {
		t.Fatalf("catch-up delivered %v", got)
	}
	if len(checkpoints) == 0 {
		t.Error("no checkpoint during catch-up")
	}
	for i := 1; i < len(checkpoints); i++ {
		if checkpoints[i].Commit <= checkpoints[i-1].Commit {
			t.Errorf("checkpoints not increasing: %v", checkpoints)
		}
	}

	// Live: new events arrive, system events written meanwhile do not.
	live := events("New", 2)
	srv.WriteStats()
	if _, err := c.AppendToStream(ctx, "case-2", esdb.AppendToStreamOptions{}, live[0]); err != nil {
		t.Fatal(err)
	}
	srv.WriteStats()
	if _, err := c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{}, live[1]); err != nil {
		t.Fatal(err)
	}
	for i, want := range live {
		if e := next(t, sub); e.Event.EventID != want.EventID {
			t.Fatalf("live event %d: %s %s, want %s", i, e.Event.StreamID, e.Event.EventID, want.EventID)
		}
	}
}

func TestSubscribeToAllEventTypeFilter(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	keep, skip := event("ledger.Filed", 0), event("other.Thing", 1)
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, skip, keep); err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From:   esdb.Start{},
		Filter: &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: []string{"ledger."}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if e := next(t, sub); e.Event.EventID != keep.EventID {
		t.Fatalf("got %s", e.Event.EventType)
	}
}

func TestSubscribeFromPositionIsExclusive(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	evs := events("E", 3)
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, evs...); err != nil {
		t.Fatal(err)
	}
	first := readStream(t, c, "s", esdb.ReadStreamOptions{}, 1)[0].Event

	all, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: first.Position, Filter: ledgerStreams})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	stream, err := c.SubscribeToStream(ctx, "s", esdb.SubscribeToStreamOptions{From: esdb.Revision(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	for _, sub := range []*esdb.Subscription{all, stream} {
		for _, want := range evs[1:] {
			if e := next(t, sub); e.Event.EventID != want.EventID {
				t.Fatalf("got revision %d, want %s", e.Event.EventNumber, want.EventID)
			}
		}
	}

	// A stream subscription from the end sees only what comes next.
	tail, err := c.SubscribeToStream(ctx, "s", esdb.SubscribeToStreamOptions{From: esdb.End{}})
	if err != nil {
		t.Fatal(err)
	}
	defer tail.Close()
	more := event("E", 3)
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(2)}, more); err != nil {
		t.Fatal(err)
	}
	if e := next(t, tail); e.Event.EventID != more.EventID || e.Event.EventNumber != 3 {
		t.Fatalf("tail got revision %d", e.Event.EventNumber)
	}
}
