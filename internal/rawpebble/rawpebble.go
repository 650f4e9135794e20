// Package rawpebble measures what bare Pebble can do on this machine, so a
// benchmark of a layer built on Pebble can print the raw limit beside its own
// figure and report a ratio that holds on a noisy machine (STYLE: "each
// benchmark prints the raw-store limit beside the result").
//
// Values are written under keys of the form Prefix ('L') + 8-byte big-endian
// position (1, 2, 3, ...), the shape of govledger's event log, and every
// measurement reports how many values per second it managed. Only the
// measured phase is timed: opening, loading data for a scan and closing are
// not.
//
// A DB keeps one raw database open across measurements, so that a benchmark
// can interleave rounds of its own work with rounds of the raw equivalent
// and let both see the same machine conditions. SyncedBatches,
// SyncedWriters and Scan are one-shot forms on a fresh database.
//
// This package is for benchmarks: it is neither tuned as, nor meant to be
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

// Add returns the sum of two measurements.
func (r Result) Add(o Result) Result {
	return Result{Events: r.Events + o.Events, Bytes: r.Bytes + o.Bytes, Elapsed: r.Elapsed + o.Elapsed}
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
// options instead, so that both run on the same tuning.
func DefaultOptions() *pebble.Options {
	return &pebble.Options{Logger: quietLogger{}}
}

// DB is a raw Pebble database under measurement. Writes continue the
// positions of earlier writes. A DB is not safe for concurrent use.
type DB struct {
	db   *pebble.DB
	next uint64 // the next position to write
}

// Open opens (creating if needed) a raw database in dir. Nil opts means
// DefaultOptions.
func Open(dir string, opts *pebble.Options) (*DB, error) {
	if opts == nil {
		opts = DefaultOptions()
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("rawpebble: open %s: %w", dir, err)
	}
	return &DB{db: db, next: 1}, nil
}

// Close closes the database.
func (d *DB) Close() error {
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("rawpebble: close: %w", err)
	}
	return nil
}

// Pebble returns the underlying database.
func (d *DB) Pebble() *pebble.DB { return d.db }

func total(values [][]byte) int64 {
	var n int64
	for _, v := range values {
		n += int64(len(v))
	}
	return n
}

// SyncedBatches writes values at the next positions, batchSize values per
// batch, each batch committed with pebble.Sync. It is the ceiling for a log
// that groups many events into one durable commit. A batchSize below 1
// means 1.
func (d *DB) SyncedBatches(ctx context.Context, values [][]byte, batchSize int) (Result, error) {
	if len(values) == 0 {
		return Result{}, ErrEmpty
	}
	batchSize = max(batchSize, 1)
	var key [9]byte
	key[0] = Prefix
	start := time.Now()
	for i := 0; i < len(values); i += batchSize {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		b := d.db.NewBatch()
		for j := i; j < len(values) && j < i+batchSize; j++ {
			binary.BigEndian.PutUint64(key[1:], d.next+uint64(j))
			if err := b.Set(key[:], values[j], nil); err != nil {
				return Result{}, fmt.Errorf("rawpebble: batch set: %w", err)
			}
		}
		if err := b.Commit(pebble.Sync); err != nil {
			return Result{}, fmt.Errorf("rawpebble: commit: %w", err)
		}
		_ = b.Close()
	}
	r := Result{Events: len(values), Bytes: total(values), Elapsed: time.Since(start)}
	d.next += uint64(len(values))
	return r, nil
}

// SyncedWriters writes every value as its own synced Set, from writers
// goroutines taking the next positions from a shared counter. It is the
// ceiling for independent single-event appends: Pebble's commit pipeline
// shares WAL syncs between the concurrent writers. A writers count below 1
// means 1.
func (d *DB) SyncedWriters(ctx context.Context, values [][]byte, writers int) (Result, error) {
	if len(values) == 0 {
		return Result{}, ErrEmpty
	}
	writers = max(writers, 1)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for range writers {
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
				binary.BigEndian.PutUint64(key[1:], d.next+uint64(i))
				if err := d.db.Set(key[:], values[i], pebble.Sync); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("rawpebble: set: %w", err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	r := Result{Events: len(values), Bytes: total(values), Elapsed: time.Since(start)}
	d.next += uint64(len(values))
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return r, firstErr
}

// Load writes values at the next positions in large unsynced batches,
// untimed: the setup of a scan.
func (d *DB) Load(values [][]byte) error {
	const batch = 4096
	var key [9]byte
	key[0] = Prefix
	for i := 0; i < len(values); i += batch {
		b := d.db.NewBatch()
		for j := i; j < len(values) && j < i+batch; j++ {
			binary.BigEndian.PutUint64(key[1:], d.next+uint64(j))
			if err := b.Set(key[:], values[j], nil); err != nil {
				return fmt.Errorf("rawpebble: load: %w", err)
			}
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("rawpebble: load: %w", err)
		}
		_ = b.Close()
	}
	d.next += uint64(len(values))
	return nil
}

// Scan times one full forward scan of the database's Prefix keyspace.
func (d *DB) Scan(ctx context.Context) (Result, error) { return ScanDB(ctx, d.db) }

// ScanDB times one full forward scan of the Prefix keyspace of an open
// Pebble database, with a bounded iterator, touching every value. Run on a
// layer's own database, it is the raw ceiling for reading that layer's log.
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
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return Result{}, fmt.Errorf("rawpebble: scan: %w", err)
		}
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

// oneShot runs fn on a fresh database in dir and closes it.
func oneShot(dir string, opts *pebble.Options, values [][]byte, fn func(*DB) (Result, error)) (Result, error) {
	if len(values) == 0 {
		return Result{}, ErrEmpty
	}
	d, err := Open(dir, opts)
	if err != nil {
		return Result{}, err
	}
	r, err := fn(d)
	return r, errors.Join(err, d.Close())
}

// SyncedBatches is DB.SyncedBatches on a fresh database in dir.
func SyncedBatches(ctx context.Context, dir string, opts *pebble.Options, values [][]byte, batchSize int) (Result, error) {
	return oneShot(dir, opts, values, func(d *DB) (Result, error) { return d.SyncedBatches(ctx, values, batchSize) })
}

// SyncedWriters is DB.SyncedWriters on a fresh database in dir.
func SyncedWriters(ctx context.Context, dir string, opts *pebble.Options, values [][]byte, writers int) (Result, error) {
	return oneShot(dir, opts, values, func(d *DB) (Result, error) { return d.SyncedWriters(ctx, values, writers) })
}

// Scan loads values into a fresh database in dir (untimed) and times one
// full forward scan over them.
func Scan(ctx context.Context, dir string, opts *pebble.Options, values [][]byte) (Result, error) {
	return oneShot(dir, opts, values, func(d *DB) (Result, error) {
		if err := d.Load(values); err != nil {
			return Result{}, err
		}
		return d.Scan(ctx)
	})
}
