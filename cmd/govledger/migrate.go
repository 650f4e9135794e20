package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

const migrateDoc = `
Copies a ledger to another store, typically from the embedded store to a
KurrentDB cluster as a district's ledger outgrows one machine:

  govledger migrate --from pebble:DIR --to 'esdb://node1:2113,node2:2113?tls=true&state=/var/lib/govledger'

Every event is verified on the way (its hash, its stream's chain, the
positions) and appended in the source's global order, with its stream's
exact expected version, so that it keeps its position and the target's
Merkle root equals the source's: checkpoints signed before the move still
verify after it. The ledger's identity moves with it: its checkpoint key
pair, the checkpoints it kept, and the subject keys its personal data is
sealed under are copied to the target's local state.

It is resumable and idempotent: run again after an interruption, it checks
that the target holds a prefix of the source, event by event, and goes on
from there; run again after it finished, it copies nothing and checks the
roots. A target holding other events is refused (exit 3). At the end it
prints the common root; a difference exits 4.`

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "", migrateDoc)
	from := fs.String("from", "", "the source ledger: pebble:DIR, DIR or esdb://...")
	to := fs.String("to", "", "the target: esdb://...[&namespace=NS][&state=DIR], pebble:DIR or DIR")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *from == "" || *to == "" {
		return usageErr("migrate takes --from and --to")
	}
	if *from == *to {
		return usageErr("--from and --to are the same ledger")
	}
	src, err := openStore(*from)
	if err != nil {
		return err
	}
	defer src.Close()
	// The target may be new.
	dst, err := openTarget(*to)
	if err != nil {
		return err
	}
	defer dst.Close()
	w := e.stdout
	start := time.Now()

	srcHead, err := src.Head(ctx)
	if err != nil {
		return err
	}
	dstHead, err := dst.Head(ctx)
	if err != nil {
		return err
	}
	if dstHead > srcHead {
		return withCode(exitRefused, fmt.Errorf("the target holds %d events, the source %d: it is not a copy of this ledger", dstHead, srcHead))
	}
	// The target's events must be the source's first ones.
	have := make([]events.Hash, 0, dstHead)
	err = dst.ReadAll(ctx, 1, func(r store.Record) error {
		if r.Position > dstHead {
			return errStopScan
		}
		have = append(have, r.Event.Hash)
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return err
	}
	if err := copyLocalState(ctx, *from, *to, src, dst); err != nil {
		return err
	}

	v := integrity.NewChainVerifier(1)
	tree := integrity.NewTree()
	var run []events.Event // consecutive events of one stream, to append together
	copied := 0
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		a := store.StreamAppend{Stream: run[0].Stream, Expected: int64(run[0].Version) - 1, Events: run}
		if _, err := dst.Append(ctx, a); err != nil {
			return fmt.Errorf("append %d event(s) of %s at version %d: %w", len(run), a.Stream, run[0].Version, err)
		}
		copied += len(run)
		run = nil
		return nil
	}
	var finding *integrity.Finding
	err = src.ReadAll(ctx, 1, func(r store.Record) error {
		if r.Position > srcHead {
			return errStopScan
		}
		if fs := v.Check(r.Position, &r.Event); len(fs) > 0 {
			finding = fs[0]
			return errStopScan
		}
		tree.Add(r.Event.Hash)
		if r.Position <= dstHead {
			if have[r.Position-1] != r.Event.Hash {
				return withCode(exitRefused, fmt.Errorf("the target's event at position %d (hash %s) is not the source's (%s): it holds another ledger",
					r.Position, have[r.Position-1], r.Event.Hash))
			}
			return nil
		}
		if len(run) > 0 && (run[0].Stream != r.Event.Stream || len(run) == 256) {
			if err := flush(); err != nil {
				return err
			}
		}
		ev := r.Event
		ev.Data = bytes.Clone(r.Event.Data)
		run = append(run, ev)
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return err
	}
	if finding != nil {
		return withCode(exitTampered, fmt.Errorf("the source does not verify, nothing more copied: %w", finding))
	}
	if err := flush(); err != nil {
		return err
	}
	// The roots: recomputed from the target's events.
	rep, err := replay.VerifyWith(ctx, dst, replay.VerifyOptions{})
	if err != nil {
		return err
	}
	srcRoot := tree.Root()
	if !rep.OK() || rep.Head != srcHead || rep.Root != srcRoot {
		return withCode(exitTampered, fmt.Errorf("after the copy the target holds %d events with root %s (%d finding(s)); the source %d with root %s",
			rep.Head, rep.Root, rep.Findings, srcHead, srcRoot))
	}
	fmt.Fprintf(w, "migrate: %d events copied, %d already there; both ledgers hold %d events with root %s (%s)\n",
		copied, dstHead, srcHead, srcRoot, time.Since(start).Round(time.Millisecond))
	return nil
}

// openTarget opens a migration target, creating an embedded one.
func openTarget(to string) (store.Store, error) {
	loc, err := parseLocation(to)
	if err != nil {
		return nil, err
	}
	if loc.cluster {
		return openCluster(context.Background(), loc)
	}
	s, err := pebblestore.Open(loc.path, pebblestore.Config{})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", loc.path, err)
	}
	return s, nil
}

// copyLocalState copies what makes the ledger itself besides its events:
// the checkpoint key pair, the checkpoints it kept and the subject keys.
// A target with another key pair is refused.
func copyLocalState(ctx context.Context, from, to string, src, dst store.Store) error {
	fromDir, toDir := localDir(from), localDir(to)
	_, srcKey, err := ledgerKey(fromDir)
	switch {
	case errors.Is(err, errNoKey):
	case err != nil:
		return err
	default:
		_, dstKey, err := ledgerKey(toDir)
		switch {
		case errors.Is(err, errNoKey):
			for _, name := range []string{verifierKeyFile, signerKeyFile} {
				b, err := os.ReadFile(filepath.Join(fromDir, name))
				if err != nil {
					return err
				}
				perm := os.FileMode(0o644)
				if name == signerKeyFile {
					perm = 0o600
				}
				if err := os.MkdirAll(toDir, 0o755); err != nil {
					return err
				}
				if err := writeFileAtomic(filepath.Join(toDir, name), b, perm); err != nil {
					return err
				}
			}
		case err != nil:
			return err
		case dstKey != srcKey:
			return withCode(exitRefused, fmt.Errorf("the target's checkpoint key is %s, the source's %s: another ledger", keyName(dstKey), keyName(srcKey)))
		}
	}
	from2, to2 := sidesOf(src), sidesOf(dst)
	if from2 == nil || to2 == nil {
		return nil
	}
	for _, sp := range []struct {
		space  byte
		prefix []byte
	}{{pebblestore.SideKeys, nil}, {pebblestore.SideMerkle, []byte{'c'}}} {
		a, err := from2.Side(sp.space)
		if err != nil {
			return err
		}
		b, err := to2.Side(sp.space)
		if err != nil {
			return err
		}
		var keys, values [][]byte
		err = a.Scan(ctx, sp.prefix, func(k, v []byte) error {
			if !bytes.HasPrefix(k, sp.prefix) {
				return errStopScan
			}
			keys, values = append(keys, bytes.Clone(k)), append(values, bytes.Clone(v))
			if len(keys) == 4096 {
				if err := b.PutMany(ctx, keys, values); err != nil {
					return err
				}
				keys, values = nil, nil
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopScan) {
			return err
		}
		if len(keys) > 0 {
			if err := b.PutMany(ctx, keys, values); err != nil {
				return err
			}
		}
	}
	return nil
}
