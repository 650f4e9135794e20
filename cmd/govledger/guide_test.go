package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectorGuide follows docs/inspector-guide.md on a small simulated
// June: the district checkpoints, publishes its key and a manifest, late
// events arrive, the ledger is exported; the inspector verifies the
// bundle, replays June, audits the manifest (and an edited one), diffs
// June then and now, and proves an event's inclusion and the two
// checkpoints' consistency, all from the bundle.
func TestInspectorGuide(t *testing.T) {
	tmp := t.TempDir()
	at := func(name string) string { return filepath.Join(tmp, name) }
	district := at("district")
	mustRun(t, "quickstart", "--dir", district, "--start", "2026-06-01", "--days", "30", "--cases", "400", "--seed", "3")
	mustRun(t, "checkpoint", "--dir", district, "--out", at("july.checkpoint"))
	mustRun(t, "key", "--dir", district, "--out", at("district.pub"))
	mustRun(t, "replay", "--dir", district, "--as-of", "2026-07-01", "--projection", "timeliness", "--period", "month", "--manifest", at("june-published.json"))

	// A June case entered late: recorded now, after the July checkpoint.
	street := firstStreetUnit(t, at("june-published.json"))
	late := strings.Join([]string{
		`{"id":"01KVMG3R000000000000000001","stream":"case/LATE01","type":"case.reported","occurred_at":"2026-06-20T09:30:00+08:00","actor":{"kind":"staff","id":"op-7","unit":"center-12345"},"data":{"channel":"hotline","category":"env.neighbour-noise","location":{"street":"STREET"},"reporter":"S-late-1","deadline_policy":"standard-5wd"}}`,
		`{"id":"01KVMG3R000000000000000002","stream":"case/LATE01","type":"case.dispatched","occurred_at":"2026-06-20T09:40:00+08:00","actor":{"kind":"system","id":"dispatch-engine"},"data":{"from_unit":"center-12345","to_unit":"STREET","mode":"manual"}}`,
		`{"id":"01KVMG3R000000000000000003","stream":"case/LATE01","type":"case.accepted","occurred_at":"2026-06-20T10:05:00+08:00","actor":{"kind":"unit","id":"STREET","unit":"STREET"},"data":{"unit":"STREET"}}`,
		`{"id":"01KVMG3R000000000000000004","stream":"case/LATE01","type":"case.resolved","occurred_at":"2026-06-24T16:00:00+08:00","actor":{"kind":"unit","id":"STREET","unit":"STREET"},"data":{"unit":"STREET","outcome":"fixed"}}`,
	}, "\n") + "\n"
	if err := os.WriteFile(at("late.jsonl"), []byte(strings.ReplaceAll(late, "STREET", street)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "append", "--dir", district, at("late.jsonl"))
	mustRun(t, "checkpoint", "--dir", district, "--out", at("november.checkpoint"))
	bundleDir := at("district-bundle")
	mustRun(t, "export", "--dir", district, "--bundle", bundleDir)

	// 1. Verify the copy.
	out := mustRun(t, "verify", "--bundle", bundleDir, "--key", at("district.pub"), "--checkpoint", at("july.checkpoint"))
	if !strings.Contains(out, "verify: OK") || !strings.Contains(out, "2 signed checkpoint(s) match") {
		t.Fatalf("verify the bundle:\n%s", out)
	}
	// 2. Replay June as it stood on 1 July: the published manifest again.
	mustRun(t, "replay", "--bundle", bundleDir, "--as-of", "2026-07-01", "--projection", "timeliness", "--period", "month", "--manifest", at("june-mine.json"))
	if a, b := figuresOf(t, at("june-published.json")), figuresOf(t, at("june-mine.json")); a != b {
		t.Fatal("June replayed from the bundle differs from June replayed on the ledger")
	}
	// 3. Audit: the published manifest matches; an edited figure does not.
	if out := mustRun(t, "audit", "--bundle", bundleDir, "--manifest", at("june-published.json")); !strings.Contains(out, "MATCH") {
		t.Fatalf("audit:\n%s", out)
	}
	editFigure(t, at("june-published.json"), at("june-edited.json"), street, "cases", 99999)
	code, out, _ := runCLI(t, "", "audit", "--bundle", bundleDir, "--manifest", at("june-edited.json"))
	if code != exitMismatch || !strings.Contains(out, "first differing figure") || !strings.Contains(out, "99999") || !strings.Contains(out, "position ") {
		t.Fatalf("audit of an edited figure: exit %d\n%s", code, out)
	}
	// 4. June then and now: the late case explains the difference.
	mustRun(t, "replay", "--bundle", bundleDir, "--checkpoint", at("november.checkpoint"), "--key", at("district.pub"), "--projection", "timeliness", "--period", "month", "--manifest", at("june-now.json"))
	code, out, _ = runCLI(t, "", "diff", at("june-published.json"), at("june-now.json"), "--bundle", bundleDir)
	if code != exitMismatch || !strings.Contains(out, "case/LATE01") || !strings.Contains(out, street+" / 2026-06") {
		t.Fatalf("diff June then and now: exit %d\n%s", code, out)
	}
	// 5. Prove the late resolution's inclusion, and that November only
	// appended to July, from the bundle; check both without it.
	mustRun(t, "prove", "inclusion", "01KVMG3R000000000000000004", "--bundle", bundleDir, "--checkpoint", at("november.checkpoint"), "--key", at("district.pub"), "--out", at("proof.json"))
	if out := mustRun(t, "prove", "check", at("proof.json"), "--key", at("district.pub")); !strings.Contains(out, "OK: event 01KVMG3R000000000000000004") {
		t.Fatalf("prove check:\n%s", out)
	}
	mustRun(t, "prove", "consistency", at("july.checkpoint"), at("november.checkpoint"), "--bundle", bundleDir, "--key", at("district.pub"), "--out", at("consistency.json"))
	if out := mustRun(t, "prove", "check", at("consistency.json"), "--key", at("district.pub")); !strings.Contains(out, "only appended") {
		t.Fatalf("prove check consistency:\n%s", out)
	}
}

// firstStreetUnit returns a street office among the manifest's rows.
func firstStreetUnit(t *testing.T, manifest string) string {
	t.Helper()
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Projections []struct {
			Reports []struct {
				Rows [][]any `json:"rows"`
			} `json:"reports"`
		} `json:"projections"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Projections[0].Reports[0].Rows {
		if s, ok := r[0].(string); ok && strings.HasPrefix(s, "st-") {
			return s
		}
	}
	t.Fatal("no street office in the manifest")
	return ""
}

// figuresOf returns a manifest's projections, the part two replays of the
// same cutoff share.
func figuresOf(t *testing.T, manifest string) string {
	t.Helper()
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return string(m["projections"])
}

// editFigure writes a copy of a manifest with one figure of a unit's row changed.
func editFigure(t *testing.T, from, to, unit, column string, value any) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	rep := m["projections"].([]any)[0].(map[string]any)["reports"].([]any)[0].(map[string]any)
	col := -1
	for i, c := range rep["columns"].([]any) {
		if c.(map[string]any)["key"] == column {
			col = i
		}
	}
	for _, r := range rep["rows"].([]any) {
		if row := r.([]any); row[0] == unit {
			row[col] = value
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
