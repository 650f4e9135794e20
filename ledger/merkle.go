package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/store"
)

// RecordReader is the optional store capability of handing over stored
// record bytes undecoded (*pebblestore.Store has it); the Merkle keeper
// then takes each event's hash from the record's last 32 bytes instead of
// decoding the event.
type RecordReader interface {
	ReadRecords(ctx context.Context, from uint64, fn func(position uint64, rec []byte) error) error
}

// MerkleConfig configures a MerkleKeeper. Zero values are the defaults.
type MerkleConfig struct {
	// Poll is how often the keeper looks for new events while the
	// process runs (default 5ms). CatchUp and Close do not wait for it.
	Poll time.Duration
	// Chunk is how many leaves go into one write of the node store
	// (default 16,384).
	Chunk int
}

// MerkleKeeper keeps a ledger's Merkle log (integrity.Log) in step with
// its store: leaf i is the hash of the event at position i+1. The log is
// derived data: it is brought up to the store's head when the keeper
// starts (so a log that lost its last writes in a crash, or a ledger
// written before it had a log, is rebuilt from the events), then kept
// there by a goroutine that follows the head, and CatchUp brings it to
// the head on demand. Because appends commit in position order, the log
// always covers a prefix of the global order.
//
// The node store may write without waiting for the disk
// (pebblestore.Side.PutManyWithNextAppend): what a crash loses is
// rebuilt, identically, from the events at the next start.
type MerkleKeeper struct {
	st  store.Store
	log *integrity.Log
	cfg MerkleConfig

	mu   sync.Mutex // serialises catch-ups
	stop context.CancelFunc
	done chan struct{}
	err  error // the follower's last error, under mu
}

// StartMerkle opens the Merkle log kept in nodes, brings it up to the
// store's head, and starts following the head. It refuses a log that is
// longer than the store (the events it covered are gone: a truncated
// ledger) with integrity.ErrTreeSize.
func StartMerkle(ctx context.Context, st store.Store, nodes integrity.NodeStore, cfg MerkleConfig) (*MerkleKeeper, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Millisecond
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 16384
	}
	log, err := integrity.OpenLogConfig(ctx, nodes, integrity.LogConfig{Leaves: leavesOf(st), SkipLevels: MerkleSkipLevels})
	if err != nil {
		return nil, err
	}
	m := &MerkleKeeper{st: st, log: log, cfg: cfg, done: make(chan struct{})}
	if _, err := m.CatchUp(ctx); err != nil {
		return nil, err
	}
	fctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	go m.follow(fctx)
	return m, nil
}

// Log returns the log. Its size may trail the store's head by the events
// of the last few milliseconds; call CatchUp for a root at the head.
func (m *MerkleKeeper) Log() *integrity.Log { return m.log }

// CatchUp appends the hashes of every event the log does not cover yet,
// up to the store's head when it is called, and returns the log's size.
func (m *MerkleKeeper) CatchUp(ctx context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	head, err := m.st.Head(ctx)
	if err != nil {
		return m.log.Size(), fmt.Errorf("ledger: merkle log: head: %w", err)
	}
	size := m.log.Size()
	if size > head {
		return size, fmt.Errorf("%w: the Merkle log covers %d events but the ledger holds %d: events that were logged are gone",
			integrity.ErrTreeSize, size, head)
	}
	if size == head {
		return size, nil
	}
	pending := make([]events.Hash, 0, min(int(head-size), m.cfg.Chunk))
	next := size + 1
	add := func(pos uint64, h events.Hash) error {
		if pos > head {
			return errStopRead
		}
		if pos != next {
			return fmt.Errorf("ledger: merkle log: expected position %d from the store, got %d", next, pos)
		}
		next++
		pending = append(pending, h)
		if len(pending) == m.cfg.Chunk {
			if err := m.log.Append(ctx, pending...); err != nil {
				return err
			}
			pending = pending[:0]
		}
		return nil
	}
	if rr, ok := m.st.(RecordReader); ok {
		err = rr.ReadRecords(ctx, size+1, func(pos uint64, rec []byte) error {
			if len(rec) < 32 {
				return fmt.Errorf("ledger: merkle log: record at position %d: %w: %d bytes", pos, events.ErrCorrupt, len(rec))
			}
			return add(pos, events.Hash(rec[len(rec)-32:]))
		})
	} else {
		err = m.st.ReadAll(ctx, size+1, func(r store.Record) error { return add(r.Position, r.Event.Hash) })
	}
	if err != nil && !errors.Is(err, errStopRead) {
		return m.log.Size(), fmt.Errorf("ledger: merkle log: %w", err)
	}
	if err := m.log.Append(ctx, pending...); err != nil {
		return m.log.Size(), fmt.Errorf("ledger: merkle log: %w", err)
	}
	return m.log.Size(), nil
}

var errStopRead = errors.New("stop")

// MerkleSkipLevels is the integrity.LogConfig.SkipLevels of every log a
// MerkleKeeper keeps: nodes below level 4 are recomputed from at most 8
// events when a proof needs them, and appends write about one node per
// eight events. It is fixed: a node store written with one value cannot
// be read with another.
const MerkleSkipLevels = 4

// leavesOf reads event hashes from the store for the Merkle log.
func leavesOf(st store.Store) integrity.LeafSource {
	return func(ctx context.Context, from uint64, n int) ([]events.Hash, error) {
		out := make([]events.Hash, 0, n)
		add := func(pos uint64, h events.Hash) error {
			if pos != from+1+uint64(len(out)) {
				return fmt.Errorf("ledger: merkle log: expected position %d from the store, got %d", from+1+uint64(len(out)), pos)
			}
			out = append(out, h)
			if len(out) == n {
				return errStopRead
			}
			return nil
		}
		var err error
		if rr, ok := st.(RecordReader); ok {
			err = rr.ReadRecords(ctx, from+1, func(pos uint64, rec []byte) error {
				if len(rec) < 32 {
					return fmt.Errorf("ledger: merkle log: record at position %d: %w: %d bytes", pos, events.ErrCorrupt, len(rec))
				}
				return add(pos, events.Hash(rec[len(rec)-32:]))
			})
		} else {
			err = st.ReadAll(ctx, from+1, func(r store.Record) error { return add(r.Position, r.Event.Hash) })
		}
		if err != nil && !errors.Is(err, errStopRead) {
			return nil, err
		}
		return out, nil
	}
}

// follow catches up every Poll until stopped.
func (m *MerkleKeeper) follow(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(m.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		head, err := m.st.Head(ctx)
		if err == nil && head == m.log.Size() {
			continue
		}
		if err == nil {
			_, err = m.CatchUp(ctx)
		}
		if err != nil && ctx.Err() == nil {
			m.mu.Lock()
			m.err = err
			m.mu.Unlock()
			if errors.Is(err, store.ErrClosed) {
				return
			}
		}
	}
}

// Close stops following and brings the log to the store's head one last
// time. It must be called before the store is closed.
func (m *MerkleKeeper) Close(ctx context.Context) error {
	m.stop()
	<-m.done
	_, err := m.CatchUp(ctx)
	return err
}
