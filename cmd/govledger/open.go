package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// openStore opens an existing ledger: a directory, or a cluster
// (see location).
func openStore(dir string) (store.Store, error) {
	loc, err := parseLocation(dir)
	if err != nil {
		return nil, err
	}
	if loc.cluster {
		return openCluster(context.Background(), loc)
	}
	dir = loc.path
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no ledger at %s (create one with govledger quickstart, or pass --dir)", dir)
	}
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return s, nil
}

// openLedger opens the write side over an existing or new ledger, with
// the subject keys of its directory (or of the cluster node's state) as
// its key store; new keys are read from keyRand (crypto/rand when nil).
// On a cluster, a call of several streams is written one stream at a
// time (store.Sequential).
func openLedger(ctx context.Context, dir string, cfg ledger.Config, keyRand io.Reader) (*ledger.Ledger, store.Store, error) {
	return openLedgerWith(ctx, dir, cfg, pebblestore.Config{}, keyRand)
}

// openLedgerWith is openLedger with the embedded store's configuration.
func openLedgerWith(ctx context.Context, dir string, cfg ledger.Config, pcfg pebblestore.Config, keyRand io.Reader) (*ledger.Ledger, store.Store, error) {
	loc, err := parseLocation(dir)
	if err != nil {
		return nil, nil, err
	}
	var s store.Store
	var sides *pebblestore.Store
	if loc.cluster {
		c, err := openCluster(ctx, loc)
		if err != nil {
			return nil, nil, err
		}
		s, sides = c, c.state
	} else {
		ps, err := pebblestore.Open(loc.path, pcfg)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: %w", loc.path, err)
		}
		s, sides = ps, ps
	}
	keys, err := privacy.NewPebbleKeys(sides, keyRand)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	cfg.KeyStore = keys
	if _, err := ensureKey(loc.path); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("checkpoint key: %w", err)
	}
	writeTo := s
	if loc.cluster {
		writeTo = store.Sequential(s)
	}
	l, err := ledger.New(ctx, writeTo, cfg)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	k, err := startMerkle(ctx, s)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	if c, ok := s.(*clusterStore); ok {
		return l, &keptCluster{clusterStore: c, keeper: k}, nil
	}
	return l, &keptStore{Store: s.(*pebblestore.Store), keeper: k}, nil
}

// keptStore is a Pebble store whose Merkle log is kept while it is open:
// Close brings the log to the head, then closes the store.
type keptStore struct {
	*pebblestore.Store
	keeper *ledger.MerkleKeeper
}

func (s *keptStore) Close() error {
	err := s.keeper.Close(context.Background())
	if cerr := s.Store.Close(); err == nil {
		err = cerr
	}
	return err
}

// keptCluster is keptStore for a cluster.
type keptCluster struct {
	*clusterStore
	keeper *ledger.MerkleKeeper
}

func (s *keptCluster) Close() error {
	err := s.keeper.Close(context.Background())
	if cerr := s.clusterStore.Close(); err == nil {
		err = cerr
	}
	return err
}

// keeperOf returns the Merkle keeper of a store opened by openLedger.
func keeperOf(s store.Store) *ledger.MerkleKeeper {
	switch k := s.(type) {
	case *keptStore:
		return k.keeper
	case *keptCluster:
		return k.keeper
	}
	return nil
}

// unwrapStore returns the store under a keptStore or keptCluster.
func unwrapStore(s store.Store) store.Store {
	switch k := s.(type) {
	case *keptStore:
		return k.Store
	case *keptCluster:
		return k.clusterStore
	}
	return s
}

// keysOf returns the subject keys kept in s, or nil when s is not a
// Pebble store (then every sealed field shows as erased).
func keysOf(s store.Store) privacy.KeyGetter {
	ps := sidesOf(s)
	if ps == nil {
		return nil
	}
	keys, err := privacy.NewPebbleKeys(ps, nil)
	if err != nil {
		return nil
	}
	return keys
}
