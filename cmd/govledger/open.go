package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/govledger/govledger/ledger"
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

// openLedger opens the write side over an existing or new directory.
func openLedger(ctx context.Context, dir string, cfg ledger.Config) (*ledger.Ledger, store.Store, error) {
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", dir, err)
	}
	l, err := ledger.New(ctx, s, cfg)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return l, s, nil
}
