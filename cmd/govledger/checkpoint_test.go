package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govledger/govledger/integrity"
)

// The ledger's key pair is made with the ledger; the signer is secret.
func TestKeyIsCreatedWithTheLedger(t *testing.T) {
	dir := quickstarted(t)
	st, err := os.Stat(filepath.Join(dir, signerKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("signer key mode %v, want 0600", st.Mode().Perm())
	}
	vkey := strings.TrimSpace(mustRun(t, "key", "--dir", dir))
	if !strings.HasPrefix(vkey, "govledger/") || strings.Count(vkey, "+") < 2 {
		t.Fatalf("verifier key %q", vkey)
	}
	if strings.Contains(vkey, "PRIVATE") {
		t.Fatal("key printed the signer key")
	}
	// A signer key others can read is refused.
	if err := os.Chmod(filepath.Join(dir, signerKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "checkpoint", "--dir", dir); code != exitError || !strings.Contains(errOut, "readable by others") {
		t.Fatalf("checkpoint with a world-readable key: exit %d: %s", code, errOut)
	}
}

func TestCheckpointProveAndCheck(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "ledger")
	mustRun(t, "append", "--dir", dir, filepath.Join(examplesDir, "district.jsonl"))
	cp1 := filepath.Join(tmp, "cp1")
	mustRun(t, "checkpoint", "--dir", dir, "--out", cp1)
	key := filepath.Join(tmp, "key.pub")
	mustRun(t, "key", "--dir", dir, "--out", key)
	vkey, err := readVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(cp1)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := integrity.ParseCheckpoint(note, vkey)
	if err != nil {
		t.Fatal(err)
	}
	// More events, a second checkpoint.
	mustRun(t, "append", "--dir", dir, filepath.Join(examplesDir, "case.jsonl"))
	cp2 := filepath.Join(tmp, "cp2")
	mustRun(t, "checkpoint", "--dir", dir, "--out", cp2)
	note2, _ := os.ReadFile(cp2)
	c2, err := integrity.ParseCheckpoint(note2, vkey)
	if err != nil || c2.Size <= c1.Size {
		t.Fatalf("second checkpoint %+v (first %+v): %v", c2, c1, err)
	}
	// Verification against both, and every checkpoint the ledger keeps.
	out := mustRun(t, "verify", "--dir", dir, "--checkpoint", cp1, "--checkpoint", cp2, "--key", key)
	if !strings.Contains(out, "equal to the stored log's") || !strings.Contains(out, "signed checkpoint(s) match") {
		t.Fatalf("verify output:\n%s", out)
	}

	// Inclusion, by position and by event id, checked without the ledger.
	proof := filepath.Join(tmp, "p.json")
	for _, ev := range []string{"1", strconv.FormatUint(c1.Size, 10), "7"} {
		mustRun(t, "prove", "inclusion", ev, "--dir", dir, "--checkpoint", cp1, "--out", proof)
		out := mustRun(t, "prove", "check", proof, "--key", key)
		if !strings.Contains(out, "OK: event") || !strings.Contains(out, "of the "+strconv.FormatUint(c1.Size, 10)) {
			t.Fatalf("prove check: %s", out)
		}
	}
	var doc proofDoc
	b, _ := os.ReadFile(proof)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	byID := filepath.Join(tmp, "by-id.json")
	mustRun(t, "prove", "inclusion", doc.Event.ID, "--dir", dir, "--out", byID) // the latest checkpoint
	if out := mustRun(t, "prove", "check", byID, "--key", key); !strings.Contains(out, doc.Event.ID) {
		t.Fatalf("by id: %s", out)
	}
	// An event after the checkpoint cannot be proven in it.
	after := strconv.FormatUint(c1.Size+1, 10)
	if code, _, errOut := runCLI(t, "", "prove", "inclusion", after, "--dir", dir, "--checkpoint", cp1); code != exitNotFound || !strings.Contains(errOut, "after the checkpoint") {
		t.Fatalf("event after the checkpoint: exit %d: %s", code, errOut)
	}
	// A forged proof: one hash changed.
	doc.Proof[0] = strings.Repeat("0", 64)
	forged, _ := json.Marshal(doc)
	bad := filepath.Join(tmp, "forged.json")
	os.WriteFile(bad, forged, 0o644)
	if code, _, errOut := runCLI(t, "", "prove", "check", bad, "--key", key); code != exitTampered || !strings.Contains(errOut, "does not verify") {
		t.Fatalf("forged proof: exit %d: %s", code, errOut)
	}
	// The proof names another event than the one it was made for.
	doc.Proof[0] = ""
	json.Unmarshal(b, &doc)
	doc.Event.Hash = strings.Repeat("ab", 32)
	other, _ := json.Marshal(doc)
	os.WriteFile(bad, other, 0o644)
	if code, _, _ := runCLI(t, "", "prove", "check", bad, "--key", key); code != exitTampered {
		t.Fatalf("proof for another event hash: exit %d", code)
	}

	// Consistency between the two checkpoints, by file and by size.
	cons := filepath.Join(tmp, "c.json")
	mustRun(t, "prove", "consistency", cp1, cp2, "--dir", dir, "--out", cons)
	if out := mustRun(t, "prove", "check", cons, "--key", key); !strings.Contains(out, "only appended") {
		t.Fatalf("consistency check: %s", out)
	}
	mustRun(t, "prove", "consistency", strconv.FormatUint(c1.Size, 10), strconv.FormatUint(c2.Size, 10), "--dir", dir, "--out", cons)
	if code, _, _ := runCLI(t, "", "prove", "consistency", cp2, cp1, "--dir", dir); code != exitUsage {
		t.Fatalf("newer first: exit %d", code)
	}

	// The same proofs from an export bundle of the ledger, without it.
	bdir := filepath.Join(tmp, "bundle")
	mustRun(t, "export", "--dir", dir, "--bundle", bdir)
	fromLedger := mustRun(t, "prove", "inclusion", "3", "--dir", dir, "--checkpoint", cp1)
	fromBundle := mustRun(t, "prove", "inclusion", "3", "--bundle", bdir, "--checkpoint", cp1, "--key", key)
	if fromLedger != fromBundle {
		t.Fatalf("inclusion proof from the bundle differs:\n%s\nfrom the ledger:\n%s", fromBundle, fromLedger)
	}
	if a, b := mustRun(t, "prove", "consistency", cp1, cp2, "--dir", dir),
		mustRun(t, "prove", "consistency", cp1, cp2, "--bundle", bdir, "--key", key); a != b {
		t.Fatalf("consistency proof from the bundle differs:\n%s\nfrom the ledger:\n%s", b, a)
	}
	byIDBundle := mustRun(t, "prove", "inclusion", doc.Event.ID, "--bundle", bdir, "--key", key)
	if !strings.Contains(byIDBundle, doc.Event.ID) {
		t.Fatalf("by id from the bundle: %s", byIDBundle)
	}

	// Another ledger's key refuses these proofs' checkpoints.
	other2 := quickstarted(t)
	okey := filepath.Join(tmp, "other.pub")
	mustRun(t, "key", "--dir", other2, "--out", okey)
	if code, _, errOut := runCLI(t, "", "prove", "check", proof, "--key", okey); code != exitCheckpoint || !strings.Contains(errOut, "signature") {
		t.Fatalf("check with another ledger's key: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "verify", "--dir", dir, "--checkpoint", cp1, "--key", okey); code != exitCheckpoint || !strings.Contains(errOut, "another origin") {
		t.Fatalf("verify with another ledger's key: exit %d: %s", code, errOut)
	}
}

// A proof file that is not one is refused with the reason.
func TestProveCheckRefusesBadFiles(t *testing.T) {
	dir := quickstarted(t)
	key := filepath.Join(t.TempDir(), "k")
	mustRun(t, "key", "--dir", dir, "--out", key)
	for name, content := range map[string]string{
		"not-json":      "hello",
		"unknown-field": `{"format":"govledger-proof/1","kind":"inclusion","extra":1}`,
		"wrong-format":  `{"format":"other/1","kind":"inclusion","proof":[]}`,
		"bad-hash":      `{"format":"govledger-proof/1","kind":"inclusion","proof":["zz"]}`,
		"no-event":      `{"format":"govledger-proof/1","kind":"inclusion","proof":[]}`,
		"unknown-kind":  `{"format":"govledger-proof/1","kind":"exclusion","proof":[]}`,
		"huge":          `{"format":"govledger-proof/1","kind":"inclusion","proof":["` + strings.Repeat("a", maxProofBytes) + `"]}`,
	} {
		f := filepath.Join(t.TempDir(), name)
		os.WriteFile(f, []byte(content), 0o644)
		code, _, errOut := runCLI(t, "", "prove", "check", f, "--key", key)
		if code == exitOK || !strings.Contains(errOut, "proof") {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
		}
	}
}
