package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

// The same district on both backends: quickstart into the embedded store
// and into a KurrentDB cluster (the in-process test server through the
// real client), then every command that opens a ledger. The events are the
// same (same seed), so verify, checkpoint, prove and replay must give the
// same answers.
func TestClusterBackendGivesTheSameAnswers(t *testing.T) {
	srv := esdbtest.New(t)
	tmp := t.TempDir()
	pebble := filepath.Join(tmp, "pebble")
	cluster := srv.URL() + "&namespace=district-7/&state=" + filepath.Join(tmp, "node")
	args := []string{"--cases", "60", "--days", "3", "--seed", "5"}
	mustRun(t, append([]string{"quickstart", "--dir", pebble}, args...)...)
	mustRun(t, append([]string{"quickstart", "--store", cluster}, args...)...)

	root := regexp.MustCompile(`merkle root ([0-9a-f]{64}) at (\d+) events`)
	rootOf := func(loc ...string) string {
		t.Helper()
		out := mustRun(t, append([]string{"verify"}, loc...)...)
		m := root.FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, "verify: OK") {
			t.Fatalf("verify %v:\n%s", loc, out)
		}
		return m[1] + "@" + m[2]
	}
	onPebble, onCluster := []string{"--dir", pebble}, []string{"--store", cluster}
	if a, b := rootOf(onPebble...), rootOf(onCluster...); a != b {
		t.Fatalf("Merkle roots differ: embedded %s, cluster %s", a, b)
	}
	for _, cmd := range [][]string{
		{"stat"},
		{"report", "timeliness", "--format", "json"},
		{"show", "registry/units"},
	} {
		a := mustRun(t, append(cmd, onPebble...)...)
		b := mustRun(t, append(cmd, onCluster...)...)
		if a != b {
			t.Errorf("%v differs between the backends:\n%s\n---\n%s", cmd, a, b)
		}
	}
	// Checkpoints and proofs on the cluster, checked offline.
	cp := filepath.Join(tmp, "cp")
	mustRun(t, append([]string{"checkpoint", "--out", cp}, onCluster...)...)
	key := filepath.Join(tmp, "key")
	mustRun(t, append([]string{"key", "--out", key}, onCluster...)...)
	proof := filepath.Join(tmp, "proof.json")
	mustRun(t, append([]string{"prove", "inclusion", "7", "--checkpoint", cp, "--out", proof}, onCluster...)...)
	if out := mustRun(t, "prove", "check", proof, "--key", key); !strings.Contains(out, "OK: event") {
		t.Fatalf("prove check: %s", out)
	}
	out := mustRun(t, append([]string{"verify", "--checkpoint", cp, "--key", key}, onCluster...)...)
	if !strings.Contains(out, "signed checkpoint(s) match") {
		t.Fatalf("verify against the checkpoint:\n%s", out)
	}
	// Replays give the same manifests' figures.
	ma, mb := filepath.Join(tmp, "a.json"), filepath.Join(tmp, "b.json")
	mustRun(t, append([]string{"replay", "--position", "200", "--projection", "routing", "--manifest", ma}, onPebble...)...)
	mustRun(t, append([]string{"replay", "--position", "200", "--projection", "routing", "--manifest", mb}, onCluster...)...)
	if figuresOf(t, ma) != figuresOf(t, mb) {
		t.Fatal("replays of the same events differ between the backends")
	}
	// A second quickstart into the same namespace is refused.
	if code, _, errOut := runCLI(t, "", append([]string{"quickstart", "--store", cluster}, args...)...); code != exitRefused || !strings.Contains(errOut, "already holds") {
		t.Fatalf("quickstart into a used namespace: exit %d: %s", code, errOut)
	}
}

// Moving up: migrate copies an embedded ledger to a cluster, verified,
// keeping positions and the root (a checkpoint signed before still
// verifies after), its keys and checkpoints; it resumes after more events
// arrive, does nothing the second time, and refuses a target holding
// another ledger.
func TestMigrateToACluster(t *testing.T) {
	srv := esdbtest.New(t)
	tmp := t.TempDir()
	src := filepath.Join(tmp, "pebble")
	dst := srv.URL() + "&namespace=d7/&state=" + filepath.Join(tmp, "node")
	mustRun(t, "quickstart", "--dir", src, "--cases", "40", "--days", "2", "--seed", "9")
	cp := filepath.Join(tmp, "cp")
	mustRun(t, "checkpoint", "--dir", src, "--out", cp)
	key := filepath.Join(tmp, "key")
	mustRun(t, "key", "--dir", src, "--out", key)

	out := mustRun(t, "migrate", "--from", src, "--to", dst)
	if !strings.Contains(out, "0 already there") {
		t.Fatalf("first migrate:\n%s", out)
	}
	// The cluster ledger is the same ledger: the old checkpoint verifies,
	// with the same key; personal text still opens (subject keys moved).
	if out := mustRun(t, "verify", "--store", dst, "--checkpoint", cp, "--key", key); !strings.Contains(out, "signed checkpoint(s) match") {
		t.Fatalf("verify the migrated ledger against the old checkpoint:\n%s", out)
	}
	if a, b := mustRun(t, "key", "--dir", src), mustRun(t, "key", "--store", dst); a != b {
		t.Fatalf("the key pair did not move: %s vs %s", a, b)
	}
	sample := regexp.MustCompile(`govledger trace (\S+)`).FindStringSubmatch(mustRun(t, "quickstart", "--dir", filepath.Join(tmp, "again"), "--cases", "40", "--days", "2", "--seed", "9"))
	if sample != nil {
		id := strings.TrimSuffix(sample[1], ",")
		a := mustRun(t, "trace", "--dir", src, id)
		b := mustRun(t, "trace", "--store", dst, id)
		if a != b {
			t.Fatalf("trace differs after the move:\n%s\n---\n%s", a, b)
		}
		// Personal text opens on the cluster: the subject keys moved.
		a, b = mustRun(t, "show", "--dir", src, id), mustRun(t, "show", "--store", dst, id)
		if a != b || strings.Contains(b, "(erased)") {
			t.Fatalf("show differs after the move (subject keys):\n%s\n---\n%s", a, b)
		}
	}
	// More events on the source: the second run copies only those.
	// (Some of the example district is already registered and refused.)
	if code, out, errOut := runCLI(t, "", "append", "--dir", src, filepath.Join(examplesDir, "district.jsonl")); !strings.Contains(out, "10 appended") {
		t.Fatalf("append more: exit %d\n%s%s", code, out, errOut)
	}
	out = mustRun(t, "migrate", "--from", src, "--to", dst)
	if !strings.Contains(out, "migrate: 10 events copied") || strings.Contains(out, " 0 already there") {
		t.Fatalf("resumed migrate:\n%s", out)
	}
	out = mustRun(t, "migrate", "--from", src, "--to", dst)
	if !strings.Contains(out, "migrate: 0 events copied") {
		t.Fatalf("idempotent migrate:\n%s", out)
	}
	// Another ledger in the target is refused.
	other := filepath.Join(tmp, "other")
	mustRun(t, "quickstart", "--dir", other, "--cases", "40", "--days", "2", "--seed", "10")
	if code, _, errOut := runCLI(t, "", "migrate", "--from", other, "--to", dst); code != exitRefused {
		t.Fatalf("migrate another ledger into the target: exit %d: %s", code, errOut)
	}
}

// The rest of the commands on a cluster: append from JSON lines (with
// personal text sealed under the node's subject keys), show, erase,
// projections, export and verify of a bundle, replay as of a time, audit.
func TestClusterCommands(t *testing.T) {
	srv := esdbtest.New(t)
	tmp := t.TempDir()
	at := srv.URL() + "&state=" + filepath.Join(tmp, "node")
	district := filepath.Join(tmp, "district.jsonl")
	writeFile(t, district, lines(t, eventstest.New().District()...))
	mustRun(t, "append", "--store", at, district)
	const report = `{"id":"01M6D363W0TY6M8GBWT2HZE2B6","stream":"case/C-9","type":"case.reported","occurred_at":"2026-11-02T11:00:00+08:00",` +
		`"actor":{"kind":"citizen","id":"S-9"},"data":{"channel":"hotline","category":"road.pothole","location":{"grid":"g-1","address":"7 Birch Lane"},` +
		`"reporter":"S-9","description":"water in my cellar","deadline_policy":"standard-5wd"}}` + "\n"
	mustRunIn(t, report, "append", "--store", at, "-")
	mustRunIn(t, report, "append", "--store", at, "-") // a re-send is acknowledged
	if show := mustRun(t, "show", "--store", at, "C-9"); !strings.Contains(show, "water in my cellar") {
		t.Fatalf("show on the cluster:\n%s", show)
	}
	if out := mustRun(t, "erase", "--store", at, "--reason", "request of the subject", "S-9"); !strings.Contains(out, "erased S-9") {
		t.Fatalf("erase on the cluster:\n%s", out)
	}
	if show := mustRun(t, "show", "--store", at, "C-9"); strings.Contains(show, "cellar") {
		t.Fatalf("personal text still readable after erasure:\n%s", show)
	}
	if out := mustRun(t, "projections", "--store", at); !strings.Contains(out, "timeliness/v1") {
		t.Fatalf("projections on the cluster:\n%s", out)
	}
	mustRun(t, "checkpoint", "--store", at)
	bundleDir := filepath.Join(tmp, "bundle")
	mustRun(t, "export", "--store", at, "--bundle", bundleDir)
	if out := mustRun(t, "verify", "--bundle", bundleDir, "--key", filepath.Join(tmp, "node", verifierKeyFile)); !strings.Contains(out, "verify: OK") {
		t.Fatalf("verify the cluster's bundle:\n%s", out)
	}
	m := filepath.Join(tmp, "m.json")
	mustRun(t, "replay", "--store", at, "--as-of", "2030-01-01", "--projection", "all", "--manifest", m)
	if out := mustRun(t, "audit", "--store", at, "--manifest", m); !strings.Contains(out, "MATCH") {
		t.Fatalf("audit on the cluster:\n%s", out)
	}
}
