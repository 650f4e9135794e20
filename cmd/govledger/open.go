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

// openStore opens an existing ledger directory.
func openStore(dir string) (store.Store, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no ledger at %s (create one with govledger quickstart, or pass --dir)", dir)
	}
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return s, nil
}

// openLedger opens the write side over an existing or new directory, with
// the directory's subject keys as its key store; new keys are read from
// keyRand (crypto/rand when nil).
func openLedger(ctx context.Context, dir string, cfg ledger.Config, keyRand io.Reader) (*ledger.Ledger, store.Store, error) {
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", dir, err)
	}
	keys, err := privacy.NewPebbleKeys(s, keyRand)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	cfg.KeyStore = keys
	if _, err := ensureKey(dir); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("checkpoint key: %w", err)
	}
	l, err := ledger.New(ctx, s, cfg)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	k, err := startMerkle(ctx, s)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return l, &keptStore{Store: s, keeper: k}, nil
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

// unwrapStore returns the store under a keptStore.
func unwrapStore(s store.Store) store.Store {
	if k, ok := s.(*keptStore); ok {
		return k.Store
	}
	return s
}

// keysOf returns the subject keys kept in s, or nil when s is not a
// Pebble store (then every sealed field shows as erased).
func keysOf(s store.Store) privacy.KeyGetter {
	ps, ok := unwrapStore(s).(*pebblestore.Store)
	if !ok {
		return nil
	}
	keys, err := privacy.NewPebbleKeys(ps, nil)
	if err != nil {
		return nil
	}
	return keys
}
