package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
)

var update = flag.Bool("update", false, "rewrite docs/examples from the stories in this test")

const examplesDir = "../../docs/examples"

// exampleFiles tells the stories behind docs/examples, which the README shows.
func exampleFiles(t *testing.T) map[string]string {
	s := eventstest.New()
	district := lines(t, s.District()...)
	c := s.Case("C-1")
	story := lines(t,
		c.Reported(events.ChannelHotline, eventstest.Pothole),
		c.Dispatched(eventstest.Center, eventstest.Water, events.ModeManual),
		c.Returned(eventstest.Water, events.ReasonWrongArea),
		c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule),
		c.Accepted(eventstest.Roads),
		c.Resolved(eventstest.Roads, events.OutcomeFixed),
	)
	refused := lines(t, c.Closed()) + // fine: the case is resolved
		lines(t, c.Rated(true, true, events.Satisfied)) // refused: the case is closed
	return map[string]string{"district.jsonl": district, "case.jsonl": story, "refused.jsonl": refused}
}

func TestDocExamples(t *testing.T) {
	files := exampleFiles(t)
	for name, want := range files {
		path := filepath.Join(examplesDir, name)
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Fatalf("%s is stale (go test ./cmd/govledger -run TestDocExamples -update): %v", path, err)
		}
	}
	// What the README says these files do.
	dir := filepath.Join(t.TempDir(), "ledger")
	for _, name := range []string{"district.jsonl", "case.jsonl"} {
		mustRun(t, "append", "--dir", dir, filepath.Join(examplesDir, name))
	}
	code, out, errOut := runCLI(t, "", "append", "--dir", dir, filepath.Join(examplesDir, "refused.jsonl"))
	if code != exitRefused || !strings.Contains(out, "1 appended") || !strings.Contains(errOut, "refused.jsonl:2: refused: ledger: case-closed") {
		t.Fatalf("refused.jsonl: exit %d\n%s%s", code, out, errOut)
	}
	show := mustRun(t, "show", "--dir", dir, "C-1")
	for _, want := range []string{"dept-water returned it: wrong_area", "dept-roads signed for it", "case.closed", "chain intact"} {
		if !strings.Contains(show, want) {
			t.Fatalf("show C-1 lacks %q:\n%s", want, show)
		}
	}
}
