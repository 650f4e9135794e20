package storetest_test

import (
	"testing"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
	"github.com/govledger/govledger/store/storetest"
)

// TestMemstore runs the suite against the in-memory store, which keeps the
// suite itself honest.
func TestMemstore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
}
