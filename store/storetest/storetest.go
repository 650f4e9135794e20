// Package storetest is the conformance suite of the store.Store contract.
// Every backend runs it in one line:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := mystore.Open(t.TempDir())
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Each subtest opens a fresh, empty store with open and closes it when it
// ends (a second Close returning store.ErrClosed is expected and ignored).
// Only MultiStreamAtomic appends several streams in one call (and accepts
// store.ErrMultiStream from a backend that cannot); every other test
// appends one stream per call, so that such a backend runs them all.
// Chain and StreamAppend build sealed test events for backends' own tests
// and benchmarks.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

// Run runs the whole conformance suite against the stores open returns.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Empty", testEmpty},
		{"AppendReadBack", testAppendReadBack},
		{"ExpectedVersion", testExpectedVersion},
		{"ChainLink", testChainLink},
		{"InvalidAppend", testInvalidAppend},
		{"MultiStreamAtomic", testMultiStreamAtomic},
		{"Idempotent", testIdempotent},
		{"DuplicateID", testDuplicateID},
		{"ReadStreamFrom", testReadStreamFrom},
		{"ReadAllFrom", testReadAllFrom},
		{"GlobalOrder", testGlobalOrder},
		{"Follow", testFollow},
		{"CallbackError", testCallbackError},
		{"Lookup", testLookup},
		{"StreamHead", testStreamHead},
		{"ConcurrentSameStream", testConcurrentSameStream},
		{"ConcurrentStreams", testConcurrentStreams},
		{"Pipeline", testPipeline},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

// stored is a copy of a delivered record, safe to keep.
type stored struct {
	Position uint64
	Event    events.Event
}

func keep(r store.Record) stored {
	e := r.Event
	e.Data = bytes.Clone(e.Data)
	return stored{Position: r.Position, Event: e}
}

func mustAppend(t *testing.T, s store.Store, appends ...store.StreamAppend) []store.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), appends...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(res) != len(appends) {
		t.Fatalf("Append returned %d results for %d appends", len(res), len(appends))
	}
	return res
}

func readAll(t *testing.T, s store.Store, from uint64) []stored {
	t.Helper()
	var out []stored
	if err := s.ReadAll(context.Background(), from, func(r store.Record) error {
		out = append(out, keep(r))
		return nil
	}); err != nil {
		t.Fatalf("ReadAll(%d): %v", from, err)
	}
	return out
}

func readStream(t *testing.T, s store.Store, stream string, from uint64) []stored {
	t.Helper()
	var out []stored
	if err := s.ReadStream(context.Background(), stream, from, func(r store.Record) error {
		out = append(out, keep(r))
		return nil
	}); err != nil {
		t.Fatalf("ReadStream(%s, %d): %v", stream, from, err)
	}
	return out
}

func head(t *testing.T, s store.Store) uint64 {
	t.Helper()
	h, err := s.Head(context.Background())
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return h
}

func streamHead(t *testing.T, s store.Store, stream string) (int64, events.Hash) {
	t.Helper()
	v, h, err := s.StreamHead(context.Background(), stream)
	if err != nil {
		t.Fatalf("StreamHead(%s): %v", stream, err)
	}
	return v, h
}

// sameEvent fails unless got is want field for field: its stored record
// bytes (which cover every field, zone offsets included) are identical.
func sameEvent(t *testing.T, what string, got, want events.Event) {
	t.Helper()
	g, w := events.AppendRecord(nil, &got), events.AppendRecord(nil, &want)
	if !bytes.Equal(g, w) {
		t.Fatalf("%s: read back\n  %+v\nwant\n  %+v", what, got, want)
	}
	if got.ID != want.ID || got.Stream != want.Stream || got.Version != want.Version || got.Type != want.Type ||
		got.Schema != want.Schema || !got.OccurredAt.Equal(want.OccurredAt) || !got.RecordedAt.Equal(want.RecordedAt) ||
		got.Actor != want.Actor || !bytes.Equal(got.Data, want.Data) || got.PrevHash != want.PrevHash || got.Hash != want.Hash {
		t.Fatalf("%s: fields differ:\n  %+v\nwant\n  %+v", what, got, want)
	}
}

// expectUnchanged fails unless the store holds exactly before.
func expectUnchanged(t *testing.T, s store.Store, before []stored) {
	t.Helper()
	after := readAll(t, s, 1)
	if len(after) != len(before) {
		t.Fatalf("store holds %d events, want %d (something was written)", len(after), len(before))
	}
	if h := head(t, s); h != uint64(len(before)) {
		t.Fatalf("Head = %d, want %d", h, len(before))
	}
}

func testEmpty(t *testing.T, s store.Store) {
	if h := head(t, s); h != 0 {
		t.Fatalf("Head of an empty store = %d, want 0", h)
	}
	if got := readAll(t, s, 0); len(got) != 0 {
		t.Fatalf("ReadAll on an empty store delivered %d events", len(got))
	}
	if v, h := streamHead(t, s, "case/none"); v != store.NoStream || !h.IsZero() {
		t.Fatalf("StreamHead of a missing stream = %d %s, want -1 and zero", v, h)
	}
	if got := readStream(t, s, "case/none", 0); len(got) != 0 {
		t.Fatalf("ReadStream of a missing stream delivered %d events", len(got))
	}
}

func testAppendReadBack(t *testing.T, s store.Store) {
	evs := Chain("case/a", 3, Pad(40))
	res := mustAppend(t, s, StreamAppend(evs))
	want := store.AppendResult{Stream: "case/a", FirstPosition: 1, LastPosition: 3}
	if res[0] != want {
		t.Fatalf("result = %+v, want %+v", res[0], want)
	}
	for _, read := range []struct {
		name string
		got  []stored
	}{
		{"ReadAll", readAll(t, s, 0)},
		{"ReadStream", readStream(t, s, "case/a", 0)},
	} {
		if len(read.got) != len(evs) {
			t.Fatalf("%s delivered %d events, want %d", read.name, len(read.got), len(evs))
		}
		for i, r := range read.got {
			if r.Position != uint64(i+1) {
				t.Fatalf("%s: event %d at position %d, want %d", read.name, i, r.Position, i+1)
			}
			sameEvent(t, read.name, r.Event, evs[i])
		}
	}
	if h := head(t, s); h != 3 {
		t.Fatalf("Head = %d, want 3", h)
	}
}

func testExpectedVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	evs := Chain("case/a", 3)
	mustAppend(t, s, StreamAppend(evs)) // expects NoStream
	last := evs[2]
	tests := []struct {
		name     string
		expected int64 // the version the append claims the stream is at
		actual   int64
	}{
		{"no stream on an existing stream", store.NoStream, 2},
		{"stale", 0, 2},
		{"ahead", 5, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := readAll(t, s, 1)
			next := Chain("case/a", 1, From(tc.expected, last.Hash))
			_, err := s.Append(ctx, StreamAppend(next))
			if !errors.Is(err, store.ErrWrongExpectedVersion) {
				t.Fatalf("Append expecting %d on a stream at 2: err = %v, want ErrWrongExpectedVersion", tc.expected, err)
			}
			var wv *store.WrongVersionError
			if !errors.As(err, &wv) {
				t.Fatalf("err %v is not a *store.WrongVersionError", err)
			}
			if wv.Stream != "case/a" || wv.Expected != tc.expected || wv.Actual != tc.actual {
				t.Fatalf("WrongVersionError = %+v, want stream case/a expected %d actual %d", *wv, tc.expected, tc.actual)
			}
			expectUnchanged(t, s, before)
		})
	}
	t.Run("exact", func(t *testing.T) {
		res := mustAppend(t, s, StreamAppend(Chain("case/a", 2, After(last))))
		if res[0].FirstPosition != 4 || res[0].LastPosition != 5 || res[0].Duplicate {
			t.Fatalf("result = %+v, want positions 4..5", res[0])
		}
		if v, _ := streamHead(t, s, "case/a"); v != 4 {
			t.Fatalf("stream version = %d, want 4", v)
		}
	})
	t.Run("no stream on a new stream", func(t *testing.T) {
		mustAppend(t, s, StreamAppend(Chain("case/b", 1)))
	})
}

func testChainLink(t *testing.T, s store.Store) {
	ctx := context.Background()
	evs := Chain("case/a", 2)
	mustAppend(t, s, StreamAppend(evs))
	var other events.Hash
	other[0] = 1
	tests := []struct {
		name string
		evs  []events.Event
	}{
		{"first event does not link to the stream's last", Chain("case/a", 1, From(1, evs[0].Hash))},
		{"first event of a new stream links to a non-zero hash", Chain("case/new", 1, From(store.NoStream, other))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := readAll(t, s, 1)
			_, err := s.Append(ctx, StreamAppend(tc.evs))
			if !errors.Is(err, store.ErrInvalidAppend) {
				t.Fatalf("err = %v, want ErrInvalidAppend", err)
			}
			expectUnchanged(t, s, before)
		})
	}
}

func testInvalidAppend(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustAppend(t, s, StreamAppend(Chain("case/x", 1)))
	a := Chain("case/a", 3)
	gap := []events.Event{a[0], a[2]}
	wrongStream := Chain("case/b", 1)
	broken := Chain("case/c", 2)
	broken[1].PrevHash = events.Hash{9}
	tests := []struct {
		name    string
		appends []store.StreamAppend
	}{
		{"nothing", nil},
		{"no events", []store.StreamAppend{{Stream: "case/a", Expected: store.NoStream}}},
		{"two appends to one stream", []store.StreamAppend{StreamAppend(a[:1]), StreamAppend(a[:1])}},
		{"version gap", []store.StreamAppend{{Stream: "case/a", Expected: store.NoStream, Events: gap}}},
		{"first version not expected+1", []store.StreamAppend{{Stream: "case/a", Expected: 3, Events: a[:1]}}},
		{"event of another stream", []store.StreamAppend{{Stream: "case/a", Expected: store.NoStream, Events: wrongStream}}},
		{"expected below NoStream", []store.StreamAppend{{Stream: "case/a", Expected: -2, Events: a[:1]}}},
		{"broken link inside the append", []store.StreamAppend{StreamAppend(broken)}},
		{"invalid beside a valid append", []store.StreamAppend{StreamAppend(Chain("case/d", 1)), {Stream: "case/a", Expected: store.NoStream, Events: gap}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := readAll(t, s, 1)
			_, err := s.Append(ctx, tc.appends...)
			if !errors.Is(err, store.ErrInvalidAppend) {
				t.Fatalf("err = %v, want ErrInvalidAppend", err)
			}
			expectUnchanged(t, s, before)
		})
	}
}

func testMultiStreamAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := Chain("case/a", 1)
	mustAppend(t, s, StreamAppend(a))
	before := readAll(t, s, 1)

	b := Chain("case/b", 2)
	stale := Chain("case/a", 1, From(store.NoStream, events.ZeroHash))
	_, err := s.Append(ctx, StreamAppend(b), StreamAppend(stale))
	if errors.Is(err, store.ErrMultiStream) {
		t.Skip("backend does not support multi-stream appends")
	}
	if !errors.Is(err, store.ErrWrongExpectedVersion) {
		t.Fatalf("err = %v, want ErrWrongExpectedVersion", err)
	}
	expectUnchanged(t, s, before)
	if v, _ := streamHead(t, s, "case/b"); v != store.NoStream {
		t.Fatalf("case/b is at version %d after a failed call, want no stream", v)
	}

	c := Chain("case/c", 3)
	next := Chain("case/a", 1, After(a[0]))
	res := mustAppend(t, s, StreamAppend(b), StreamAppend(c), StreamAppend(next))
	want := []store.AppendResult{
		{Stream: "case/b", FirstPosition: 2, LastPosition: 3},
		{Stream: "case/c", FirstPosition: 4, LastPosition: 6},
		{Stream: "case/a", FirstPosition: 7, LastPosition: 7},
	}
	for i := range want {
		if res[i] != want[i] {
			t.Fatalf("result %d = %+v, want %+v", i, res[i], want[i])
		}
	}
	all := readAll(t, s, 1)
	order := append(append(append([]events.Event{a[0]}, b...), c...), next...)
	if len(all) != len(order) {
		t.Fatalf("store holds %d events, want %d", len(all), len(order))
	}
	for i := range order {
		sameEvent(t, "ReadAll", all[i].Event, order[i])
	}
}

func testIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	evs := Chain("case/a", 3)
	first := mustAppend(t, s, StreamAppend(evs))
	mustAppend(t, s, StreamAppend(Chain("case/b", 2)))
	before := readAll(t, s, 1)

	check := func(t *testing.T, res []store.AppendResult, want store.AppendResult) {
		t.Helper()
		if res[0] != want {
			t.Fatalf("re-send result = %+v, want %+v", res[0], want)
		}
		expectUnchanged(t, s, before)
	}
	t.Run("same call again", func(t *testing.T) {
		res := mustAppend(t, s, StreamAppend(evs))
		check(t, res, store.AppendResult{Stream: "case/a", FirstPosition: first[0].FirstPosition, LastPosition: first[0].LastPosition, Duplicate: true})
	})
	t.Run("tail of the call", func(t *testing.T) {
		res := mustAppend(t, s, StreamAppend(evs[1:]))
		check(t, res, store.AppendResult{Stream: "case/a", FirstPosition: 2, LastPosition: 3, Duplicate: true})
	})
	t.Run("after the stream moved on", func(t *testing.T) {
		more := Chain("case/a", 1, After(evs[2]))
		mustAppend(t, s, StreamAppend(more))
		before = readAll(t, s, 1)
		res := mustAppend(t, s, StreamAppend(evs))
		check(t, res, store.AppendResult{Stream: "case/a", FirstPosition: 1, LastPosition: 3, Duplicate: true})
	})
	t.Run("concurrent re-sends", func(t *testing.T) {
		next := Chain("case/c", 2)
		results := make(chan error, 8)
		dups := make(chan bool, 8)
		for range 8 {
			go func() {
				res, err := s.Append(ctx, StreamAppend(next))
				if err == nil {
					dups <- res[0].Duplicate
					if res[0].FirstPosition != res[0].LastPosition-1 {
						err = errors.New("positions of a two-event append are not consecutive")
					}
				}
				results <- err
			}()
		}
		written := 0
		for range 8 {
			if err := <-results; err != nil {
				t.Fatalf("concurrent re-send: %v", err)
			}
			if !<-dups {
				written++
			}
		}
		if written != 1 {
			t.Fatalf("%d of 8 identical concurrent appends wrote, want exactly 1", written)
		}
		if got := readStream(t, s, "case/c", 0); len(got) != 2 {
			t.Fatalf("case/c holds %d events, want 2", len(got))
		}
	})
}

func testDuplicateID(t *testing.T, s store.Store) {
	ctx := context.Background()
	evs := Chain("case/a", 2)
	mustAppend(t, s, StreamAppend(evs))
	mustAppend(t, s, StreamAppend(Chain("case/b", 1)))
	bHead, bHash := streamHead(t, s, "case/b")

	elsewhere := Chain("case/b", 1, From(bHead, bHash))
	elsewhere[0].ID = evs[1].ID
	elsewhere[0].Seal(bHash)

	changed := evs[1]
	changed.Data = bytes.Clone(changed.Data)
	changed.Data[len(changed.Data)-3] ^= 1 // flips the last letter of the note
	changed.Seal(evs[0].Hash)

	newFirst := Chain("case/c", 2)
	newFirst[1].ID = evs[0].ID
	newFirst[1].Seal(newFirst[0].Hash)

	tests := []struct {
		name    string
		appends []store.StreamAppend
		id      events.Event
		pos     uint64
		// The contract does not rank the two errors when the event sits
		// where the stream has moved past: either refusal is conformant.
		orWrongVersion bool
	}{
		{"same id on another stream", []store.StreamAppend{StreamAppend(elsewhere)}, evs[1], 2, false},
		{"same id and place, other content", []store.StreamAppend{{Stream: "case/a", Expected: 0, Events: []events.Event{changed}}}, evs[1], 2, true},
		{"stored id among new events", []store.StreamAppend{StreamAppend(newFirst)}, evs[0], 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := readAll(t, s, 1)
			_, err := s.Append(ctx, tc.appends...)
			expectUnchanged(t, s, before)
			if tc.orWrongVersion && errors.Is(err, store.ErrWrongExpectedVersion) {
				return
			}
			if !errors.Is(err, store.ErrDuplicateID) {
				t.Fatalf("err = %v, want ErrDuplicateID", err)
			}
			var de *store.DuplicateIDError
			if !errors.As(err, &de) {
				t.Fatalf("err %v is not a *store.DuplicateIDError", err)
			}
			if de.ID != tc.id.ID || de.Position != tc.pos {
				t.Fatalf("DuplicateIDError = %+v, want id %s at %d", *de, tc.id.ID, tc.pos)
			}
		})
	}
	t.Run("same id twice in one call", func(t *testing.T) {
		before := readAll(t, s, 1)
		twice := Chain("case/d", 2)
		twice[1].ID = twice[0].ID
		twice[1].Seal(twice[0].Hash)
		_, err := s.Append(ctx, StreamAppend(twice))
		if !errors.Is(err, store.ErrDuplicateID) && !errors.Is(err, store.ErrInvalidAppend) {
			t.Fatalf("err = %v, want ErrDuplicateID or ErrInvalidAppend", err)
		}
		expectUnchanged(t, s, before)
	})
}

func testReadStreamFrom(t *testing.T, s store.Store) {
	a := Chain("case/a", 5)
	for i := range a {
		// Interleaved with other streams, one append per stream: only
		// MultiStreamAtomic asks for several streams in one call.
		mustAppend(t, s, StreamAppend(a[i:i+1]))
		mustAppend(t, s, StreamAppend(Chain("case/other-"+string(rune('a'+i)), 1)))
	}
	tests := []struct {
		from uint64
		want []events.Event
	}{
		{0, a},
		{2, a[2:]},
		{4, a[4:]},
		{5, nil},
		{100, nil},
	}
	for _, tc := range tests {
		got := readStream(t, s, "case/a", tc.from)
		if len(got) != len(tc.want) {
			t.Fatalf("ReadStream(from %d) delivered %d events, want %d", tc.from, len(got), len(tc.want))
		}
		for i, r := range got {
			sameEvent(t, "ReadStream", r.Event, tc.want[i])
			if wantPos := 2*tc.want[i].Version + 1; r.Position != wantPos {
				t.Fatalf("version %d at position %d, want %d", r.Event.Version, r.Position, wantPos)
			}
		}
	}
	if got := readStream(t, s, "case/a-", 0); len(got) != 0 {
		t.Fatalf("ReadStream of a stream whose name extends another's delivered %d events", len(got))
	}
	if got := readStream(t, s, "case/", 0); len(got) != 0 {
		t.Fatalf("ReadStream of a prefix of a stream name delivered %d events", len(got))
	}
}

func testReadAllFrom(t *testing.T, s store.Store) {
	evs := Chain("case/a", 6)
	mustAppend(t, s, StreamAppend(evs))
	for _, from := range []uint64{0, 1, 3, 6, 7, 50} {
		got := readAll(t, s, from)
		start := max(from, 1)
		want := 0
		if start <= 6 {
			want = int(6 - start + 1)
		}
		if len(got) != want {
			t.Fatalf("ReadAll(%d) delivered %d events, want %d", from, len(got), want)
		}
		for i, r := range got {
			if r.Position != start+uint64(i) {
				t.Fatalf("ReadAll(%d): record %d at position %d", from, i, r.Position)
			}
			sameEvent(t, "ReadAll", r.Event, evs[r.Position-1])
		}
	}
}

func testGlobalOrder(t *testing.T, s store.Store) {
	var order []events.Event
	var last uint64
	streams := map[string]events.Event{}
	for i := range 12 {
		name := "case/" + string(rune('a'+i%4))
		var evs []events.Event
		if prev, ok := streams[name]; ok {
			evs = Chain(name, 1+i%3, After(prev))
		} else {
			evs = Chain(name, 1+i%3)
		}
		streams[name] = evs[len(evs)-1]
		res := mustAppend(t, s, StreamAppend(evs))
		if res[0].FirstPosition != last+1 || res[0].LastPosition != last+uint64(len(evs)) {
			t.Fatalf("append %d landed at %d..%d, want %d..%d", i, res[0].FirstPosition, res[0].LastPosition, last+1, last+uint64(len(evs)))
		}
		last = res[0].LastPosition
		order = append(order, evs...)
	}
	all := readAll(t, s, 1)
	if len(all) != len(order) {
		t.Fatalf("ReadAll delivered %d events, want %d", len(all), len(order))
	}
	for i, r := range all {
		if r.Position != uint64(i+1) {
			t.Fatalf("record %d at position %d: positions must be 1, 2, 3, ...", i, r.Position)
		}
		sameEvent(t, "ReadAll", r.Event, order[i])
	}
	if h := head(t, s); h != last {
		t.Fatalf("Head = %d, want %d", h, last)
	}
}
