package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/store"
)

// TestPipelineReadsAsLineByLine: a scan whose lines are parsed by
// workers delivers the same events, bit for bit, and the same errors
// (line, position, field, text) as one that parses every line itself,
// including when it resumes after each bad line as a verifier does.
func TestPipelineReadsAsLineByLine(t *testing.T) {
	const n = 3000
	seeds := seedRecords()
	var lines []string
	for i := range n {
		r := seeds[i%len(seeds)]
		r.Position = uint64(i + 1)
		if i%len(seeds) == 2 { // data_b64, different on every line
			r.Event.Data = fmt.Appendf([]byte{0xff}, "%d", i)
		}
		l, err := appendLine(nil, &r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSuffix(string(l), "\n"))
	}
	bad := map[int]string{ // 0-based line: its replacement
		0:     "garbage",
		6:     "",
		7:     strings.Replace(lines[7], `"hash":"`, `"hash":"zz`, 1),
		64:    strings.Repeat(" ", MaxLineBytes) + lines[64],
		65:    strings.Repeat(" ", MaxLineBytes-len(lines[65])) + lines[65], // just fits
		500:   strings.Replace(lines[500], `"position":501`, `"position":500`, 1),
		501:   strings.Replace(lines[501], `"position":502`, `"position":99999`, 1),
		999:   strings.Replace(lines[999], `"position":1000`, `"position":1002`, 1), // skips ahead
		1000:  "[1,2]",
		1401:  strings.Replace(lines[1401], `"data_b64":"`, `"data_b64":"!`, 1),
		n - 1: "{",
	}
	for i, l := range bad {
		lines[i] = l
	}
	for _, tc := range []struct {
		name    string
		content string
	}{
		{"bad-lines", strings.Join(lines, "\n") + "\n"},
		{"no-final-newline", strings.Join(lines[:n-1], "\n")},
		{"sound", strings.Join(lines[1:6], "\n") + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := bundleWith(t, tc.content)
			for _, from := range []uint64{1, 8, 1001, 2500} {
				want := transcript(t, dir, from, scanConfig{})
				for _, cfg := range []scanConfig{
					{serial: 0, workers: 1, chunk: 1},
					{serial: 0, workers: 3, chunk: 7},
					{serial: 5, workers: 2, chunk: 64},
					{serial: 100, workers: 4, chunk: 256},
				} {
					if got := transcript(t, dir, from, cfg); got != want {
						t.Fatalf("from %d, %+v:\n%s\nline by line:\n%s", from, cfg, diffAt(got, want), diffAt(want, got))
					}
				}
			}
		})
	}
}

// bundleWith writes a bundle whose events file holds content.
func bundleWith(t *testing.T, content string) string {
	t.Helper()
	_, verifier, err := integrity.GenerateKey("pipeline")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if _, err := Write(context.Background(), dir, sliceSource(nil), Meta{VerifierKey: verifier}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, EventsFile), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// transcript reads dir from from as a verifier does (going on after each
// bad line) and writes down every event's canonical record and every
// error.
func transcript(t *testing.T, dir string, from uint64, cfg scanConfig) string {
	t.Helper()
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for {
		_, err := b.scanWith(context.Background(), from, b.head, cfg, func(r store.Record) error {
			fmt.Fprintf(&out, "%d %x %s %s\n", r.Position, events.AppendRecord(nil, &r.Event), r.Event.OccurredAt, r.Event.RecordedAt)
			return nil
		})
		if err == nil {
			return out.String()
		}
		var le *LineError
		if !errors.As(err, &le) || !errors.Is(err, events.ErrCorrupt) {
			t.Fatalf("%+v: %v is not a *LineError", cfg, err)
		}
		fmt.Fprintf(&out, "error line %d position %d field %q: %v\n", le.Line, le.Position, le.Field, err)
		from = le.Position + 1
	}
}

// diffAt returns a from its first difference with b, briefly.
func diffAt(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	i = bytes.LastIndexByte([]byte(a[:i]), '\n') + 1
	return a[i:min(len(a), i+300)]
}
