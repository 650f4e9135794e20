package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govledger/govledger/events/eventstest"
)

func TestEraseShowVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	district := filepath.Join(t.TempDir(), "district.jsonl")
	writeFile(t, district, lines(t, eventstest.New().District()...))
	mustRun(t, "append", "--dir", dir, district)
	const report = `{"id":"01M6D363W0TY6M8GBWT2HZE2B6","stream":"case/C-9","type":"case.reported","occurred_at":"2026-11-02T11:00:00+08:00",` +
		`"actor":{"kind":"citizen","id":"S-9"},"data":{"channel":"hotline","category":"road.pothole","location":{"grid":"g-1","address":"7 Birch Lane"},` +
		`"reporter":"S-9","description":"water in my cellar","deadline_policy":"standard-5wd"}}` + "\n"
	mustRunIn(t, report, "append", "--dir", dir, "-")
	// A re-send of the same line is acknowledged, not refused.
	mustRunIn(t, report, "append", "--dir", dir, "-")

	show := mustRun(t, "show", "--dir", dir, "C-9")
	for _, want := range []string{`description: "water in my cellar"`, `location.address: "7 Birch Lane"`} {
		if !strings.Contains(show, want) {
			t.Fatalf("show lacks %q:\n%s", want, show)
		}
	}
	js := mustRun(t, "show", "--dir", dir, "--format", "json", "C-9")
	if strings.Contains(js, "cellar") || !strings.Contains(js, `"sealed"`) {
		t.Fatalf("stored payload is not sealed:\n%s", js)
	}

	if code, _, errOut := runCLI(t, "", "erase", "--dir", dir, "S-9"); code != exitUsage || !strings.Contains(errOut, "--reason") {
		t.Fatalf("erase without --reason: exit %d %s", code, errOut)
	}
	out := mustRun(t, "erase", "--dir", dir, "--reason", "request of the subject", "S-9")
	if !strings.Contains(out, "erased S-9") {
		t.Fatal(out)
	}
	show = mustRun(t, "show", "--dir", dir, "C-9")
	if strings.Contains(show, "cellar") || !strings.Contains(show, "description: [erased]") || !strings.Contains(show, "location.address: [erased]") ||
		!strings.Contains(show, "chain intact") {
		t.Fatalf("show after erase:\n%s", show)
	}
	if code, out, errOut := runCLI(t, "", "verify", "--dir", dir); code != exitOK {
		t.Fatalf("verify after erase: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", "erase", "--dir", dir, "--reason", "again", "S-9"); code != exitRefused || !strings.Contains(errOut, "subject-erased") {
		t.Fatalf("second erase: exit %d %s", code, errOut)
	}
	again := strings.ReplaceAll(strings.ReplaceAll(report, "C-9", "C-10"), "01M6D363W0TY6M8GBWT2HZE2B6", "01M6D363W0TY6M8GBWT2HZE2B7")
	if code, _, errOut := runCLI(t, again, "append", "--dir", dir, "-"); code != exitRefused || !strings.Contains(errOut, "subject-erased") {
		t.Fatalf("new event naming an erased subject: exit %d %s", code, errOut)
	}
}

func mustRunIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, stdin, args...)
	if code != exitOK {
		t.Fatalf("govledger %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEraseNeedsAnExistingLedger(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing-here")
	code, _, errOut := runCLI(t, "", "erase", "S-1", "--reason", "asked", "--dir", dir)
	if code != exitError || !strings.Contains(errOut, "no ledger at") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("erase created a ledger directory")
	}
}
