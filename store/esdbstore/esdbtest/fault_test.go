package esdbtest_test

import (
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

func TestStopRestartWhileSubscribed(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	before := events("Before", 4)
	if _, err := c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{}, before...); err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: ledgerStreams})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var stored esdb.Position
	for range 2 {
		stored = next(t, sub).Event.Position
	}

	srv.Stop()
	for {
		ev := sub.Recv()
		if ev.SubscriptionDropped != nil {
			if code := status.Code(ev.SubscriptionDropped.Error); code != codes.Unavailable {
				t.Fatalf("dropped with %v (%v), want Unavailable", code, ev.SubscriptionDropped.Error)
			}
			break
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}

	after := events("After", 2)
	if _, err := c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(3)}, after...); err != nil {
		t.Fatalf("append after restart: %v", err)
	}
	resumed, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: stored, Filter: ledgerStreams})
	if err != nil {
		t.Fatalf("resubscribe: %v", err)
	}
	defer resumed.Close()
	want := append(dataIDs(before[2:]), dataIDs(after)...)
	var got []uuid.UUID
	for range want {
		got = append(got, next(t, resumed).Event.EventID)
	}
	if !equalIDs(got, want) {
		t.Fatalf("resumed with %v, want %v", got, want)
	}
}

func TestCutAfterWriteThenRetry(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	evs := events("Filed", 2)

	srv.FailNextAppendAfterWrite()
	_, err := c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs...)
	if !isCode(err, esdb.ErrorUnavailable) {
		t.Fatalf("cut append: %v, want Unavailable", err)
	}

	// A retry with fresh IDs, as a careless caller might send, is refused.
	_, err = c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events("Filed", 2)...)
	if !isCode(err, esdb.ErrorCodeWrongExpectedVersion) {
		t.Fatalf("retry with new IDs: %v, want wrong expected version", err)
	}
	// The same IDs at the same expected revision are acknowledged.
	res, err := c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs...)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if res.NextExpectedVersion != 1 {
		t.Errorf("retry acknowledged revision %d, want 1", res.NextExpectedVersion)
	}
	got := readStream(t, c, "case-1", esdb.ReadStreamOptions{}, 10)
	if !equalIDs(ids(got), dataIDs(evs)) {
		t.Fatalf("stream holds %v, want exactly %v", ids(got), dataIDs(evs))
	}
}

func TestServerDownAtFirstUse(t *testing.T) {
	srv := esdbtest.New(t)
	srv.Down()
	c := newClient(t, srv.URL()+fastFail)
	ctx := testCtx(t)
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, event("E", 0)); err == nil {
		t.Fatal("append to a server that is down succeeded")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The client library closes a client whose first discovery failed, for
	// good: it must be recreated.
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, event("E", 0)); !isCode(err, esdb.ErrorCodeConnectionClosed) {
		t.Fatalf("old client after the server came up: %v, want connection closed", err)
	}
	fresh := newClient(t, srv.URL()+fastFail)
	if _, err := fresh.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, event("E", 0)); err != nil {
		t.Fatalf("new client: %v", err)
	}
}

// TestClientClosedByCallDuringOutage pins a client behaviour a store must
// handle: after an Unavailable error the client rediscovers on its next call,
// and if the server is still down then, the client is closed for good.
func TestClientClosedByCallDuringOutage(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL()+fastFail)
	ctx := testCtx(t)
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, event("E", 0)); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, event("E", 1)); !isCode(err, esdb.ErrorUnavailable) {
		t.Fatalf("append during outage: %v, want Unavailable", err)
	}
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, event("E", 2)); err == nil {
		t.Fatal("second append during outage succeeded")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{}, event("E", 3)); !isCode(err, esdb.ErrorCodeConnectionClosed) {
		t.Fatalf("after the outage: %v, want connection closed", err)
	}
	got := readStream(t, newClient(t, srv.URL()), "s", esdb.ReadStreamOptions{}, 10)
	if len(got) != 1 {
		t.Fatalf("stream has %d events, want the 1 written before the outage", len(got))
	}
}
