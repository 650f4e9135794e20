package events_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
)

// FuzzParseLine: ParseLine never panics, refuses with a catalogue sentinel,
// and a line it accepts becomes an event whose canonical payload re-parses
// to identical bytes, which survives the record codec, and whose canonical
// rendering as a line parses back to the same content.
func FuzzParseLine(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte) {
		l, err := events.ParseLine(line)
		if err != nil {
			if !errors.Is(err, events.ErrInvalid) && !errors.Is(err, events.ErrUnknownType) &&
				!errors.Is(err, events.ErrUnsupportedSchema) && !errors.Is(err, events.ErrTooLarge) {
				t.Fatalf("refusal wraps no catalogue sentinel: %v", err)
			}
			return
		}
		if l.Expected != nil && *l.Expected < -1 {
			t.Fatalf("accepted expected_version %d", *l.Expected)
		}
		ev, err := l.Draft.Event()
		if errors.Is(err, events.ErrUnsealed) {
			return // a subject's plain text: the ledger seals it first
		}
		if err != nil {
			t.Fatalf("ParseLine accepted a line Draft.Event refuses: %v", err)
		}
		p, err := events.DecodePayload(ev.Type, ev.Schema, ev.Data)
		if err != nil {
			t.Fatalf("canonical payload %s does not re-parse: %v", ev.Data, err)
		}
		again, err := events.EncodePayload(p)
		if err != nil || !bytes.Equal(again, ev.Data) {
			t.Fatalf("canonical payload is not stable:\n%s\n%s (%v)", ev.Data, again, err)
		}

		ev.Version, ev.RecordedAt = 0, recordedAt
		ev.Seal(events.ZeroHash)
		var back events.Event
		if err := events.DecodeRecord(events.AppendRecord(nil, &ev), &back); err != nil {
			t.Fatalf("an accepted event cannot be read back from its record: %v", err)
		}
		if !events.SameContent(&back, &ev) || back.Hash != ev.Hash {
			t.Fatal("an accepted event reads back from its record as another event")
		}

		actor, _ := json.Marshal(ev.Actor)
		canon := fmt.Sprintf(`{"id":%q,"stream":%s,"type":%q,"schema":%d,"occurred_at":%q,"actor":%s,"data":%s}`,
			ev.ID, quote(ev.Stream), ev.Type, ev.Schema, ev.OccurredAt.Format(time.RFC3339Nano), actor, ev.Data)
		l2, err := events.ParseLine([]byte(canon))
		if err != nil {
			t.Fatalf("the canonical rendering %s is refused: %v", canon, err)
		}
		ev2, err := l2.Draft.Event()
		if err != nil || !events.SameContent(&ev2, &ev) {
			t.Fatalf("the canonical rendering %s means another event (%v)", canon, err)
		}
	})
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// FuzzDecodeRecord: DecodeRecord never panics, refuses with ErrCorrupt, and
// a record it accepts is canonical: re-encoding gives the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	f.Fuzz(func(t *testing.T, rec []byte) {
		var e, n events.Event
		err := events.DecodeRecord(rec, &e)
		errNoCopy := events.DecodeRecordNoCopy(rec, &n)
		if (err == nil) != (errNoCopy == nil) {
			t.Fatalf("DecodeRecord: %v; DecodeRecordNoCopy: %v", err, errNoCopy)
		}
		var v events.RecordView
		if verr := events.ParseRecordView(rec, &v); (verr == nil) != (err == nil) || (verr != nil && verr.Error() != err.Error()) {
			t.Fatalf("DecodeRecord: %v; ParseRecordView: %v", err, verr)
		}
		if err == nil && (string(v.Stream) != e.Stream || v.Version != e.Version || v.PrevHash != e.PrevHash ||
			v.Hash != e.Hash || !bytes.Equal(v.Body, events.RecordBody(rec))) {
			t.Fatalf("ParseRecordView reads %+v, DecodeRecord %+v", v, e)
		}
		if err != nil {
			if !errors.Is(err, events.ErrCorrupt) {
				t.Fatalf("refusal does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		if got := events.AppendRecord(nil, &e); !bytes.Equal(got, rec) {
			t.Fatalf("record is not canonical: re-encodes as\n%x\nnot\n%x", got, rec)
		}
		if got := events.AppendRecord(nil, &n); !bytes.Equal(got, rec) {
			t.Fatal("DecodeRecordNoCopy reads another event")
		}
		stored, computed, verr := events.VerifyRecord(rec)
		if stored != e.Hash || computed != events.HashBody(events.AppendBody(nil, &e)) {
			t.Fatal("VerifyRecord disagrees with the decoded event")
		}
		if (verr == nil) != (stored == computed) {
			t.Fatalf("VerifyRecord: %v with stored %s, computed %s", verr, stored, computed)
		}
	})
}

// maxSeedBytes keeps the generated corpus small: the fuzzer mutates small
// inputs far faster, and the size limits are unit-tested.
const maxSeedBytes = 8 << 10

// seeds returns the generated seed corpus of each fuzz target: a valid input
// for every catalogue type and every bad input of the unit-test catalogues.
func seeds(t *testing.T) map[string]map[string][]byte {
	line := map[string][]byte{}
	record := map[string][]byte{}
	for _, ex := range examples {
		line["valid-"+ex.typ] = []byte(lineOf(ex).String())
		for i, z := range zones[:3] {
			ev := sealedExample(t, ex, time.Date(2026, 11, 2, 9, 30, 0, i*1000, z))
			record[fmt.Sprintf("valid-%s-%d", ex.typ, i)] = events.AppendRecord(nil, &ev)
		}
	}
	for _, tc := range badLines {
		line["bad-"+slug(tc.name)] = []byte(tc.line)
	}
	for _, tc := range badPayloads {
		if _, known := events.Lookup(tc.typ); !known || tc.data == "" {
			continue
		}
		f := lineOf(exampleOf(tc.typ)).with("data", tc.data)
		if tc.schema != 0 {
			f = f.with("schema", itoa(tc.schema))
		}
		line["bad-payload-"+slug(tc.name)] = []byte(f.String())
	}
	for _, g := range goldenEvents {
		ev := g.ev()
		ev.Seal(ev.PrevHash)
		record["golden-"+g.name] = events.AppendRecord(nil, &ev)
	}
	ev := sealedExample(t, exampleOf(events.TypeCaseAccepted), time.Date(2026, 11, 2, 9, 30, 0, 0, zones[1]))
	for _, c := range corruptions(ev) {
		record["bad-"+slug(c.name)] = c.rec
	}
	out := map[string]map[string][]byte{"FuzzParseLine": line, "FuzzDecodeRecord": record}
	for _, corpus := range out {
		for name, b := range corpus {
			if len(b) > maxSeedBytes {
				delete(corpus, name)
			}
		}
	}
	return out
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r == ' ' || r == '_':
			return '-'
		}
		return -1
	}, s)
}

// corpusFile is Go's seed corpus file format for one []byte argument.
func corpusFile(b []byte) []byte { return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b) }

// TestFuzzSeedCorpus keeps testdata/fuzz in step with the catalogues: a new
// type or bad input must be in the seed corpus (run with -update). Files
// named otherwise (crashers the fuzzer kept) are left alone.
func TestFuzzSeedCorpus(t *testing.T) {
	for target, corpus := range seeds(t) {
		dir := filepath.Join("testdata", "fuzz", target)
		if *update {
			old, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, path := range old {
				name := filepath.Base(path)
				if _, keep := corpus[name]; !keep && (strings.HasPrefix(name, "valid-") || strings.HasPrefix(name, "bad-") || strings.HasPrefix(name, "golden-")) {
					os.Remove(path)
				}
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for name, b := range corpus {
			path := filepath.Join(dir, name)
			if *update {
				if err := os.WriteFile(path, corpusFile(b), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, corpusFile(b)) {
				t.Errorf("%s is missing or stale (run go test ./events -run TestFuzzSeedCorpus -update)", path)
			}
		}
	}
}
