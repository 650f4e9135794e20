package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
)

// TestAppendHostileInput feeds lines no producer should send; each is
// refused by line number with its reason, the good lines around them are
// appended, and nothing refused reaches the ledger.
func TestAppendHostileInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	s := eventstest.New()
	mustRun(t, "append", "--dir", dir, filepath.Join(examplesDir, "district.jsonl"))
	s.District() // the story goes on after the district's drafts (and IDs)
	c := s.Case("H-1")
	report := lines(t, c.Reported(events.ChannelApp, eventstest.Leak))
	huge := `{"id":"01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA","pad":"` + strings.Repeat("x", events.MaxLineBytes+10) + `"}` + "\n"
	badUTF8 := strings.Replace(lines(t, c.Contacted(eventstest.Water)), "phone", "ph\xffone", 1)
	input := report + // 1: fine
		huge + // 2: longer than a line may be
		badUTF8 + // 3: invalid UTF-8
		"\n" + // 4: blank, skipped
		"[1,2,3]\n" + // 5: not an object
		lines(t, c.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)) // 6: fine
	code, out, errOut := runCLI(t, input, "append", "--dir", dir, "-")
	if code != exitRefused {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"stdin:2: refused", "line longer than", "stdin:3: refused", "not valid UTF-8", "stdin:5: refused"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "2 appended") || !strings.Contains(out, "3 refused") {
		t.Fatalf("summary: %s", out)
	}
	show := mustRun(t, "show", "--dir", dir, "H-1")
	if !strings.Contains(show, "2 events; chain intact") {
		t.Fatalf("show H-1:\n%s", show)
	}
}

// TestAppendIDConflictInAChunk: a line re-using a stored event's ID with
// other content, inside a chunk that is handed to the store in one call,
// is refused by its line number; the other lines are appended.
func TestAppendIDConflictInAChunk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	mustRun(t, "append", "--dir", dir, filepath.Join(examplesDir, "district.jsonl"))
	s := eventstest.New()
	reused := s.District()[0].ID // the district unit's event ID
	s.District()
	a, b := s.Case("X-1"), s.Case("X-2")
	ra := a.Reported(events.ChannelApp, eventstest.Leak)
	rb := b.Reported(events.ChannelApp, eventstest.Leak)
	rb.ID = reused
	code, out, errOut := runCLI(t, lines(t, ra, rb), "append", "--dir", dir, "-")
	if code != exitRefused || !strings.Contains(errOut, "stdin:2: refused") || !strings.Contains(errOut, "id-conflict") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "1 appended") {
		t.Fatalf("summary: %s", out)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	file := filepath.Join(examplesDir, "district.jsonl")
	if code, out, errOut := runCLI(t, "", "append", file, "--dir", dir, "--quiet"); code != exitOK || !strings.Contains(out, "12 appended") {
		t.Fatalf("flags after the file: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", "show", "registry/units", "--dir", dir, "--format", "nope"); code != exitUsage || !strings.Contains(errOut, "--format") {
		t.Fatalf("a bad flag after the argument: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "show", "--dir", dir, "--", "--not-a-flag"); code != exitNotFound {
		t.Fatalf("after --, a dash argument is an argument: exit %d %s", code, errOut)
	}
}
