package memstore_test

import (
	"testing"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
	"github.com/govledger/govledger/store/storetest"
)

// TestConformance runs the store conformance suite; it also keeps the
// suite itself honest against a second backend.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
}
