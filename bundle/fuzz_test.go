package bundle

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
)

// seedRecords are a few sealed events of several shapes.
func seedRecords() []store.Record {
	var recs []store.Record
	var prev events.Hash
	for i, data := range []string{`{"case":"C-1","sealed":{"subject":"S-1","sealed":"AAEC"}}`, "", "\xff\x00", `[1,{"a":"é\n"}]`} {
		e := events.Event{Stream: "case/C-1", Version: uint64(i), Type: events.TypeCaseReported, Schema: 1,
			OccurredAt: time.Date(2026, 6, 1, 9, 0, i, 5*i, time.FixedZone("", -(3*3600+30*60)*(i%2))),
			RecordedAt: time.Date(2026, 6, 1, 1, 0, 0, i, time.UTC),
			Actor:      events.Actor{Kind: events.ActorStaff, ID: "st\"aff", Unit: ""}, Data: []byte(data)}
		e.ID[0], e.ID[15] = byte(i), 1
		e.Seal(prev)
		prev = e.Hash
		recs = append(recs, store.Record{Position: uint64(i + 1), Event: e})
	}
	return recs
}

func seedLines(tb testing.TB) [][]byte {
	var out [][]byte
	for _, r := range seedRecords() {
		l, err := appendLine(nil, &r)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestLinesReencode: every line Write writes reads back into an event
// that encodes to the very same line.
func TestLinesReencode(t *testing.T) {
	for _, l := range seedLines(t) {
		var d lineDecoder
		var rec store.Record
		if err := d.decode(bytes.TrimSuffix(l, []byte("\n")), &rec); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		again, err := appendLine(nil, &rec)
		if err != nil || !bytes.Equal(again, l) {
			t.Fatalf("re-encoded\n%s\nas\n%s (%v)", l, again, err)
		}
	}
}

func FuzzReadLine(f *testing.F) {
	for _, l := range seedLines(f) {
		f.Add(bytes.TrimSuffix(l, []byte("\n")))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r := lineReader{head: math.MaxUint64}
		var rec store.Record
		err := r.next(line, false, &rec)
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || !errors.Is(err, events.ErrCorrupt) || le.Line != 1 || le.Position != 1 {
				t.Fatalf("error %#v is not a *LineError at line 1", err)
			}
			return
		}
		// What reads encodes, and the encoding reads back to the same
		// event and encodes to itself.
		enc, err := appendLine(nil, &rec)
		if err != nil {
			t.Fatalf("%q read but does not encode: %v", line, err)
		}
		var d lineDecoder
		var again store.Record
		if err := d.decode(bytes.TrimSuffix(enc, []byte("\n")), &again); err != nil {
			t.Fatalf("%s does not read back: %v", enc, err)
		}
		if again.Position != rec.Position || !bytes.Equal(events.AppendRecord(nil, &again.Event), events.AppendRecord(nil, &rec.Event)) {
			t.Fatalf("%q read as %+v, its encoding as %+v", line, rec, again)
		}
		if enc2, _ := appendLine(nil, &again); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", enc, enc2)
		}
	})
}

// FuzzOpenBundle opens bundles whose events file is the input and
// verifies them as a verifier would: nothing panics, reading errors are
// *LineError, and verification always completes. Run it with
// -fuzzminimizetime 1s: inputs here find new coverage often, and the
// default minimises each for 60s, which looks like a stalled fuzzer.
func FuzzOpenBundle(f *testing.F) {
	var all []byte
	for _, l := range seedLines(f) {
		all = append(all, l...)
	}
	f.Add(all)
	f.Add(all[:len(all)-1])
	f.Add(append(bytes.Clone(all), all...))
	_, verifier, err := integrity.GenerateKey("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	// Write syncs: write the rest of the bundle once.
	template := filepath.Join(f.TempDir(), "b")
	if _, err := Write(context.Background(), template, sliceSource(nil), Meta{VerifierKey: verifier}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		// Inputs run one at a time in a process: one directory serves all.
		dir := template
		if err := os.WriteFile(filepath.Join(dir, EventsFile), content, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := Open(dir)
		if err != nil {
			t.Fatal(err) // only the events file changed, and it is read lazily
		}
		err = b.ReadAll(context.Background(), 1, func(store.Record) error { return nil })
		var le *LineError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("ReadAll: %v is not a *LineError", err)
		}
		if _, err := replay.Verify(context.Background(), b, nil); err != nil {
			t.Fatalf("verify: %v", err)
		}
	})
}

type sliceSource []store.Record

func (s sliceSource) Head(context.Context) (uint64, error) { return uint64(len(s)), nil }
func (s sliceSource) ReadAll(_ context.Context, from uint64, fn func(store.Record) error) error {
	for _, r := range s {
		if r.Position >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}
