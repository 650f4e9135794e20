// Package tamper changes a closed govledger ledger directory the way an
// insider with write access to its disk would, to build the broken
// ledgers that verification must catch (scenario-named fixtures).
//
// Every function opens the directory's Pebble database directly, makes
// its change in one synced batch and closes it. It keeps the store's
// indexes consistent with the records it writes (the log keyspace 'L',
// the stream index 'S' and the id index 'I' of package pebblestore,
// format 1), so that the store opens and reads cleanly afterwards: only
// the integrity checks (hashes, chains, the Merkle root against signed
// checkpoints) can notice. The ledger MUST be closed: no process may have
// it open.
//
// The functions read the records they move into memory; they are meant
// for test-sized ledgers, not for production data.
package tamper

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
)

// Errors of this package.
var (
	// ErrNoEvent: the ledger holds no event at the position given.
	ErrNoEvent = errors.New("tamper: no event at that position")
	// ErrNoStream: the ledger holds no event of the stream given.
	ErrNoStream = errors.New("tamper: no such stream")
	// ErrIdentity: an edit changed an event's id, stream or version,
	// which would need the indexes rebuilt; RewriteStream refuses it.
	ErrIdentity = errors.New("tamper: an edit may not change an event's id, stream or version")
)

// Key layout of package pebblestore (format 1).
const (
	prefixLog    byte = 'L' // 'L' pos(8)                     -> record
	prefixStream byte = 'S' // 'S' stream 0x00 version(8)     -> pos(8)
	prefixID     byte = 'I' // 'I' ulid(16)                   -> pos(8)
	prefixMerkle byte = 'm' // side keyspace of the Merkle log and its checkpoints
	merkleSigned byte = 'c' // 'm' 'c' size(8)                -> signed checkpoint
)

func logKey(pos uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixLog}, pos)
}

func streamPrefix(stream string) []byte {
	k := append([]byte{prefixStream}, stream...)
	return append(k, 0)
}

func streamKey(stream string, version uint64) []byte {
	return binary.BigEndian.AppendUint64(streamPrefix(stream), version)
}

func idKey(e *events.Event) []byte { return append([]byte{prefixID}, e.ID[:]...) }

func posValue(pos uint64) []byte { return binary.BigEndian.AppendUint64(nil, pos) }

// quiet drops Pebble's log output.
type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("tamper: pebble: "+format, args...))
}

// change opens the ledger in dir, lets fn read it and fill a batch, and
// commits the batch (synced) when fn succeeds.
func change(dir string, fn func(db *pebble.DB, b *pebble.Batch) error) (err error) {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("tamper: %w", err)
	}
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}, ErrorIfNotExists: true})
	if err != nil {
		return fmt.Errorf("tamper: open %s: %w", dir, err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("tamper: close %s: %w", dir, cerr)
		}
	}()
	b := db.NewBatch()
	defer b.Close()
	if err := fn(db, b); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("tamper: commit: %w", err)
	}
	return nil
}

// head returns the position of the last event, 0 for an empty ledger.
func head(db *pebble.DB) (uint64, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixLog}, UpperBound: []byte{prefixLog + 1}})
	if err != nil {
		return 0, fmt.Errorf("tamper: %w", err)
	}
	var h uint64
	if it.Last() {
		if len(it.Key()) != 9 {
			_ = it.Close()
			return 0, fmt.Errorf("tamper: malformed log key %x", it.Key())
		}
		h = binary.BigEndian.Uint64(it.Key()[1:])
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return 0, fmt.Errorf("tamper: %w", err)
	}
	return h, nil
}

// record returns a copy of the stored record at pos and the event it
// holds.
func record(db *pebble.DB, pos uint64) ([]byte, events.Event, error) {
	var e events.Event
	v, closer, err := db.Get(logKey(pos))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, e, fmt.Errorf("%w: %d", ErrNoEvent, pos)
	}
	if err != nil {
		return nil, e, fmt.Errorf("tamper: read position %d: %w", pos, err)
	}
	rec := append([]byte(nil), v...)
	_ = closer.Close()
	if err := events.DecodeRecord(rec, &e); err != nil {
		return nil, e, fmt.Errorf("tamper: position %d: %w", pos, err)
	}
	return rec, e, nil
}

// index points the stream and id index entries of e at pos.
func index(b *pebble.Batch, e *events.Event, pos uint64) error {
	return errors.Join(
		b.Set(streamKey(e.Stream, e.Version), posValue(pos), nil),
		b.Set(idKey(e), posValue(pos), nil))
}

// unindex deletes the stream and id index entries of e.
func unindex(b *pebble.Batch, e *events.Event) error {
	return errors.Join(
		b.Delete(streamKey(e.Stream, e.Version), nil),
		b.Delete(idKey(e), nil))
}
