package integrity

import (
	"crypto/sha256"

	"github.com/govledger/govledger/events"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Tree computes RFC 6962 roots over event hashes in memory as they are
// read, without storing nodes: it keeps only the compact range, the roots
// of the perfect subtrees the leaves so far make (at most 64). Replays and
// verification use it to recompute the root a checkpoint signs while they
// read the events once; it allocates nothing per event. The zero value is
// an empty tree. A Tree is not safe for concurrent use.
type Tree struct {
	size   uint64
	n      int             // subtrees on the stack
	stack  [64]events.Hash // their roots, the largest (leftmost) first
	onNode func(level uint, index uint64, hash *events.Hash)
}

// OnNode sets a function called with every complete subtree as it is
// formed: level 0 for each leaf, then each merge (the same node IDs a
// stored Log keeps).
func (t *Tree) OnNode(fn func(level uint, index uint64, hash *events.Hash)) { t.onNode = fn }

// NewTree returns an empty tree (size 0).
func NewTree() *Tree { return &Tree{} }

// Add appends the leaf of one event hash: SHA-256(0x00 || eventHash),
// then merges the subtrees it completes.
func (t *Tree) Add(eventHash events.Hash) {
	var leaf [1 + sha256.Size]byte
	leaf[0] = rfc6962.RFC6962LeafHashPrefix
	copy(leaf[1:], eventHash[:])
	node := events.Hash(sha256.Sum256(leaf[:]))
	if t.onNode != nil {
		t.onNode(0, t.size, &node)
	}
	// Each trailing one bit of the old size is a subtree of the new
	// leaf's size waiting to be merged.
	level := uint(0)
	for s := t.size; s&1 == 1; s >>= 1 {
		t.n--
		node = nodeHash(&t.stack[t.n], &node)
		level++
		if t.onNode != nil {
			t.onNode(level, t.size>>level, &node)
		}
	}
	t.stack[t.n] = node
	t.n++
	t.size++
}

// nodeHash is SHA-256(0x01 || left || right).
func nodeHash(left, right *events.Hash) events.Hash {
	var b [1 + 2*sha256.Size]byte
	b[0] = rfc6962.RFC6962NodeHashPrefix
	copy(b[1:], left[:])
	copy(b[1+sha256.Size:], right[:])
	return sha256.Sum256(b[:])
}

// Size returns the number of leaves added.
func (t *Tree) Size() uint64 { return t.size }

// Root returns the root of the leaves added so far (EmptyRoot for none):
// the subtrees folded from the right, as RFC 6962 splits a tree at its
// largest power of two.
func (t *Tree) Root() events.Hash {
	if t.n == 0 {
		return EmptyRoot()
	}
	root := t.stack[t.n-1]
	for i := t.n - 2; i >= 0; i-- {
		root = nodeHash(&t.stack[i], &root)
	}
	return root
}
