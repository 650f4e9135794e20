package pebblestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/store"
)

// Side keyspaces reserved for other packages (see the package documentation).
const (
	// SideCheckpoints is reserved for projection checkpoints.
	SideCheckpoints byte = 'c'
	// SideMerkle is reserved for the Merkle log.
	SideMerkle byte = 'm'
	// SideKeys is reserved for subject keys (package privacy).
	SideKeys byte = 'k'
	// SideIndex is reserved for a cluster node's position index
	// (package esdbstore).
	SideIndex byte = 'x'
)

// ErrSideSpace is returned by Side for a prefix outside 'a'..'z'.
var ErrSideSpace = errors.New("pebblestore: side keyspace must be a lower-case letter")

// Side is a key-value space of its own in the store's database, for data
// kept next to the events (projection checkpoints, the Merkle log). It can
// never read or write the event keyspaces. Writes are synced and
// independent of appends; a Side is safe for concurrent use.
type Side struct {
	s      *Store
	prefix byte
}

// Side returns the side keyspace with prefix space, a byte in 'a'..'z'.
func (s *Store) Side(space byte) (*Side, error) {
	if space < 'a' || space > 'z' {
		return nil, fmt.Errorf("%w: %q", ErrSideSpace, space)
	}
	return &Side{s: s, prefix: space}, nil
}

func (k *Side) key(key []byte) []byte {
	out := make([]byte, 0, 1+len(key))
	out = append(out, k.prefix)
	return append(out, key...)
}

// Get returns a copy of the value stored under key.
func (k *Side) Get(ctx context.Context, key []byte) ([]byte, bool, error) {
	if err := k.s.acquire(); err != nil {
		return nil, false, err
	}
	defer k.s.release()
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	v, closer, err := k.s.db.Get(k.key(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pebblestore: side %c get: %w", k.prefix, err)
	}
	out := append([]byte(nil), v...)
	_ = closer.Close()
	return out, true, nil
}

// Put stores value under key, durably.
func (k *Side) Put(ctx context.Context, key, value []byte) error {
	return k.write(ctx, pebble.Sync, func(b *pebble.Batch) error { return b.Set(k.key(key), value, nil) })
}

// PutMany stores values[i] under keys[i] for every i, durably, in one
// synced batch: all or nothing.
func (k *Side) PutMany(ctx context.Context, keys, values [][]byte) error {
	return k.putMany(ctx, keys, values, pebble.Sync)
}

// PutManyWithNextAppend is PutMany without waiting for the disk: the batch
// is in the write-ahead log ahead of everything appended after it returns,
// so it becomes durable, all or nothing, no later than the next Append
// that returns. It is for data that only matters to the events appended
// after it (a subject's key before the events sealed under it), and saves
// a disk sync per call.
func (k *Side) PutManyWithNextAppend(ctx context.Context, keys, values [][]byte) error {
	return k.putMany(ctx, keys, values, pebble.NoSync)
}

func (k *Side) putMany(ctx context.Context, keys, values [][]byte, sync *pebble.WriteOptions) error {
	if len(keys) != len(values) {
		return fmt.Errorf("pebblestore: side %c put many: %d keys, %d values", k.prefix, len(keys), len(values))
	}
	return k.write(ctx, sync, func(b *pebble.Batch) error {
		for i := range keys {
			if err := b.Set(k.key(keys[i]), values[i], nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete removes key, durably. Deleting a missing key is not an error.
func (k *Side) Delete(ctx context.Context, key []byte) error {
	return k.write(ctx, pebble.Sync, func(b *pebble.Batch) error { return b.Delete(k.key(key), nil) })
}

func (k *Side) write(ctx context.Context, sync *pebble.WriteOptions, fill func(*pebble.Batch) error) error {
	if err := k.s.acquire(); err != nil {
		return err
	}
	defer k.s.release()
	if err := ctx.Err(); err != nil {
		return err
	}
	b := k.s.db.NewBatch()
	defer b.Close()
	if err := fill(b); err != nil {
		return fmt.Errorf("pebblestore: side %c write: %w", k.prefix, err)
	}
	if err := b.Commit(sync); err != nil {
		return fmt.Errorf("pebblestore: side %c write: %w", k.prefix, err)
	}
	return nil
}

// Scan calls fn for every key >= from in key order. key and value are
// valid only during the call. A non-nil error from fn stops the scan and
// is returned as is.
func (k *Side) Scan(ctx context.Context, from []byte, fn func(key, value []byte) error) error {
	if err := k.s.acquire(); err != nil {
		return err
	}
	defer k.s.release()
	if err := ctx.Err(); err != nil {
		return err
	}
	it, err := k.s.db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: k.key(from),
		UpperBound: []byte{k.prefix + 1},
	})
	if err != nil {
		return fmt.Errorf("pebblestore: side %c scan: %w", k.prefix, err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("pebblestore: side %c scan: %w", k.prefix, err)
		}
		if err := fn(it.Key()[1:], v); err != nil {
			return err
		}
		if n++; n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if k.s.closing.Load() {
				return store.ErrClosed
			}
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("pebblestore: side %c scan: %w", k.prefix, err)
	}
	return nil
}

// Unsynced returns the side keyspace with writes that do not wait for the
// disk: PutMany is PutManyWithNextAppend. It is for derived data that is
// rebuilt after a crash (the Merkle log's nodes).
func (k *Side) Unsynced() *UnsyncedSide { return &UnsyncedSide{k} }

// UnsyncedSide is a Side whose PutMany does not wait for the disk.
type UnsyncedSide struct{ side *Side }

// Get is Side.Get.
func (u *UnsyncedSide) Get(ctx context.Context, key []byte) ([]byte, bool, error) {
	return u.side.Get(ctx, key)
}

// PutMany is Side.PutManyWithNextAppend.
func (u *UnsyncedSide) PutMany(ctx context.Context, keys, values [][]byte) error {
	return u.side.PutManyWithNextAppend(ctx, keys, values)
}
