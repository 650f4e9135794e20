package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"golang.org/x/mod/sumdb/note"
)

// Meta is what Write records beside the events.
type Meta struct {
	// Origin names the log. Empty means the name of VerifierKey; anything
	// else must equal it.
	Origin string
	// VerifierKey is the ledger's checkpoint verifier key (signed-note
	// format). Required.
	VerifierKey string
	// Checkpoints are the signed checkpoint notes the ledger holds, as
	// signed. Each must verify under VerifierKey. Checkpoints covering
	// more events than the bundle holds (signed after the export began)
	// are left out; see Summary.CheckpointsLeftOut.
	Checkpoints [][]byte
	// CreatedBy names the program that wrote the bundle (with its version).
	CreatedBy string
}

// Summary describes a written bundle.
type Summary struct {
	Dir                string
	Events             uint64 // lines in events.jsonl
	Head               uint64 // the last position written (0 for none)
	Checkpoints        []uint64
	CheckpointsLeftOut int    // signed after the head the export read
	EventsBytes        int64  // size of events.jsonl
	EventsSHA256       string // hex SHA-256 of events.jsonl
	Elapsed            time.Duration
}

// Rate is events written per second.
func (s Summary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Events) / s.Elapsed.Seconds()
}

// manifest is bundle.json.
type manifest struct {
	Format       string   `json:"format"`
	Origin       string   `json:"origin"`
	Events       uint64   `json:"events"`
	Head         uint64   `json:"head"`
	EventsSHA256 string   `json:"events_sha256"`
	Checkpoints  []uint64 `json:"checkpoints"`
	CreatedBy    string   `json:"created_by"`
}

// Write writes the events of src up to its head (as read when Write
// starts), with meta, as a bundle in dir. The bundle is built in a
// temporary directory beside dir and renamed to dir when complete, so dir
// never holds half a bundle: on any error, including ctx being done,
// nothing is left behind. An existing dir must be empty (ErrExists
// otherwise). Memory is bounded whatever the ledger's size.
//
// Write refuses a source it cannot represent exactly: positions that do
// not increase, a record that does not decode, text that is not valid
// UTF-8, a field longer than a ledger allows.
func Write(ctx context.Context, dir string, src replay.Source, meta Meta) (sum Summary, err error) {
	start := time.Now()
	cps, err := checkMeta(&meta)
	if err != nil {
		return Summary{}, err
	}
	dir = filepath.Clean(dir)
	if err := checkTarget(dir); err != nil {
		return Summary{}, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	sum, err = writeEvents(ctx, filepath.Join(tmp, EventsFile), src)
	if err != nil {
		return Summary{}, err
	}
	if err := os.Mkdir(filepath.Join(tmp, CheckpointsDir), 0o755); err != nil {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	sum.Checkpoints = []uint64{}
	for _, c := range cps {
		if c.size > sum.Head {
			sum.CheckpointsLeftOut++
			continue
		}
		name := filepath.Join(tmp, CheckpointsDir, strconv.FormatUint(c.size, 10)+checkpointExt)
		if err := writeFile(name, c.note); err != nil {
			return Summary{}, err
		}
		sum.Checkpoints = append(sum.Checkpoints, c.size)
	}
	if err := writeFile(filepath.Join(tmp, KeyFile), []byte(meta.VerifierKey+"\n")); err != nil {
		return Summary{}, err
	}
	m, err := json.MarshalIndent(manifest{Format: Format, Origin: meta.Origin, Events: sum.Events, Head: sum.Head,
		EventsSHA256: sum.EventsSHA256, Checkpoints: sum.Checkpoints, CreatedBy: meta.CreatedBy}, "", "  ")
	if err != nil {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	if err := writeFile(filepath.Join(tmp, ManifestFile), append(m, '\n')); err != nil {
		return Summary{}, err
	}
	if err := syncDir(filepath.Join(tmp, CheckpointsDir)); err != nil {
		return Summary{}, err
	}
	if err := syncDir(tmp); err != nil {
		return Summary{}, err
	}
	if err := ctx.Err(); err != nil {
		return Summary{}, err
	}
	// An empty dir is replaced: rename does not replace a directory.
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	if err := syncDir(parent); err != nil {
		return Summary{}, err
	}
	sum.Dir = dir
	sum.Elapsed = time.Since(start)
	return sum, nil
}

type checkpointNote struct {
	size uint64
	note []byte
}

// checkMeta validates meta and returns its checkpoints by size.
func checkMeta(meta *Meta) ([]checkpointNote, error) {
	v, err := note.NewVerifier(meta.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("%w: verifier key: %v", ErrMeta, err)
	}
	if meta.Origin == "" {
		meta.Origin = v.Name()
	}
	if meta.Origin != v.Name() {
		return nil, fmt.Errorf("%w: origin %q is not the name of the verifier key (%q)", ErrMeta, meta.Origin, v.Name())
	}
	var cps []checkpointNote
	for i, n := range meta.Checkpoints {
		c, err := integrity.ParseCheckpoint(n, meta.VerifierKey)
		if err != nil {
			return nil, fmt.Errorf("%w: checkpoint %d: %w", ErrMeta, i+1, err)
		}
		j := slices.IndexFunc(cps, func(o checkpointNote) bool { return o.size == c.Size })
		switch {
		case j < 0:
			cps = append(cps, checkpointNote{c.Size, n})
		case string(cps[j].note) != string(n):
			return nil, fmt.Errorf("%w: two different checkpoints of size %d", ErrMeta, c.Size)
		}
	}
	slices.SortFunc(cps, func(a, b checkpointNote) int { return cmpUint(a.size, b.size) })
	return cps, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkTarget refuses a dir that exists and is not an empty directory.
func checkTarget(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrExists, dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return fmt.Errorf("%w: %s is not empty", ErrExists, dir)
	}
	return nil
}

// writeEvents writes events.jsonl. Lines are encoded into chunks that a
// second goroutine hashes and writes, so that encoding, hashing and the
// write system calls overlap; at most chunks chunks are in memory.
func writeEvents(ctx context.Context, path string, src replay.Source) (Summary, error) {
	head, err := src.Head(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("bundle: head: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return Summary{}, fmt.Errorf("bundle: %w", err)
	}
	w := newChunkWriter(f)
	var sum Summary
	var prev uint64
	buf := w.chunk()
	err = src.ReadAll(ctx, 1, func(r store.Record) error {
		if r.Position > head {
			return errHead
		}
		if r.Position <= prev {
			return fmt.Errorf("bundle: the source gave position %d after %d", r.Position, prev)
		}
		var err error
		if buf, err = appendLine(buf, &r); err != nil {
			return fmt.Errorf("bundle: position %d: %w", r.Position, err)
		}
		if len(buf) >= chunkSize {
			if buf, err = w.send(buf); err != nil {
				return err
			}
		}
		prev = r.Position
		sum.Events++
		if sum.Events%4096 == 0 {
			return ctx.Err()
		}
		return nil
	})
	if errors.Is(err, errHead) {
		err = nil
	}
	if err == nil {
		_, err = w.send(buf)
	}
	n, digest, werr := w.close()
	if werr != nil && (err == nil || errors.Is(err, errWriteFailed)) {
		err = werr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return Summary{}, err
	}
	sum.Head = prev
	sum.EventsBytes = n
	sum.EventsSHA256 = hex.EncodeToString(digest)
	return sum, nil
}

var (
	errHead        = errors.New("bundle: past the head")
	errWriteFailed = errors.New("bundle: writing the events file failed")
)

const (
	chunkSize = 1 << 20
	chunks    = 4
)

// chunkWriter hashes and writes chunks of the events file on its own
// goroutine.
type chunkWriter struct {
	f      *os.File
	h      hash.Hash
	full   chan []byte
	free   chan []byte
	done   chan struct{}
	err    error // set by the goroutine, read after done is closed
	failed atomic.Bool
	bytes  int64
}

func newChunkWriter(f *os.File) *chunkWriter {
	w := &chunkWriter{f: f, h: sha256.New(), full: make(chan []byte, chunks), free: make(chan []byte, chunks), done: make(chan struct{})}
	for range chunks {
		w.free <- make([]byte, 0, chunkSize+64<<10)
	}
	go w.loop()
	return w
}

func (w *chunkWriter) loop() {
	defer close(w.done)
	for b := range w.full {
		if w.err == nil {
			w.h.Write(b)
			var n int
			n, w.err = w.f.Write(b)
			w.bytes += int64(n)
			w.failed.Store(w.err != nil)
		}
		w.free <- b[:0]
	}
}

// chunk returns an empty chunk.
func (w *chunkWriter) chunk() []byte { return <-w.free }

// send queues a chunk and returns an empty one.
func (w *chunkWriter) send(b []byte) ([]byte, error) {
	if w.failed.Load() {
		return b[:0], errWriteFailed
	}
	w.full <- b
	return <-w.free, nil
}

// close waits for the queued chunks, syncs and closes the file.
func (w *chunkWriter) close() (int64, []byte, error) {
	close(w.full)
	<-w.done
	err := w.err
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, nil, fmt.Errorf("bundle: write %s: %w", EventsFile, err)
	}
	return w.bytes, w.h.Sum(nil), nil
}

// writeFile writes a small file durably.
func writeFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bundle: write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("bundle: sync %s: %w", dir, err)
	}
	return nil
}
