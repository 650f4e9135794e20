package integrity

import (
	"github.com/govledger/govledger/events"
	"github.com/transparency-dev/merkle/compact"
)

// Tree computes RFC 6962 roots over event hashes in memory as they are
// read, without storing nodes: it keeps only the compact range (at most
// 64 hashes). Replays and bundle verification use it to recompute the root
// a checkpoint signs while they read the events once. The zero value is
// not ready; use NewTree. A Tree is not safe for concurrent use.
type Tree struct {
	rng *compact.Range
}

// NewTree returns an empty tree (size 0).
func NewTree() *Tree { return &Tree{rng: factory.NewEmptyRange(0)} }

// Add appends the leaf of one event hash.
func (t *Tree) Add(eventHash events.Hash) {
	// Append keeps the leaf slice: a fresh one each time. It fails only
	// for a range that does not start at 0, which NewTree never makes.
	if err := t.rng.Append(hashLeaf(&eventHash), nil); err != nil {
		panic("integrity: tree append: " + err.Error())
	}
}

// Size returns the number of leaves added.
func (t *Tree) Size() uint64 { return t.rng.End() }

// Root returns the root of the leaves added so far (EmptyRoot for none).
func (t *Tree) Root() events.Hash {
	if t.rng.End() == 0 {
		return EmptyRoot()
	}
	root, err := t.rng.GetRootHash(nil)
	if err != nil {
		panic("integrity: tree root: " + err.Error())
	}
	return events.Hash(root)
}
