package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
)

func TestReplayAuditDiff(t *testing.T) {
	dir := quickstarted(t)
	tmp := t.TempDir()
	at := func(name string) string { return filepath.Join(tmp, name) }

	// June-style: the ledger as it stood at the start of the third day,
	// and as it stands now.
	out := mustRun(t, "replay", "--dir", dir, "--as-of", "2026-10-03", "--projection", "timeliness", "--projection", "ratings", "--manifest", at("then.json"))
	for _, want := range []string{"replay: as of 2026-10-03T00:00:00+08:00 (recorded time)", "positions 1..", "timeliness/v1", "ratings/v1", "digest", "wrote "} {
		if !strings.Contains(out, want) {
			t.Errorf("replay output lacks %q:\n%s", want, out)
		}
	}
	then := readManifestFile(t, at("then.json"))
	head := then.Ledger.TreeSize
	s, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	now, _ := s.Head(context.Background())
	s.Close()
	if head == 0 || head >= now {
		t.Fatalf("as-of replay scanned %d of %d positions", head, now)
	}
	mustRun(t, "replay", "--dir", dir, "--position", itoa(now), "--projection", "timeliness", "--projection", "ratings", "--manifest", at("now.json"))

	// An honest manifest matches.
	if out := mustRun(t, "audit", "--dir", dir, "--manifest", at("then.json")); !strings.Contains(out, "MATCH ") || !strings.Contains(out, "root "+then.Ledger.Root+" matches") {
		t.Fatalf("audit:\n%s", out)
	}

	// An edited figure is caught, named, and explained.
	edited := editFirstCount(t, at("then.json"), at("edited.json"))
	code, out, errOut := runCLI(t, "", "audit", "--dir", dir, "--manifest", at("edited.json"))
	if code != exitMismatch {
		t.Fatalf("audit of an edited manifest: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"MISMATCH 1 of", "first differing figure:", "row:        " + edited.Row, "column:     " + edited.Column, "published:  " + edited.Published,
		"replayed:   " + edited.Replayed, "events that changed the replayed figure", "position "} {
		if !strings.Contains(out, want) {
			t.Errorf("audit output lacks %q:\n%s", want, out)
		}
	}

	// Then and now differ, explained by events after then.
	code, out, _ = runCLI(t, "", "diff", at("then.json"), at("now.json"), "--dir", dir, "--max", "2")
	if code != exitMismatch || !strings.Contains(out, "ledger.tree_size") || !strings.Contains(out, "changed  ") || !strings.Contains(out, "events that changed it under B's cutoff in positions "+itoa(head+1)) {
		t.Fatalf("diff: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "", "diff", at("then.json"), at("then.json")); code != exitOK || !strings.Contains(out, "IDENTICAL") {
		t.Fatalf("diff of a manifest with itself: exit %d\n%s", code, out)
	}

	// A checkpoint: signed with the ledger's key, it replays; under
	// another key, or another ledger's, it is refused.
	skey, vkey, err := ledgerKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	origin := ledgerOrigin(dir)
	note, err := integrity.SignCheckpoint(skey, integrity.Checkpoint{Origin: origin, Size: head, Root: rootAt(t, dir, head)})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(at("cp.note"), note, 0o644)
	os.WriteFile(at("cp.pub"), []byte(vkey+"\n"), 0o644)
	out = mustRun(t, "replay", "--dir", dir, "--checkpoint", at("cp.note"), "--key", at("cp.pub"), "--projection", "all", "--manifest", at("cp.json"))
	cpm := readManifestFile(t, at("cp.json"))
	if cpm.Ledger.Checkpoint != string(note) || cpm.Ledger.Origin != origin || origin == "" || cpm.Ledger.Root != then.Ledger.Root || len(cpm.Projections) < 5 {
		t.Fatalf("checkpoint manifest %+v\n%s", cpm.Ledger, out)
	}
	if out := mustRun(t, "audit", "--dir", dir, "--manifest", at("cp.json")); !strings.Contains(out, "MATCH") {
		t.Fatalf("audit of the checkpoint replay:\n%s", out)
	}
	_, other, _ := integrity.GenerateKey(origin)
	if code, _, errOut := runCLI(t, "", "replay", "--dir", dir, "--checkpoint", at("cp.note"), "--key", other, "--projection", "timeliness", "--manifest", at("x.json")); code != exitCheckpoint || !strings.Contains(errOut, "signature") {
		t.Fatalf("a checkpoint under another key: exit %d %s", code, errOut)
	}
	oskey, ovkey, _ := integrity.GenerateKey("elsewhere.example/ledger")
	onote, _ := integrity.SignCheckpoint(oskey, integrity.Checkpoint{Origin: "elsewhere.example/ledger", Size: head, Root: rootAt(t, dir, head)})
	os.WriteFile(at("other.note"), onote, 0o644)
	if code, _, errOut := runCLI(t, "", "replay", "--dir", dir, "--checkpoint", at("other.note"), "--key", ovkey, "--projection", "timeliness", "--manifest", at("x.json")); code != exitCheckpoint || !strings.Contains(errOut, "elsewhere.example/ledger") {
		t.Fatalf("another ledger's checkpoint: exit %d %s", code, errOut)
	}
	forged, _ := integrity.SignCheckpoint(skey, integrity.Checkpoint{Origin: origin, Size: head, Root: rootAt(t, dir, head-1)})
	os.WriteFile(at("forged.note"), forged, 0o644)
	if code, out, _ := runCLI(t, "", "replay", "--dir", dir, "--checkpoint", at("forged.note"), "--key", vkey, "--projection", "timeliness", "--manifest", at("x.json")); code != exitTampered || !strings.Contains(out, "FINDING root-mismatch") {
		t.Fatalf("a checkpoint whose root is not the ledger's: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(at("x.json")); err == nil {
		t.Fatal("a manifest was written from a refused replay")
	}

	// Usage.
	for _, args := range [][]string{
		{"replay", "--dir", dir, "--projection", "timeliness", "--manifest", at("x.json")},
		{"replay", "--dir", dir, "--position", "3", "--as-of", "2026-10-02", "--projection", "timeliness", "--manifest", at("x.json")},
		{"replay", "--dir", dir, "--position", "3", "--projection", "nope", "--manifest", at("x.json")},
		{"replay", "--dir", dir, "--position", itoa(now + 1), "--projection", "timeliness", "--manifest", at("x.json")},
		{"diff", at("then.json")},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d %s", args, code, errOut)
		}
	}

	// A tampered ledger: no replay, no audit.
	editRecord(t, dir, 50)
	if code, out, _ := runCLI(t, "", "replay", "--dir", dir, "--position", "60", "--projection", "timeliness", "--manifest", at("x.json")); code != exitTampered || !strings.Contains(out, "FINDING hash-mismatch") || !strings.Contains(out, "position: 50") {
		t.Fatalf("replay of a tampered ledger: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "", "audit", "--dir", dir, "--manifest", at("then.json")); code != exitTampered || !strings.Contains(out, "position: 50") {
		t.Fatalf("audit on a tampered ledger: exit %d\n%s", code, out)
	}
}

func itoa(n uint64) string  { return strconv.FormatUint(n, 10) }
func uitoa(n uint64) string { return itoa(n) }

func readManifestFile(t *testing.T, path string) *replay.Manifest {
	t.Helper()
	m, err := readManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// editFirstCount adds 1 to the first non-zero count of the manifest's
// first table and writes it to out.
func editFirstCount(t *testing.T, in, out string) replay.Mismatch {
	t.Helper()
	m := readManifestFile(t, in)
	tab := m.Projections[0].Reports[0]
	for _, row := range tab.Rows {
		for c, col := range tab.Columns {
			if col.Kind != "count" || string(row[c]) == "0" {
				continue
			}
			var n int
			if err := json.Unmarshal(row[c], &n); err != nil {
				t.Fatal(err)
			}
			var key string
			json.Unmarshal(row[0], &key)
			mm := replay.Mismatch{FigureID: replay.FigureID{Row: key, Column: col.Key}, Published: uitoa(uint64(n + 1)), Replayed: uitoa(uint64(n))}
			row[c] = []byte(mm.Published)
			var b bytes.Buffer
			if err := replay.WriteManifest(&b, m); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return mm
		}
	}
	t.Fatal("no count to edit")
	return replay.Mismatch{}
}

// rootAt is the Merkle root of the ledger's first n events.
func rootAt(t *testing.T, dir string, n uint64) [32]byte {
	t.Helper()
	s, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := integrity.NewTree()
	s.ReadAll(context.Background(), 1, func(r store.Record) error {
		if r.Position > n {
			return context.Canceled
		}
		tr.Add(r.Event.Hash)
		return nil
	})
	return tr.Root()
}

// editRecord flips a byte inside the payload of the event at pos, in place.
func editRecord(t *testing.T, dir string, pos byte) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := append([]byte{'L'}, 0, 0, 0, 0, 0, 0, 0, pos)
	v, closer, err := db.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	rec := append([]byte(nil), v...)
	closer.Close()
	i := bytes.Index(rec, []byte(`"unit":"`))
	if i < 0 {
		i = bytes.IndexByte(rec, '{')
	}
	rec[i+2] ^= 0x01
	if err := db.Set(key, rec, pebble.Sync); err != nil {
		t.Fatal(err)
	}
}
