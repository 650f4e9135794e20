package events_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and the generated fuzz seed corpus")

var (
	// recordedAt is the ledger time of the test events (ledger times are UTC).
	recordedAt = time.Date(2026, 11, 2, 1, 30, 0, 123456789, time.UTC)
	// prevHash is a non-zero previous hash.
	prevHash = events.Hash(sha256.Sum256([]byte("the event before")))
)

// zones the round trip must preserve, including the codec's ±18:00 limits
// and an offset that is not a whole quarter hour.
var zones = []*time.Location{
	time.UTC,
	time.FixedZone("CST", 8*3600),
	time.FixedZone("", -(5*3600 + 30*60)),
	time.FixedZone("NPT", 5*3600+45*60),
	time.FixedZone("LMT", -(17*60 + 30)),
	time.FixedZone("", 18*3600),
	time.FixedZone("", -18*3600),
}

// sealedExample returns ex as a sealed event at version 5 occurring at occ.
func sealedExample(t testing.TB, ex example, occ time.Time) events.Event {
	t.Helper()
	l, err := events.ParseLine([]byte(lineOf(ex).String()))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := l.Draft.Event()
	if err != nil {
		t.Fatal(err)
	}
	ev.OccurredAt, ev.Version, ev.RecordedAt = occ, 5, recordedAt
	ev.Seal(prevHash)
	return ev
}

// sameEvent fails t unless got equals want field by field, the zone offset
// of OccurredAt included.
func sameEvent(t *testing.T, got, want *events.Event) {
	t.Helper()
	_, goff := got.OccurredAt.Zone()
	_, woff := want.OccurredAt.Zone()
	switch {
	case got.ID != want.ID:
		t.Errorf("ID %s, want %s", got.ID, want.ID)
	case got.Stream != want.Stream || got.Version != want.Version:
		t.Errorf("at %s@%d, want %s@%d", got.Stream, got.Version, want.Stream, want.Version)
	case got.Type != want.Type || got.Schema != want.Schema:
		t.Errorf("type %s/%d, want %s/%d", got.Type, got.Schema, want.Type, want.Schema)
	case !got.OccurredAt.Equal(want.OccurredAt) || goff != woff:
		t.Errorf("occurred_at %s, want %s", got.OccurredAt.Format(time.RFC3339Nano), want.OccurredAt.Format(time.RFC3339Nano))
	case !got.RecordedAt.Equal(want.RecordedAt) || got.RecordedAt.Location() != time.UTC:
		t.Errorf("recorded_at %s, want %s in UTC", got.RecordedAt, want.RecordedAt)
	case got.Actor != want.Actor:
		t.Errorf("actor %+v, want %+v", got.Actor, want.Actor)
	case !bytes.Equal(got.Data, want.Data):
		t.Errorf("data %q, want %q", got.Data, want.Data)
	case got.PrevHash != want.PrevHash || got.Hash != want.Hash:
		t.Errorf("hashes %s/%s, want %s/%s", got.PrevHash, got.Hash, want.PrevHash, want.Hash)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, ex := range examples {
		for _, z := range zones {
			occ := time.Date(2026, 11, 2, 9, 30, 15, 987654321, z)
			t.Run(ex.typ+"@"+occ.Format("Z07:00"), func(t *testing.T) {
				want := sealedExample(t, ex, occ)
				rec := events.AppendRecord(nil, &want)
				var got events.Event
				if err := events.DecodeRecord(rec, &got); err != nil {
					t.Fatal(err)
				}
				sameEvent(t, &got, &want)
				if got.OccurredAt.Format(time.RFC3339Nano) != occ.Format(time.RFC3339Nano) {
					t.Errorf("occurred_at reads back as %s, want %s", got.OccurredAt.Format(time.RFC3339Nano), occ.Format(time.RFC3339Nano))
				}
				if again := events.AppendRecord(nil, &got); !bytes.Equal(again, rec) {
					t.Errorf("re-encoding the decoded event changes the record")
				}
				if _, err := got.Payload(); err != nil {
					t.Errorf("decoded payload: %v", err)
				}
			})
		}
	}
}

func TestRecordRoundTripAtTheLimits(t *testing.T) {
	ev := events.Event{
		ID:         ulid.MustParse("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"),
		Stream:     "case/" + strings.Repeat("x", events.MaxStreamBytes-5),
		Version:    math.MaxUint64,
		Type:       strings.Repeat("t", 64),
		Schema:     math.MaxUint16,
		OccurredAt: time.Date(2199, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -18*3600)),
		RecordedAt: time.Unix(0, math.MinInt64).UTC(),
		Actor:      events.Actor{Kind: events.ActorKind(strings.Repeat("k", 16)), ID: strings.Repeat("i", events.MaxIDBytes), Unit: strings.Repeat("u", events.MaxIDBytes)},
		Data:       bytes.Repeat([]byte{0xff}, events.MaxPayloadBytes), // the codec stores bytes; it does not judge them
	}
	ev.Seal(events.Hash{0: 0xff, 31: 0xff})
	rec := events.AppendRecord(nil, &ev)
	var got events.Event
	if err := events.DecodeRecord(rec, &got); err != nil {
		t.Fatalf("an event at every limit does not decode: %v", err)
	}
	sameEvent(t, &got, &ev)

	empty := events.Event{Stream: "case/C-1", Type: events.TypeCaseClosed, Schema: 1, OccurredAt: time.Unix(0, 0).UTC(), RecordedAt: time.Unix(0, 0).UTC()}
	empty.Seal(events.ZeroHash)
	if err := events.DecodeRecord(events.AppendRecord(nil, &empty), &got); err != nil {
		t.Fatalf("an event with empty actor and data does not decode: %v", err)
	}
	sameEvent(t, &got, &empty)
}

func TestAppendRecordKeepsThePrefix(t *testing.T) {
	ev := sealedExample(t, exampleOf(events.TypeCaseAccepted), time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC))
	rec := events.AppendRecord([]byte("prefix"), &ev)
	if !bytes.HasPrefix(rec, []byte("prefix")) || !bytes.Equal(rec[6:], events.AppendRecord(nil, &ev)) {
		t.Fatal("AppendRecord does not append to dst")
	}
}

func TestSeal(t *testing.T) {
	ev := sealedExample(t, exampleOf(events.TypeCaseReported), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[1]))
	a, b := ev, ev
	a.PrevHash, b.Hash = events.Hash{1}, events.Hash{2} // Seal overwrites both
	a.Seal(prevHash)
	b.Seal(prevHash)
	bodyA, bodyB := events.AppendBody(nil, &a), events.AppendBody(nil, &b)
	if !bytes.Equal(bodyA, bodyB) || a.Hash != b.Hash || a.Hash != ev.Hash {
		t.Fatal("sealing the same event twice gives different results")
	}
	if a.PrevHash != prevHash {
		t.Fatalf("PrevHash %s, want %s", a.PrevHash, prevHash)
	}
	if events.HashBody(bodyA) != a.Hash {
		t.Fatal("Seal's hash is not the hash of AppendBody")
	}
	if a.Hash != events.Hash(sha256.Sum256(bodyA)) || events.HashBody(bodyA) != a.Hash {
		t.Fatal("Hash is not SHA-256 of the body")
	}
	if !bytes.HasSuffix(bodyA, prevHash[:]) {
		t.Fatal("the body does not end with PrevHash")
	}
	rec := events.AppendRecord(nil, &a)
	if !bytes.Equal(rec, append(append([]byte(nil), bodyA...), a.Hash[:]...)) {
		t.Fatal("the record is not body || hash")
	}
	if !bytes.Equal(events.RecordBody(rec), bodyA) || events.RecordBody(rec[:31]) != nil {
		t.Fatal("RecordBody does not return the hashed part")
	}
	stored, computed, err := events.VerifyRecord(rec)
	if err != nil || stored != a.Hash || computed != a.Hash {
		t.Fatalf("VerifyRecord = %s, %s, %v; want the hash twice", stored, computed, err)
	}

	// A chain: each event's PrevHash is the hash before it.
	c := ev
	if c.Seal(events.ZeroHash); c.Hash == a.Hash || !c.PrevHash.IsZero() {
		t.Fatal("the first event of a stream must chain to ZeroHash and hash differently")
	}
}

// TestHashCoversEveryField changes one field at a time: every hashed field
// changes the hash, so the stored hash of the original no longer verifies.
func TestHashCoversEveryField(t *testing.T) {
	base := sealedExample(t, exampleOf(events.TypeCaseReported), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[1]))
	tests := []struct {
		name   string
		change func(e *events.Event)
		same   bool // the change is not data: the hash must not move
	}{
		{"id", func(e *events.Event) { e.ID[15] ^= 1 }, false},
		{"stream", func(e *events.Event) { e.Stream = "case/C-2" }, false},
		{"version", func(e *events.Event) { e.Version++ }, false},
		{"type", func(e *events.Event) { e.Type = events.TypeCaseClosed }, false},
		{"schema", func(e *events.Event) { e.Schema = 2 }, false},
		{"occurred_at by a nanosecond", func(e *events.Event) { e.OccurredAt = e.OccurredAt.Add(time.Nanosecond) }, false},
		{"occurred_at zone offset, same instant", func(e *events.Event) { e.OccurredAt = e.OccurredAt.In(time.FixedZone("", 9*3600)) }, false},
		{"recorded_at by a nanosecond", func(e *events.Event) { e.RecordedAt = e.RecordedAt.Add(time.Nanosecond) }, false},
		{"actor kind", func(e *events.Event) { e.Actor.Kind = events.ActorCitizen }, false},
		{"actor id", func(e *events.Event) { e.Actor.ID = "op-2" }, false},
		{"actor unit", func(e *events.Event) { e.Actor.Unit = "" }, false},
		{"one data byte", func(e *events.Event) { e.Data[len(e.Data)/2] ^= 1 }, false},
		{"one more data byte", func(e *events.Event) { e.Data = append(e.Data, ' ') }, false},
		{"prev_hash", func(e *events.Event) { e.PrevHash[31] ^= 1 }, false},
		{"a byte moved from type to stream", func(e *events.Event) { e.Stream += e.Type[:1]; e.Type = e.Type[1:] }, false},
		{"a byte moved from actor id to unit", func(e *events.Event) {
			e.Actor.Unit = e.Actor.ID[len(e.Actor.ID)-1:] + e.Actor.Unit
			e.Actor.ID = e.Actor.ID[:len(e.Actor.ID)-1]
		}, false},
		{"zone name only", func(e *events.Event) { e.OccurredAt = e.OccurredAt.In(time.FixedZone("Asia/Shanghai", 8*3600)) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := base
			orig.Data = bytes.Clone(base.Data)
			e := orig
			e.Data = bytes.Clone(orig.Data)
			tc.change(&e)
			origHash := events.HashBody(events.AppendBody(nil, &orig))
			body := events.AppendBody(nil, &e)
			if got := events.HashBody(body); (got == origHash) != tc.same {
				t.Fatalf("hash moved: %v, want %v", got != origHash, !tc.same)
			}
			// The original's stored hash over the changed body.
			_, _, err := events.VerifyRecord(append(body, origHash[:]...))
			if tc.same && err != nil || !tc.same && !errors.Is(err, events.ErrHashMismatch) {
				t.Fatalf("VerifyRecord of the changed record: %v", err)
			}
		})
	}
}

func TestVerifyRecordCatchesAnyEditedByte(t *testing.T) {
	ev := sealedExample(t, exampleOf(events.TypeCaseRated), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[2]))
	rec := events.AppendRecord(nil, &ev)
	for i := range rec {
		for _, bit := range []byte{0x01, 0x80} {
			edited := bytes.Clone(rec)
			edited[i] ^= bit
			stored, computed, err := events.VerifyRecord(edited)
			if !errors.Is(err, events.ErrHashMismatch) || stored == computed {
				t.Fatalf("byte %d ^ %#x: VerifyRecord = %v (stored %s, computed %s)", i, bit, err, stored, computed)
			}
		}
	}
	for _, n := range []int{0, 1, 80} {
		if _, _, err := events.VerifyRecord(rec[:n]); !errors.Is(err, events.ErrCorrupt) {
			t.Fatalf("%d-byte record: %v, want ErrCorrupt", n, err)
		}
	}
}

// part is one field of the documented record layout (codec.go).
type part struct {
	name string
	b    []byte
}

func str(s string) []byte { return append(binary.AppendUvarint(nil, uint64(len(s))), s...) }

// layout spells out e's record field by field, independently of the codec.
func layout(e *events.Event) []part {
	_, off := e.OccurredAt.Zone()
	return []part{
		{"format", []byte{1}},
		{"id", e.ID[:]},
		{"stream", str(e.Stream)},
		{"version", binary.AppendUvarint(nil, e.Version)},
		{"type", str(e.Type)},
		{"schema", binary.AppendUvarint(nil, uint64(e.Schema))},
		{"occurred_at", binary.BigEndian.AppendUint64(nil, uint64(e.OccurredAt.UnixNano()))},
		{"zone", binary.AppendVarint(nil, int64(off))},
		{"recorded_at", binary.BigEndian.AppendUint64(nil, uint64(e.RecordedAt.UnixNano()))},
		{"actor.kind", str(string(e.Actor.Kind))},
		{"actor.id", str(e.Actor.ID)},
		{"actor.unit", str(e.Actor.Unit)},
		{"data", str(string(e.Data))},
		{"prev_hash", e.PrevHash[:]},
		{"hash", e.Hash[:]},
	}
}

// join concatenates the parts, replacing those named in with.
func join(parts []part, with map[string][]byte) []byte {
	var out []byte
	for _, p := range parts {
		if b, ok := with[p.name]; ok {
			out = append(out, b...)
		} else {
			out = append(out, p.b...)
		}
	}
	return out
}

func TestRecordLayout(t *testing.T) {
	for _, ex := range examples {
		ev := sealedExample(t, ex, time.Date(2026, 11, 2, 9, 30, 0, 0, zones[2]))
		if !bytes.Equal(join(layout(&ev), nil), events.AppendRecord(nil, &ev)) {
			t.Fatalf("%s: the record does not follow the documented layout", ex.typ)
		}
	}
}

// corruption is a damaged record and what the decoder must name.
type corruption struct {
	name string
	rec  []byte
	msg  string
}

// corruptions damages the record of ev in every way the decoder must refuse.
func corruptions(ev events.Event) []corruption {
	parts := layout(&ev)
	rec := join(parts, nil)
	over := func(n int) []byte {
		return append(binary.AppendUvarint(nil, uint64(n)), bytes.Repeat([]byte{'a'}, n)...)
	}
	overflow := append(bytes.Repeat([]byte{0xff}, 10), 0x01)
	return []corruption{
		{"empty", nil, "format"},
		{"format byte 0", join(parts, map[string][]byte{"format": {0}}), "unknown format byte 0"},
		{"format byte 2", join(parts, map[string][]byte{"format": {2}}), "unknown format byte 2"},
		{"format byte 0xff", join(parts, map[string][]byte{"format": {0xff}}), "unknown format byte 255"},
		{"missing hash", rec[:len(rec)-32], "hash"},
		{"half a hash", rec[:len(rec)-16], "hash"},
		{"one trailing byte", append(bytes.Clone(rec), 0), "1 trailing bytes"},
		{"a second hash", append(bytes.Clone(rec), ev.Hash[:]...), "32 trailing bytes"},
		{"two records", append(bytes.Clone(rec), rec...), "trailing bytes"},
		{"stream longer than MaxStreamBytes", join(parts, map[string][]byte{"stream": over(events.MaxStreamBytes + 1)}), "stream"},
		{"type longer than 64 bytes", join(parts, map[string][]byte{"type": over(65)}), "type"},
		{"actor kind longer than 16 bytes", join(parts, map[string][]byte{"actor.kind": over(17)}), "actor kind"},
		{"actor id longer than MaxIDBytes", join(parts, map[string][]byte{"actor.id": over(events.MaxIDBytes + 1)}), "actor id"},
		{"actor unit longer than MaxIDBytes", join(parts, map[string][]byte{"actor.unit": over(events.MaxIDBytes + 1)}), "actor unit"},
		{"data longer than MaxPayloadBytes", join(parts, map[string][]byte{"data": over(events.MaxPayloadBytes + 1)}), "data"},
		{"data length beyond the record", join(parts, map[string][]byte{"data": binary.AppendUvarint(nil, 60000)}), "data"},
		{"stream length of 2^64-1", join(parts, map[string][]byte{"stream": binary.AppendUvarint(nil, math.MaxUint64)}), "stream"},
		{"stream length overflowing a uvarint", join(parts, map[string][]byte{"stream": overflow}), "stream"},
		{"version overflowing a uvarint", join(parts, map[string][]byte{"version": overflow}), "version"},
		{"version spelt non-minimally", join(parts, map[string][]byte{"version": nonMinimal(parts[3].b)}), "version"},
		{"stream length spelt non-minimally", join(parts, map[string][]byte{"stream": append(nonMinimal(binary.AppendUvarint(nil, uint64(len(ev.Stream)))), ev.Stream...)}), "stream"},
		{"zone offset spelt non-minimally", join(parts, map[string][]byte{"zone": nonMinimal(parts[7].b)}), "zone offset"},
		{"data length spelt non-minimally", join(parts, map[string][]byte{"data": append(nonMinimal(binary.AppendUvarint(nil, uint64(len(ev.Data)))), ev.Data...)}), "data"},
		{"schema over 16 bits", join(parts, map[string][]byte{"schema": binary.AppendUvarint(nil, 1<<16)}), "schema"},
		{"zone offset over +18:00", join(parts, map[string][]byte{"zone": binary.AppendVarint(nil, 18*3600+1)}), "zone offset"},
		{"zone offset under -18:00", join(parts, map[string][]byte{"zone": binary.AppendVarint(nil, -18*3600-1)}), "zone offset"},
	}
}

func TestDecodeRecordRejectsCorruption(t *testing.T) {
	ev := sealedExample(t, exampleOf(events.TypeCaseAccepted), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[1]))
	rec := events.AppendRecord(nil, &ev)
	for _, tc := range corruptions(ev) {
		t.Run(tc.name, func(t *testing.T) {
			for _, decode := range []func([]byte, *events.Event) error{events.DecodeRecord, events.DecodeRecordNoCopy} {
				var e events.Event
				err := decode(tc.rec, &e)
				wantError(t, err, events.ErrCorrupt, tc.msg)
			}
		})
	}
	t.Run("truncated at every length", func(t *testing.T) {
		for n := range len(rec) {
			var e events.Event
			if err := events.DecodeRecord(rec[:n], &e); !errors.Is(err, events.ErrCorrupt) {
				t.Fatalf("record cut to %d of %d bytes: %v, want ErrCorrupt", n, len(rec), err)
			}
		}
	})
}

// nonMinimal spells a varint with one byte more than needed: the same
// value, but not the canonical bytes.
func nonMinimal(v []byte) []byte {
	b := bytes.Clone(v)
	b[len(b)-1] |= 0x80
	return append(b, 0)
}

func TestDecodeRecordNoCopyAliases(t *testing.T) {
	ev := sealedExample(t, exampleOf(events.TypeCaseAccepted), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[1]))
	rec := events.AppendRecord(nil, &ev)
	var copied, aliased events.Event
	if err := events.DecodeRecord(rec, &copied); err != nil {
		t.Fatal(err)
	}
	if err := events.DecodeRecordNoCopy(rec, &aliased); err != nil {
		t.Fatal(err)
	}
	sameEvent(t, &aliased, &ev)
	at := bytes.Index(rec, ev.Data)
	rec[at] ^= 0x20 // the caller reuses the record buffer
	if aliased.Data[0] != rec[at] {
		t.Error("DecodeRecordNoCopy's Data does not alias the record")
	}
	if !bytes.Equal(copied.Data, ev.Data) {
		t.Error("DecodeRecord's Data changed with the record: it aliases")
	}
	rec[at] ^= 0x20
	// Appending to the aliased Data must not write over the rest of the record.
	_ = append(aliased.Data, "overwrite the prev hash"...)
	if !bytes.Equal(rec, events.AppendRecord(nil, &ev)) {
		t.Error("appending to the aliased Data wrote into the record")
	}
}

func TestDecodeRecordIntoAUsedEvent(t *testing.T) {
	a := sealedExample(t, exampleOf(events.TypeCaseReported), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[1]))
	b := events.Event{ID: ulid.MustParse(lineID), Stream: "case/C-9", Type: events.TypeCaseClosed, Schema: 1,
		OccurredAt: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), RecordedAt: recordedAt, Actor: events.Actor{Kind: events.ActorSystem, ID: "s"}}
	b.Seal(events.ZeroHash)
	var e events.Event
	if err := events.DecodeRecord(events.AppendRecord(nil, &a), &e); err != nil {
		t.Fatal(err)
	}
	if err := events.DecodeRecord(events.AppendRecord(nil, &b), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Data) != 0 || e.Actor.Unit != "" {
		t.Fatalf("fields of the previous event survive: data %q, unit %q", e.Data, e.Actor.Unit)
	}
	sameEvent(t, &e, &b)
}

// goldenEvents are pinned: their records must never change.
var goldenEvents = []struct {
	name string
	ev   func() events.Event
}{
	{"case-reported-first-in-stream", func() events.Event {
		return events.Event{
			ID: ulid.MustParse("01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA"), Stream: "case/2026-000001", Version: 0,
			Type: events.TypeCaseReported, Schema: 1,
			OccurredAt: time.Date(2026, 11, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)),
			RecordedAt: time.Date(2026, 11, 2, 1, 30, 0, 250000000, time.UTC),
			Actor:      events.Actor{Kind: events.ActorCitizen, ID: "S-1"},
			Data:       []byte(`{"channel":"hotline","category":"road.pothole","location":{"street":"st-1","grid":"g-1"},"reporter":"S-1","description":"路面坑洼","deadline_policy":"standard-5wd"}`),
		}
	}},
	{"case-accepted-chained", func() events.Event {
		return events.Event{
			ID: ulid.MustParse("01JD3Q1A2B3C4D5E6F7G8H9J0K"), Stream: "case/2026-000001", Version: 3,
			Type: events.TypeCaseAccepted, Schema: 1,
			OccurredAt: time.Date(2026, 11, 1, 22, 15, 30, 123456789, time.FixedZone("", -(5*3600+30*60))),
			RecordedAt: time.Date(2026, 11, 2, 3, 45, 31, 0, time.UTC),
			Actor:      events.Actor{Kind: events.ActorUnit, ID: "dept-roads", Unit: "dept-roads"},
			Data:       []byte(`{"unit":"dept-roads"}`),
			PrevHash:   events.Hash(sha256.Sum256([]byte("golden previous event"))),
		}
	}},
	{"unit-registered-utc", func() events.Event {
		return events.Event{
			ID: ulid.MustParse("01JD3Q0Z7M3M7ZJ3V7Q9W8X5TB"), Stream: "registry/units", Version: 11,
			Type: events.TypeUnitRegistered, Schema: 1,
			OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			RecordedAt: time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC),
			Actor:      events.Actor{Kind: events.ActorStaff, ID: "registrar", Unit: "d-1"},
			Data:       []byte(`{"unit":"dept-roads","name":"Roads department","kind":"department","parent":"d-1"}`),
			PrevHash:   events.Hash{0: 0xde, 1: 0xad, 30: 0xbe, 31: 0xef},
		}
	}},
}

// TestGoldenRecords pins the on-disk format: the canonical record of each
// fixed event equals testdata/golden/<name>.hex, and the file decodes to
// the event. Run with -update only for a deliberate format change (which
// also needs a new format byte).
func TestGoldenRecords(t *testing.T) {
	for _, g := range goldenEvents {
		t.Run(g.name, func(t *testing.T) {
			want := g.ev()
			want.Seal(want.PrevHash)
			rec := events.AppendRecord(nil, &want)
			path := filepath.Join("testdata", "golden", g.name+".hex")
			if *update {
				writeHex(t, path, rec)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./events -run TestGoldenRecords -update to create it)", err)
			}
			golden, err := hex.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !bytes.Equal(rec, golden) {
				at := 0
				for at < len(rec) && at < len(golden) && rec[at] == golden[at] {
					at++
				}
				t.Fatalf("the canonical record changed at byte %d (got %d bytes, golden %d): the on-disk format must not change by accident", at, len(rec), len(golden))
			}
			if _, _, err := events.VerifyRecord(golden); err != nil {
				t.Fatalf("golden record does not verify: %v", err)
			}
			var got events.Event
			if err := events.DecodeRecord(golden, &got); err != nil {
				t.Fatalf("golden record does not decode: %v", err)
			}
			sameEvent(t, &got, &want)
		})
	}
}

func writeHex(t *testing.T, path string, b []byte) {
	t.Helper()
	var sb strings.Builder
	h := hex.EncodeToString(b)
	for len(h) > 64 {
		sb.WriteString(h[:64] + "\n")
		h = h[64:]
	}
	sb.WriteString(h + "\n")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSameContent(t *testing.T) {
	base := sealedExample(t, exampleOf(events.TypeCaseReported), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[1]))
	decoded := func(e *events.Event) {
		var d events.Event
		if err := events.DecodeRecord(events.AppendRecord(nil, e), &d); err != nil {
			t.Fatal(err)
		}
		*e = d
	}
	tests := []struct {
		name   string
		change func(e *events.Event)
		same   bool
	}{
		{"identical", func(e *events.Event) {}, true},
		{"read back from its record", decoded, true},
		{"another version", func(e *events.Event) { e.Version = 9 }, true},
		{"another recorded_at", func(e *events.Event) { e.RecordedAt = e.RecordedAt.Add(time.Hour) }, true},
		{"other hashes", func(e *events.Event) { e.Seal(events.Hash{7}) }, true},
		{"zone name only", func(e *events.Event) { e.OccurredAt = e.OccurredAt.In(time.FixedZone("", 8*3600)) }, true},
		{"another id", func(e *events.Event) { e.ID[0] ^= 1 }, false},
		{"another stream", func(e *events.Event) { e.Stream = "case/C-2" }, false},
		{"another type", func(e *events.Event) { e.Type = events.TypeCaseClosed }, false},
		{"another schema", func(e *events.Event) { e.Schema = 2 }, false},
		{"another occurred_at", func(e *events.Event) { e.OccurredAt = e.OccurredAt.Add(time.Second) }, false},
		{"same instant in another zone", func(e *events.Event) { e.OccurredAt = e.OccurredAt.UTC() }, false},
		{"another actor kind", func(e *events.Event) { e.Actor.Kind = events.ActorSystem }, false},
		{"another actor id", func(e *events.Event) { e.Actor.ID = "op-2" }, false},
		{"another actor unit", func(e *events.Event) { e.Actor.Unit = "dept-roads" }, false},
		{"one data byte", func(e *events.Event) { e.Data[3] ^= 1 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			e.Data = bytes.Clone(base.Data)
			tc.change(&e)
			if got := events.SameContent(&base, &e); got != tc.same {
				t.Fatalf("SameContent = %v, want %v", got, tc.same)
			}
			if got := events.SameContent(&e, &base); got != tc.same {
				t.Fatalf("SameContent is not symmetric")
			}
		})
	}
	t.Run("nil and empty data", func(t *testing.T) {
		a, b := base, base
		a.Data, b.Data = nil, []byte{}
		if !events.SameContent(&a, &b) {
			t.Fatal("nil and empty payloads differ")
		}
	})
	t.Run("monotonic clock reading", func(t *testing.T) {
		a, b := base, base
		a.OccurredAt = time.Now()
		b.OccurredAt = a.OccurredAt.Round(0)
		if !events.SameContent(&a, &b) {
			t.Fatal("the monotonic clock reading counts as content")
		}
	})
}
