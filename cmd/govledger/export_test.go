package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportAndVerifyBundle(t *testing.T) {
	dir := quickstarted(t)
	pub := filepath.Join(dir, "checkpoint.pub")
	os.Rename(pub, pub+".away")
	code, _, errOut := runCLI(t, "", "export", "--dir", dir, "--bundle", filepath.Join(t.TempDir(), "b"))
	if code != exitError || !strings.Contains(errOut, "run govledger checkpoint first") {
		t.Fatalf("export without a key: exit %d %s", code, errOut)
	}
	os.Rename(pub+".away", pub)
	mustRun(t, "checkpoint", "--dir", dir)
	vkey := strings.TrimSpace(mustRun(t, "key", "--dir", dir))
	b := filepath.Join(t.TempDir(), "bundle")
	out := mustRun(t, "export", "--dir", dir, "--bundle", b)
	if !strings.Contains(out, "checkpoints:  1 signed") || !strings.Contains(out, "events/s") {
		t.Fatalf("export:\n%s", out)
	}
	if code, _, errOut := runCLI(t, "", "export", "--dir", dir, "--bundle", b); code != exitError || !strings.Contains(errOut, "not empty") {
		t.Fatalf("export over a bundle: exit %d %s", code, errOut)
	}

	out = mustRun(t, "verify", "--bundle", b)
	if !strings.Contains(out, "WARNING: no --key") || !strings.Contains(out, "verify: OK") || !strings.Contains(out, "1 signed checkpoint(s) match") {
		t.Fatalf("verify --bundle:\n%s", out)
	}
	out = mustRun(t, "verify", "--bundle", b, "--key", vkey)
	if strings.Contains(out, "WARNING") || !strings.Contains(out, "verify: OK") {
		t.Fatalf("verify --bundle --key:\n%s", out)
	}

	// Another ledger's key: refused.
	other := quickstarted(t)
	mustRun(t, "checkpoint", "--dir", other)
	okey := strings.TrimSpace(mustRun(t, "key", "--dir", other))
	if code, _, errOut := runCLI(t, "", "verify", "--bundle", b, "--key", okey); code != exitCheckpoint || !strings.Contains(errOut, "another origin") {
		t.Fatalf("another key: exit %d %s", code, errOut)
	}

	// One byte of one payload edited: exit 4 with the position.
	path := filepath.Join(b, "events.jsonl")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	i := strings.Index(lines[41], `"data":{"`) + len(`"data":{"`)
	lines[41] = lines[41][:i] + "X" + lines[41][i+1:]
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "", "verify", "--bundle", b, "--key", vkey)
	if code != exitTampered || !strings.Contains(out, "FINDING hash-mismatch\n  position: 42\n") || !strings.Contains(out, "does not hash to bundle.json's events_sha256") {
		t.Fatalf("edited payload: exit %d\n%s%s", code, out, errOut)
	}

	// A forged checkpoint: exit 6 naming the file.
	cp := filepath.Join(b, "checkpoints")
	entries, _ := os.ReadDir(cp)
	note, _ := os.ReadFile(filepath.Join(cp, entries[0].Name()))
	os.WriteFile(filepath.Join(cp, entries[0].Name()), []byte(strings.Replace(string(note), "\n", "x\n", 1)), 0o644)
	if code, _, errOut := runCLI(t, "", "verify", "--bundle", b); code != exitCheckpoint || !strings.Contains(errOut, "checkpoints/"+entries[0].Name()) {
		t.Fatalf("forged checkpoint: exit %d %s", code, errOut)
	}
}
