package esdbstore

import (
	"context"
	"testing"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/esdbstore/esdbtest"
	"github.com/govledger/govledger/store/storetest"
)

// The index is kept in its IndexStore: a node reopening the store goes on
// from where it stopped; an index of another database, or of another
// namespace, is rebuilt.
func TestIndexIsKeptAndChecked(t *testing.T) {
	ctx := context.Background()
	srv := esdbtest.New(t)
	kv := &MemIndex{}
	open := func(url, ns string) *Store {
		t.Helper()
		s, err := Open(ctx, Config{URL: url, Index: kv, Namespace: ns})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(srv.URL(), "")
	a := storetest.Chain("case/a", 3)
	if _, err := s.Append(ctx, storetest.StreamAppend(a)); err != nil {
		t.Fatal(err)
	}
	gen := s.idx.gen
	s.Close()

	// Reopened: the same generation, the same positions, and more events
	// indexed on top.
	s = open(srv.URL(), "")
	if s.idx.gen != gen || s.idx.head() != 3 {
		t.Fatalf("reopened index: generation %x (was %x), head %d", s.idx.gen, gen, s.idx.head())
	}
	res, err := s.Append(ctx, storetest.StreamAppend(storetest.Chain("case/a", 1, storetest.After(a[2]))))
	if err != nil || res[0].FirstPosition != 4 {
		t.Fatalf("append after reopening: %+v %v", res, err)
	}
	if r, ok, err := s.Lookup(ctx, a[1].ID); err != nil || !ok || r.Position != 2 {
		t.Fatalf("lookup after reopening: %+v %v %v", r, ok, err)
	}
	s.Close()

	// Another database (a fresh server) with the same node state: rebuilt.
	other := esdbtest.New(t)
	s = open(other.URL(), "")
	if s.idx.gen == gen || s.idx.head() != 0 {
		t.Fatalf("index over another database: generation %x (was %x), head %d", s.idx.gen, gen, s.idx.head())
	}
	b := storetest.Chain("case/b", 2)
	if _, err := s.Append(ctx, storetest.StreamAppend(b)); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := s.StreamHead(ctx, "case/a"); v != store.NoStream {
		t.Fatalf("case/a of the other database is still known: version %d", v)
	}
	gen2 := s.idx.gen
	s.Close()

	// Another namespace: rebuilt too.
	s = open(other.URL(), "ns2/")
	defer s.Close()
	if s.idx.gen == gen2 || s.idx.head() != 0 {
		t.Fatalf("index of another namespace: generation %x (was %x), head %d", s.idx.gen, gen2, s.idx.head())
	}
}
