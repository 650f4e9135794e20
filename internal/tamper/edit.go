package tamper

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
)

// EditPayloadByte flips one byte inside the payload (Data) of the event
// at pos and leaves its stored hash as it was: the record no longer
// hashes to its seal. The byte is a letter or digit near the middle of
// the payload, changed into another one (a figure or a name edited in
// place).
func EditPayloadByte(dir string, pos uint64) error {
	return change(dir, func(db *pebble.DB, b *pebble.Batch) error {
		rec, e, err := record(db, pos)
		if err != nil {
			return err
		}
		if len(e.Data) == 0 {
			return fmt.Errorf("tamper: the event at position %d has no payload", pos)
		}
		// The record ends with data || prev_hash(32) || hash(32).
		start := len(rec) - 64 - len(e.Data)
		rec[start+editable(e.Data)] ^= 1
		return b.Set(logKey(pos), rec, nil)
	})
}

// RehashAfterEdit edits the payload of the event at pos as
// EditPayloadByte does, then seals it again (same PrevHash): the event
// is sound on its own, but the next event of its stream still names the
// old hash as its prev_hash.
func RehashAfterEdit(dir string, pos uint64) error {
	return change(dir, func(db *pebble.DB, b *pebble.Batch) error {
		_, e, err := record(db, pos)
		if err != nil {
			return err
		}
		if len(e.Data) == 0 {
			return fmt.Errorf("tamper: the event at position %d has no payload", pos)
		}
		e.Data[editable(e.Data)] ^= 1
		e.Seal(e.PrevHash)
		return b.Set(logKey(pos), events.AppendRecord(nil, &e), nil)
	})
}

// RewriteStream applies edit to every event of stream, in version order,
// and seals the stream again from its first event, so that its chain is
// whole and every hash covers the edited bytes. Positions, ids and
// versions stay: edit must not change ID, Stream or Version
// (ErrIdentity). Only a root signed before the rewrite can tell.
func RewriteStream(dir, stream string, edit func(*events.Event)) error {
	return change(dir, func(db *pebble.DB, b *pebble.Batch) error {
		prefix := streamPrefix(stream)
		upper := append(append([]byte{prefixStream}, stream...), 1)
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper})
		if err != nil {
			return fmt.Errorf("tamper: %w", err)
		}
		var positions []uint64
		for ok := it.First(); ok; ok = it.Next() {
			v, err := it.ValueAndErr()
			if err == nil && len(v) != 8 {
				err = fmt.Errorf("malformed index entry %x", it.Key())
			}
			if err != nil {
				_ = it.Close()
				return fmt.Errorf("tamper: read stream %s: %w", stream, err)
			}
			positions = append(positions, binary.BigEndian.Uint64(v))
		}
		if err := errors.Join(it.Error(), it.Close()); err != nil {
			return fmt.Errorf("tamper: read stream %s: %w", stream, err)
		}
		if len(positions) == 0 {
			return fmt.Errorf("%w: %s", ErrNoStream, stream)
		}
		prev := events.ZeroHash
		for _, pos := range positions {
			_, e, err := record(db, pos)
			if err != nil {
				return err
			}
			id, version := e.ID, e.Version
			edit(&e)
			if e.ID != id || e.Stream != stream || e.Version != version {
				return fmt.Errorf("%w: position %d", ErrIdentity, pos)
			}
			e.Seal(prev)
			prev = e.Hash
			if err := b.Set(logKey(pos), events.AppendRecord(nil, &e), nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// editable returns the index of the byte of data to flip: the letter or
// digit nearest the middle whose lowest bit flipped is still a letter or
// digit, or the middle byte when there is none.
func editable(data []byte) int {
	mid := len(data) / 2
	for d := 0; d <= len(data); d++ {
		for _, i := range []int{mid + d, mid - d} {
			if i >= 0 && i < len(data) && alnum(data[i]) && alnum(data[i]^1) {
				return i
			}
		}
	}
	return mid
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
