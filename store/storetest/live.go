package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// patience bounds how long a test waits for something that must happen;
// it only turns a hang into a failure and is never a performance assertion.
const patience = 30 * time.Second

// follower runs Follow in the background and hands over what it delivers.
type follower struct {
	got  chan stored
	done chan error
}

func follow(ctx context.Context, s store.Store, from uint64) *follower {
	f := &follower{got: make(chan stored, 64), done: make(chan error, 1)}
	go func() {
		f.done <- s.Follow(ctx, from, func(r store.Record) error {
			select {
			case f.got <- keep(r):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return f
}

func (f *follower) expect(t *testing.T, positions ...uint64) []stored {
	t.Helper()
	var out []stored
	for _, want := range positions {
		select {
		case r := <-f.got:
			if r.Position != want {
				t.Fatalf("Follow delivered position %d, want %d", r.Position, want)
			}
			out = append(out, r)
		case err := <-f.done:
			t.Fatalf("Follow returned before delivering position %d: %v", want, err)
		case <-time.After(patience):
			t.Fatalf("Follow did not deliver position %d", want)
		}
	}
	return out
}

func (f *follower) end(t *testing.T) error {
	t.Helper()
	select {
	case err := <-f.done:
		return err
	case r := <-f.got:
		t.Fatalf("Follow delivered position %d, want it to return", r.Position)
	case <-time.After(patience):
		t.Fatal("Follow did not return")
	}
	return nil
}

func testFollow(t *testing.T, s store.Store) {
	t.Run("existing then live", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		evs := Chain("case/a", 3)
		mustAppend(t, s, StreamAppend(evs))
		f := follow(ctx, s, 2)
		got := f.expect(t, 2, 3)
		sameEvent(t, "Follow", got[0].Event, evs[1])
		more := Chain("case/a", 2, After(evs[2]))
		mustAppend(t, s, StreamAppend(more))
		got = f.expect(t, 4, 5)
		sameEvent(t, "Follow", got[1].Event, more[1])
		other := Chain("case/b", 1)
		mustAppend(t, s, StreamAppend(other))
		sameEvent(t, "Follow", f.expect(t, 6)[0].Event, other[0])
		select {
		case r := <-f.got:
			t.Fatalf("Follow delivered position %d beyond the head", r.Position)
		default:
		}
		cancel()
		if err := f.end(t); !errors.Is(err, context.Canceled) {
			t.Fatalf("Follow returned %v after cancel, want context.Canceled", err)
		}
	})
	t.Run("from the head", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h := head(t, s)
		f := follow(ctx, s, h+1)
		evs := Chain("case/c", 2)
		mustAppend(t, s, StreamAppend(evs))
		f.expect(t, h+1, h+2)
		cancel()
		if err := f.end(t); !errors.Is(err, context.Canceled) {
			t.Fatalf("Follow returned %v after cancel, want context.Canceled", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		f := follow(ctx, s, head(t, s)+1)
		if err := f.end(t); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Follow returned %v, want context.DeadlineExceeded", err)
		}
	})
}

func testCallbackError(t *testing.T, s store.Store) {
	mustAppend(t, s, StreamAppend(Chain("case/a", 5)))
	errStop := errors.New("stop here")
	ctx := context.Background()
	tests := []struct {
		name string
		read func(fn func(store.Record) error) error
	}{
		{"ReadAll", func(fn func(store.Record) error) error { return s.ReadAll(ctx, 1, fn) }},
		{"ReadStream", func(fn func(store.Record) error) error { return s.ReadStream(ctx, "case/a", 0, fn) }},
		{"Follow", func(fn func(store.Record) error) error { return s.Follow(ctx, 1, fn) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := tc.read(func(store.Record) error {
				calls++
				if calls == 2 {
					return errStop
				}
				return nil
			})
			if err != errStop { //nolint:errorlint // the contract says "returned as is"
				t.Fatalf("%s returned %v, want the callback's error as is", tc.name, err)
			}
			if calls != 2 {
				t.Fatalf("callback called %d times, want the read to stop after 2", calls)
			}
		})
	}
}

func testLookup(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustAppend(t, s, StreamAppend(Chain("case/x", 2)))
	evs := Chain("case/a", 3)
	mustAppend(t, s, StreamAppend(evs))
	for i, e := range evs {
		rec, ok, err := s.Lookup(ctx, e.ID)
		if err != nil || !ok {
			t.Fatalf("Lookup(%s) = %v, %v", e.ID, ok, err)
		}
		if rec.Position != uint64(3+i) {
			t.Fatalf("Lookup(%s) at position %d, want %d", e.ID, rec.Position, 3+i)
		}
		sameEvent(t, "Lookup", rec.Event, e)
		rec.Event.Data[0] ^= 0xff // the caller's copy
		again, _, err := s.Lookup(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameEvent(t, "Lookup after changing a returned record", again.Event, e)
	}
	if _, ok, err := s.Lookup(ctx, ulid.Make()); ok || err != nil {
		t.Fatalf("Lookup of an unknown id = %v, %v; want false, nil", ok, err)
	}
}

func testStreamHead(t *testing.T, s store.Store) {
	a := Chain("case/a", 3)
	b := Chain("case/ab", 1)
	mustAppend(t, s, StreamAppend(a))
	mustAppend(t, s, StreamAppend(b))
	more := Chain("case/a", 2, After(a[2]))
	mustAppend(t, s, StreamAppend(more))
	tests := []struct {
		stream  string
		version int64
		hash    events.Hash
	}{
		{"case/a", 4, more[1].Hash},
		{"case/ab", 0, b[0].Hash},
		{"case/", store.NoStream, events.ZeroHash},
		{"case/a/", store.NoStream, events.ZeroHash},
		{"case/nope", store.NoStream, events.ZeroHash},
	}
	for _, tc := range tests {
		v, h := streamHead(t, s, tc.stream)
		if v != tc.version || h != tc.hash {
			t.Fatalf("StreamHead(%s) = %d %s, want %d %s", tc.stream, v, h, tc.version, tc.hash)
		}
	}
}

// testConcurrentSameStream races writers for each version of one stream:
// exactly one wins each version, the losers see ErrWrongExpectedVersion.
func testConcurrentSameStream(t *testing.T, s store.Store) {
	const (
		writers  = 8
		versions = 24
		stream   = "case/contended"
	)
	ctx := context.Background()
	var (
		mu      sync.Mutex
		winners = map[uint64]stored{}
		wg      sync.WaitGroup
		errs    = make(chan error, writers)
	)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, h, err := s.StreamHead(ctx, stream)
				if err != nil {
					errs <- err
					return
				}
				if v >= versions-1 {
					return
				}
				evs := Chain(stream, 1, From(v, h))
				res, err := s.Append(ctx, StreamAppend(evs))
				if errors.Is(err, store.ErrWrongExpectedVersion) {
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("append version %d: %w", evs[0].Version, err)
					return
				}
				mu.Lock()
				if prev, ok := winners[evs[0].Version]; ok {
					mu.Unlock()
					errs <- fmt.Errorf("version %d acknowledged twice, at %d and %d", evs[0].Version, prev.Position, res[0].FirstPosition)
					return
				}
				winners[evs[0].Version] = stored{Position: res[0].FirstPosition, Event: evs[0]}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := readStream(t, s, stream, 0)
	if len(got) != versions || len(winners) != versions {
		t.Fatalf("stream holds %d events, %d acknowledged; want %d", len(got), len(winners), versions)
	}
	for _, r := range got {
		w := winners[r.Event.Version]
		if r.Position != w.Position {
			t.Fatalf("version %d at position %d, acknowledged at %d", r.Event.Version, r.Position, w.Position)
		}
		sameEvent(t, "ReadStream", r.Event, w.Event)
	}
	if h := head(t, s); h != versions {
		t.Fatalf("Head = %d, want %d", h, versions)
	}
}

// testConcurrentStreams runs writers on their own streams, single-stream
// and two-stream appends mixed: every acknowledged event is stored once, at
// its acknowledged position, and positions have no gaps.
func testConcurrentStreams(t *testing.T, s store.Store) {
	const (
		writers = 8
		rounds  = 12
	)
	ctx := context.Background()
	var (
		mu    sync.Mutex
		acked = map[ulid.ULID]uint64{}
		wg    sync.WaitGroup
		errs  = make(chan error, writers)
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, b := fmt.Sprintf("case/w%d-a", w), fmt.Sprintf("case/w%d-b", w)
			var lastA, lastB []events.Event
			chain := func(stream string, last []events.Event, n int) []events.Event {
				if last == nil {
					return Chain(stream, n)
				}
				return Chain(stream, n, After(last[len(last)-1]))
			}
			for i := range rounds {
				ea := chain(a, lastA, 1+i%3)
				appends := []store.StreamAppend{StreamAppend(ea)}
				var eb []events.Event
				if i%2 == 1 {
					eb = chain(b, lastB, 1)
					appends = append(appends, StreamAppend(eb))
				}
				res, err := s.Append(ctx, appends...)
				if errors.Is(err, store.ErrMultiStream) && len(appends) == 2 {
					res, err = s.Append(ctx, appends[0])
					eb = nil
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d round %d: %w", w, i, err)
					return
				}
				mu.Lock()
				for k, evs := range [][]events.Event{ea, eb} {
					for j, e := range evs {
						acked[e.ID] = res[k].FirstPosition + uint64(j)
					}
				}
				mu.Unlock()
				lastA = ea
				if eb != nil {
					lastB = eb
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all := readAll(t, s, 1)
	if len(all) != len(acked) {
		t.Fatalf("store holds %d events, %d were acknowledged", len(all), len(acked))
	}
	versions := map[string]uint64{}
	for i, r := range all {
		if r.Position != uint64(i+1) {
			t.Fatalf("record %d at position %d: positions must have no gaps", i, r.Position)
		}
		if pos, ok := acked[r.Event.ID]; !ok || pos != r.Position {
			t.Fatalf("event %s at position %d was acknowledged at %d (%v)", r.Event.ID, r.Position, pos, ok)
		}
		if want := versions[r.Event.Stream]; r.Event.Version != want {
			t.Fatalf("%s version %d at position %d, want version %d next", r.Event.Stream, r.Event.Version, r.Position, want)
		}
		versions[r.Event.Stream]++
	}
	if h := head(t, s); h != uint64(len(all)) {
		t.Fatalf("Head = %d, want %d", h, len(all))
	}
}

func testClose(t *testing.T, s store.Store) {
	ctx := context.Background()
	evs := Chain("case/a", 2)
	mustAppend(t, s, StreamAppend(evs))
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := follow(fctx, s, 1)
	f.expect(t, 1, 2)

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.end(t); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Follow in progress returned %v at Close, want ErrClosed", err)
	}
	nop := func(store.Record) error { return nil }
	calls := []struct {
		name string
		call func() error
	}{
		{"Append", func() error { _, err := s.Append(ctx, StreamAppend(Chain("case/b", 1))); return err }},
		{"ReadAll", func() error { return s.ReadAll(ctx, 1, nop) }},
		{"ReadStream", func() error { return s.ReadStream(ctx, "case/a", 0, nop) }},
		{"Follow", func() error { return s.Follow(ctx, 1, nop) }},
		{"Head", func() error { _, err := s.Head(ctx); return err }},
		{"StreamHead", func() error { _, _, err := s.StreamHead(ctx, "case/a"); return err }},
		{"Lookup", func() error { _, _, err := s.Lookup(ctx, evs[0].ID); return err }},
		{"Close", s.Close},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
}
