package pebblestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// checkEvery is how many records a scan delivers between checks of ctx
// and of Close.
const checkEvery = 1024

// Head implements store.Store: the last acknowledged position.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if s.closing.Load() {
		return 0, store.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.head.Load(), nil
}

// ReadAll implements store.Store. It delivers the events acknowledged when
// the call starts; a scan in progress when the store is closed returns
// store.ErrClosed.
func (s *Store) ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.release()
	_, err := s.readLog(ctx, from, s.head.Load(), fn)
	return err
}

// Follow implements store.Store. It returns ctx.Err() when ctx is done and
// store.ErrClosed when the store is closed.
func (s *Store) Follow(ctx context.Context, from uint64, fn func(store.Record) error) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.release()
	if from == 0 {
		from = 1
	}
	for {
		wake, head := s.watch()
		if from <= head {
			next, err := s.readLog(ctx, from, head, fn)
			if err != nil {
				return err
			}
			from = next
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.quit:
			return store.ErrClosed
		case <-wake:
		}
	}
}

// readLog delivers positions from..to and returns the position after the
// last one delivered.
func (s *Store) readLog(ctx context.Context, from, to uint64, fn func(store.Record) error) (uint64, error) {
	if from == 0 {
		from = 1
	}
	if err := ctx.Err(); err != nil {
		return from, err
	}
	if from > to {
		return from, nil
	}
	var lo, hi [logKeyLen]byte
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: appendLogKey(lo[:0], from),
		UpperBound: appendLogKey(hi[:0], to+1),
	})
	if err != nil {
		return from, fmt.Errorf("pebblestore: read log: %w", err)
	}
	defer it.Close()
	var rec store.Record
	next := from
	for ok := it.First(); ok; ok = it.Next() {
		pos, ok := logKeyPos(it.Key())
		if !ok || pos != next {
			return next, corrupt(next, "missing from the log")
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return next, fmt.Errorf("pebblestore: read position %d: %w", pos, err)
		}
		if err := events.DecodeRecordNoCopy(v, &rec.Event); err != nil {
			return next, &CorruptError{Position: pos, Err: err}
		}
		rec.Position = pos
		if err := fn(rec); err != nil {
			return next, err
		}
		next++
		if next%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return next, err
			}
			if s.closing.Load() {
				return next, store.ErrClosed
			}
		}
	}
	if err := it.Error(); err != nil {
		return next, fmt.Errorf("pebblestore: read log: %w", err)
	}
	if next != to+1 {
		return next, corrupt(next, "missing from the log")
	}
	return next, nil
}

// ReadStream implements store.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, fn func(store.Record) error) error {
	return s.ReadStreams(ctx, []string{stream}, from, fn)
}

// ReadStreams reads several streams, one after the other in the order
// given, each from version from, as ReadStream would, with one pair of
// iterators for all of them: reading many short streams (an export,
// trace by trace) costs a seek per stream, not two new iterators.
func (s *Store) ReadStreams(ctx context.Context, streams []string, from uint64, fn func(store.Record) error) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.release()
	if err := ctx.Err(); err != nil {
		return err
	}
	head := s.head.Load()
	if head == 0 || len(streams) == 0 {
		return nil
	}
	sit, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return fmt.Errorf("pebblestore: read streams: %w", err)
	}
	defer sit.Close()
	lit, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: logLower,
		UpperBound: appendLogKey(nil, head+1),
	})
	if err != nil {
		return fmt.Errorf("pebblestore: read streams: %w", err)
	}
	defer lit.Close()
	for _, stream := range streams {
		if strings.IndexByte(stream, 0) >= 0 {
			continue // no such stream can exist
		}
		// New slices each time: the iterator keeps the bounds it was
		// given, and compares them with the next ones.
		sit.SetBounds(appendStreamKey(nil, stream, from), streamUpper(nil, stream))
		if err := s.readStream(ctx, sit, lit, stream, from, head, fn); err != nil {
			return err
		}
	}
	return nil
}

// readStream reads one stream through sit, bounded to the stream's index
// entries, and lit, over the log.
func (s *Store) readStream(ctx context.Context, sit, lit *pebble.Iterator, stream string, from, head uint64, fn func(store.Record) error) error {
	prefix := appendStreamPrefix(nil, stream)
	var (
		rec store.Record
		key [logKeyLen]byte
		n   int
	)
	version := from
	for ok := sit.First(); ok; ok = sit.Next() {
		k := sit.Key()
		v, err := sit.ValueAndErr()
		if err != nil {
			return fmt.Errorf("pebblestore: read stream %s: %w", stream, err)
		}
		pos, ok := decodePos(v)
		if !ok || len(k) != len(prefix)+8 {
			return fmt.Errorf("pebblestore: stream %s has a malformed index entry at %x: %w", stream, k, events.ErrCorrupt)
		}
		if pos > head {
			break // not acknowledged yet; later versions are later still
		}
		lk := appendLogKey(key[:0], pos)
		if !lit.SeekGE(lk) || !bytes.Equal(lit.Key(), lk) {
			if err := lit.Error(); err != nil {
				return fmt.Errorf("pebblestore: read stream %s: %w", stream, err)
			}
			return corrupt(pos, "record of %s version %d is missing", stream, getUint64(k[len(prefix):]))
		}
		lv, err := lit.ValueAndErr()
		if err != nil {
			return fmt.Errorf("pebblestore: read position %d: %w", pos, err)
		}
		if err := events.DecodeRecordNoCopy(lv, &rec.Event); err != nil {
			return &CorruptError{Position: pos, Err: err}
		}
		if rec.Event.Stream != stream || rec.Event.Version != version {
			return corrupt(pos, "indexed as %s version %d, holds %s version %d", stream, version, rec.Event.Stream, rec.Event.Version)
		}
		rec.Position = pos
		if err := fn(rec); err != nil {
			return err
		}
		version++
		if n++; n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if s.closing.Load() {
				return store.ErrClosed
			}
		}
	}
	if err := sit.Error(); err != nil {
		return fmt.Errorf("pebblestore: read stream %s: %w", stream, err)
	}
	return nil
}

// StreamHead implements store.Store.
func (s *Store) StreamHead(ctx context.Context, stream string) (int64, events.Hash, error) {
	if err := s.acquire(); err != nil {
		return 0, events.Hash{}, err
	}
	defer s.release()
	if err := ctx.Err(); err != nil {
		return 0, events.Hash{}, err
	}
	if strings.IndexByte(stream, 0) >= 0 {
		return store.NoStream, events.Hash{}, nil
	}
	it, err := s.db.NewIterWithContext(ctx, nil)
	if err != nil {
		return 0, events.Hash{}, fmt.Errorf("pebblestore: stream head of %s: %w", stream, err)
	}
	defer it.Close()
	h, err := loadHead(s.db, it, stream, s.head.Load())
	if err != nil {
		return 0, events.Hash{}, err
	}
	return h.version, h.hash, nil
}

// Lookup implements store.Store. The returned Record is the caller's.
func (s *Store) Lookup(ctx context.Context, id ulid.ULID) (store.Record, bool, error) {
	if err := s.acquire(); err != nil {
		return store.Record{}, false, err
	}
	defer s.release()
	if err := ctx.Err(); err != nil {
		return store.Record{}, false, err
	}
	head := s.head.Load()
	var key [idKeyLen]byte
	v, closer, err := s.db.Get(appendIDKey(key[:0], id))
	if errors.Is(err, pebble.ErrNotFound) {
		return store.Record{}, false, nil
	}
	if err != nil {
		return store.Record{}, false, fmt.Errorf("pebblestore: look up %s: %w", id, err)
	}
	pos, ok := decodePos(v)
	_ = closer.Close()
	if !ok {
		return store.Record{}, false, fmt.Errorf("pebblestore: id %s has a malformed index entry: %w", id, events.ErrCorrupt)
	}
	if pos > head {
		return store.Record{}, false, nil // not acknowledged yet
	}
	v, closer, err = s.db.Get(appendLogKey(key[:0], pos))
	if errors.Is(err, pebble.ErrNotFound) {
		return store.Record{}, false, corrupt(pos, "record of id %s is missing", id)
	}
	if err != nil {
		return store.Record{}, false, fmt.Errorf("pebblestore: read position %d: %w", pos, err)
	}
	defer closer.Close()
	rec := store.Record{Position: pos}
	if err := events.DecodeRecord(v, &rec.Event); err != nil {
		return store.Record{}, false, &CorruptError{Position: pos, Err: err}
	}
	if rec.Event.ID != id {
		return store.Record{}, false, corrupt(pos, "indexed as id %s, holds id %s", id, rec.Event.ID)
	}
	return rec, true, nil
}

// loadHead reads a stream's last version at a position <= limit, and that
// event's hash, with a reverse seek on the stream's 'S' keys. It uses (and
// re-bounds) it, an iterator on db.
func loadHead(db *pebble.DB, it *pebble.Iterator, stream string, limit uint64) (streamHead, error) {
	lower := appendStreamPrefix(nil, stream)
	upper := streamUpper(nil, stream)
	it.SetBounds(lower, upper)
	for ok := it.Last(); ok; ok = it.Prev() {
		k := it.Key()
		if len(k) != len(lower)+8 {
			return streamHead{}, fmt.Errorf("pebblestore: stream %s has a malformed index key %x: %w", stream, k, events.ErrCorrupt)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", stream, err)
		}
		pos, ok := decodePos(v)
		if !ok {
			return streamHead{}, fmt.Errorf("pebblestore: stream %s has a malformed index entry: %w", stream, events.ErrCorrupt)
		}
		if pos > limit {
			continue
		}
		version := getUint64(k[len(lower):])
		key := appendLogKey(nil, pos)
		rec, closer, err := db.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			return streamHead{}, corrupt(pos, "record of %s version %d is missing", stream, version)
		}
		if err != nil {
			return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", stream, err)
		}
		var h streamHead
		if len(rec) < 32 {
			_ = closer.Close()
			return streamHead{}, corrupt(pos, "record of %d bytes is too short", len(rec))
		}
		h.version = int64(version)
		copy(h.hash[:], rec[len(rec)-32:])
		_ = closer.Close()
		return h, nil
	}
	if err := it.Error(); err != nil {
		return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", stream, err)
	}
	return streamHead{version: store.NoStream}, nil
}

// ReadRecords calls fn with the stored record bytes (events.AppendRecord:
// the canonical body, then the 32-byte hash) of every position from from
// up to the head, in key order, without decoding them: for verifiers that
// hash the stored bytes themselves. Positions are as found in the log
// keyspace, so a gap is the caller's to detect. rec is valid only during
// fn.
func (s *Store) ReadRecords(ctx context.Context, from uint64, fn func(position uint64, rec []byte) error) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.release()
	if from == 0 {
		from = 1
	}
	to := s.head.Load()
	if from > to {
		return ctx.Err()
	}
	var lo, hi [logKeyLen]byte
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: appendLogKey(lo[:0], from),
		UpperBound: appendLogKey(hi[:0], to+1),
	})
	if err != nil {
		return fmt.Errorf("pebblestore: read log: %w", err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		pos, ok := logKeyPos(it.Key())
		if !ok {
			return corrupt(from, "a log key that is not a position")
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("pebblestore: read position %d: %w", pos, err)
		}
		if err := fn(pos, v); err != nil {
			return err
		}
		if n++; n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if s.closing.Load() {
				return store.ErrClosed
			}
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("pebblestore: read log: %w", err)
	}
	return nil
}
