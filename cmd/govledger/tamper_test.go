package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/internal/tamper"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// TestTamperScenarios builds one small ledger, signs a checkpoint of it,
// and tampers copies of it the way an insider with disk access would
// (scenario-named fixtures). verify --checkpoint must refuse each with its
// documented exit code and, for a tampered ledger, name the first
// position that differs with the expected and the actual evidence; prove
// inclusion of the tampered position must refuse too. The untampered
// ledger verifies and proves, so that each fixture is a real difference.
func TestTamperScenarios(t *testing.T) {
	tmp := t.TempDir()
	base := filepath.Join(tmp, "ledger")
	mustRun(t, "quickstart", "--dir", base, "--cases", "60", "--days", "1", "--seed", "7")
	cp := filepath.Join(tmp, "cp")
	mustRun(t, "checkpoint", "--dir", base, "--out", cp)
	other := filepath.Join(tmp, "other") // a ledger of its own, with its own key
	if code, out, errOut := runCLI(t, lines(t, eventstest.New().District()...), "append", "--dir", other, "-"); code != exitOK {
		t.Fatalf("append: exit %d\n%s%s", code, out, errOut)
	}
	otherCP := filepath.Join(tmp, "other-cp")
	mustRun(t, "checkpoint", "--dir", other, "--out", otherCP)
	badSig := filepath.Join(tmp, "bad-sig-cp")
	if err := os.WriteFile(badSig, flipSignatureByte(t, cp), 0o644); err != nil {
		t.Fatal(err)
	}

	lg := viewLedger(t, base)
	head := uint64(len(lg.recs))
	// p: a dispatch in the second half of the ledger, followed in its
	// case by a later event.
	p := lg.find(t, func(r store.Record) bool {
		return r.Position > head/2 && r.Event.Type == events.TypeCaseDispatched && lg.next(r.Position) != 0
	})
	pNext := lg.next(p)
	// a, a+1: neighbours of two different streams, none of whose other
	// events lies between them: swapped, every chain still holds.
	a := lg.find(t, func(r store.Record) bool {
		return r.Position > head/2 && r.Position < head && lg.recs[r.Position].Event.Stream != r.Event.Stream
	})
	stream := lg.stream(p)
	const cut = 3
	// The first event the rewrite changes: the stream's first dispatch or
	// resolution.
	firstChanged := lg.find(t, func(r store.Record) bool {
		return r.Event.Stream == stream && (r.Event.Type == events.TypeCaseDispatched || r.Event.Type == events.TypeCaseResolved)
	})

	rewrite := func(dir string) {
		err := tamper.RewriteStream(dir, stream, func(e *events.Event) {
			pl, err := e.Payload()
			if err != nil {
				t.Fatal(err)
			}
			switch pl := pl.(type) {
			case *events.CaseDispatched:
				pl.ToUnit = "dept-elsewhere" // the case went somewhere else
			case *events.CaseResolved:
				pl.Outcome = map[bool]string{true: events.OutcomeExplained, false: events.OutcomeFixed}[pl.Outcome == events.OutcomeFixed]
			default:
				return
			}
			if e.Data, err = events.EncodePayload(pl); err != nil {
				t.Fatal(err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	do := func(fns ...func(string) error) func(string) {
		return func(dir string) {
			for _, fn := range fns {
				if err := fn(dir); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	chainKinds := []string{integrity.HashMismatch, integrity.ChainBroken, integrity.VersionGap, integrity.PositionGap}

	for _, sc := range []struct {
		name   string
		tamper func(dir string) // nil: the ledger is left as it is
		args   []string         // verify flags besides --dir and --checkpoint cp
		code   int
		// The first finding (exit 4).
		kind string
		pos  uint64
		// Kinds that must not be reported: what does not catch it.
		not []string
		// Position whose inclusion proof must be refused (exit 4).
		prove uint64
		// What stderr must say (exit 6).
		refused string
		// What the output must also say.
		also string
		// A position the stored Merkle log must pin down: a
		// merkle-log-mismatch finding on the block of 16 holding it.
		located uint64
	}{
		{name: "payload-byte-edited", tamper: do(func(d string) error { return tamper.EditPayloadByte(d, p) }),
			code: exitTampered, kind: integrity.HashMismatch, pos: p, prove: p},
		{name: "hash-recomputed-after-edit", tamper: do(func(d string) error { return tamper.RehashAfterEdit(d, p) }),
			code: exitTampered, kind: integrity.ChainBroken, pos: pNext, prove: p, located: p},
		// Every later event moves down one: the next of p's stream is
		// at pNext-1 and follows p's predecessor.
		{name: "event-dropped", tamper: do(func(d string) error { return tamper.DropEvent(d, p) }),
			code: exitTampered, kind: integrity.VersionGap, pos: pNext - 1, prove: p,
			also: fmt.Sprintf("ends at position %d: 1 signed event(s) are gone (cut from the end, or dropped before it", head-1)},
		{name: "events-swapped-within-a-stream", tamper: do(func(d string) error { return tamper.SwapEvents(d, p, pNext) }),
			code: exitTampered, kind: integrity.VersionGap, pos: p, prove: p},
		{name: "events-swapped-across-streams", tamper: do(func(d string) error { return tamper.SwapEvents(d, a, a+1) }),
			code: exitTampered, kind: integrity.RootMismatch, pos: head, not: chainKinds, prove: a, located: a},
		{name: "stream-rewritten-and-rehashed", tamper: rewrite,
			code: exitTampered, kind: integrity.RootMismatch, pos: head, not: chainKinds, prove: p, located: firstChanged},
		{name: "stream-rewritten-rehashed-and-merkle-log-rebuilt", tamper: func(d string) { rewrite(d); do(tamper.DropMerkleLog)(d) },
			code: exitTampered, kind: integrity.RootMismatch, pos: head, not: append(chainKinds, integrity.LogMismatch), prove: p},
		{name: "log-truncated", tamper: do(func(d string) error { return tamper.Truncate(d, cut) }),
			code: exitTampered, kind: integrity.Truncated, pos: head - cut + 1, not: chainKinds, prove: head - cut,
			also: fmt.Sprintf("ends at position %d: %d signed event(s) are gone", head-cut, cut)},
		{name: "log-truncated-and-merkle-log-rebuilt", tamper: do(func(d string) error { return tamper.Truncate(d, cut) }, tamper.DropMerkleLog),
			code: exitTampered, kind: integrity.Truncated, pos: head - cut + 1, not: append(chainKinds, integrity.LogMismatch), prove: head - cut},
		{name: "checkpoint-with-bad-signature", args: []string{"--checkpoint", badSig},
			code: exitCheckpoint, refused: "signature by govledger/"},
		{name: "checkpoint-of-another-ledger", args: []string{"--checkpoint", otherCP},
			code: exitCheckpoint, refused: "no signature by govledger/"},
		{name: "checkpoint-of-another-ledger-with-its-key", args: []string{"--checkpoint", otherCP, "--key", filepath.Join(other, verifierKeyFile)},
			code: exitCheckpoint, refused: "checkpoint is for another origin"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "ledger")
			copyDir(t, base, dir)
			if sc.tamper != nil {
				sc.tamper(dir)
			}
			args := append([]string{"verify", "--dir", dir, "--checkpoint", cp}, sc.args...)
			code, out, errOut := runCLI(t, "", args...)
			if code != sc.code {
				t.Fatalf("verify: exit %d, want %d\n%s%s", code, sc.code, out, errOut)
			}
			if sc.code == exitCheckpoint {
				if !strings.Contains(errOut, sc.refused) || !strings.Contains(errOut, "refused") && !strings.Contains(errOut, "--key") {
					t.Fatalf("verify stderr does not say why the checkpoint is refused (%q):\n%s", sc.refused, errOut)
				}
				return
			}
			fs := findings(out)
			if len(fs) == 0 {
				t.Fatalf("exit 4 without a finding:\n%s", out)
			}
			if f := fs[0]; f.kind != sc.kind || f.pos != sc.pos || f.expected == "" || f.actual == "" || f.expected == f.actual {
				t.Fatalf("first finding %+v, want %s at position %d with its evidence\n%s", f, sc.kind, sc.pos, out)
			}
			if !strings.Contains(out, sc.also) {
				t.Errorf("verify output lacks %q\n%s", sc.also, out)
			}
			seen := map[printedFinding]bool{}
			for _, f := range fs {
				if seen[f] {
					t.Errorf("finding %s at %d printed twice (one checkpoint, kept by the ledger and given as a file)\n%s", f.kind, f.pos, out)
				}
				seen[f] = true
				for _, k := range sc.not {
					if f.kind == k {
						t.Errorf("finding %s at %d: this tamper should only show against the checkpoint\n%s", f.kind, f.pos, out)
					}
				}
			}
			if !strings.Contains(out, "verify: FAILED") {
				t.Errorf("no verdict line:\n%s", out)
			}
			if sc.located != 0 {
				block := (sc.located-1)/16*16 + 1
				if !slices.ContainsFunc(fs, func(f printedFinding) bool { return f.kind == integrity.LogMismatch && f.pos == block }) {
					t.Errorf("no merkle-log-mismatch pinning position %d down to its block at %d\n%s", sc.located, block, out)
				}
			}
			code, out, errOut = runCLI(t, "", "prove", "inclusion", "--dir", dir, "--checkpoint", cp, strconv.FormatUint(sc.prove, 10))
			if code != exitTampered || out != "" || !strings.Contains(errOut, "govledger prove: ") || strings.Contains(errOut, "calculated root:") {
				t.Fatalf("prove inclusion %d of a tampered ledger: exit %d, want %d with a reason\n%s%s", sc.prove, code, exitTampered, out, errOut)
			}
		})
	}

	t.Run("untampered", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "ledger")
		copyDir(t, base, dir) // base itself is being copied by the others
		out := mustRun(t, "verify", "--dir", dir, "--checkpoint", cp)
		if !strings.Contains(out, "verify: OK") || !strings.Contains(out, "signed checkpoint(s) match") {
			t.Fatalf("verify of the untampered ledger:\n%s", out)
		}
		for _, pos := range []uint64{p, pNext, a, head - cut} {
			mustRun(t, "prove", "inclusion", "--dir", dir, "--checkpoint", cp, strconv.FormatUint(pos, 10))
		}
	})
}

// ledgerView is a ledger read into memory, to choose where to tamper.
type ledgerView struct {
	recs     []store.Record      // recs[i] is at position i+1
	byStream map[string][]uint64 // each stream's positions, in version order
}

func viewLedger(t *testing.T, dir string) *ledgerView {
	t.Helper()
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := &ledgerView{byStream: map[string][]uint64{}}
	err = s.ReadAll(context.Background(), 1, func(r store.Record) error {
		r.Event.Data = bytes.Clone(r.Event.Data)
		v.recs = append(v.recs, r)
		v.byStream[r.Event.Stream] = append(v.byStream[r.Event.Stream], r.Position)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (v *ledgerView) stream(pos uint64) string { return v.recs[pos-1].Event.Stream }

// next returns the position of the next event of pos's stream, 0 if none.
func (v *ledgerView) next(pos uint64) uint64 {
	ps := v.byStream[v.stream(pos)]
	for i, p := range ps {
		if p == pos && i+1 < len(ps) {
			return ps[i+1]
		}
	}
	return 0
}

// find returns the position of the first record that ok accepts.
func (v *ledgerView) find(t *testing.T, ok func(store.Record) bool) uint64 {
	t.Helper()
	for _, r := range v.recs {
		if ok(r) {
			return r.Position
		}
	}
	t.Fatal("the test ledger has no event to tamper with")
	return 0
}

// printedFinding is a finding as verify prints it.
type printedFinding struct {
	kind             string
	pos              uint64
	expected, actual string
}

var findingRE = regexp.MustCompile(`(?m)^FINDING (\S+)\n  position: (\d+)\n  stream: .*\n  expected: (.*)\n  actual:   (.*)$`)

func findings(out string) []printedFinding {
	var fs []printedFinding
	for _, m := range findingRE.FindAllStringSubmatch(out, -1) {
		pos, _ := strconv.ParseUint(m[2], 10, 64)
		fs = append(fs, printedFinding{kind: m[1], pos: pos, expected: m[3], actual: m[4]})
	}
	return fs
}

// flipSignatureByte returns the signed note in file with one byte of its
// ed25519 signature flipped (the base64 re-encoded, so that the note
// still parses).
func flipSignatureByte(t *testing.T, file string) []byte {
	t.Helper()
	note, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(note), "\n"), "\n")
	last := lines[len(lines)-1]
	i := strings.LastIndexByte(last, ' ')
	sig, err := base64.StdEncoding.DecodeString(last[i+1:])
	if err != nil || len(sig) != 4+64 || !strings.HasPrefix(last, "— ") {
		t.Fatalf("unexpected signature line %q", last)
	}
	sig[4+10] ^= 0x01 // after the 4-byte key hash
	lines[len(lines)-1] = last[:i+1] + base64.StdEncoding.EncodeToString(sig)
	return []byte(strings.Join(lines, "\n") + "\n")
}

// copyDir copies a closed ledger directory, file modes kept.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			t.Fatalf("%s in a ledger directory is not a file", e.Name())
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return out.Close()
}
