package tamper_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/internal/tamper"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
	"github.com/oklog/ulid/v2"
)

// The test ledger: two streams interleaved, positions 1..8.
//
//	1 a/0  2 b/0  3 a/1  4 b/1  5 a/2  6 b/2  7 a/3  8 b/3
const (
	streamA = "case/a"
	streamB = "case/b"
	events8 = 8
)

// signedKey is where the ledger keeps a signed checkpoint in the Merkle
// side keyspace ('c' size).
var signedKey = binary.BigEndian.AppendUint64([]byte{'c'}, events8)

// newLedger writes the test ledger with its Merkle log and one stored
// checkpoint, closes it, and returns its directory and records.
func newLedger(t *testing.T) (string, []store.Record) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ledger")
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	prev := map[string]events.Hash{}
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for i := range events8 {
		stream := []string{streamA, streamB}[i%2]
		e := events.Event{
			ID:     ulid.MustNew(ulid.Timestamp(at), bytes.NewReader(bytes.Repeat([]byte{byte(i + 1)}, 16))),
			Stream: stream, Version: uint64(i / 2), Type: events.TypeCaseDispatched, Schema: 1,
			OccurredAt: at, RecordedAt: at, Actor: events.Actor{Kind: events.ActorStaff, ID: "clerk-1"},
			Data: fmt.Appendf(nil, `{"from_unit":"center","to_unit":"dept-roads","mode":"manual","note":"step %d"}`, i),
		}
		e.Seal(prev[stream])
		prev[stream] = e.Hash
		if _, err := s.Append(ctx, store.StreamAppend{Stream: stream, Expected: int64(e.Version) - 1, Events: []events.Event{e}}); err != nil {
			t.Fatal(err)
		}
	}
	side, err := s.Side(pebblestore.SideMerkle)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ledger.StartMerkle(ctx, s, side.Unsynced(), ledger.MerkleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(k.Close(ctx), side.Put(ctx, signedKey, []byte("a signed note"))); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, recs
}

func readAll(t *testing.T, s store.Store) []store.Record {
	t.Helper()
	var out []store.Record
	err := s.ReadAll(context.Background(), 1, func(r store.Record) error {
		r.Event.Data = bytes.Clone(r.Event.Data)
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadAll after the tamper: %v", err)
	}
	return out
}

// opened is a tampered ledger as the store reads it back.
type opened struct {
	s        *pebblestore.Store
	recs     []store.Record
	findings []*integrity.Finding
	root     events.Hash
}

// reopen opens the tampered ledger, reads it all (which must succeed)
// and verifies it.
func reopen(t *testing.T, dir string) *opened {
	t.Helper()
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatalf("the store does not open after the tamper: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	o := &opened{s: s, recs: readAll(t, s)}
	for i, r := range o.recs {
		if r.Position != uint64(i+1) {
			t.Fatalf("record %d at position %d", i, r.Position)
		}
		// The id index leads to the record.
		got, ok, err := s.Lookup(context.Background(), r.Event.ID)
		if err != nil || !ok || got.Position != r.Position {
			t.Fatalf("Lookup(%s) = %d %v %v, want position %d", r.Event.ID, got.Position, ok, err, r.Position)
		}
	}
	rep, err := replay.Verify(context.Background(), s, func(f *integrity.Finding) { o.findings = append(o.findings, f) })
	if err != nil {
		t.Fatal(err)
	}
	o.root = rep.Root
	return o
}

// kinds lists the findings as "kind@position".
func (o *opened) kinds() []string {
	var out []string
	for _, f := range o.findings {
		out = append(out, fmt.Sprintf("%s@%d", f.Kind, f.Position))
	}
	return out
}

// streamPositions reads a stream through the stream index, which must
// agree with the records.
func (o *opened) streamPositions(t *testing.T, stream string) []uint64 {
	t.Helper()
	var out []uint64
	err := o.s.ReadStream(context.Background(), stream, 0, func(r store.Record) error {
		out = append(out, r.Position)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadStream(%s): %v", stream, err)
	}
	return out
}

func rootOf(t *testing.T, dir string) events.Hash {
	t.Helper()
	o := reopen(t, dir)
	o.s.Close()
	return o.root
}

func TestEditPayloadByte(t *testing.T) {
	dir, before := newLedger(t)
	if err := tamper.EditPayloadByte(dir, 3); err != nil {
		t.Fatal(err)
	}
	o := reopen(t, dir)
	for i, r := range o.recs {
		b := before[i].Event
		switch {
		case i != 2 && !slices.Equal(r.Event.Data, b.Data):
			t.Errorf("position %d changed too", r.Position)
		case i == 2 && diffBytes(r.Event.Data, b.Data) != 1:
			t.Errorf("position 3: %d payload bytes differ, want 1:\n%s\n%s", diffBytes(r.Event.Data, b.Data), r.Event.Data, b.Data)
		case r.Event.Hash != b.Hash:
			t.Errorf("position %d: the stored hash changed", r.Position)
		}
	}
	if got := o.kinds(); !slices.Equal(got, []string{"hash-mismatch@3"}) {
		t.Fatalf("findings %v, want hash-mismatch@3", got)
	}
}

func TestRehashAfterEdit(t *testing.T) {
	dir, before := newLedger(t)
	if err := tamper.RehashAfterEdit(dir, 3); err != nil {
		t.Fatal(err)
	}
	o := reopen(t, dir)
	e := o.recs[2].Event
	if diffBytes(e.Data, before[2].Event.Data) != 1 || e.Hash == before[2].Event.Hash || e.PrevHash != before[2].Event.PrevHash {
		t.Fatalf("position 3 not edited and re-sealed: %s", e.Data)
	}
	// Position 3 is a/1: it is sound; a/2 at position 5 no longer chains.
	if got := o.kinds(); !slices.Equal(got, []string{"chain-broken@5"}) {
		t.Fatalf("findings %v, want chain-broken@5", got)
	}
}

func TestDropEvent(t *testing.T) {
	dir, before := newLedger(t)
	if err := tamper.DropEvent(dir, 3); err != nil {
		t.Fatal(err)
	}
	o := reopen(t, dir)
	want := slices.Delete(slices.Clone(before), 2, 3)
	if len(o.recs) != len(want) {
		t.Fatalf("%d events after the drop, want %d", len(o.recs), len(want))
	}
	for i := range want {
		if o.recs[i].Event.ID != want[i].Event.ID {
			t.Fatalf("position %d holds %s, want %s", i+1, o.recs[i].Event.ID, want[i].Event.ID)
		}
	}
	if _, ok, err := o.s.Lookup(context.Background(), before[2].Event.ID); ok || err != nil {
		t.Fatalf("the dropped event is still found (%v, %v)", ok, err)
	}
	if got := o.streamPositions(t, streamB); !slices.Equal(got, []uint64{2, 3, 5, 7}) {
		t.Fatalf("stream b at %v after the drop", got)
	}
	// a/2, now at position 4, follows a/0.
	if got := o.kinds(); !slices.Equal(got, []string{"version-gap@4", "chain-broken@4"}) {
		t.Fatalf("findings %v", got)
	}
}

func TestSwapEventsWithinAStream(t *testing.T) {
	dir, before := newLedger(t)
	if err := tamper.SwapEvents(dir, 1, 3); err != nil {
		t.Fatal(err)
	}
	o := reopen(t, dir)
	if o.recs[0].Event.ID != before[2].Event.ID || o.recs[2].Event.ID != before[0].Event.ID {
		t.Fatal("positions 1 and 3 not swapped")
	}
	if got := o.streamPositions(t, streamA); !slices.Equal(got, []uint64{3, 1, 5, 7}) {
		t.Fatalf("stream a at %v, want versions 0..3 at 3 1 5 7", got)
	}
	if len(o.findings) == 0 || o.kinds()[0] != "version-gap@1" {
		t.Fatalf("findings %v, want version-gap@1 first", o.kinds())
	}
}

func TestSwapEventsAcrossStreams(t *testing.T) {
	dir, before := newLedger(t)
	root := rootOf(t, dir)
	if err := tamper.SwapEvents(dir, 2, 3); err != nil { // b/0 and a/1
		t.Fatal(err)
	}
	o := reopen(t, dir)
	if o.recs[1].Event.ID != before[2].Event.ID || o.recs[2].Event.ID != before[1].Event.ID {
		t.Fatal("positions 2 and 3 not swapped")
	}
	o.streamPositions(t, streamA)
	o.streamPositions(t, streamB)
	if len(o.findings) != 0 {
		t.Fatalf("every chain should hold, found %v", o.kinds())
	}
	if o.root == root {
		t.Fatal("the Merkle root did not change")
	}
}

func TestRewriteStream(t *testing.T) {
	dir, before := newLedger(t)
	root := rootOf(t, dir)
	err := tamper.RewriteStream(dir, streamA, func(e *events.Event) {
		e.Data = bytes.Replace(e.Data, []byte("dept-roads"), []byte("dept-water"), 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	o := reopen(t, dir)
	for i, r := range o.recs {
		edited := r.Event.Stream == streamA
		if edited != bytes.Contains(r.Event.Data, []byte("dept-water")) || edited == (r.Event.Hash == before[i].Event.Hash) {
			t.Fatalf("position %d (%s): %s", r.Position, r.Event.Stream, r.Event.Data)
		}
	}
	if len(o.findings) != 0 {
		t.Fatalf("the rewritten stream should chain, found %v", o.kinds())
	}
	if o.root == root {
		t.Fatal("the Merkle root did not change")
	}
	o.s.Close()

	err = tamper.RewriteStream(dir, streamA, func(e *events.Event) { e.Version++ })
	if !errors.Is(err, tamper.ErrIdentity) {
		t.Fatalf("an edit of the version: %v, want ErrIdentity", err)
	}
	if err := tamper.RewriteStream(dir, "case/none", func(*events.Event) {}); !errors.Is(err, tamper.ErrNoStream) {
		t.Fatalf("an unknown stream: %v, want ErrNoStream", err)
	}
}

func TestTruncate(t *testing.T) {
	dir, before := newLedger(t)
	if err := tamper.Truncate(dir, 3); err != nil {
		t.Fatal(err)
	}
	o := reopen(t, dir)
	if len(o.recs) != 5 {
		t.Fatalf("%d events after cutting 3 of 8", len(o.recs))
	}
	for _, r := range before[5:] {
		if _, ok, err := o.s.Lookup(context.Background(), r.Event.ID); ok || err != nil {
			t.Fatalf("a cut event is still found (%v, %v)", ok, err)
		}
	}
	v, last, err := o.s.StreamHead(context.Background(), streamB)
	if err != nil || v != 1 || last != before[3].Event.Hash {
		t.Fatalf("stream b head %d %s %v, want version 1 at position 4", v, last, err)
	}
	if len(o.findings) != 0 {
		t.Fatalf("a truncated ledger chains; found %v", o.kinds())
	}
	o.s.Close()
	if err := tamper.Truncate(dir, 6); !errors.Is(err, tamper.ErrNoEvent) {
		t.Fatalf("cutting more than the ledger holds: %v", err)
	}
}

func TestDropMerkleLog(t *testing.T) {
	dir, _ := newLedger(t)
	if n := merkleKeys(t, dir); n < 2 {
		t.Fatalf("the test ledger has %d Merkle keys", n)
	}
	if err := tamper.DropMerkleLog(dir); err != nil {
		t.Fatal(err)
	}
	if n := merkleKeys(t, dir); n != 1 {
		t.Fatalf("%d keys left in the Merkle keyspace, want the signed checkpoint only", n)
	}
	// The next start rebuilds the log from the events.
	ctx := context.Background()
	o := reopen(t, dir)
	side, _ := o.s.Side(pebblestore.SideMerkle)
	note, ok, err := side.Get(ctx, signedKey)
	if err != nil || !ok || string(note) != "a signed note" {
		t.Fatalf("the signed checkpoint is gone: %q %v %v", note, ok, err)
	}
	k, err := ledger.StartMerkle(ctx, o.s, side.Unsynced(), ledger.MerkleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close(ctx)
	if root, err := k.Log().Root(ctx, events8); err != nil || root != o.root {
		t.Fatalf("rebuilt log: root %s %v, want %s", root, err, o.root)
	}
}

func TestMissingPositions(t *testing.T) {
	dir, _ := newLedger(t)
	for name, err := range map[string]error{
		"edit":   tamper.EditPayloadByte(dir, 9),
		"rehash": tamper.RehashAfterEdit(dir, 0),
		"drop":   tamper.DropEvent(dir, 9),
		"swap":   tamper.SwapEvents(dir, 1, 9),
	} {
		if !errors.Is(err, tamper.ErrNoEvent) {
			t.Errorf("%s: %v, want ErrNoEvent", name, err)
		}
	}
	if err := tamper.EditPayloadByte(filepath.Join(t.TempDir(), "none"), 1); err == nil {
		t.Error("a missing directory was tampered")
	}
}

// merkleKeys counts the keys of the Merkle side keyspace.
func merkleKeys(t *testing.T, dir string) int {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{'m'}, UpperBound: []byte{'n'}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

func diffBytes(a, b []byte) int {
	if len(a) != len(b) {
		return -1
	}
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
