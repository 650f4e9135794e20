package bundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"golang.org/x/mod/sumdb/note"
)

// Names and limits of the bundle format; see the package documentation.
const (
	// Format is the value of bundle.json's "format".
	Format = "govledger-bundle/1"
	// EventsFile holds the events, one JSON object per line.
	EventsFile = "events.jsonl"
	// CheckpointsDir holds the signed checkpoints, <size>.checkpoint.
	CheckpointsDir = "checkpoints"
	// KeyFile holds the ledger's checkpoint verifier key, one line.
	KeyFile = "checkpoint.pub"
	// ManifestFile describes the bundle.
	ManifestFile = "bundle.json"
	// MaxLineBytes bounds a line of the events file (newline excluded).
	// Written lines stay far below it: a payload is at most 64 KiB.
	MaxLineBytes = 1 << 20

	checkpointExt   = ".checkpoint"
	maxManifestSize = 16 << 20
	maxKeySize      = 4 << 10
)

// Bundle is an opened bundle: a replay.Source over its events file, with
// its key and checkpoints. Open reads everything but the events; ReadAll
// reads the events file afresh each time. A Bundle is safe for concurrent
// use; the directory must not change while it is open.
type Bundle struct {
	dir         string
	manifest    Manifest
	key         string
	checkpoints []CheckpointFile
	events      os.FileInfo // events.jsonl as found by Open
	head        uint64
	resume      resumePoints
}

var _ replay.Source = (*Bundle)(nil)

// Manifest is the content of bundle.json. Its figures describe the bundle
// as written; they are not evidence: a reader computes what the events
// file really holds, and integrity rests on the signed checkpoints.
type Manifest struct {
	Format       string   `json:"format"`
	Origin       string   `json:"origin"`
	Events       uint64   `json:"events"`
	Head         uint64   `json:"head"`
	EventsSHA256 string   `json:"events_sha256"`
	Checkpoints  []uint64 `json:"checkpoints"`
	CreatedBy    string   `json:"created_by"`
}

// CheckpointFile is one file of checkpoints/: the size its name gives and
// the note it holds, unverified.
type CheckpointFile struct {
	Name string // checkpoints/<size>.checkpoint
	Size uint64
	Note []byte
}

// Open opens the bundle in dir. It reads and checks bundle.json,
// checkpoint.pub and checkpoints/ (names, sizes, no symlinks; signatures
// are checked by ParseCheckpoints, against a key the caller trusts) and
// finds the head of events.jsonl. Problems are errors wrapping
// ErrMalformed and naming the file.
func Open(dir string) (*Bundle, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrMalformed, dir)
	}
	b := &Bundle{dir: dir}
	raw, _, err := readRegular(dir, ManifestFile, maxManifestSize)
	if err != nil {
		return nil, err
	}
	if err := parseManifest(raw, &b.manifest); err != nil {
		return nil, err
	}
	raw, _, err = readRegular(dir, KeyFile, maxKeySize)
	if err != nil {
		return nil, err
	}
	if b.key, err = parseKey(raw, b.manifest.Origin); err != nil {
		return nil, err
	}
	if b.checkpoints, err = readCheckpoints(dir); err != nil {
		return nil, err
	}
	sizes := make([]uint64, len(b.checkpoints))
	for i, c := range b.checkpoints {
		sizes[i] = c.Size
	}
	listed := slices.Sorted(slices.Values(b.manifest.Checkpoints))
	if !slices.Equal(sizes, slices.Compact(listed)) || len(listed) != len(b.manifest.Checkpoints) {
		return nil, malformed(ManifestFile, "lists checkpoints %v, %s/ holds %v", b.manifest.Checkpoints, CheckpointsDir, sizes)
	}
	if b.events, err = lstatRegular(dir, EventsFile); err != nil {
		return nil, err
	}
	if b.head, err = b.findHead(); err != nil {
		return nil, err
	}
	return b, nil
}

// Dir returns the bundle's directory.
func (b *Bundle) Dir() string { return b.dir }

// Origin returns the log's origin (bundle.json, the key's name).
func (b *Bundle) Origin() string { return b.manifest.Origin }

// VerifierKey returns the verifier key that came with the bundle
// (checkpoint.pub). It is only as trustworthy as the bundle: compare it
// with the key the ledger's operator published before relying on it.
func (b *Bundle) VerifierKey() string { return b.key }

// Manifest returns bundle.json as read.
func (b *Bundle) Manifest() Manifest {
	m := b.manifest
	m.Checkpoints = slices.Clone(m.Checkpoints)
	return m
}

// CheckpointFiles returns the files of checkpoints/ by size.
func (b *Bundle) CheckpointFiles() []CheckpointFile { return slices.Clone(b.checkpoints) }

// Checkpoints returns the signed checkpoint notes, as signed, by size.
// They are unverified: see ParseCheckpoints.
func (b *Bundle) Checkpoints() [][]byte {
	out := make([][]byte, len(b.checkpoints))
	for i, c := range b.checkpoints {
		out[i] = slices.Clone(c.Note)
	}
	return out
}

// Meta returns what Write needs to write this bundle again:
// Write(ctx, dir, b, b.Meta()) copies it.
func (b *Bundle) Meta() Meta {
	return Meta{Origin: b.manifest.Origin, VerifierKey: b.key, Checkpoints: b.Checkpoints(), CreatedBy: b.manifest.CreatedBy}
}

// ParseCheckpoints verifies every checkpoint file under verifierKey
// (integrity.ParseCheckpoint) and checks that each holds the size its
// name says. The first failure is a *CheckpointFileError.
func (b *Bundle) ParseCheckpoints(verifierKey string) ([]integrity.Checkpoint, error) {
	out := make([]integrity.Checkpoint, 0, len(b.checkpoints))
	for _, f := range b.checkpoints {
		c, err := integrity.ParseCheckpoint(f.Note, verifierKey)
		if err != nil {
			return nil, &CheckpointFileError{File: f.Name, Err: err}
		}
		if c.Size != f.Size {
			return nil, &CheckpointFileError{File: f.Name, Err: &integrity.CheckpointError{Err: integrity.ErrMalformedCheckpoint,
				Reason: fmt.Sprintf("the file name says size %d, the checkpoint says %d", f.Size, c.Size)}}
		}
		out = append(out, c)
	}
	return out, nil
}

// Head returns the position the events file ends at; see the package
// documentation for how it is found.
func (b *Bundle) Head(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return b.head, nil
}

// ReadAll calls fn for every event at position >= from, in file order. A
// line that cannot be read stops the read with a *LineError (wrapping
// events.ErrCorrupt); a ReadAll from that error's Position+1 goes on
// after it. The Record passed to fn is valid only during the call. fn is
// called on the caller's goroutine; past the first lines, lines are
// parsed ahead on up to GOMAXPROCS (at most 4) other goroutines.
func (b *Bundle) ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error {
	return b.read(ctx, from, b.head, fn)
}

// parseManifest decodes bundle.json strictly.
func parseManifest(raw []byte, m *Manifest) error {
	var probe struct {
		Format *string `json:"format"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return malformed(ManifestFile, "%v", err)
	}
	if probe.Format == nil {
		return malformed(ManifestFile, "no \"format\": not a govledger bundle")
	}
	if *probe.Format != Format {
		return malformed(ManifestFile, "format %q is not %q", *probe.Format, Format)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return malformed(ManifestFile, "%v", err)
	}
	for _, f := range []string{"origin", "events", "head", "events_sha256", "checkpoints", "created_by"} {
		if _, ok := fields[f]; !ok {
			return malformed(ManifestFile, "missing %q", f)
		}
	}
	if err := dec.Decode(m); err != nil {
		return malformed(ManifestFile, "%v", err)
	}
	if dec.More() {
		return malformed(ManifestFile, "text after the object")
	}
	return nil
}

// parseKey reads checkpoint.pub: one line holding a verifier key named origin.
func parseKey(raw []byte, origin string) (string, error) {
	key, ok := strings.CutSuffix(string(raw), "\n")
	if !ok || strings.ContainsAny(key, "\r\n") {
		return "", malformed(KeyFile, "want one line holding the verifier key")
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return "", malformed(KeyFile, "not a verifier key: %v", err)
	}
	if v.Name() != origin {
		return "", malformed(KeyFile, "the key is named %q, the bundle's origin is %q", v.Name(), origin)
	}
	return key, nil
}

// readCheckpoints reads checkpoints/, by size.
func readCheckpoints(dir string) ([]CheckpointFile, error) {
	fi, err := os.Lstat(filepath.Join(dir, CheckpointsDir))
	if err != nil {
		return nil, malformed(CheckpointsDir, "%v", errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return nil, malformed(CheckpointsDir, "is not a directory (symlinks are refused)")
	}
	entries, err := os.ReadDir(filepath.Join(dir, CheckpointsDir))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	var out []CheckpointFile
	for _, e := range entries {
		name := path.Join(CheckpointsDir, e.Name())
		digits, ok := strings.CutSuffix(e.Name(), checkpointExt)
		size, err := strconv.ParseUint(digits, 10, 64)
		if !ok || err != nil || strconv.FormatUint(size, 10) != digits {
			return nil, malformed(name, "name is not <size>%s with the size in decimal", checkpointExt)
		}
		raw, _, err := readRegular(dir, name, integrity.MaxCheckpointBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, CheckpointFile{Name: name, Size: size, Note: raw})
	}
	slices.SortFunc(out, func(a, b CheckpointFile) int { return cmpUint(a.Size, b.Size) })
	return out, nil
}

// lstatRegular refuses anything but a regular file (symlinks included).
func lstatRegular(dir, name string) (os.FileInfo, error) {
	fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, malformed(name, "missing")
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, malformed(name, "is a symlink; a bundle holds regular files only")
	}
	if !fi.Mode().IsRegular() {
		return nil, malformed(name, "is not a regular file")
	}
	return fi, nil
}

// openRegular opens a file of the bundle that must be the regular file
// fi (or any regular file when fi is nil), not a symlink.
func openRegular(dir, name string, fi os.FileInfo) (*os.File, os.FileInfo, error) {
	lfi, err := lstatRegular(dir, name)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	ffi, err := f.Stat()
	if err != nil || !os.SameFile(lfi, ffi) || fi != nil && !os.SameFile(fi, ffi) {
		f.Close()
		return nil, nil, malformed(name, "changed while it was opened")
	}
	return f, ffi, nil
}

// readRegular reads a small regular file of at most max bytes.
func readRegular(dir, name string, max int64) ([]byte, os.FileInfo, error) {
	f, fi, err := openRegular(dir, name, nil)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: read %s: %w", name, err)
	}
	if int64(len(raw)) > max {
		return nil, nil, malformed(name, "larger than %d bytes", max)
	}
	return raw, fi, nil
}

// EventsSHA256 reads the events file and returns its SHA-256 in hex, to
// compare with Manifest().EventsSHA256: a difference means damage in
// transfer or an edit (which verification locates), no more.
func (b *Bundle) EventsSHA256(ctx context.Context) (string, error) {
	f, _, err := openRegular(b.dir, EventsFile, b.events)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", fmt.Errorf("bundle: read %s: %w", EventsFile, err)
		}
	}
}
