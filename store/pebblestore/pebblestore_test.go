package pebblestore_test

import (
	"testing"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
	"github.com/govledger/govledger/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, t.TempDir()) })
}

func open(t *testing.T, dir string) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}
