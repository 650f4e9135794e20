package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
)

func TestQuickstartPrintsTheHeadline(t *testing.T) {
	reg, err := builtins(builtinOptions{k: 5})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ledger")
	out := mustRun(t, "quickstart", "--dir", dir, "--cases", "300", "--days", "3")
	for _, want := range []string{fmt.Sprintf("projections: %d built-ins replayed", reg.Len()), "headline:", "p50 h", "same-day", "on-time", "auto-disp", "hops", "returns", "response", "resolution", "satisfaction"} {
		if !strings.Contains(out, want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
	// The headline left checkpoints: every built-in resumes, none is rebuilt.
	list := mustRun(t, "projections", "--dir", dir, "--format", "json")
	var st []projections.Status
	if err := json.Unmarshal([]byte(list), &st); err != nil {
		t.Fatal(err)
	}
	if len(st) != reg.Len() {
		t.Fatalf("%d projections listed, want %d:\n%s", len(st), reg.Len(), list)
	}
	for _, s := range st {
		if s.Position == 0 || s.Checkpoint != s.Position || len(s.Digest) != 64 || s.Rebuilt != "" || s.Error != "" {
			t.Errorf("status after quickstart: %+v", s)
		}
	}
}

// storyLedger appends a small, hand-checkable story: two pothole cases on
// roads, one answered the same day, one returned by water first.
func storyLedger(t *testing.T) string {
	t.Helper()
	s := eventstest.New()
	s.Step = 0
	var drafts []events.Draft
	drafts = append(drafts, s.District()...)
	c1, c2 := s.Case("C-1"), s.Case("C-2")
	s.At(eventstest.Start) // Monday 2026-11-02 09:00 +08:00
	drafts = append(drafts,
		c1.Reported(events.ChannelHotline, eventstest.Pothole),
		c1.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule))
	s.Advance(30 * 60e9)
	drafts = append(drafts, c1.Accepted(eventstest.Roads))
	s.Advance(2 * 3600e9)
	drafts = append(drafts, c1.Resolved(eventstest.Roads, events.OutcomeFixed), c2.Reported(events.ChannelApp, eventstest.Pothole),
		c2.Dispatched(eventstest.Center, eventstest.Water, events.ModeManual))
	s.Advance(3600e9)
	drafts = append(drafts, c2.Returned(eventstest.Water, events.ReasonWrongArea), c2.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule))
	s.Advance(24 * 3600e9)
	drafts = append(drafts, c2.Accepted(eventstest.Roads))
	s.Advance(3600e9)
	drafts = append(drafts, c2.Resolved(eventstest.Roads, events.OutcomeFixed))
	dir := filepath.Join(t.TempDir(), "ledger")
	code, out, errOut := runCLI(t, lines(t, drafts...), "append", "--dir", dir, "-")
	if code != exitOK {
		t.Fatalf("append: exit %d\n%s%s", code, out, errOut)
	}
	return dir
}

func TestReportFormats(t *testing.T) {
	dir := storyLedger(t)
	table := mustRun(t, "report", "timeliness", "--dir", dir)
	// C-1: citizen clock 2.5 h, same day. C-2: 26 h, next day.
	for _, want := range []string{"timeliness/v1 at position", "dept-roads", "2.5", "26.0", "50.0%"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	js := mustRun(t, "report", "timeliness", "--dir", dir, "--format", "json")
	var r projections.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, js)
	}
	if r.Projection != "timeliness/v1" || r.Position == 0 || len(r.Digest) != 64 || len(r.Rows) == 0 {
		t.Errorf("JSON report header: %+v", r)
	}
	if again := mustRun(t, "report", "timeliness", "--dir", dir, "--format", "json"); again != js {
		t.Error("the same ledger gave two different JSON reports")
	}
	recs, err := csv.NewReader(strings.NewReader(mustRun(t, "report", "routing", "--dir", dir, "--format", "csv"))).ReadAll()
	if err != nil || len(recs) < 2 || recs[0][0] != "unit" {
		t.Fatalf("CSV report: %v %v", err, recs)
	}
	html := mustRun(t, "report", "all", "--dir", dir, "--format", "html")
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "<svg") || strings.Contains(html, "<script src") || strings.Contains(html, "<link") {
		t.Errorf("HTML report is not a self-contained page with charts")
	}
}

func TestReportRefusesBadQueries(t *testing.T) {
	dir := storyLedger(t)
	for _, args := range [][]string{
		{"report", "nosuch"},
		{"report", "timeliness", "--by", "planet"},
		{"report", "timeliness", "--period", "fortnight"},
		{"report", "timeliness", "--from", "yesterday"},
		{"report", "timeliness", "--from", "2026-11-03", "--to", "2026-11-02"},
		{"report", "timeliness", "--format", "pdf"},
		{"report", "overdue", "--period", "day"},
		{"report", "all", "--format", "table"},
		{"report"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			code, _, errOut := runCLI(t, "", append(args, "--dir", dir)...)
			if code != exitUsage || errOut == "" {
				t.Fatalf("exit %d, stderr %q; want a usage error", code, errOut)
			}
		})
	}
}

func TestTrace(t *testing.T) {
	dir := storyLedger(t)
	out := mustRun(t, "trace", "C-2", "--dir", dir)
	for _, want := range []string{"case C-2", "dept-water", "wrong_area", "dept-roads", "held by"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCLI(t, "", "trace", "C-404", "--dir", dir); code != exitNotFound {
		t.Errorf("trace of a missing case: exit %d, want %d", code, exitNotFound)
	}
	js := mustRun(t, "trace", "C-2", "--dir", dir, "--format", "json")
	if !json.Valid([]byte(js)) {
		t.Errorf("trace --format json is not JSON:\n%s", js)
	}
}

func TestReportCacheAnswersOnlyAtTheHead(t *testing.T) {
	dir := storyLedger(t)
	// Every format prints the same from the cache as from a replay: a rate
	// of 100% stays a rate, not a count of one.
	for _, format := range []string{"table", "csv", "json"} {
		fresh := mustRun(t, "report", "timeliness", "--dir", dir, "--format", format, "--by", "category")
		if cached := mustRun(t, "report", "timeliness", "--dir", dir, "--format", format, "--by", "category"); cached != fresh {
			t.Fatalf("%s: the cached report prints differently:\n%s\n%s", format, fresh, cached)
		}
		if format == "table" && !strings.Contains(fresh, "100.0%") {
			t.Fatalf("the story should show a rate of 100%%:\n%s", fresh)
		}
	}
	first := mustRun(t, "report", "timeliness", "--dir", dir, "--format", "json", "--by", "channel")
	cached := mustRun(t, "report", "timeliness", "--dir", dir, "--format", "json", "--by", "channel")
	if cached != first {
		t.Fatalf("the cached report differs from the replayed one:\n%s\n%s", first, cached)
	}
	// A new event moves the head: the cache no longer answers.
	s := eventstest.NewAt(eventstest.Start.Add(72 * 3600e9))
	code, out, errOut := runCLI(t, lines(t, s.Case("C-3").Reported(events.ChannelApp, eventstest.Leak)), "append", "--dir", dir, "-")
	if code != exitOK {
		t.Fatalf("append: %d %s %s", code, out, errOut)
	}
	var before, after projections.Report
	_ = json.Unmarshal([]byte(first), &before)
	if err := json.Unmarshal([]byte(mustRun(t, "report", "timeliness", "--dir", dir, "--format", "json", "--by", "channel")), &after); err != nil {
		t.Fatal(err)
	}
	if after.Position != before.Position+1 || after.Digest == before.Digest {
		t.Fatalf("after an append: position %d digest %s; before: %d %s", after.Position, after.Digest, before.Position, before.Digest)
	}
}
