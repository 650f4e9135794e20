package tamper

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// DropEvent removes the event at pos and moves every later event down by
// one position (its record, and its stream and id index entries), so
// that positions stay 1, 2, 3, ... with no gap. The versions of the
// dropped event's stream are left as they were: the next event of that
// stream carries a version and a prev_hash that no longer follow.
func DropEvent(dir string, pos uint64) error {
	return change(dir, func(db *pebble.DB, b *pebble.Batch) error {
		h, err := head(db)
		if err != nil {
			return err
		}
		if pos == 0 || pos > h {
			return fmt.Errorf("%w: %d (the ledger holds 1..%d)", ErrNoEvent, pos, h)
		}
		_, dropped, err := record(db, pos)
		if err != nil {
			return err
		}
		if err := unindex(b, &dropped); err != nil {
			return err
		}
		for x := pos + 1; x <= h; x++ {
			rec, e, err := record(db, x)
			if err != nil {
				return err
			}
			if err := errors.Join(b.Set(logKey(x-1), rec, nil), index(b, &e, x-1)); err != nil {
				return err
			}
		}
		return b.Delete(logKey(h), nil)
	})
}

// SwapEvents exchanges the events at positions p and q, and points both
// indexes at their new positions. Swapped within one stream, the stream's
// versions run out of order; swapped across two streams whose other
// events do not lie between p and q, every chain still holds and only
// the Merkle root over the global order differs.
func SwapEvents(dir string, p, q uint64) error {
	if p == q {
		return fmt.Errorf("tamper: swap of position %d with itself", p)
	}
	return change(dir, func(db *pebble.DB, b *pebble.Batch) error {
		rp, ep, err := record(db, p)
		if err != nil {
			return err
		}
		rq, eq, err := record(db, q)
		if err != nil {
			return err
		}
		return errors.Join(
			b.Set(logKey(p), rq, nil), b.Set(logKey(q), rp, nil),
			index(b, &ep, q), index(b, &eq, p))
	})
}

// Truncate deletes the last n events and their index entries: the ledger
// ends n events earlier, as if they had never been appended.
func Truncate(dir string, n uint64) error {
	return change(dir, func(db *pebble.DB, b *pebble.Batch) error {
		h, err := head(db)
		if err != nil {
			return err
		}
		if n > h {
			return fmt.Errorf("%w: cannot cut %d events from a ledger of %d", ErrNoEvent, n, h)
		}
		for x := h - n + 1; x <= h; x++ {
			_, e, err := record(db, x)
			if err != nil {
				return err
			}
			if err := errors.Join(b.Delete(logKey(x), nil), unindex(b, &e)); err != nil {
				return err
			}
		}
		return nil
	})
}

// DropMerkleLog deletes the ledger's stored Merkle log (its nodes and
// state) but keeps the signed checkpoints stored beside it: the next
// command that opens the ledger rebuilds the log from the events as they
// now are, as an insider covering a rewrite would. Only a checkpoint
// signed before the change can then tell.
func DropMerkleLog(dir string) error {
	return change(dir, func(_ *pebble.DB, b *pebble.Batch) error {
		return errors.Join(
			b.DeleteRange([]byte{prefixMerkle}, []byte{prefixMerkle, merkleSigned}, nil),
			b.DeleteRange([]byte{prefixMerkle, merkleSigned + 1}, []byte{prefixMerkle + 1}, nil))
	})
}
