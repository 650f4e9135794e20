package pebblestore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

var (
	_ store.Store     = (*Store)(nil)
	_ store.Pipeliner = (*Store)(nil)
)

// Errors of this package. Errors of the store contract are those of package
// store (store.ErrClosed, store.ErrWrongExpectedVersion, ...).
var (
	// ErrNotStore: the directory is not a govledger store (a file, a
	// non-empty directory without a Pebble database, or a Pebble database
	// with data but without the govledger format marker).
	ErrNotStore = errors.New("pebblestore: not a govledger store")
	// ErrFormat: the store was written in a format this build does not read.
	ErrFormat = errors.New("pebblestore: unsupported store format")
	// ErrConfig: a Config field is out of range.
	ErrConfig = errors.New("pebblestore: invalid config")
	// ErrFailed: a commit failed and the store accepts no more appends;
	// reopen it.
	ErrFailed = errors.New("pebblestore: store failed, reopen it")
)

// CorruptError reports a stored record or index entry that cannot be
// decoded. It unwraps to events.ErrCorrupt.
type CorruptError struct {
	// Position is the global position of the damaged record.
	Position uint64
	// Err describes the damage; it wraps events.ErrCorrupt.
	Err error
}

// Error names the position and the damage.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("pebblestore: record at position %d: %v", e.Position, e.Err)
}

// Unwrap returns the underlying error, which wraps events.ErrCorrupt.
func (e *CorruptError) Unwrap() error { return e.Err }

func corrupt(pos uint64, format string, args ...any) error {
	return &CorruptError{Position: pos, Err: fmt.Errorf("%w: "+format, append([]any{events.ErrCorrupt}, args...)...)}
}

// Config tunes a Store. The zero value is the documented default for every
// field.
type Config struct {
	// CacheBytes is the memory of Pebble's block cache. Pebble reserves
	// the memtables out of it, so it must be at least twice MemTableBytes
	// and should be well above. Zero means 128 MiB or four times
	// MemTableBytes, whichever is larger.
	CacheBytes int64
	// MemTableBytes is the size of one Pebble memtable. Zero means 32 MiB.
	MemTableBytes uint64
	// MaxGroupEvents bounds the events the writer puts into one synced
	// batch (a group). A single Append with more events is still committed
	// whole, in a group of its own. Zero means 16384.
	MaxGroupEvents int
	// StreamCacheEntries bounds the stream heads (last version and hash)
	// the writer keeps in memory; beyond it, entries are dropped and reloaded
	// from disk when needed. Zero means 1,048,576 (about 100 MiB when full).
	StreamCacheEntries int
	// Logger receives Pebble's error reports. Nil means they are dropped.
	// Pebble's informational messages are always dropped.
	Logger *slog.Logger
}

// Defaults applied to zero Config fields.
const (
	DefaultCacheBytes         = 128 << 20
	DefaultMemTableBytes      = 32 << 20
	DefaultMaxGroupEvents     = 16384
	DefaultStreamCacheEntries = 1 << 20
)

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.CacheBytes < 0:
		return c, fmt.Errorf("%w: CacheBytes %d is negative", ErrConfig, c.CacheBytes)
	case c.MaxGroupEvents < 0:
		return c, fmt.Errorf("%w: MaxGroupEvents %d is negative", ErrConfig, c.MaxGroupEvents)
	case c.StreamCacheEntries < 0:
		return c, fmt.Errorf("%w: StreamCacheEntries %d is negative", ErrConfig, c.StreamCacheEntries)
	}
	if c.MemTableBytes == 0 {
		c.MemTableBytes = DefaultMemTableBytes
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = max(DefaultCacheBytes, 4*int64(c.MemTableBytes))
	}
	if c.CacheBytes < 2*int64(c.MemTableBytes) {
		return c, fmt.Errorf("%w: CacheBytes %d is less than twice MemTableBytes %d (Pebble reserves the memtables from the cache)", ErrConfig, c.CacheBytes, c.MemTableBytes)
	}
	if c.MaxGroupEvents == 0 {
		c.MaxGroupEvents = DefaultMaxGroupEvents
	}
	if c.StreamCacheEntries == 0 {
		c.StreamCacheEntries = DefaultStreamCacheEntries
	}
	return c, nil
}

// pebbleOptions returns the Pebble options of a defaulted Config. The
// benchmarks pass the same options to the raw Pebble measurements.
func (c Config) pebbleOptions() *pebble.Options {
	opts := &pebble.Options{
		Logger:             logger{c.Logger},
		FormatMajorVersion: pebble.FormatNewest,
		CacheSize:          c.CacheBytes,
		MemTableSize:       c.MemTableBytes,
	}
	for i := range opts.Levels {
		// Bloom filters make the ID checks of new events (keys that do not
		// exist) cheap once the ID keyspace is on disk.
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	// Ingest is compaction-bound once the LSM has a few levels: let a
	// second compaction run beside the first (measured: a 1.3M-event
	// import went from 63k-87k to 98k events/s on two cores).
	opts.CompactionConcurrencyRange = func() (int, int) { return 1, max(2, min(runtime.GOMAXPROCS(0), 4)) }
	return opts
}

// logger adapts Pebble's logging: informational messages are dropped,
// errors go to an optional slog.Logger, fatal errors panic (Pebble's own
// default exits the process).
type logger struct{ l *slog.Logger }

func (logger) Infof(string, ...any) {}

func (l logger) Errorf(format string, args ...any) {
	if l.l != nil {
		l.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (l logger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if l.l != nil {
		l.l.Error(msg, "component", "pebble", "fatal", true)
	}
	panic("pebblestore: pebble: " + msg)
}

// Store is the Pebble-backed store.Store. It is safe for concurrent use.
// Create it with Open and release it with Close.
type Store struct {
	db  *pebble.DB
	cfg Config

	// head is the durable head: the last acknowledged position. Reads
	// never go beyond it.
	head atomic.Uint64

	// mu guards closed and sending on reqs, so that Close can close reqs
	// without racing a sender.
	mu      sync.RWMutex
	closed  bool
	closing atomic.Bool
	quit    chan struct{} // closed by Close: wakes followers
	reqs    chan *request
	readers sync.WaitGroup
	stopped chan struct{} // closed when the writer and the completer are done

	// The completer counts synced groups and kicks the writer after each;
	// the writer uses the last one's size and duration to group.
	syncedGroups atomic.Uint64
	kick         chan struct{} // capacity 1, sent to without blocking
	lastSyncMu   sync.Mutex
	lastSyncReqs int
	lastSyncTook time.Duration

	// notify is closed and replaced (under notifyMu) each time the durable
	// head moves.
	notifyMu sync.Mutex
	notify   chan struct{}

	failMu  sync.Mutex
	failure error
}

// Open opens the store in dir, creating the directory and an empty store if
// needed. A file, a non-empty directory that holds no Pebble database, a
// Pebble database with data but no govledger marker (ErrNotStore) and a
// store of a newer format (ErrFormat) are refused.
func Open(dir string, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	db, err := pebble.Open(dir, cfg.pebbleOptions())
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	head, err := initDB(dir, db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{
		db:      db,
		cfg:     cfg,
		quit:    make(chan struct{}),
		reqs:    make(chan *request, 1024),
		stopped: make(chan struct{}),
		kick:    make(chan struct{}, 1),
		notify:  make(chan struct{}),
	}
	s.head.Store(head)
	w := newWriter(s, head)
	groups := make(chan *group, maxGroupsInFlight)
	go w.run(groups)
	go func() {
		s.complete(groups)
		close(s.stopped)
	}()
	return s, nil
}

// checkDir refuses a path that cannot hold a store before Pebble creates
// files in it.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrNotStore, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	desc, err := pebble.Peek(dir, vfs.Default)
	if err != nil || !desc.Exists {
		return fmt.Errorf("%w: %s is not empty and holds no Pebble database", ErrNotStore, dir)
	}
	return nil
}

// initDB checks (or, for an empty database, writes) the format marker and
// returns the head: the position of the last 'L' key.
func initDB(dir string, db *pebble.DB) (uint64, error) {
	v, closer, err := db.Get(metaFormat)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		it, err := db.NewIter(nil)
		if err != nil {
			return 0, fmt.Errorf("pebblestore: open %s: %w", dir, err)
		}
		hasData := it.First()
		if err := errors.Join(it.Error(), it.Close()); err != nil {
			return 0, fmt.Errorf("pebblestore: open %s: %w", dir, err)
		}
		if hasData {
			return 0, fmt.Errorf("%w: %s holds a Pebble database with data but no govledger format marker", ErrNotStore, dir)
		}
		marker := append([]byte(formatMagic), formatVersion)
		if err := db.Set(metaFormat, marker, pebble.Sync); err != nil {
			return 0, fmt.Errorf("pebblestore: open %s: write format marker: %w", dir, err)
		}
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("pebblestore: open %s: read format marker: %w", dir, err)
	}
	ok := len(v) == len(formatMagic)+1 && bytes.HasPrefix(v, []byte(formatMagic))
	var version byte
	if ok {
		version = v[len(formatMagic)]
	}
	_ = closer.Close()
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: %s has a format marker that is not govledger's", ErrNotStore, dir)
	case version > formatVersion:
		return 0, fmt.Errorf("%w: %s is format %d, newer than this build's %d; upgrade govledger", ErrFormat, dir, version, formatVersion)
	case version < 1:
		return 0, fmt.Errorf("%w: %s is format %d", ErrFormat, dir, version)
	}
	return lastPosition(db)
}

// lastPosition returns the position of the last 'L' key, 0 if none.
func lastPosition(db *pebble.DB) (uint64, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: logLower, UpperBound: logUpper})
	if err != nil {
		return 0, fmt.Errorf("pebblestore: find head: %w", err)
	}
	var head uint64
	if it.Last() {
		pos, ok := logKeyPos(it.Key())
		if !ok {
			_ = it.Close()
			return 0, fmt.Errorf("pebblestore: find head: malformed log key %x: %w", it.Key(), events.ErrCorrupt)
		}
		head = pos
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return 0, fmt.Errorf("pebblestore: find head: %w", err)
	}
	return head, nil
}

// Close stops the writer, waits for appends in flight to finish and for
// reads in progress to stop (a read or Follow in progress returns
// store.ErrClosed at its next record), and closes Pebble. Every call after
// Close, Close included, returns store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.ErrClosed
	}
	s.closed = true
	s.closing.Store(true)
	close(s.quit)
	close(s.reqs)
	s.mu.Unlock()
	<-s.stopped
	s.readers.Wait()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("pebblestore: close: %w", err)
	}
	return nil
}

// acquire registers a reader; it fails once the store is closed.
func (s *Store) acquire() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.ErrClosed
	}
	s.readers.Add(1)
	return nil
}

func (s *Store) release() { s.readers.Done() }

// fail records the first commit failure; later appends get ErrFailed.
func (s *Store) fail(err error) error {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if s.failure == nil {
		s.failure = fmt.Errorf("%w: %w", ErrFailed, err)
	}
	return s.failure
}

func (s *Store) failed() error {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	return s.failure
}

// advance publishes a new durable head and wakes followers.
func (s *Store) advance(head uint64) {
	s.notifyMu.Lock()
	s.head.Store(head)
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}

// watch returns the channel closed at the next head advance, and the
// head at the time of the call.
func (s *Store) watch() (<-chan struct{}, uint64) {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify, s.head.Load()
}
