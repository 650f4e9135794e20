package bundle_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/bundle"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
)

const origin = "govledger.test/district"

// keys returns a signer and verifier key for origin.
func keys(t testing.TB) (signer, verifier string) {
	t.Helper()
	s, v, err := integrity.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// simulated returns a store holding a few simulated days of a district,
// written through the ledger with personal fields sealed.
func simulated(t testing.TB, cases int) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	clock := sim.NewClock(time.Time{})
	l, err := ledger.New(ctx, st, ledger.Config{Clock: clock.Now, KeyStore: privacy.NewMemKeys(sim.KeySource(3))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(ctx, l, clock, sim.Config{Seed: 3, Cases: cases, Days: 3}, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// all reads every record of src, copied.
func all(t testing.TB, src replay.Source) []store.Record {
	t.Helper()
	var out []store.Record
	err := src.ReadAll(context.Background(), 1, func(r store.Record) error {
		r.Event.Data = bytes.Clone(r.Event.Data)
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signed returns the checkpoint of the first size records, signed.
func signed(t testing.TB, signer string, recs []store.Record, size uint64) []byte {
	t.Helper()
	tree := integrity.NewTree()
	for _, r := range recs[:size] {
		tree.Add(r.Event.Hash)
	}
	n, err := integrity.SignCheckpoint(signer, integrity.Checkpoint{Origin: origin, Size: size, Root: tree.Root()})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// sameRecords fails unless got holds want's positions and every envelope
// field bit for bit (the bytes that are hashed, and the hash).
func sameRecords(t *testing.T, got, want []store.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := events.AppendRecord(nil, &got[i].Event), events.AppendRecord(nil, &want[i].Event)
		if got[i].Position != want[i].Position || !bytes.Equal(g, w) {
			t.Fatalf("record %d differs:\n got %d %+v\nwant %d %+v", i, got[i].Position, got[i].Event, want[i].Position, want[i].Event)
		}
		_, off1 := got[i].Event.OccurredAt.Zone()
		_, off2 := want[i].Event.OccurredAt.Zone()
		if !got[i].Event.OccurredAt.Equal(want[i].Event.OccurredAt) || off1 != off2 {
			t.Fatalf("record %d: occurred_at %s, want %s", i, got[i].Event.OccurredAt, want[i].Event.OccurredAt)
		}
	}
}

func TestRoundTripSimulatedLedger(t *testing.T) {
	ctx := context.Background()
	st := simulated(t, 300)
	want := all(t, st)
	signer, verifier := keys(t)
	cps := [][]byte{signed(t, signer, want, 10), signed(t, signer, want, uint64(len(want)))}
	dir := filepath.Join(t.TempDir(), "bundle")
	sum, err := bundle.Write(ctx, dir, st, bundle.Meta{VerifierKey: verifier, Checkpoints: cps, CreatedBy: "govledger test"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != uint64(len(want)) || sum.Head != uint64(len(want)) || len(sum.Checkpoints) != 2 || sum.CheckpointsLeftOut != 0 {
		t.Fatalf("summary %+v, %d events", sum, len(want))
	}

	b, err := bundle.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if head, _ := b.Head(ctx); head != uint64(len(want)) {
		t.Fatalf("head %d, want %d", head, len(want))
	}
	sameRecords(t, all(t, b), want)
	if b.Origin() != origin || b.VerifierKey() != verifier || b.Manifest().CreatedBy != "govledger test" {
		t.Fatalf("origin %q key %q manifest %+v", b.Origin(), b.VerifierKey(), b.Manifest())
	}
	parsed, err := b.ParseCheckpoints(verifier)
	if err != nil || len(parsed) != 2 || parsed[0].Size != 10 || parsed[1].Size != uint64(len(want)) {
		t.Fatalf("checkpoints %+v, %v", parsed, err)
	}
	if got := b.Checkpoints(); !bytes.Equal(got[0], cps[0]) || !bytes.Equal(got[1], cps[1]) {
		t.Fatal("checkpoint notes are not the bytes as signed")
	}
	rep, err := replay.Verify(ctx, b, nil)
	if err != nil || !rep.OK() || rep.Events != uint64(len(want)) {
		t.Fatalf("verify the bundle: %+v, %v", rep, err)
	}

	// The payloads are in the lines as the ledger holds them, sealed
	// personal fields included.
	raw, err := os.ReadFile(filepath.Join(dir, bundle.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`"data":{`)) || !bytes.Contains(raw, []byte(`"sealed":"`)) || bytes.Contains(raw, []byte(`"data_b64"`)) {
		t.Fatal("payloads are not written as JSON, or personal fields are not sealed")
	}
	if int64(len(raw)) != sum.EventsBytes || bytes.Count(raw, []byte("\n")) != len(want) {
		t.Fatalf("events.jsonl: %d bytes, %d lines; summary %+v", len(raw), bytes.Count(raw, []byte("\n")), sum)
	}

	// A bundle is a source like any other: copying it gives the same bytes.
	copyDir := filepath.Join(t.TempDir(), "copy")
	if _, err := bundle.Write(ctx, copyDir, b, b.Meta()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{bundle.EventsFile, bundle.ManifestFile, bundle.KeyFile, "checkpoints/10.checkpoint"} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		c, _ := os.ReadFile(filepath.Join(copyDir, name))
		if len(a) == 0 || !bytes.Equal(a, c) {
			t.Fatalf("%s differs in the copy", name)
		}
	}
}

// sealedRecords turns events into records the way a store holds them:
// sealed in chains, positions 1, 2, 3, ...
func sealedRecords(evs []events.Event) []store.Record {
	heads := map[string]struct {
		v uint64
		h events.Hash
	}{}
	recs := make([]store.Record, len(evs))
	for i, e := range evs {
		h, ok := heads[e.Stream]
		if ok {
			e.Version = h.v + 1
		}
		e.Seal(h.h)
		heads[e.Stream] = struct {
			v uint64
			h events.Hash
		}{e.Version, e.Hash}
		recs[i] = store.Record{Position: uint64(i + 1), Event: e}
	}
	return recs
}

// sliceSource serves records as given.
type sliceSource struct {
	recs []store.Record
}

func (s sliceSource) Head(context.Context) (uint64, error) {
	if len(s.recs) == 0 {
		return 0, nil
	}
	return s.recs[len(s.recs)-1].Position, nil
}

func (s sliceSource) ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error {
	for _, r := range s.recs {
		if r.Position >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// edgeEvents are envelopes at the edges of what a ledger can hold.
func edgeEvents() []events.Event {
	base := events.Event{Type: events.TypeCaseReported, Schema: 1, Stream: "case/E-1",
		Actor: events.Actor{Kind: events.ActorCitizen, ID: "S-1"}, Data: []byte(`{"a":1}`),
		OccurredAt: time.Date(2026, 6, 1, 9, 0, 0, 500_000_000, time.FixedZone("CST", 8*3600)),
		RecordedAt: time.Date(2026, 6, 1, 1, 0, 0, 500_000_001, time.UTC)}
	var out []events.Event
	add := func(f func(e *events.Event)) {
		e := base
		e.ID[15] = byte(len(out) + 1)
		e.ID[0] = byte(len(out)) // IDs across the whole range
		f(&e)
		out = append(out, e)
	}
	add(func(e *events.Event) {})
	add(func(e *events.Event) { e.OccurredAt = time.Time{} })     // the zero time
	add(func(e *events.Event) { e.RecordedAt = time.Time{} })     // the zero time
	add(func(e *events.Event) { e.OccurredAt = time.Unix(0, 0) }) // local zone of the test machine
	add(func(e *events.Event) {
		e.OccurredAt = time.Unix(0, -1<<63).In(time.FixedZone("", -(3*3600 + 30*60))) // the earliest a store holds, at -03:30
	})
	add(func(e *events.Event) { e.OccurredAt = time.Unix(0, 1<<63-1).In(time.FixedZone("", 14*3600)) })
	add(func(e *events.Event) { e.OccurredAt = e.OccurredAt.In(time.FixedZone("LMT", 5*3600+30*60+15)) }) // seconds in the offset
	add(func(e *events.Event) { e.OccurredAt = e.OccurredAt.In(time.FixedZone("", -18*3600)) })
	add(func(e *events.Event) {
		e.OccurredAt = time.Date(2024, 2, 29, 23, 59, 59, 1, time.FixedZone("", -9*3600-30*60))
	})
	add(func(e *events.Event) { e.RecordedAt = e.RecordedAt.In(time.FixedZone("", 3600)) }) // stored as the same instant
	add(func(e *events.Event) { e.Actor = events.Actor{} })
	add(func(e *events.Event) { e.Actor = events.Actor{Kind: "robot", ID: "r\"1\\", Unit: "u\u2028"} })
	add(func(e *events.Event) { e.Schema = 65535; e.Type = "x.custom" })
	add(func(e *events.Event) { e.Type = "" })
	add(func(e *events.Event) { e.Stream = "case/tab\there \"quoted\" \\ \x01\x1f\x7f 中文 🎉" })
	add(func(e *events.Event) { e.Data = nil })
	add(func(e *events.Event) { e.Data = []byte{} })
	add(func(e *events.Event) { e.Data = []byte{0xff, 0xfe, 0x00, '\n'} })
	add(func(e *events.Event) { e.Data = []byte(`{"a": 1}`) }) // JSON, not compact
	add(func(e *events.Event) { e.Data = []byte(` {"a":1}`) })
	add(func(e *events.Event) { e.Data = []byte("{\"a\":\"line\nbreak\"}") })
	add(func(e *events.Event) {
		e.Data = []byte(`{"a":"\u00e9\ud83c\udf89 é 🎉","b":[1,-2.5e+10,true,false,null,{}],"c":""}`)
	})
	add(func(e *events.Event) { e.Data = []byte(`"just a string"`) })
	add(func(e *events.Event) { e.Data = []byte(`null`) })
	add(func(e *events.Event) { e.Data = []byte(`-0.0E-7`) })
	add(func(e *events.Event) { e.Data = []byte(`{"a":"\xff"}`) })                                      // JSON-like, not UTF-8
	add(func(e *events.Event) { e.Data = []byte(`{"a":1}{"b":2}`) })                                    // two values
	add(func(e *events.Event) { e.Data = []byte(`{"a":1,}`) })                                          // a trailing comma
	add(func(e *events.Event) { e.Data = []byte(`{"a":01}`) })                                          // a leading zero
	add(func(e *events.Event) { e.Data = []byte(`{"a":"\ud800"}`) })                                    // a lone surrogate, valid JSON
	add(func(e *events.Event) { e.Data = []byte(strings.Repeat("[", 600) + strings.Repeat("]", 600)) }) // deep
	add(func(e *events.Event) { e.Data = []byte(strings.Repeat("[", 512) + strings.Repeat("]", 512)) })
	add(func(e *events.Event) { e.Data = bytes.Repeat([]byte{'7'}, events.MaxPayloadBytes) })
	add(func(e *events.Event) { e.Data = bytes.Repeat([]byte{0x80}, events.MaxPayloadBytes) })
	add(func(e *events.Event) { e.Stream = "case/" + strings.Repeat("\x01", events.MaxStreamBytes-5) })
	add(func(e *events.Event) { e.Version = 1<<64 - 1 }) // a version gap, which verify reports
	return out
}

func TestRoundTripEdgeEvents(t *testing.T) {
	ctx := context.Background()
	recs := sealedRecords(edgeEvents())
	// Also as a store gives them back: decoded from the canonical bytes.
	for i := range recs {
		var e events.Event
		if err := events.DecodeRecord(events.AppendRecord(nil, &recs[i].Event), &e); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, store.Record{Position: uint64(len(recs) + 1), Event: e})
	}
	_, verifier := keys(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	if _, err := bundle.Write(ctx, dir, sliceSource{recs}, bundle.Meta{VerifierKey: verifier}); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := all(t, b)
	sameRecords(t, got, recs)
	for _, r := range got {
		if _, _, err := events.VerifyRecord(events.AppendRecord(nil, &r.Event)); err != nil {
			t.Fatalf("position %d: %v", r.Position, err)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, bundle.EventsFile))
	for _, want := range []string{
		`"occurred_at":"2026-06-01T09:00:00.5+08:00","recorded_at":"2026-06-01T01:00:00.500000001Z"`,
		`"occurred_at":"0001-01-01T00:00:00Z"`,
		`"occurred_at":"1677-09-20T20:42:43.145224192-03:30"`,
		`"occurred_at":"2026-06-01T06:30:15.5+05:30:15"`,
		`"occurred_at":"2024-02-29T23:59:59.000000001-09:30"`,
		`"actor":{"kind":"","id":"","unit":""}`,
		`"stream":"case/tab\there \"quoted\" \\ \u0001\u001f` + "\x7f 中文 🎉\"",
		`"data_b64":""`, `"data_b64":"//4ACg=="`, `"data":"just a string"`, `"data":null`,
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("events.jsonl lacks %s", want)
		}
	}
	if n := bytes.Count(raw, []byte(`"data_b64"`)); n != 2*12 {
		t.Errorf("%d payloads in base64, want 24", n)
	}
}

func TestWriteRefusesWhatItCannotRepresent(t *testing.T) {
	_, verifier := keys(t)
	for name, f := range map[string]func(e *events.Event){
		"stream not UTF-8":  func(e *events.Event) { e.Stream = "case/\xff" },
		"actor id too long": func(e *events.Event) { e.Actor.ID = strings.Repeat("x", events.MaxIDBytes+1) },
		"payload too large": func(e *events.Event) { e.Data = make([]byte, events.MaxPayloadBytes+1) },
		"year 10000":        func(e *events.Event) { e.OccurredAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
	} {
		t.Run(name, func(t *testing.T) {
			evs := edgeEvents()[:3]
			f(&evs[2])
			dir := filepath.Join(t.TempDir(), "bundle")
			_, err := bundle.Write(context.Background(), dir, sliceSource{sealedRecords(evs)}, bundle.Meta{VerifierKey: verifier})
			if err == nil || !strings.Contains(err.Error(), "position 3") {
				t.Fatalf("err = %v, want a refusal naming position 3", err)
			}
			assertNothingLeft(t, dir)
		})
	}
}

// assertNothingLeft fails if dir or a temporary bundle beside it exists.
func assertNothingLeft(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s exists after a failed write (%v)", dir, err)
	}
	left, _ := os.ReadDir(filepath.Dir(dir))
	for _, e := range left {
		t.Errorf("left behind: %s", e.Name())
	}
}

// cancelling cancels its context after n events.
type cancelling struct {
	replay.Source
	n      int
	cancel func()
}

func (c cancelling) ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error {
	i := 0
	return c.Source.ReadAll(ctx, from, func(r store.Record) error {
		if i++; i == c.n {
			c.cancel()
		}
		return fn(r)
	})
}

func TestWriteLeavesNothingOnFailure(t *testing.T) {
	st := simulated(t, 3000) // more than one chunk of lines
	_, verifier := keys(t)
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		dir := filepath.Join(t.TempDir(), "bundle")
		_, err := bundle.Write(ctx, dir, cancelling{st, 10_000, cancel}, bundle.Meta{VerifierKey: verifier})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		assertNothingLeft(t, dir)
	})
	t.Run("bad-checkpoint", func(t *testing.T) {
		other, _ := keys(t)
		dir := filepath.Join(t.TempDir(), "bundle")
		cp := signed(t, other, all(t, st), 5)
		_, err := bundle.Write(context.Background(), dir, st, bundle.Meta{VerifierKey: verifier, Checkpoints: [][]byte{cp}})
		if !errors.Is(err, bundle.ErrMeta) || !errors.Is(err, integrity.ErrBadSignature) {
			t.Fatalf("err = %v, want ErrMeta wrapping ErrBadSignature", err)
		}
		assertNothingLeft(t, dir)
	})
	t.Run("origin", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bundle")
		_, err := bundle.Write(context.Background(), dir, st, bundle.Meta{VerifierKey: verifier, Origin: "elsewhere"})
		if !errors.Is(err, bundle.ErrMeta) || !strings.Contains(err.Error(), `origin "elsewhere"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestWriteRefusesANonEmptyDirectory(t *testing.T) {
	ctx := context.Background()
	st := simulated(t, 20)
	_, verifier := keys(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if _, err := bundle.Write(ctx, dir, st, bundle.Meta{VerifierKey: verifier}); !errors.Is(err, bundle.ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Fatal("the directory was touched")
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
	// An empty directory is fine, and so is a missing parent.
	empty := t.TempDir()
	if _, err := bundle.Write(ctx, empty, st, bundle.Meta{VerifierKey: verifier}); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Write(ctx, filepath.Join(t.TempDir(), "a", "b"), st, bundle.Meta{VerifierKey: verifier}); err != nil {
		t.Fatal(err)
	}
}

func TestWriteLeavesOutLaterCheckpoints(t *testing.T) {
	st := simulated(t, 20)
	recs := all(t, st)
	signer, verifier := keys(t)
	// The export reads 10 events; the checkpoint of all of them came later.
	src := sliceSource{recs[:10]}
	dir := filepath.Join(t.TempDir(), "bundle")
	sum, err := bundle.Write(context.Background(), dir, src, bundle.Meta{VerifierKey: verifier,
		Checkpoints: [][]byte{signed(t, signer, recs, uint64(len(recs))), signed(t, signer, recs, 10), signed(t, signer, recs, 10)}})
	if err != nil || len(sum.Checkpoints) != 1 || sum.Checkpoints[0] != 10 || sum.CheckpointsLeftOut != 1 {
		t.Fatalf("%+v, %v", sum, err)
	}
}
