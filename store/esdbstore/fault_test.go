package esdbstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/esdbstore"
	"github.com/govledger/govledger/store/esdbstore/esdbtest"
	"github.com/govledger/govledger/store/storetest"
)

func open(t *testing.T, url string) *esdbstore.Store {
	t.Helper()
	s, err := esdbstore.Open(context.Background(), esdbstore.Config{URL: url, Timeout: 2 * time.Second, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func appendOK(t *testing.T, s store.Store, a store.StreamAppend) store.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func readAll(t *testing.T, s store.Store) []store.Record {
	t.Helper()
	var out []store.Record
	err := s.ReadAll(context.Background(), 1, func(r store.Record) error {
		r.Event.Data = append([]byte(nil), r.Event.Data...)
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A server down at first use: a clear error naming the server; once it
// is up, a new store works.
func TestServerDownAtFirstUse(t *testing.T) {
	srv := esdbtest.New(t)
	srv.Down()
	_, err := esdbstore.Open(context.Background(), esdbstore.Config{URL: srv.URL(), Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), srv.Addr()) {
		t.Fatalf("open with the server down: %v (want an error naming %s)", err, srv.Addr())
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	s := open(t, srv.URL())
	appendOK(t, s, storetest.StreamAppend(storetest.Chain("case/a", 2)))
	if got := readAll(t, s); len(got) != 2 {
		t.Fatalf("read %d events, want 2", len(got))
	}
}

// The server goes away under an open store and comes back: calls fail
// with the server named, then work again on a new client.
func TestServerRestartUnderAStore(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL())
	a := storetest.Chain("case/a", 3)
	appendOK(t, s, storetest.StreamAppend(a[:1]))
	srv.Stop()
	if _, err := s.Append(context.Background(), storetest.StreamAppend(a[1:2])); err == nil || !strings.Contains(err.Error(), srv.Addr()) {
		t.Fatalf("append with the server down: %v", err)
	}
	if _, err := s.Head(context.Background()); err == nil {
		t.Fatal("head with the server down: no error")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	var res store.AppendResult
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := s.Append(context.Background(), storetest.StreamAppend(a[1:2]))
		if err == nil {
			res = r[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("append after the restart: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res.FirstPosition != 2 {
		t.Fatalf("after the restart the event landed at %d, want 2", res.FirstPosition)
	}
}

// The connection is cut after the server wrote an append and before it
// answered: the caller sees an error, re-sends, and exactly one copy is
// written (the re-send is acknowledged as a duplicate).
func TestCutDuringAppendThenRetry(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL())
	evs := storetest.Chain("case/a", 2)
	srv.FailNextAppendAfterWrite()
	if _, err := s.Append(context.Background(), storetest.StreamAppend(evs)); err == nil {
		t.Fatal("append cut before its answer: no error")
	}
	var res []store.AppendResult
	var err error
	for range 50 {
		if res, err = s.Append(context.Background(), storetest.StreamAppend(evs)); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("re-send: %v", err)
	}
	if !res[0].Duplicate || res[0].FirstPosition != 1 || res[0].LastPosition != 2 {
		t.Fatalf("re-send result %+v, want the stored positions 1..2 as a duplicate", res[0])
	}
	if got := readAll(t, s); len(got) != 2 {
		t.Fatalf("the ledger holds %d events, want exactly 2", len(got))
	}
}

// A follower keeps following across a server restart: every event is
// delivered once, in order.
func TestFollowAcrossARestart(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL())
	a := storetest.Chain("case/a", 4)
	appendOK(t, s, storetest.StreamAppend(a[:2]))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan store.Record, 16)
	done := make(chan error, 1)
	go func() {
		done <- s.Follow(ctx, 1, func(r store.Record) error {
			got <- r
			return nil
		})
	}()
	next := uint64(1)
	expect := func(n int) {
		t.Helper()
		for range n {
			select {
			case r := <-got:
				if r.Position != next || r.Event.ID != a[next-1].ID {
					t.Fatalf("followed position %d (%s), want %d (%s)", r.Position, r.Event.ID, next, a[next-1].ID)
				}
				next++
			case <-time.After(15 * time.Second):
				t.Fatalf("position %d not delivered", next)
			}
		}
	}
	expect(2)
	srv.Stop()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	var err error
	for range 100 {
		if _, err = s.Append(context.Background(), storetest.StreamAppend(a[2:])); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	expect(2)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow ended with %v, want context.Canceled", err)
	}
	select {
	case r := <-got:
		t.Fatalf("an event delivered twice: position %d", r.Position)
	default:
	}
}

// Two nodes on one server: concurrent writers on one stream, each at the
// version it saw; exactly one wins each version, the others get the
// wrong-expected-version error, and both nodes number every event alike.
func TestTwoNodesOneStream(t *testing.T) {
	srv := esdbtest.New(t)
	nodes := []*esdbstore.Store{open(t, srv.URL()), open(t, srv.URL())}
	const rounds = 5
	prev := events.ZeroHash
	for round := range rounds {
		var wg sync.WaitGroup
		wins := make(chan events.Event, 4)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ev := storetest.Chain("case/a", 1, storetest.From(int64(round)-1, prev), storetest.Pad(w+1))[0]
				_, err := nodes[w%2].Append(context.Background(), store.StreamAppend{Stream: "case/a", Expected: int64(round) - 1, Events: []events.Event{ev}})
				switch {
				case err == nil:
					wins <- ev
				case !errors.Is(err, store.ErrWrongExpectedVersion):
					t.Errorf("round %d writer %d: %v", round, w, err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		var won []events.Event
		for ev := range wins {
			won = append(won, ev)
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1", round, len(won))
		}
		prev = won[0].Hash
	}
	a, b := readAll(t, nodes[0]), readAll(t, nodes[1])
	if len(a) != rounds || len(b) != rounds {
		t.Fatalf("nodes read %d and %d events, want %d", len(a), len(b), rounds)
	}
	for i := range a {
		if a[i].Position != b[i].Position || a[i].Event.ID != b[i].Event.ID {
			t.Fatalf("the nodes number the events differently at %d", i)
		}
	}
}
