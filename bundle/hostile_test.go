package bundle_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/govledger/govledger/bundle"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
)

// sound writes a small sound bundle and returns its directory, its
// records and its signer key. The bundle is written once and copied.
func sound(t *testing.T) (dir string, recs []store.Record, signer string) {
	t.Helper()
	soundOnce.Do(func() {
		st := simulated(t, 5)
		soundRecs = all(t, st)
		var verifier string
		soundSigner, verifier = keys(t)
		soundDir = filepath.Join(os.TempDir(), "govledger-bundle-test-"+strconv.Itoa(os.Getpid()))
		os.RemoveAll(soundDir)
		_, soundErr = bundle.Write(context.Background(), soundDir, st, bundle.Meta{VerifierKey: verifier,
			Checkpoints: [][]byte{signed(t, soundSigner, soundRecs, 4)}})
	})
	if soundErr != nil {
		t.Fatal(soundErr)
	}
	dir = filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(dir, os.DirFS(soundDir)); err != nil {
		t.Fatal(err)
	}
	return dir, soundRecs, soundSigner
}

var (
	soundOnce   sync.Once
	soundDir    string
	soundRecs   []store.Record
	soundSigner string
	soundErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if soundDir != "" {
		os.RemoveAll(soundDir)
	}
	os.Exit(code)
}

// editLine replaces line n (1-based) of the events file.
func editLine(t *testing.T, dir string, n int, edit func(line string) string) {
	t.Helper()
	path := filepath.Join(dir, bundle.EventsFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	old, nl := strings.CutSuffix(lines[n-1], "\n")
	lines[n-1] = edit(old)
	if nl {
		lines[n-1] += "\n"
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBadLines(t *testing.T) {
	tests := []struct {
		name  string
		line  int
		edit  func(string) string
		field string
		want  string
	}{
		{"invalid-json", 3, func(l string) string { return strings.Replace(l, `"version":`, `"version"`, 1) }, "", `want ':' after "version"`},
		{"truncated", 3, func(l string) string { return l[:strings.Index(l, `"type"`)] }, "", "member name at offset"},
		{"not-an-object", 3, func(string) string { return "[1,2]" }, "", "want a JSON object"},
		{"empty-line", 3, func(string) string { return "" }, "", "empty line"},
		{"invalid-utf8", 3, func(l string) string { return strings.Replace(l, `"stream":"`, "\"stream\":\"\xff", 1) }, "stream", "invalid UTF-8"},
		{"unknown-field", 3, func(l string) string { return strings.TrimSuffix(l, "}") + `,"note":"x"}` }, "note", "unknown field"},
		{"duplicate-field", 3, func(l string) string { return strings.TrimSuffix(l, "}") + `,"version":0}` }, "version", "appears twice"},
		{"missing-field", 3, func(l string) string { return cut(l, `"schema":`, `,`) }, "schema", "missing"},
		{"missing-data", 3, func(l string) string { return cut(l, `,"data":`, `,"prev_hash"`) }, "data", "missing"},
		{"data-twice", 3, func(l string) string { return strings.TrimSuffix(l, "}") + `,"data_b64":""}` }, "data_b64", "both given"},
		{"bad-hex", 3, func(l string) string { return strings.Replace(l, `"hash":"`, `"hash":"zz`, 1)[:len(l)-2] + `"}` }, "hash", "not hex"},
		{"short-hash", 3, func(l string) string { return l[:len(l)-4] + `"}` }, "hash", "want 64 hex digits, found 62"},
		{"bad-ulid", 3, func(l string) string { return replaceValue(l, "id", `"01ARZ3NDEKTSV4RRFFQ69G5FAU"`) }, "id", "not a ULID"},
		{"ulid-overflow", 3, func(l string) string { return replaceValue(l, "id", `"81ARZ3NDEKTSV4RRFFQ69G5FAV"`) }, "id", "larger than the largest ULID"},
		{"bad-time", 3, func(l string) string { return replaceValue(l, "occurred_at", `"2026-02-30T09:00:00+08:00"`) }, "occurred_at", "not a calendar date"},
		{"time-without-zone", 3, func(l string) string { return replaceValue(l, "recorded_at", `"2026-02-03T09:00:00"`) }, "recorded_at", "RFC 3339"},
		{"bad-actor", 3, func(l string) string { return strings.Replace(l, `"unit":`, `"unit2":`, 1) }, "actor.unit2", "unknown field"},
		{"schema-too-large", 3, func(l string) string { return replaceValue(l, "schema", "65536") }, "schema", "larger than 65535"},
		{"negative-version", 3, func(l string) string { return replaceValue(l, "version", "-1") }, "version", "want a decimal integer"},
		{"bad-base64", 3, func(l string) string {
			return strings.Replace(cut(l, `,"data":`, `,"prev_hash"`), `"prev_hash"`, `"data_b64":"!!!!","prev_hash"`, 1)
		}, "data_b64", "not standard base64"},
		{"oversized", 3, func(l string) string { return strings.Repeat(" ", bundle.MaxLineBytes) + l }, "", "longer than 1048576 bytes"},
		{"repeated-position", 3, func(l string) string { return replaceValue(l, "position", "2") }, "position", "2 does not increase on the previous line's 2"},
		{"position-zero", 1, func(l string) string { return replaceValue(l, "position", "0") }, "position", "positions start at 1"},
		{"beyond-head", 3, func(l string) string { return replaceValue(l, "position", "99999") }, "position", "99999 is beyond the head"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir, recs, _ := sound(t)
			editLine(t, dir, tc.line, tc.edit)
			b, err := bundle.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if head, _ := b.Head(ctx); head != uint64(len(recs)) {
				t.Fatalf("head %d, want %d", head, len(recs))
			}
			var got []uint64
			err = b.ReadAll(ctx, 1, func(r store.Record) error { got = append(got, r.Position); return nil })
			var le *bundle.LineError
			if !errors.As(err, &le) || !errors.Is(err, events.ErrCorrupt) {
				t.Fatalf("err = %v, want a *LineError wrapping events.ErrCorrupt", err)
			}
			pos := uint64(tc.line)
			if le.File != bundle.EventsFile || le.Line != tc.line || le.Position != pos || le.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %#v (%v), want line %d position %d field %q saying %q", le, err, tc.line, pos, tc.field, tc.want)
			}
			if len(got) != tc.line-1 {
				t.Fatalf("delivered %v before the bad line", got)
			}
			// Reading on after the bad line gives every other event.
			got = nil
			if err := b.ReadAll(ctx, pos+1, func(r store.Record) error { got = append(got, r.Position); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(recs)-tc.line || got[0] != pos+1 {
				t.Fatalf("after the bad line: %v", got)
			}
			// Verification reports the line and checks the rest.
			var found []*integrity.Finding
			rep, err := replay.Verify(ctx, b, func(f *integrity.Finding) { found = append(found, f) })
			if err != nil {
				t.Fatal(err)
			}
			if len(found) == 0 || found[0].Kind != integrity.CorruptRecord || found[0].Position != pos || !strings.Contains(found[0].Actual, "line "+strconv.Itoa(tc.line)) {
				t.Fatalf("findings %v", found)
			}
			if rep.Events != uint64(len(recs)-1) {
				t.Fatalf("checked %d events, want %d", rep.Events, len(recs)-1)
			}
		})
	}
}

// cut removes from the first occurrence of from up to (not including) to,
// or up to and including to when to is a single comma.
func cut(l, from, to string) string {
	i := strings.Index(l, from)
	j := i + strings.Index(l[i:], to)
	if to == "," {
		j++
	}
	return l[:i] + l[j:]
}

// replaceValue replaces the value of a top-level member that is a number
// or a string without quotes inside.
func replaceValue(l, member, value string) string {
	key := `"` + member + `":`
	i := strings.Index(l, key) + len(key)
	j := i
	if l[j] == '"' {
		j += 1 + strings.IndexByte(l[j+1:], '"') + 1
	} else {
		for l[j] != ',' && l[j] != '}' {
			j++
		}
	}
	return l[:i] + value + l[j:]
}

func TestEditedPayloadIsDeliveredAndFound(t *testing.T) {
	ctx := context.Background()
	dir, recs, _ := sound(t)
	editLine(t, dir, 4, func(l string) string { return strings.Replace(l, `"data":{"`, `"data":{ "`, 1) })
	b, err := bundle.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := all(t, b); len(got) != len(recs) {
		t.Fatalf("read %d events, want %d: an edited payload is not a reading error", len(got), len(recs))
	}
	var found []*integrity.Finding
	if _, err := replay.Verify(ctx, b, func(f *integrity.Finding) { found = append(found, f) }); err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Kind != integrity.HashMismatch || found[0].Position != 4 {
		t.Fatalf("findings %v, want one hash-mismatch at 4", found)
	}
}

func TestHeadIsWhatTheFileHolds(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		edit func(dir string, n int)
		head func(n int) uint64
	}{
		"bad-last-line":    {func(dir string, n int) { editLine(t, dir, n, func(string) string { return "garbage" }) }, func(n int) uint64 { return uint64(n) }},
		"dropped-last":     {func(dir string, n int) { editLine(t, dir, n, func(string) string { return "" }); truncateLast(t, dir) }, func(n int) uint64 { return uint64(n - 1) }},
		"no-final-newline": {func(dir string, n int) { truncateLast(t, dir) }, func(n int) uint64 { return uint64(n) }},
		"all-garbage": {func(dir string, n int) {
			os.WriteFile(filepath.Join(dir, bundle.EventsFile), []byte("a\nb\n\nc"), 0o644)
		}, func(int) uint64 { return 4 }},
		"empty": {func(dir string, n int) { os.WriteFile(filepath.Join(dir, bundle.EventsFile), nil, 0o644) }, func(int) uint64 { return 0 }},
		"big-garbage-tail": {func(dir string, n int) {
			f, _ := os.OpenFile(filepath.Join(dir, bundle.EventsFile), os.O_APPEND|os.O_WRONLY, 0)
			f.Write(bytes.Repeat([]byte("x\n"), 3<<20))
			f.Close()
		}, func(n int) uint64 { return uint64(n + 3<<20) }},
	} {
		t.Run(name, func(t *testing.T) {
			dir, recs, _ := sound(t)
			tc.edit(dir, len(recs))
			b, err := bundle.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if head, _ := b.Head(ctx); head != tc.head(len(recs)) {
				t.Fatalf("head %d, want %d", head, tc.head(len(recs)))
			}
		})
	}
}

// truncateLast removes the final newline of the events file.
func truncateLast(t *testing.T, dir string) {
	path := filepath.Join(dir, bundle.EventsFile)
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.TrimSuffix(raw, []byte("\n")), 0o644)
}

func TestBadBundleFiles(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, []byte("x"), 0o644)
	tests := []struct {
		name string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"other-format", func(t *testing.T, dir string) { write(t, dir, bundle.ManifestFile, `{"format":"other/1"}`) }, `bundle.json: format "other/1" is not "govledger-bundle/1"`},
		{"no-format", func(t *testing.T, dir string) { write(t, dir, bundle.ManifestFile, `{"origin":"x"}`) }, `bundle.json: no "format": not a govledger bundle`},
		{"not-json", func(t *testing.T, dir string) { write(t, dir, bundle.ManifestFile, `{`) }, `bundle.json: unexpected end`},
		{"manifest-unknown-field", func(t *testing.T, dir string) { editManifest(t, dir, `"events"`, `"extra":1,"events"`) }, `bundle.json: json: unknown field "extra"`},
		{"manifest-missing-field", func(t *testing.T, dir string) { editManifest(t, dir, `"created_by"`, `"created"`) }, `bundle.json: missing "created_by"`},
		{"manifest-checkpoints", func(t *testing.T, dir string) { editManifest(t, dir, `"checkpoints": [`, `"checkpoints": [2,`) }, `bundle.json: lists checkpoints [2 4], checkpoints/ holds [4]`},
		{"missing-manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, bundle.ManifestFile)) }, "bundle.json: missing"},
		{"missing-events", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, bundle.EventsFile)) }, "events.jsonl: missing"},
		{"key-two-lines", func(t *testing.T, dir string) { write(t, dir, bundle.KeyFile, "a\nb\n") }, "checkpoint.pub: want one line holding the verifier key"},
		{"key-not-a-key", func(t *testing.T, dir string) { write(t, dir, bundle.KeyFile, "hello\n") }, "checkpoint.pub: not a verifier key"},
		{"key-of-another-log", func(t *testing.T, dir string) {
			_, v, _ := integrity.GenerateKey("elsewhere")
			write(t, dir, bundle.KeyFile, v+"\n")
		}, `checkpoint.pub: the key is named "elsewhere", the bundle's origin is "govledger.test/district"`},
		{"checkpoint-name", func(t *testing.T, dir string) {
			rename(t, dir, "checkpoints/4.checkpoint", "checkpoints/four.checkpoint")
		}, "checkpoints/four.checkpoint: name is not <size>.checkpoint"},
		{"checkpoint-leading-zero", func(t *testing.T, dir string) {
			rename(t, dir, "checkpoints/4.checkpoint", "checkpoints/04.checkpoint")
		}, "checkpoints/04.checkpoint: name is not"},
		{"checkpoint-extension", func(t *testing.T, dir string) { rename(t, dir, "checkpoints/4.checkpoint", "checkpoints/4.txt") }, "checkpoints/4.txt: name is not"},
		{"checkpoint-oversized", func(t *testing.T, dir string) {
			write(t, dir, "checkpoints/4.checkpoint", strings.Repeat("x", integrity.MaxCheckpointBytes+1))
		}, "checkpoints/4.checkpoint: larger than 16384 bytes"},
		{"checkpoint-dir", func(t *testing.T, dir string) { os.Mkdir(filepath.Join(dir, "checkpoints", "7.checkpoint"), 0o755) }, "checkpoints/7.checkpoint: is not a regular file"},
		{"symlink-events", func(t *testing.T, dir string) { symlink(t, outside, dir, bundle.EventsFile) }, "events.jsonl: is a symlink"},
		{"symlink-key", func(t *testing.T, dir string) { symlink(t, outside, dir, bundle.KeyFile) }, "checkpoint.pub: is a symlink"},
		{"symlink-manifest", func(t *testing.T, dir string) { symlink(t, outside, dir, bundle.ManifestFile) }, "bundle.json: is a symlink"},
		{"symlink-checkpoint", func(t *testing.T, dir string) { symlink(t, outside, dir, "checkpoints/4.checkpoint") }, "checkpoints/4.checkpoint: is a symlink"},
		{"symlink-checkpoints-dir", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "checkpoints"))
			symlink(t, filepath.Dir(outside), dir, "checkpoints")
		}, "checkpoints: is not a directory (symlinks are refused)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, _, _ := sound(t)
			tc.edit(t, dir)
			_, err := bundle.Open(dir)
			if !errors.Is(err, bundle.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrMalformed saying %q", err, tc.want)
			}
		})
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func editManifest(t *testing.T, dir, old, new string) {
	t.Helper()
	raw, _ := os.ReadFile(filepath.Join(dir, bundle.ManifestFile))
	if !strings.Contains(string(raw), old) {
		t.Fatalf("bundle.json lacks %s:\n%s", old, raw)
	}
	write(t, dir, bundle.ManifestFile, strings.Replace(string(raw), old, new, 1))
}

func rename(t *testing.T, dir, from, to string) {
	t.Helper()
	if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, dir, name string) {
	t.Helper()
	os.Remove(filepath.Join(dir, name))
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestParseCheckpoints(t *testing.T) {
	dir, recs, signer := sound(t)
	b, err := bundle.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, other := keys(t)
	var cfe *bundle.CheckpointFileError
	if _, err := b.ParseCheckpoints(other); !errors.As(err, &cfe) || !errors.Is(err, integrity.ErrBadSignature) || cfe.File != "checkpoints/4.checkpoint" {
		t.Fatalf("err = %v, want a bad signature in checkpoints/4.checkpoint", err)
	}
	// A checkpoint of size 3 filed as 4.
	write(t, dir, "checkpoints/4.checkpoint", string(signed(t, signer, recs, 3)))
	if b, err = bundle.Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ParseCheckpoints(b.VerifierKey()); !errors.Is(err, integrity.ErrMalformedCheckpoint) || !strings.Contains(err.Error(), "the file name says size 4, the checkpoint says 3") {
		t.Fatalf("err = %v", err)
	}
}
