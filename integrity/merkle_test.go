package integrity_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/store/pebblestore"
)

// The Side keyspace of the embedded store is a NodeStore as it stands.
var _ integrity.NodeStore = (*pebblestore.Side)(nil)

// eventHash returns a distinct stand-in for the hash of the event at
// position i+1.
func eventHash(i int) events.Hash { return sha256.Sum256(fmt.Appendf(nil, "event %d", i)) }

// naiveRoot is RFC 6962's MTH written out recursively, independent of the
// library: MTH({}) = SHA-256(), MTH({d}) = SHA-256(0x00 || d), and
// MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) for the largest
// power of two k < n.
func naiveRoot(leaves []events.Hash) events.Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0][:]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := naiveRoot(leaves[:k]), naiveRoot(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// newLog returns a log over a fresh in-memory store holding n leaves,
// appended one call at a time.
func newLog(t testing.TB, n int) (*integrity.Log, *integrity.MemNodeStore, []events.Hash) {
	t.Helper()
	ctx := context.Background()
	st := &integrity.MemNodeStore{}
	l, err := integrity.OpenLog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	hs := make([]events.Hash, n)
	for i := range hs {
		hs[i] = eventHash(i)
		if err := l.Append(ctx, hs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return l, st, hs
}

func TestRootsMatchNaive(t *testing.T) {
	ctx := context.Background()
	const n = 70
	l, _, hs := newLog(t, n)
	if l.Size() != n {
		t.Fatalf("size %d, want %d", l.Size(), n)
	}
	for size := 0; size <= n; size++ {
		got, err := l.Root(ctx, uint64(size))
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveRoot(hs[:size]); got != want {
			t.Fatalf("root of size %d = %s, want %s", size, got, want)
		}
	}
	if got := integrity.EmptyRoot().String(); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty root %s", got)
	}
	if integrity.LeafHash(hs[0]) != naiveRoot(hs[:1]) {
		t.Fatal("LeafHash is not the root of a one-leaf tree")
	}
}

func TestBatchAppendEqualsOneByOne(t *testing.T) {
	ctx := context.Background()
	one, _, hs := newLog(t, 37)
	batched, err := integrity.OpenLog(ctx, &integrity.MemNodeStore{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range [][2]int{{0, 5}, {5, 6}, {6, 32}, {32, 37}} {
		if err := batched.Append(ctx, hs[cut[0]:cut[1]]...); err != nil {
			t.Fatal(err)
		}
	}
	for size := uint64(0); size <= 37; size++ {
		a, _ := one.Root(ctx, size)
		b, err := batched.Root(ctx, size)
		if err != nil || a != b {
			t.Fatalf("size %d: one by one %s, batched %s (%v)", size, a, b, err)
		}
	}
}

// flip returns a copy of hs with one bit of hs[i][j] changed.
func flip(hs []events.Hash, i, j int) []events.Hash {
	out := append([]events.Hash(nil), hs...)
	out[i][j] ^= 0x01
	return out
}

func TestInclusionProofs(t *testing.T) {
	ctx := context.Background()
	const n = 40
	l, _, hs := newLog(t, n)
	for size := uint64(1); size <= n; size++ {
		root, err := l.Root(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		for index := uint64(0); index < size; index++ {
			p, err := l.InclusionProof(ctx, index, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := integrity.VerifyInclusion(hs[index], index, size, p, root); err != nil {
				t.Fatalf("sound proof refused: %v", err)
			}
			bad := func(what string, err error) {
				t.Helper()
				var pe *integrity.ProofError
				if !errors.Is(err, integrity.ErrBadProof) || !errors.As(err, &pe) || pe.Kind != "inclusion" {
					t.Fatalf("leaf %d size %d, %s: got %v, want an inclusion ProofError", index, size, what, err)
				}
			}
			for i := range p {
				bad(fmt.Sprint("proof node ", i, " changed"), integrity.VerifyInclusion(hs[index], index, size, flip(p, i, int(index+size)%32), root))
			}
			bad("root changed", integrity.VerifyInclusion(hs[index], index, size, p, flip([]events.Hash{root}, 0, 31)[0]))
			bad("event changed", integrity.VerifyInclusion(flip(hs, int(index), 0)[index], index, size, p, root))
			if size > 1 {
				bad("other index", integrity.VerifyInclusion(hs[index], (index+1)%size, size, p, root))
			}
			if len(p) > 0 {
				bad("node dropped", integrity.VerifyInclusion(hs[index], index, size, p[:len(p)-1], root))
			}
			bad("node added", integrity.VerifyInclusion(hs[index], index, size, append(p, root), root))
		}
	}
}

func TestConsistencyProofs(t *testing.T) {
	ctx := context.Background()
	const n = 40
	l, _, _ := newLog(t, n)
	roots := make([]events.Hash, n+1)
	for size := range roots {
		roots[size], _ = l.Root(ctx, uint64(size))
	}
	for size2 := uint64(0); size2 <= n; size2++ {
		for size1 := uint64(0); size1 <= size2; size1++ {
			p, err := l.ConsistencyProof(ctx, size1, size2)
			if err != nil {
				t.Fatal(err)
			}
			if err := integrity.VerifyConsistency(size1, size2, p, roots[size1], roots[size2]); err != nil {
				t.Fatalf("sound proof %d -> %d refused: %v", size1, size2, err)
			}
			if size1 == 0 || size1 == size2 {
				continue // nothing to prove: any root is consistent with the empty tree, and a tree with itself
			}
			bad := func(what string, err error) {
				t.Helper()
				var pe *integrity.ProofError
				if !errors.Is(err, integrity.ErrBadProof) || !errors.As(err, &pe) || pe.Kind != "consistency" {
					t.Fatalf("%d -> %d, %s: got %v, want a consistency ProofError", size1, size2, what, err)
				}
			}
			for i := range p {
				bad(fmt.Sprint("proof node ", i, " changed"), integrity.VerifyConsistency(size1, size2, flip(p, i, int(size1+size2)%32), roots[size1], roots[size2]))
			}
			bad("old root changed", integrity.VerifyConsistency(size1, size2, p, flip(roots, int(size1), 7)[size1], roots[size2]))
			bad("new root changed", integrity.VerifyConsistency(size1, size2, p, roots[size1], flip(roots, int(size2), 7)[size2]))
			bad("node dropped", integrity.VerifyConsistency(size1, size2, p[:len(p)-1], roots[size1], roots[size2]))
		}
	}
}

// A log that rewrote its past cannot prove consistency with it.
func TestRewrittenPastIsInconsistent(t *testing.T) {
	ctx := context.Background()
	honest, _, hs := newLog(t, 10)
	old, _ := honest.Root(ctx, 6)
	forged, err := integrity.OpenLog(ctx, &integrity.MemNodeStore{})
	if err != nil {
		t.Fatal(err)
	}
	hs[3][0] ^= 1 // the event at position 4 was edited
	if err := forged.Append(ctx, hs...); err != nil {
		t.Fatal(err)
	}
	newRoot, _ := forged.Root(ctx, 10)
	p, err := forged.ConsistencyProof(ctx, 6, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := integrity.VerifyConsistency(6, 10, p, old, newRoot); !errors.Is(err, integrity.ErrBadProof) {
		t.Fatalf("rewritten log passed: %v", err)
	}
}

func TestSizeOutOfRange(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newLog(t, 5)
	for name, err := range map[string]error{
		"root beyond size":        second(l.Root(ctx, 6)),
		"inclusion beyond size":   second(l.InclusionProof(ctx, 0, 6)),
		"index not below size":    second(l.InclusionProof(ctx, 3, 3)),
		"consistency beyond size": second(l.ConsistencyProof(ctx, 1, 6)),
		"consistency size1>size2": second(l.ConsistencyProof(ctx, 4, 3)),
	} {
		if !errors.Is(err, integrity.ErrTreeSize) {
			t.Errorf("%s: got %v, want ErrTreeSize", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestReopenRestoresLog(t *testing.T) {
	ctx := context.Background()
	l, st, hs := newLog(t, 23)
	want := make([]events.Hash, 24)
	for size := range want {
		want[size], _ = l.Root(ctx, uint64(size))
	}
	re, err := integrity.OpenLog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if re.Size() != 23 {
		t.Fatalf("reopened size %d, want 23", re.Size())
	}
	for size := range want {
		if got, err := re.Root(ctx, uint64(size)); err != nil || got != want[size] {
			t.Fatalf("reopened root of size %d = %s (%v), want %s", size, got, err, want[size])
		}
	}
	// It carries on where it stopped.
	more := append(hs, eventHash(23), eventHash(24))
	if err := re.Append(ctx, more[23:]...); err != nil {
		t.Fatal(err)
	}
	if got, _ := re.Root(ctx, 25); got != naiveRoot(more) {
		t.Fatalf("root after reopen and append %s, want %s", got, naiveRoot(more))
	}
}

func TestReopenFromPebble(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	side, err := s.Side(pebblestore.SideMerkle)
	if err != nil {
		t.Fatal(err)
	}
	l, err := integrity.OpenLog(ctx, side)
	if err != nil {
		t.Fatal(err)
	}
	hs := make([]events.Hash, 13)
	for i := range hs {
		hs[i] = eventHash(i)
	}
	if err := l.Append(ctx, hs...); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	side, _ = s.Side(pebblestore.SideMerkle)
	re, err := integrity.OpenLog(ctx, side)
	if err != nil {
		t.Fatal(err)
	}
	root, err := re.Root(ctx, 13)
	if err != nil || re.Size() != 13 || root != naiveRoot(hs) {
		t.Fatalf("reopened size %d root %s (%v), want 13 and %s", re.Size(), root, err, naiveRoot(hs))
	}
	p, err := re.InclusionProof(ctx, 4, 13)
	if err != nil {
		t.Fatal(err)
	}
	if err := integrity.VerifyInclusion(hs[4], 4, 13, p, root); err != nil {
		t.Fatal(err)
	}
}

// failingStore refuses every write.
type failingStore struct{ integrity.MemNodeStore }

var errDiskFull = errors.New("disk full")

func (*failingStore) PutMany(context.Context, [][]byte, [][]byte) error { return errDiskFull }

func TestFailedAppendLeavesLogUnchanged(t *testing.T) {
	ctx := context.Background()
	st := &failingStore{}
	l, err := integrity.OpenLog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, eventHash(0)); !errors.Is(err, errDiskFull) {
		t.Fatalf("append over a failing store: %v", err)
	}
	if l.Size() != 0 {
		t.Fatalf("size %d after a failed append", l.Size())
	}
}

func TestDamagedStoreRefused(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(st *integrity.MemNodeStore){
		"state truncated": func(st *integrity.MemNodeStore) {
			v, _, _ := st.Get(ctx, []byte("s"))
			_ = st.PutMany(ctx, [][]byte{[]byte("s")}, [][]byte{v[:len(v)-1]})
		},
		"state disagrees with nodes": func(st *integrity.MemNodeStore) {
			v, _, _ := st.Get(ctx, []byte("s"))
			v[len(v)-1] ^= 1
			_ = st.PutMany(ctx, [][]byte{[]byte("s")}, [][]byte{v})
		},
		"node emptied": func(st *integrity.MemNodeStore) {
			// the node (level 0, index 6) is a subtree of the 7-leaf range
			_ = st.PutMany(ctx, [][]byte{{'n', 0, 0, 0, 0, 0, 0, 0, 0, 6}}, [][]byte{{}})
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			_, st, _ := newLog(t, 7)
			damage(st)
			if _, err := integrity.OpenLog(ctx, st); !errors.Is(err, integrity.ErrMerkleStore) {
				t.Fatalf("got %v, want ErrMerkleStore", err)
			}
		})
	}
}

func TestConcurrentAppendAndProofs(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newLog(t, 1)
	done := make(chan error)
	go func() {
		for i := 1; i < 300; i++ {
			if err := l.Append(ctx, eventHash(i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 300; i++ {
		size := l.Size()
		root, err := l.Root(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		p, err := l.InclusionProof(ctx, size-1, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := integrity.VerifyInclusion(eventHash(int(size-1)), size-1, size, p, root); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A log that stores only the nodes of level 4 and up, recomputing the
// lower ones from the events, serves the same roots and proofs as one
// that stores every node, and writes far fewer nodes.
func TestSkipLevelsServesTheSameProofs(t *testing.T) {
	ctx := context.Background()
	full, fullNodes, hashes := newLog(t, 70)
	reads := 0
	leaves := func(_ context.Context, from uint64, n int) ([]events.Hash, error) {
		reads++
		if from+uint64(n) > uint64(len(hashes)) {
			return nil, fmt.Errorf("leaves %d..%d past the ledger's %d", from, from+uint64(n), len(hashes))
		}
		return hashes[from : from+uint64(n)], nil
	}
	var nodes integrity.MemNodeStore
	skip, err := integrity.OpenLogConfig(ctx, &nodes, integrity.LogConfig{Leaves: leaves, SkipLevels: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(hashes); i += 9 {
		if err := skip.Append(ctx, hashes[i:min(i+9, len(hashes))]...); err != nil {
			t.Fatal(err)
		}
	}
	if nodes.Len() >= fullNodes.Len()/4 {
		t.Fatalf("skipping levels stored %d nodes, the full log %d", nodes.Len(), fullNodes.Len())
	}
	for size := uint64(0); size <= uint64(len(hashes)); size++ {
		a, err1 := full.Root(ctx, size)
		b, err2 := skip.Root(ctx, size)
		if err1 != nil || err2 != nil || a != b {
			t.Fatalf("root at %d: %s %v vs %s %v", size, a, err1, b, err2)
		}
		for idx := uint64(0); idx < size; idx += 5 {
			p, err := skip.InclusionProof(ctx, idx, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := integrity.VerifyInclusion(hashes[idx], idx, size, p, a); err != nil {
				t.Fatalf("inclusion %d in %d: %v", idx, size, err)
			}
		}
		for old := uint64(0); old <= size; old += 7 {
			p, err := skip.ConsistencyProof(ctx, old, size)
			if err != nil {
				t.Fatal(err)
			}
			r1, _ := full.Root(ctx, old)
			if err := integrity.VerifyConsistency(old, size, p, r1, a); err != nil {
				t.Fatalf("consistency %d -> %d: %v", old, size, err)
			}
		}
	}
	if reads == 0 {
		t.Fatal("no node was recomputed from the events")
	}
	// Reopened with the same configuration, it agrees with its nodes.
	again, err := integrity.OpenLogConfig(ctx, &nodes, integrity.LogConfig{Leaves: leaves, SkipLevels: 4})
	if err != nil || again.Size() != uint64(len(hashes)) {
		t.Fatalf("reopen: size %d, %v", again.Size(), err)
	}
	// A ledger that no longer holds the events under a node is refused.
	short := func(context.Context, uint64, int) ([]events.Hash, error) { return nil, nil }
	if _, err := integrity.OpenLogConfig(ctx, &nodes, integrity.LogConfig{Leaves: short, SkipLevels: 4}); !errors.Is(err, integrity.ErrMerkleStore) {
		t.Fatalf("reopen over missing events: %v, want ErrMerkleStore", err)
	}
}
