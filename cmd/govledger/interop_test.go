package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/interop/xes"
	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

// processSummary returns the first row of the process report's summary,
// by column key.
func processSummary(t *testing.T, dir string) map[string]any {
	t.Helper()
	var reps []struct {
		Columns []struct{ Key string }
		Rows    [][]any
	}
	if err := json.Unmarshal([]byte(mustRun(t, "report", "--dir", dir, "process", "--format", "json")), &reps); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for i, c := range reps[0].Columns {
		out[c.Key] = reps[0].Rows[0][i]
	}
	return out
}

// statOf returns govledger stat's output.
func statOf(t *testing.T, dir string) string {
	t.Helper()
	return mustRun(t, "stat", "--dir", dir)
}

func TestExportOpen311ImportsAgain(t *testing.T) {
	src := quickstarted(t)
	out := filepath.Join(t.TempDir(), "requests.json")
	got := mustRun(t, "export", "--dir", src, "open311", "--out", out)
	if !strings.Contains(got, "requests.history.json") {
		t.Errorf("export did not name the history file:\n%s", got)
	}
	var reqs []map[string]any
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &reqs); err != nil {
		t.Fatal(err)
	}
	closed := 0
	for _, r := range reqs {
		if r["status"] == "closed" {
			closed++
		}
	}
	if len(reqs) != 300 || closed == 0 {
		t.Fatalf("%d requests (%d closed), want the 300 cases", len(reqs), closed)
	}
	if st, err := os.Stat(strings.TrimSuffix(out, ".json") + ".history.json"); err != nil || st.Size() == 0 || st.Mode().Perm() != 0o644 {
		t.Errorf("history file: %v %v", st, err)
	}

	dst := filepath.Join(t.TempDir(), "imported")
	imp := mustRun(t, "import", "--dir", dst, "--quiet", "open311", out)
	if !strings.Contains(imp, "300 traces (300 cases, 0 activity traces)") || !strings.Contains(imp, "import.recorded at position") {
		t.Errorf("import summary:\n%s", imp)
	}
	sum := processSummary(t, dst)
	if sum["cases"] != float64(300) || sum["ended_cases"] != float64(closed) {
		t.Errorf("process on the import: %v cases, %v ended; want 300 and %d (closed requests end)", sum["cases"], sum["ended_cases"], closed)
	}
	if p50, ok := sum["p50_duration_h"].(float64); !ok || p50 <= 0 {
		t.Errorf("p50 case duration %v: the closed requests' durations are missing", sum["p50_duration_h"])
	}

	// The same import again writes nothing but its record.
	again := mustRun(t, "import", "--dir", dst, "--quiet", "open311", out)
	if !strings.Contains(again, "already in the ledger (an earlier run)") {
		t.Errorf("second import:\n%s", again)
	}
	if got := processSummary(t, dst)["events"]; got != sum["events"] {
		t.Errorf("events after the second import %v, before %v", got, sum["events"])
	}
	if !strings.Contains(statOf(t, dst), "import.recorded                     2") {
		t.Errorf("stat after two imports:\n%s", statOf(t, dst))
	}
	mustRun(t, "verify", "--dir", dst)
}

func TestImportRefusesUnreadableFileAndWritesNothing(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "requests.json")
	// Two good requests, then the file is cut mid-object.
	if err := os.WriteFile(bad, []byte(`[{"service_request_id":"1","service_code":"pothole","requested_datetime":"2024-01-02T03:04:05Z"},
{"service_request_id":"2","service_code":"pothole","requested_datetime":"2024-01-02T03:04:05Z"},
{"service_request_id":"3","service_c`), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "ledger")
	code, _, errOut := runCLI(t, "", "import", "--dir", dst, "open311", bad)
	if code != exitRefused || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d, stderr %s; want %d and nothing written", code, errOut, exitRefused)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Errorf("the ledger directory was created: %v", err)
	}
	code, _, errOut = runCLI(t, "", "import", "--dir", dst, "nosuch", bad)
	if code != exitUsage || !strings.Contains(errOut, "unknown format") {
		t.Errorf("unknown format: exit %d, %s", code, errOut)
	}
}

func TestExportOCEL(t *testing.T) {
	src := quickstarted(t)
	out := filepath.Join(t.TempDir(), "log.jsonocel")
	mustRun(t, "export", "--dir", src, "ocel", "--out", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ObjectTypes []struct{ Name string } `json:"objectTypes"`
		Events      []struct {
			Type          string
			Relationships []struct{ ObjectID, Qualifier string }
		} `json:"events"`
		Objects []struct{ ID, Type string } `json:"objects"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, o := range doc.ObjectTypes {
		types[o.Name] = true
	}
	for _, want := range []string{"case", "unit", "resident", "topic"} {
		if !types[want] {
			t.Errorf("object type %s missing: %v", want, doc.ObjectTypes)
		}
	}
	if len(doc.Events) == 0 || len(doc.Objects) == 0 {
		t.Fatalf("%d events, %d objects", len(doc.Events), len(doc.Objects))
	}
	if strings.Contains(string(b), `"sealed"`) {
		t.Error("the OCEL export holds sealed personal fields")
	}
	// A leftover temporary file would mean the rename did not happen.
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestImportCSV(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "ledger")
	sample := filepath.Join("..", "..", "interop", "csvlog", "testdata", "nyc311-sample.csv")
	out := mustRun(t, "import", "--dir", dst, "--quiet", "csv", sample)
	for _, want := range []string{"import csv", "skipped:", "wrong column count", "unparseable created date", "units registered:", "import.recorded at position"} {
		if !strings.Contains(out, want) {
			t.Errorf("import summary lacks %q:\n%s", want, out)
		}
	}
	// The NYPD resolved its request: a centre that answers its own requests.
	show := mustRun(t, "show", "--dir", dst, "59000001")
	for _, want := range []string{"case.reported", "case.resolved", "case.closed", "NYPD"} {
		if !strings.Contains(show, want) {
			t.Errorf("show 59000001 lacks %q:\n%s", want, show)
		}
	}
	// Export and import again: the same cases, nothing new.
	csv := filepath.Join(t.TempDir(), "cases.csv")
	mustRun(t, "export", "--dir", dst, "csv", "--out", csv)
	again := mustRun(t, "import", "--dir", dst, "--quiet", "csv", csv)
	if !strings.Contains(again, "stream already holds other events") && !strings.Contains(again, "already in the ledger") {
		t.Errorf("re-import of the export:\n%s", again)
	}
	mustRun(t, "verify", "--dir", dst)
}

func TestImportXESWithMapping(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "ledger")
	out := mustRun(t, "import", "--dir", dst, "--quiet", "--mapping", "testdata/interop/fines-mapping.json", "xes", "testdata/interop/fines.xes")
	for _, want := range []string{
		"2 traces (1 cases, 1 activity traces), 7 events",
		"traces reordered by timestamp: 1",
		"trace without events",
		"event without time:timestamp",
		"units registered: 4", // the district, the street north, fines-center, collections
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import summary lacks %q:\n%s", want, out)
		}
	}
	show := mustRun(t, "show", "--dir", dst, "F-1")
	for _, want := range []string{"case.reported", "case.dispatched", "case.accepted", "activity.recorded", "case.resolved"} {
		if !strings.Contains(show, want) {
			t.Errorf("case F-1 lacks %s:\n%s", want, show)
		}
	}
	if code, out, _ := runCLI(t, "", "show", "--dir", dst, "trace/F-2"); code != exitOK || !strings.Contains(out, "activity.recorded") {
		t.Errorf("trace/F-2 (not a case: its first event is not the report): exit %d\n%s", code, out)
	}
	sum := processSummary(t, dst)
	if sum["cases"] != float64(2) || sum["events"] != float64(7) || sum["variants"] != float64(2) || sum["ended_cases"] != float64(1) {
		t.Errorf("process on the import: %v", sum)
	}
	// F-2 ends with its last event, 18 hours after its first.
	if d, ok := sum["max_duration_h"].(float64); !ok || d < 17.99 || d > 18.01 {
		t.Errorf("case duration %v h, want 18", sum["max_duration_h"])
	}
	mustRun(t, "verify", "--dir", dst)
}

// xesEvents reads an XES file into "trace|activity|instant" lines.
func xesEvents(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := xes.NewReader(f, xes.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		tr, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tr.Events {
			out = append(out, tr.Name+"|"+e.Activity+"|"+e.Lifecycle+"|"+e.Time.UTC().Format(time.RFC3339Nano))
		}
	}
}

// The ledger exported as XES and imported again holds the same cases,
// activities and timestamps: a process-mining round trip.
func TestXESRoundTrip(t *testing.T) {
	src := quickstarted(t)
	tmp := t.TempDir()
	first := filepath.Join(tmp, "ledger.xes.gz")
	mustRun(t, "export", "--dir", src, "xes", "--out", first)
	dst := filepath.Join(tmp, "imported")
	out := mustRun(t, "import", "--dir", dst, "--quiet", "xes", first)
	if !strings.Contains(out, "300 traces (0 cases, 300 activity traces)") {
		t.Errorf("import:\n%s", out)
	}
	second := filepath.Join(tmp, "again.xes")
	mustRun(t, "export", "--dir", dst, "xes", "--out", second)
	a, b := xesEvents(t, first), xesEvents(t, second)
	if len(a) == 0 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("the second export differs from the first: %d and %d events", len(a), len(b))
	}
	want, got := processSummary(t, src), processSummary(t, dst)
	for _, k := range []string{"cases", "events", "activities", "variants", "rework_cases"} {
		if want[k] != got[k] {
			t.Errorf("process %s: ledger %v, imported %v", k, want[k], got[k])
		}
	}
	// An imported log exported again keeps its attributes: the second
	// export holds the first's identity and data attributes.
	b2, _ := os.ReadFile(second)
	for _, s := range []string{`key="identity:id"`, `key="data:category"`, `key="govledger:position"`} {
		if !strings.Contains(string(b2), s) {
			t.Errorf("the re-export lost %s", s)
		}
	}
}

func TestImportXESRefusesHostileFiles(t *testing.T) {
	dir := t.TempDir()
	laughs := `<?xml version="1.0"?>
<!DOCTYPE log [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<log><trace><string key="concept:name" value="&lol3;"/></trace></log>`
	good := `<log><trace><string key="concept:name" value="a"/><event><string key="concept:name" value="x"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event></trace>`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(good + strings.Repeat(" ", 4096) + "</log>"))
	zw.Close()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"billion laughs":   {[]byte(laughs), "DOCTYPE"},
		"malformed XML":    {[]byte(good + "</trace></log>"), "xes:"},
		"truncated gzip":   {gz.Bytes()[:gz.Len()-20], "gzip"},
		"corrupt gzip":     {append(append([]byte{}, gz.Bytes()[:gz.Len()-8]...), 1, 2, 3, 4, 5, 6, 7, 8), "gzip"},
		"not xml":          {[]byte("Unique Key,Created Date\n1,2\n"), "xes:"},
		"undefined entity": {[]byte(`<log><trace><string key="concept:name" value="&nope;"/></trace></log>`), "entity"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".xes")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, "ledger-"+strings.ReplaceAll(name, " ", "-"))
			code, _, errOut := runCLI(t, "", "import", "--dir", dst, "xes", path)
			if code != exitRefused || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "nothing was written") {
				t.Errorf("exit %d, stderr %q; want %d naming %q", code, errOut, exitRefused, tc.want)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("a ledger was created: %v", err)
			}
		})
	}
}

// An import into a KurrentDB cluster and an export from it give what the
// embedded store gives.
func TestImportExportOnACluster(t *testing.T) {
	srv := esdbtest.New(t)
	tmp := t.TempDir()
	cluster := srv.URL() + "&namespace=imports/&state=" + filepath.Join(tmp, "node")
	pebble := filepath.Join(tmp, "pebble")
	file := "testdata/interop/fines.xes"
	mapping := "testdata/interop/fines-mapping.json"
	a := mustRun(t, "import", "--dir", pebble, "--quiet", "--mapping", mapping, "xes", file)
	b := mustRun(t, "import", "--store", cluster, "--quiet", "--mapping", mapping, "xes", file)
	summary := func(s string) string {
		return regexp.MustCompile(` in [^ ]+ \([0-9]+ events/s\)`).ReplaceAllString(s, "")
	}
	if summary(a) != summary(b) {
		t.Errorf("the import differs between the backends:\n%s\n---\n%s", a, b)
	}
	if !strings.Contains(b, "2 traces (1 cases, 1 activity traces), 7 events") {
		t.Errorf("cluster import:\n%s", b)
	}
	xa, xb := filepath.Join(tmp, "a.xes"), filepath.Join(tmp, "b.xes")
	mustRun(t, "export", "--dir", pebble, "xes", "--out", xa)
	mustRun(t, "export", "--store", cluster, "xes", "--out", xb)
	ea, eb := xesEvents(t, xa), xesEvents(t, xb)
	if len(ea) != 7 || strings.Join(ea, "\n") != strings.Join(eb, "\n") {
		t.Errorf("exports differ:\n%v\n%v", ea, eb)
	}
	mustRun(t, "verify", "--store", cluster)
}

// --prefix keeps two logs with the same case ids apart; standard input
// works as a file.
func TestImportPrefixAndStdin(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "ledger")
	data, err := os.ReadFile("testdata/interop/fines.xes")
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, "import", "--dir", dst, "--quiet", "xes", "testdata/interop/fines.xes")
	code, out, errOut := runCLI(t, string(data), "import", "--dir", dst, "--quiet", "--prefix", "2025:", "xes", "-")
	if code != exitOK || !strings.Contains(out, "import xes -: 2 traces (0 cases, 2 activity traces), 7 events") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, stream := range []string{"trace/F-1", "trace/2025:F-1", "trace/2025:F-2"} {
		if code, out, _ := runCLI(t, "", "show", "--dir", dst, stream); code != exitOK || !strings.Contains(out, "activity.recorded") {
			t.Errorf("show %s: exit %d\n%s", stream, code, out)
		}
	}
	if got := processSummary(t, dst)["cases"]; got != float64(4) {
		t.Errorf("%v cases, want the 2 traces of each import", got)
	}
}
