// Package rawpebble measures what bare Pebble can do on this machine, so a
// benchmark of a layer built on Pebble can print the raw limit beside its own
// figure and report a ratio that holds on a noisy machine (STYLE: "each
// benchmark prints the raw-store limit beside the result").
//
// Every function opens a fresh Pebble database in a directory the caller
// owns (a t.TempDir() or b.TempDir()), writes or reads the given values under
// keys of the form prefix byte 'L' + 8-byte big-endian position (1, 2, 3,
// ...), the same shape govledger's event log uses, and reports how many
// values per second it managed. Only the measured phase is timed: opening,
// loading the data for a scan and closing are not.
//
// The functions are for benchmarks: they are not tuned for, nor meant to be
// used as, a store.
package rawpebble

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Prefix is the keyspace byte in front of every key written here.
const Prefix byte = 'L'

// ErrEmpty is returned when there is nothing to measure.
var ErrEmpty = errors.New("rawpebble: no values")

// Result is one measurement.
type Result struct {
	// Events is the number of values written or read.
	Events int
	// Bytes is the total size of the values written or read.
	Bytes int64
	// Elapsed is the wall time of the measured phase.
	Elapsed time.Duration
}

// EventsPerSecond returns Events divided by Elapsed in seconds.
func (r Result) EventsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

// Key returns the key of position pos: Prefix followed by pos big-endian.
func Key(pos uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{Prefix}, pos)
}

// quietLogger drops Pebble's informational output.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("rawpebble: pebble fatal: "+format, args...))
}

// DefaultOptions returns Pebble's default options with a logger that prints
// nothing. Callers comparing against a layer should pass that layer's own
// options instead, so both run on the same tuning.
func DefaultOptions() *pebble.Options {
	return &pebble.Options{Logger: quietLogger{}}
}

func open(dir string, opts *pebble.Options) (*pebble.DB, error) {
	if opts == nil {
		opts = DefaultOptions()
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("rawpebble: open %s: %w", dir, err)
	}
	return db, nil
}

func total(values [][]byte) int64 {
	var n int64
	for _, v := range values {
		n += int64(len(v))
	}
	return n
}

// SyncedBatches writes values in order, batchSize values per batch, each
// batch committed with pebble.Sync. It is the ceiling for a log that groups
// many events into one durable commit. A batchSize below 1 means 1.
func SyncedBatches(ctx context.Context, dir string, opts *pebble.Options, values [][]byte, batchSize int) (Result, error) {
	if len(values) == 0 {
		return Result{}, ErrEmpty
	}
	if batchSize < 1 {
		batchSize = 1
	}
	db, err := open(dir, opts)
	if err != nil {
		return Result{}, err
	}
	var key [9]byte
	key[0] = Prefix
	start := time.Now()
	for i := 0; i < len(values); i += batchSize {
		if err := ctx.Err(); err != nil {
			_ = db.Close()
			return Result{}, err
		}
		b := db.NewBatch()
		for j := i; j < len(values) && j < i+batchSize; j++ {
			binary.BigEndian.PutUint64(key[1:], uint64(j+1))
			if err := b.Set(key[:], values[j], nil); err != nil {
				_ = db.Close()
				return Result{}, fmt.Errorf("rawpebble: batch set: %w", err)
			}
		}
		if err := b.Commit(pebble.Sync); err != nil {
			_ = db.Close()
			return Result{}, fmt.Errorf("rawpebble: commit: %w", err)
		}
		_ = b.Close()
	}
	r := Result{Events: len(values), Bytes: total(values), Elapsed: time.Since(start)}
	if err := db.Close(); err != nil {
		return r, fmt.Errorf("rawpebble: close: %w", err)
	}
	return r, nil
}

// SyncedWriters writes every value as its own synced Set, from writers
// goroutines taking positions from a shared counter. It is the ceiling for
// independent single-event appends: Pebble's own commit pipeline shares
// WAL syncs between the concurrent writers. A writers count below 1 means 1.
func SyncedWriters(ctx context.Context, dir string, opts *pebble.Options, values [][]byte, writers int) (Result, error) {
	if len(values) == 0 {
		return Result{}, ErrEmpty
	}
	if writers < 1 {
		writers = 1
	}
	db, err := open(dir, opts)
	if err != nil {
		return Result{}, err
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var key [9]byte
			key[0] = Prefix
			for {
				i := next.Add(1) - 1
				if i >= int64(len(values)) || ctx.Err() != nil {
					return
				}
				binary.BigEndian.PutUint64(key[1:], uint64(i+1))
				if err := db.Set(key[:], values[i], pebble.Sync); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("rawpebble: set: %w", err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	r := Result{Events: len(values), Bytes: total(values), Elapsed: time.Since(start)}
	if err := db.Close(); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("rawpebble: close: %w", err)
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return r, firstErr
}

// Scan loads values (in unsynced batches, not timed) and then times one full
// forward scan over them with a bounded iterator, touching every value. It
// is the ceiling for reading the log in global order.
func Scan(ctx context.Context, dir string, opts *pebble.Options, values [][]byte) (Result, error) {
	if len(values) == 0 {
		return Result{}, ErrEmpty
	}
	db, err := open(dir, opts)
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	if err := load(db, values); err != nil {
		return Result{}, err
	}
	return ScanDB(ctx, db)
}

// ScanDB times one full forward scan of the Prefix keyspace of an open
// database, touching every value.
func ScanDB(ctx context.Context, db *pebble.DB) (Result, error) {
	start := time.Now()
	it, err := db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: []byte{Prefix},
		UpperBound: []byte{Prefix + 1},
	})
	if err != nil {
		return Result{}, fmt.Errorf("rawpebble: iterator: %w", err)
	}
	var (
		n     int
		bytes int64
		sink  byte
	)
	for ok := it.First(); ok; ok = it.Next() {
		v := it.Value()
		if len(v) > 0 {
			sink ^= v[len(v)-1]
		}
		bytes += int64(len(v))
		n++
	}
	err = errors.Join(it.Error(), it.Close())
	r := Result{Events: n, Bytes: bytes, Elapsed: time.Since(start)}
	_ = sink
	if err != nil {
		return r, fmt.Errorf("rawpebble: scan: %w", err)
	}
	return r, nil
}

func load(db *pebble.DB, values [][]byte) error {
	const batch = 4096
	var key [9]byte
	key[0] = Prefix
	for i := 0; i < len(values); i += batch {
		b := db.NewBatch()
		for j := i; j < len(values) && j < i+batch; j++ {
			binary.BigEndian.PutUint64(key[1:], uint64(j+1))
			if err := b.Set(key[:], values[j], nil); err != nil {
				return fmt.Errorf("rawpebble: load: %w", err)
			}
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("rawpebble: load: %w", err)
		}
		_ = b.Close()
	}
	return nil
}
