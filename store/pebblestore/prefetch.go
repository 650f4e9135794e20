package pebblestore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

var (
	idsLower     = []byte{prefixID}
	idsUpper     = []byte{prefixID + 1}
	streamsLower = []byte{prefixStream}
	streamsUpper = []byte{prefixStream + 1}
)

// prefetch reads, for a whole group at once, what validation needs from
// disk: which of the group's event IDs are already stored, and the heads
// of the group's streams that are not cached. Both lookups sort their keys
// and walk one bounded iterator forward, seeking only when the iterator is
// behind the next key; since new ULIDs and new stream names mostly sort
// after the stored ones, a group of new events typically costs one seek
// per keyspace instead of one point lookup per event.
func (w *writer) prefetch(reqs []*request) error {
	clear(w.stored)
	clear(w.multi)
	ids := w.idBuf[:0]
	names := w.names[:0]
	for _, r := range reqs {
		for i := range r.appends {
			a := &r.appends[i]
			if _, ok := w.heads[a.Stream]; !ok {
				names = append(names, a.Stream)
			}
			for j := range a.Events {
				ids = append(ids, a.Events[j].ID)
			}
		}
	}
	w.idBuf, w.names = ids, names
	if err := w.prefetchIDs(ids); err != nil {
		return err
	}
	return w.prefetchHeads(names)
}

func (w *writer) prefetchIDs(ids []ulid.ULID) error {
	if len(ids) == 0 {
		return nil
	}
	slices.SortFunc(ids, func(a, b ulid.ULID) int { return a.Compare(b) })
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			w.multi[ids[i]] = true
		}
	}
	it, err := w.db.NewIter(&pebble.IterOptions{LowerBound: idsLower, UpperBound: idsUpper})
	if err != nil {
		return fmt.Errorf("pebblestore: look up ids: %w", err)
	}
	defer it.Close()
	positioned, valid := false, false
	for i, id := range ids {
		if i > 0 && id == ids[i-1] {
			continue
		}
		if !positioned || (valid && bytes.Compare(it.Key()[1:], id[:]) < 0) {
			w.key = appendIDKey(w.key[:0], id)
			valid, positioned = it.SeekGE(w.key), true
		}
		if !valid {
			break // nothing stored at or after id, so none of the rest either
		}
		k := it.Key()
		if len(k) != idKeyLen {
			return fmt.Errorf("pebblestore: malformed id key %x: %w", k, events.ErrCorrupt)
		}
		if !bytes.Equal(k[1:], id[:]) {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("pebblestore: look up id %s: %w", id, err)
		}
		pos, ok := decodePos(v)
		if !ok {
			return fmt.Errorf("pebblestore: id %s has a malformed index entry: %w", id, events.ErrCorrupt)
		}
		w.stored[id] = pos
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("pebblestore: look up ids: %w", err)
	}
	return nil
}

func (w *writer) prefetchHeads(names []string) error {
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	names = slices.Compact(names)
	it, err := w.db.NewIter(&pebble.IterOptions{LowerBound: streamsLower, UpperBound: streamsUpper})
	if err != nil {
		return fmt.Errorf("pebblestore: load stream heads: %w", err)
	}
	defer it.Close()
	// Stream key ranges sort like the names: no name contains 0x00, so
	// "a" 0x00 ... sorts before "ab" ..., and otherwise the first
	// differing byte decides for both.
	positioned, valid := false, false
	for _, name := range names {
		w.key = appendStreamPrefix(w.key[:0], name)
		w.upper = streamUpper(w.upper[:0], name)
		if !positioned || (valid && bytes.Compare(it.Key(), w.key) < 0) {
			valid, positioned = it.SeekGE(w.key), true
		}
		if !valid || bytes.Compare(it.Key(), w.upper) >= 0 {
			w.heads[name] = streamHead{version: store.NoStream}
			continue
		}
		// The stream exists: its last key is the last one below upper.
		if !it.SeekLT(w.upper) {
			return fmt.Errorf("pebblestore: load head of %s: %w", name, errors.Join(it.Error(), errors.New("stream keys vanished")))
		}
		h, err := w.headAt(name, it.Key(), it)
		if err != nil {
			return err
		}
		w.heads[name] = h
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("pebblestore: load stream heads: %w", err)
	}
	return nil
}

// headAt decodes the stream head at the iterator's current 'S' key.
func (w *writer) headAt(name string, k []byte, it *pebble.Iterator) (streamHead, error) {
	if len(k) != 1+len(name)+1+8 {
		return streamHead{}, fmt.Errorf("pebblestore: stream %s has a malformed index key %x: %w", name, k, events.ErrCorrupt)
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return streamHead{}, fmt.Errorf("pebblestore: load head of %s: %w", name, err)
	}
	pos, ok := decodePos(v)
	if !ok {
		return streamHead{}, fmt.Errorf("pebblestore: stream %s has a malformed index entry: %w", name, events.ErrCorrupt)
	}
	rec, err := w.record(pos)
	if err != nil {
		return streamHead{}, err
	}
	if len(rec) < 32 {
		return streamHead{}, corrupt(pos, "record of %d bytes is too short", len(rec))
	}
	h := streamHead{version: int64(getUint64(k[len(k)-8:]))}
	copy(h.hash[:], rec[len(rec)-32:])
	return h, nil
}
