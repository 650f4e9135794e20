package integrity_test

import (
	"context"
	"testing"

	"github.com/govledger/govledger/integrity"
)

// The in-memory tree gives the same root as the stored log at every size.
func TestTreeMatchesLog(t *testing.T) {
	ctx := context.Background()
	l, _, hashes := newLog(t, 300)
	tr := integrity.NewTree()
	if tr.Root() != integrity.EmptyRoot() || tr.Size() != 0 {
		t.Fatalf("empty tree: size %d root %s", tr.Size(), tr.Root())
	}
	for i, h := range hashes {
		tr.Add(h)
		want, err := l.Root(ctx, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if tr.Size() != uint64(i+1) || tr.Root() != want {
			t.Fatalf("size %d: tree root %s, log root %s", i+1, tr.Root(), want)
		}
		if want != naiveRoot(hashes[:i+1]) {
			t.Fatalf("size %d: log root differs from the naive root", i+1)
		}
	}
}
