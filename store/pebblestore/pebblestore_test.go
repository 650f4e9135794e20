package pebblestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/internal/rawpebble"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
	"github.com/govledger/govledger/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, t.TempDir(), pebblestore.Config{}) })
}

// TestConformanceTinyCaches runs the suite with one event per group and one
// cached stream head, so that every path that reloads state from disk runs.
func TestConformanceTinyCaches(t *testing.T) {
	cfg := pebblestore.Config{MaxGroupEvents: 1, StreamCacheEntries: 1}
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, t.TempDir(), cfg) })
}

func open(t *testing.T, dir string, cfg pebblestore.Config) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(dir, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustAppend(t *testing.T, s store.Store, appends ...store.StreamAppend) []store.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), appends...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return res
}

func count(t *testing.T, s store.Store) int {
	t.Helper()
	n := 0
	if err := s.ReadAll(context.Background(), 1, func(store.Record) error { n++; return nil }); err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	return n
}

// rawEdit opens the closed store's directory with bare Pebble and lets fn
// change it.
func rawEdit(t *testing.T, dir string, fn func(db *pebble.DB)) {
	t.Helper()
	db, err := pebble.Open(dir, rawpebble.DefaultOptions())
	if err != nil {
		t.Fatalf("raw open: %v", err)
	}
	fn(db)
	if err := db.Close(); err != nil {
		t.Fatalf("raw close: %v", err)
	}
}

func logKey(pos uint64) []byte { return rawpebble.Key(pos) } // same 'L' + pos layout

func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, pebblestore.Config{})
	a := storetest.Chain("case/a", 3)
	b := storetest.Chain("case/b", 2)
	mustAppend(t, s, storetest.StreamAppend(a), storetest.StreamAppend(b))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir, pebblestore.Config{})
	if h, err := s.Head(ctx); err != nil || h != 5 {
		t.Fatalf("Head after reopen = %d, %v; want 5", h, err)
	}
	if v, h, err := s.StreamHead(ctx, "case/a"); err != nil || v != 2 || h != a[2].Hash {
		t.Fatalf("StreamHead after reopen = %d %s %v", v, h, err)
	}
	res := mustAppend(t, s, storetest.StreamAppend(a))
	if !res[0].Duplicate || res[0].FirstPosition != 1 || res[0].LastPosition != 3 {
		t.Fatalf("re-send after reopen = %+v, want duplicate at 1..3", res[0])
	}
	if _, err := s.Append(ctx, storetest.StreamAppend(storetest.Chain("case/a", 1))); !errors.Is(err, store.ErrWrongExpectedVersion) {
		t.Fatalf("append expecting no stream after reopen: %v, want ErrWrongExpectedVersion", err)
	}
	res = mustAppend(t, s, storetest.StreamAppend(storetest.Chain("case/a", 1, storetest.After(a[2]))))
	if res[0].FirstPosition != 6 {
		t.Fatalf("first append after reopen at %d, want 6", res[0].FirstPosition)
	}
	if rec, ok, err := s.Lookup(ctx, b[1].ID); err != nil || !ok || rec.Position != 5 {
		t.Fatalf("Lookup after reopen = %d %v %v", rec.Position, ok, err)
	}
	if n := count(t, s); n != 6 {
		t.Fatalf("store holds %d events after reopen, want 6", n)
	}
}

func TestCorruptRecord(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(t *testing.T, db *pebble.DB)
	}{
		{"truncated", func(t *testing.T, db *pebble.DB) {
			v, closer, err := db.Get(logKey(2))
			if err != nil {
				t.Fatal(err)
			}
			short := append([]byte(nil), v[:len(v)/2]...)
			closer.Close()
			if err := db.Set(logKey(2), short, pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}},
		{"unknown format byte", func(t *testing.T, db *pebble.DB) {
			v, closer, err := db.Get(logKey(2))
			if err != nil {
				t.Fatal(err)
			}
			bad := append([]byte(nil), v...)
			closer.Close()
			bad[0] = 0xee
			if err := db.Set(logKey(2), bad, pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}},
		{"deleted", func(t *testing.T, db *pebble.DB) {
			if err := db.Delete(logKey(2), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, pebblestore.Config{})
			evs := storetest.Chain("case/a", 3)
			mustAppend(t, s, storetest.StreamAppend(evs))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			rawEdit(t, dir, func(db *pebble.DB) { tc.edit(t, db) })
			s = open(t, dir, pebblestore.Config{})

			check := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, events.ErrCorrupt) {
					t.Fatalf("%s: err = %v, want events.ErrCorrupt", what, err)
				}
				var ce *pebblestore.CorruptError
				if !errors.As(err, &ce) || ce.Position != 2 {
					t.Fatalf("%s: err = %v, want a CorruptError at position 2", what, err)
				}
				if !strings.Contains(err.Error(), "position 2") {
					t.Fatalf("%s: %q does not name the position", what, err)
				}
			}
			delivered := 0
			err := s.ReadAll(ctx, 1, func(store.Record) error { delivered++; return nil })
			check("ReadAll", err)
			if delivered != 1 {
				t.Fatalf("ReadAll delivered %d records before the damage, want 1", delivered)
			}
			check("ReadStream", s.ReadStream(ctx, "case/a", 0, func(store.Record) error { return nil }))
			_, _, err = s.Lookup(ctx, evs[1].ID)
			check("Lookup", err)
			if err := s.ReadAll(ctx, 3, func(store.Record) error { return nil }); err != nil {
				t.Fatalf("ReadAll past the damage: %v", err)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T) string
		want error
	}{
		{"a file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "ledger")
			if err := os.WriteFile(p, []byte("hello"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, pebblestore.ErrNotStore},
		{"a directory of other files", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600); err != nil {
				t.Fatal(err)
			}
			return dir
		}, pebblestore.ErrNotStore},
		{"a Pebble database with data and no marker", func(t *testing.T) string {
			dir := t.TempDir()
			rawEdit(t, dir, func(db *pebble.DB) {
				if err := db.Set([]byte("user/1"), []byte("x"), pebble.Sync); err != nil {
					t.Fatal(err)
				}
			})
			return dir
		}, pebblestore.ErrNotStore},
		{"a foreign marker", func(t *testing.T) string {
			dir := t.TempDir()
			rawEdit(t, dir, func(db *pebble.DB) {
				if err := db.Set([]byte("Mformat"), []byte("someone else"), pebble.Sync); err != nil {
					t.Fatal(err)
				}
			})
			return dir
		}, pebblestore.ErrNotStore},
		{"a newer format", func(t *testing.T) string {
			dir := t.TempDir()
			s := open(t, dir, pebblestore.Config{})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			rawEdit(t, dir, func(db *pebble.DB) {
				if err := db.Set([]byte("Mformat"), append([]byte("govledger.pebblestore"), 9), pebble.Sync); err != nil {
					t.Fatal(err)
				}
			})
			return dir
		}, pebblestore.ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.make(t)
			s, err := pebblestore.Open(dir, pebblestore.Config{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %q does not name the path", err)
			}
		})
	}
}

func TestOpenEmptyPebbleAndNewDir(t *testing.T) {
	dir := t.TempDir()
	rawEdit(t, dir, func(*pebble.DB) {})
	s := open(t, dir, pebblestore.Config{})
	mustAppend(t, s, storetest.StreamAppend(storetest.Chain("case/a", 1)))
	nested := filepath.Join(t.TempDir(), "a", "b")
	s2 := open(t, nested, pebblestore.Config{})
	mustAppend(t, s2, storetest.StreamAppend(storetest.Chain("case/a", 1)))
}

func TestConfigRefused(t *testing.T) {
	for _, cfg := range []pebblestore.Config{
		{CacheBytes: -1},
		{MaxGroupEvents: -1},
		{StreamCacheEntries: -1},
		{CacheBytes: 64 << 20, MemTableBytes: 64 << 20},
	} {
		if _, err := pebblestore.Open(t.TempDir(), cfg); !errors.Is(err, pebblestore.ErrConfig) {
			t.Errorf("Open(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}

func TestAppendRefusesUnreadable(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), pebblestore.Config{})
	unsealed := storetest.Chain("case/a", 1)
	unsealed[0].Data = []byte(`{"changed":true}`)
	longType := storetest.Chain("case/b", 1)
	longType[0].Type = strings.Repeat("t", 65)
	longType[0].Seal(events.ZeroHash)
	longStream := storetest.Chain("case/"+strings.Repeat("s", events.MaxStreamBytes), 1)
	nul := storetest.Chain("case/x\x00y", 1)
	tests := []struct {
		name string
		evs  []events.Event
	}{
		{"hash does not match content", unsealed},
		{"type too long to decode", longType},
		{"stream too long to decode", longStream},
		{"NUL in stream name", nul},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Append(ctx, storetest.StreamAppend(tc.evs)); !errors.Is(err, store.ErrInvalidAppend) {
				t.Fatalf("err = %v, want ErrInvalidAppend", err)
			}
			if n := count(t, s); n != 0 {
				t.Fatalf("store holds %d events", n)
			}
		})
	}
}

// TestStreamCacheEviction appends to more streams than the head cache holds
// and continues each: evicted heads are reloaded from disk.
func TestStreamCacheEviction(t *testing.T) {
	s := open(t, t.TempDir(), pebblestore.Config{StreamCacheEntries: 4})
	last := map[string]events.Event{}
	for round := range 3 {
		for i := range 20 {
			name := fmt.Sprintf("case/%d", i)
			var evs []events.Event
			if round == 0 {
				evs = storetest.Chain(name, 2)
			} else {
				evs = storetest.Chain(name, 2, storetest.After(last[name]))
			}
			mustAppend(t, s, storetest.StreamAppend(evs))
			last[name] = evs[1]
			// A stale expected version is still caught after eviction.
			stale := storetest.Chain(name, 1, storetest.From(int64(evs[0].Version), evs[0].Hash))
			if _, err := s.Append(context.Background(), storetest.StreamAppend(stale)); !errors.Is(err, store.ErrWrongExpectedVersion) {
				t.Fatalf("stale append to %s: %v", name, err)
			}
		}
	}
	if n := count(t, s); n != 3*20*2 {
		t.Fatalf("store holds %d events, want %d", n, 3*20*2)
	}
}

// TestCloseWithAppendsInFlight closes the store under concurrent appenders:
// every append either succeeded, and its events are there after reopening,
// or returned ErrClosed and wrote nothing.
func TestCloseWithAppendsInFlight(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, pebblestore.Config{})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		acked = map[string]int{}
		errs  = make(chan error, 16)
	)
	start := make(chan struct{})
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprintf("case/w%d", w)
			var last *events.Event
			<-start
			for {
				var evs []events.Event
				if last == nil {
					evs = storetest.Chain(stream, 1)
				} else {
					evs = storetest.Chain(stream, 1, storetest.After(*last))
				}
				_, err := s.Append(ctx, storetest.StreamAppend(evs))
				if errors.Is(err, store.ErrClosed) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				last = &evs[0]
				mu.Lock()
				acked[stream]++
				mu.Unlock()
			}
		}()
	}
	close(start)
	for {
		mu.Lock()
		n := 0
		for _, c := range acked {
			n += c
		}
		mu.Unlock()
		if n >= 50 {
			break
		}
		if _, err := s.Head(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s = open(t, dir, pebblestore.Config{})
	total := 0
	for stream, n := range acked {
		v, _, err := s.StreamHead(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		if v != int64(n-1) {
			t.Fatalf("%s is at version %d after reopen, %d appends were acknowledged", stream, v, n)
		}
		total += n
	}
	if h, _ := s.Head(ctx); h != uint64(total) {
		t.Fatalf("Head after reopen = %d, want %d acknowledged", h, total)
	}
}

func TestSide(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), pebblestore.Config{})
	if _, err := s.Side('L'); !errors.Is(err, pebblestore.ErrSideSpace) {
		t.Fatalf("Side('L') = %v, want ErrSideSpace", err)
	}
	cp, err := s.Side(pebblestore.SideCheckpoints)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.Side('d')
	for _, kv := range [][2]string{{"proj/b", "2"}, {"proj/a", "1"}, {"proj/c", "3"}} {
		if err := cp.Put(ctx, []byte(kv[0]), []byte(kv[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.Put(ctx, []byte("proj/z"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := cp.Get(ctx, []byte("proj/b")); err != nil || !ok || string(v) != "2" {
		t.Fatalf("Get = %q %v %v", v, ok, err)
	}

	if err := cp.Delete(ctx, []byte("proj/c")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := cp.Scan(ctx, nil, func(k, v []byte) error { keys = append(keys, string(k)+"="+string(v)); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys, ","); got != "proj/a=1,proj/b=2" {
		t.Fatalf("Scan = %s", got)
	}
	// Side data is not events.
	if h, _ := s.Head(ctx); h != 0 || count(t, s) != 0 {
		t.Fatalf("side writes show up as events")
	}
}

// ReadStreams reads each stream as ReadStream does, one after the other,
// with streams that share a prefix, a missing one, one twice and a start
// version.
func TestReadStreams(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), pebblestore.Config{})
	a := storetest.Chain("case/a", 3)
	ab := storetest.Chain("case/ab", 2)
	b := storetest.Chain("case/b", 4)
	mustAppend(t, s, storetest.StreamAppend(a))
	mustAppend(t, s, storetest.StreamAppend(ab))
	mustAppend(t, s, storetest.StreamAppend(b))
	mustAppend(t, s, storetest.StreamAppend(storetest.Chain("case/a", 2, storetest.After(a[2]))))
	read := func(from uint64, streams ...string) []string {
		var out []string
		err := s.ReadStreams(ctx, streams, from, func(r store.Record) error {
			out = append(out, fmt.Sprintf("%s@%d#%d", r.Event.Stream, r.Event.Version, r.Position))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	one := func(from uint64, streams ...string) []string {
		var out []string
		for _, st := range streams {
			err := s.ReadStream(ctx, st, from, func(r store.Record) error {
				out = append(out, fmt.Sprintf("%s@%d#%d", r.Event.Stream, r.Event.Version, r.Position))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	for _, tc := range []struct {
		from    uint64
		streams []string
		n       int
	}{
		{0, []string{"case/b", "case/a", "case/ab"}, 11},
		{0, []string{"case/a", "case/none", "case/a"}, 10},
		{1, []string{"case/ab", "case/b"}, 4},
		{0, nil, 0},
	} {
		got, want := read(tc.from, tc.streams...), one(tc.from, tc.streams...)
		if len(got) != tc.n || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("ReadStreams(%d, %v) = %v, want %v (%d records)", tc.from, tc.streams, got, want, tc.n)
		}
	}
}
