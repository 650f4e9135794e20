package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/esdbstore"
	"github.com/govledger/govledger/store/pebblestore"
)

// A location says where a command's ledger is. --dir PATH and
// --store pebble:PATH are the embedded ledger in PATH. --store
// esdb://host:2113[,host:2113]?tls=...  is a ledger on a KurrentDB
// cluster; two settings of the URL are govledger's own and are taken out
// before it reaches the client:
//
//   - namespace=NS prefixes the ledger's streams (several ledgers in one
//     database);
//   - state=DIR is the node's local state: the Merkle log, the signed
//     checkpoints, projection checkpoints and the report cache, subject
//     keys, the checkpoint key pair (default ./govledger-node).
type location struct {
	cluster   bool
	path      string // the embedded ledger's directory, or the node's state directory
	url       string // the KurrentDB connection string, without govledger's settings
	namespace string
}

const defaultState = "./govledger-node"

// parseLocation reads a --dir or --store value.
func parseLocation(s string) (location, error) {
	switch {
	case strings.HasPrefix(s, "pebble:"):
		return location{path: strings.TrimPrefix(s, "pebble:")}, nil
	case strings.HasPrefix(s, "esdb://"), strings.HasPrefix(s, "esdb+discover://"), strings.HasPrefix(s, "kurrentdb://"):
		u, err := url.Parse(s)
		if err != nil {
			return location{}, usageErr("--store %q: %v", s, err)
		}
		q := u.Query()
		loc := location{cluster: true, path: q.Get("state"), namespace: q.Get("namespace")}
		if loc.path == "" {
			loc.path = defaultState
		}
		q.Del("state")
		q.Del("namespace")
		u.RawQuery = q.Encode()
		loc.url = u.String()
		return loc, nil
	case strings.Contains(s, "://"):
		return location{}, usageErr("--store %q: want pebble:DIR or esdb://host:port?tls=...", s)
	}
	return location{path: s}, nil
}

// storeFlagTo adds --store, which sets the same location as --dir.
func storeFlagTo(fs *flag.FlagSet, dir *string) {
	fs.Func("store", "where the ledger is: pebble:DIR (the same as --dir DIR) or esdb://host:2113?tls=true[&namespace=NS][&state=DIR] for a KurrentDB cluster (env GOVLEDGER_STORE)",
		func(v string) error {
			if _, err := parseLocation(v); err != nil {
				return err
			}
			*dir = v
			return nil
		})
}

// localDir is the directory of a location's local files (keys, the
// checkpoint key pair): the embedded ledger's, or the node's state.
func localDir(s string) string {
	loc, err := parseLocation(s)
	if err != nil {
		return s
	}
	return loc.path
}

// clusterStore is a ledger on KurrentDB with the node's local state in an
// embedded store of its own (side keyspaces only: it holds no events).
type clusterStore struct {
	*esdbstore.Store
	state *pebblestore.Store
}

func (c *clusterStore) Close() error {
	err := c.Store.Close()
	if serr := c.state.Close(); err == nil {
		err = serr
	}
	return err
}

// openCluster connects to the cluster and opens the node's state.
func openCluster(ctx context.Context, loc location) (*clusterStore, error) {
	if err := os.MkdirAll(loc.path, 0o755); err != nil {
		return nil, err
	}
	state, err := pebblestore.Open(loc.path, pebblestore.Config{})
	if err != nil {
		return nil, fmt.Errorf("open the node state %s: %w", loc.path, err)
	}
	side, err := state.Side(pebblestore.SideIndex)
	if err != nil {
		state.Close()
		return nil, err
	}
	s, err := esdbstore.Open(ctx, esdbstore.Config{URL: loc.url, Namespace: loc.namespace, Index: side.Unsynced()})
	if err != nil {
		state.Close()
		return nil, err
	}
	return &clusterStore{Store: s, state: state}, nil
}

// sidesOf returns the embedded store that keeps a ledger's side
// keyspaces: the ledger itself, or a cluster node's state; nil if none.
func sidesOf(s store.Store) *pebblestore.Store {
	switch s := unwrapStore(s).(type) {
	case *pebblestore.Store:
		return s
	case *clusterStore:
		return s.state
	}
	return nil
}
