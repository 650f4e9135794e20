package esdbstore_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/esdbstore"
	"github.com/govledger/govledger/store/esdbstore/esdbtest"
	"github.com/govledger/govledger/store/storetest"
)

// The conformance suite, unchanged, through the real client over gRPC
// against the in-process test server: a fresh server per subtest.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		srv := esdbtest.New(t)
		s, err := esdbstore.Open(context.Background(), esdbstore.Config{URL: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

var namespaces atomic.Int64

// The same suite against a real KurrentDB server, when one is configured:
// GOVLEDGER_ESDB_URL=esdb://127.0.0.1:2113?tls=false. Each subtest works
// in a namespace of its own, so that the database need not be empty.
func TestConformanceRealServer(t *testing.T) {
	url := os.Getenv("GOVLEDGER_ESDB_URL")
	if url == "" {
		t.Skip("GOVLEDGER_ESDB_URL not set: no real KurrentDB server to test against")
	}
	run := fmt.Sprintf("t%d-", time.Now().UnixNano())
	storetest.Run(t, func(t *testing.T) store.Store {
		ns := fmt.Sprintf("%s%d/", run, namespaces.Add(1))
		s, err := esdbstore.Open(context.Background(), esdbstore.Config{URL: url, Namespace: strings.ToLower(ns)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
