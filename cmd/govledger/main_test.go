package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
)

// runCLI runs the command line in-process and returns its exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, "", args...)
	if code != exitOK {
		t.Fatalf("govledger %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// quickstarted returns a directory holding a small simulated ledger.
func quickstarted(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ledger")
	mustRun(t, "quickstart", "--dir", dir, "--cases", "300", "--days", "3", "--seed", "7")
	return dir
}

func TestQuickstart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	out := mustRun(t, "quickstart", "--dir", dir, "--cases", "300", "--days", "3")
	for _, want := range []string{"written:", "events/s", "cases:   300 reported", "topics:", "head:    position", "case.reported", "verify: OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
	stat := mustRun(t, "stat", "--dir", dir, "--format", "json")

	// Running it again must neither double nor damage the ledger.
	code, _, errOut := runCLI(t, "", "quickstart", "--dir", dir, "--cases", "300", "--days", "3")
	if code != exitError || !strings.Contains(errOut, "already exists") || !strings.Contains(errOut, "--force") {
		t.Fatalf("second quickstart: exit %d, %s", code, errOut)
	}
	if again := mustRun(t, "stat", "--dir", dir, "--format", "json"); again != stat {
		t.Fatalf("refused quickstart changed the ledger:\n%s\n%s", stat, again)
	}
	mustRun(t, "verify", "--dir", dir)

	// --force starts over: the same seed gives the same ledger.
	mustRun(t, "quickstart", "--dir", dir, "--cases", "300", "--days", "3", "--force")
	if again := mustRun(t, "stat", "--dir", dir, "--format", "json"); again != stat {
		t.Fatalf("--force with the same seed gave another ledger")
	}
}

func TestQuickstartForceRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "thesis.txt"), []byte("precious"), 0o644)
	code, _, errOut := runCLI(t, "", "quickstart", "--dir", dir, "--force")
	if code != exitError || !strings.Contains(errOut, "does not hold a govledger ledger") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "thesis.txt")); err != nil {
		t.Fatal("--force deleted a directory that was not a ledger")
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	a, b := quickstarted(t), quickstarted(t)
	ja := mustRun(t, "show", "--dir", a, "--format", "json", "registry/responsibility")
	jb := mustRun(t, "show", "--dir", b, "--format", "json", "registry/responsibility")
	if ja != jb || ja == "" {
		t.Fatal("the same seed gave different ledgers")
	}
}

func TestHelpEverywhere(t *testing.T) {
	for name := range commands() {
		t.Run(name, func(t *testing.T) {
			code, out, _ := runCLI(t, "", name, "--help")
			// Every command names its ledger with --dir (migrate: --from, --to).
			if code != exitOK || strings.Count(out, "Usage: govledger "+name) != 1 || !strings.Contains(out, "-dir") && !strings.Contains(out, "-from") {
				t.Fatalf("exit %d:\n%s", code, out)
			}
		})
	}
	if code, out, _ := runCLI(t, "", "--help"); code != exitOK || !strings.Contains(out, "Exit codes") {
		t.Fatalf("govledger --help: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "", "frobnicate"); code != exitUsage || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "verify", "--no-such-flag"); code != exitUsage || !strings.Contains(errOut, "no-such-flag") {
		t.Fatalf("unknown flag: exit %d %s", code, errOut)
	}
}

func TestShowTimeline(t *testing.T) {
	dir := quickstarted(t)
	out := mustRun(t, "stat", "--dir", dir)
	if !strings.Contains(out, "head position") {
		t.Fatal(out)
	}
	// Find a case through the JSON form of the registry-free stat, then show it.
	var st stats
	if err := json.Unmarshal([]byte(mustRun(t, "stat", "--dir", dir, "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.ByType[events.TypeCaseReported] != 300 {
		t.Fatalf("stat counts %d reports, want 300", st.ByType[events.TypeCaseReported])
	}
	text := mustRun(t, "show", "--dir", dir, "20261001-000001")
	for _, want := range []string{"case/20261001-000001", "v0", "case.reported", "chain intact"} {
		if !strings.Contains(text, want) {
			t.Fatalf("show lacks %q:\n%s", want, text)
		}
	}
	js := mustRun(t, "show", "--dir", dir, "--format", "json", "case/20261001-000001")
	var first events.JSON
	if err := json.NewDecoder(strings.NewReader(js)).Decode(&first); err != nil {
		t.Fatal(err)
	}
	if first.Type != events.TypeCaseReported || first.Version != 0 || first.Position == 0 {
		t.Fatalf("first event %+v", first)
	}
	if code, _, errOut := runCLI(t, "", "show", "--dir", dir, "no-such-case"); code != exitNotFound || !strings.Contains(errOut, "no stream case/no-such-case") {
		t.Fatalf("unknown case: exit %d %s", code, errOut)
	}
}

// lines returns JSON lines for drafts, in the append input format.
func lines(t *testing.T, drafts ...events.Draft) string {
	t.Helper()
	var b strings.Builder
	for _, d := range drafts {
		data, err := events.EncodePayload(d.Payload)
		if err != nil {
			t.Fatal(err)
		}
		actor, _ := json.Marshal(d.Actor)
		fmt.Fprintf(&b, `{"id":%q,"stream":%q,"type":%q,"occurred_at":%q,"actor":%s,"data":%s}`+"\n",
			d.ID, d.Stream, d.Payload.EventType(), d.OccurredAt.Format("2006-01-02T15:04:05.999999999Z07:00"), actor, data)
	}
	return b.String()
}

func TestAppend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	s := eventstest.New()
	c := s.Case("C-1")
	good := lines(t, append(s.District(),
		c.Reported(events.ChannelHotline, eventstest.Pothole),
		c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule))...)
	code, out, errOut := runCLI(t, good, "append", "--dir", dir, "-")
	if code != exitOK || !strings.Contains(out, "14 appended") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	head := mustRun(t, "stat", "--dir", dir, "--format", "json")

	// Re-sending the same file is idempotent.
	code, out, _ = runCLI(t, good, "append", "--dir", dir)
	if code != exitOK || !strings.Contains(out, "0 appended, 14 already stored") {
		t.Fatalf("re-send: exit %d %s", code, out)
	}

	// A file with refused lines: each reported by number and rule.
	bad := lines(t, c.Accepted(eventstest.Water)) + // line 1: not-pending
		"{not json\n" + // line 2
		`{"id":"01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA","stream":"case/C-1","type":"case.teleported","occurred_at":"2026-11-02T09:30:00+08:00","actor":{"kind":"system","id":"x"},"data":{}}` + "\n" + // line 3
		lines(t, c.Accepted(eventstest.Roads)) // line 4: fine
	file := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(file, []byte(bad), 0o644)

	code, out, errOut = runCLI(t, "", "append", "--dir", dir, "--atomic", file)
	if code != exitRefused || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("--atomic: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"bad.jsonl:2: refused", "malformed JSON", "bad.jsonl:3: refused", `unknown event type: "case.teleported"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--atomic stderr lacks %q:\n%s", want, errOut)
		}
	}
	if now := mustRun(t, "stat", "--dir", dir, "--format", "json"); now != head {
		t.Fatal("--atomic with refused lines changed the ledger")
	}

	code, out, errOut = runCLI(t, "", "append", "--dir", dir, file)
	if code != exitRefused || !strings.Contains(out, "1 appended") {
		t.Fatalf("line by line: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"bad.jsonl:1: refused", "not-pending", "bad.jsonl:2: refused", "bad.jsonl:3: refused"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "bad.jsonl:4") {
		t.Errorf("the good line 4 was refused:\n%s", errOut)
	}
	mustRun(t, "verify", "--dir", dir)
}

func TestVerifyDetectsEditedRecord(t *testing.T) {
	dir := quickstarted(t)
	// Edit one byte of the payload of the event at position 100, in place.
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	key := append([]byte{'L'}, 0, 0, 0, 0, 0, 0, 0, 100)
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
	rec[i+2] ^= 0x01 // a letter of a key inside the payload
	if err := db.Set(key, rec, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()

	code, out, errOut := runCLI(t, "", "verify", "--dir", dir)
	if code != exitTampered {
		t.Fatalf("verify of an edited ledger: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"FINDING hash-mismatch", "position: 100", "expected:", "actual:", "verify: FAILED"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
}

type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
