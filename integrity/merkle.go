package integrity

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/govledger/govledger/events"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Merkle log errors.
var (
	// ErrBadProof is the sentinel every ProofError unwraps to: an inclusion
	// or consistency proof that does not lead to the root it claims.
	ErrBadProof = errors.New("integrity: merkle proof does not verify")
	// ErrTreeSize is returned for a tree size or leaf index the log does
	// not hold (beyond its size, or size1 > size2).
	ErrTreeSize = errors.New("integrity: merkle tree size out of range")
	// ErrMerkleStore is returned when the node store lacks a node the log
	// wrote, or holds a node or state that does not decode: the store was
	// damaged or edited.
	ErrMerkleStore = errors.New("integrity: merkle node store damaged")
)

// ProofError says which proof failed and why. It unwraps to ErrBadProof.
type ProofError struct {
	// Kind is "inclusion" or "consistency".
	Kind string
	// Index is the leaf index of an inclusion proof.
	Index uint64
	// Size1 and Size2 are the tree sizes: Size2 alone for an inclusion
	// proof, both for a consistency proof.
	Size1, Size2 uint64
	// Reason is what the verifier reported (a root mismatch, a proof of
	// the wrong length).
	Reason string
}

func (e *ProofError) Error() string {
	if e.Kind == "inclusion" {
		return fmt.Sprintf("integrity: inclusion proof of leaf %d in tree size %d does not verify: %s", e.Index, e.Size2, e.Reason)
	}
	return fmt.Sprintf("integrity: consistency proof from tree size %d to %d does not verify: %s", e.Size1, e.Size2, e.Reason)
}

// Unwrap returns ErrBadProof.
func (e *ProofError) Unwrap() error { return ErrBadProof }

// hasher is the RFC 6962 SHA-256 tree hasher; it is stateless.
var hasher = rfc6962.New(crypto.SHA256)

var factory = &compact.RangeFactory{Hash: hashChildren}

// hashChildren is hasher.HashChildren, SHA-256(0x01 || left || right),
// without the hash object it allocates per call: it runs once per leaf on
// every append and every verification pass.
func hashChildren(left, right []byte) []byte {
	var b [1 + 2*sha256.Size]byte
	b[0] = rfc6962.RFC6962NodeHashPrefix
	copy(b[1:], left)
	copy(b[1+sha256.Size:], right)
	h := sha256.Sum256(b[:])
	return h[:]
}

// hashLeaf is hasher.HashLeaf, SHA-256(0x00 || eventHash).
func hashLeaf(eventHash *events.Hash) []byte {
	var b [1 + sha256.Size]byte
	b[0] = rfc6962.RFC6962LeafHashPrefix
	copy(b[1:], eventHash[:])
	h := sha256.Sum256(b[:])
	return h[:]
}

// LeafHash returns the RFC 6962 leaf hash of an event hash:
// SHA-256(0x00 || eventHash).
func LeafHash(eventHash events.Hash) events.Hash {
	return events.Hash(hasher.HashLeaf(eventHash[:]))
}

// EmptyRoot returns the root of the empty tree: SHA-256 of no bytes.
func EmptyRoot() events.Hash { return events.Hash(hasher.EmptyRoot()) }

// NodeStore is where a Log keeps its tree nodes and its state: a
// key-value space of its own (*pebblestore.Side satisfies it). Get MUST
// return ok == false, not an error, for an absent key. PutMany MUST store
// all the pairs or none. Both MUST be safe for concurrent use.
//
// The Log writes keys 'n' level(1 byte) index(8 bytes, big-endian) for
// the hash of every complete subtree, and 's' for its state (size and
// compact range); it never deletes or overwrites a node.
type NodeStore interface {
	Get(ctx context.Context, key []byte) (value []byte, ok bool, err error)
	PutMany(ctx context.Context, keys, values [][]byte) error
}

var stateKey = []byte{'s'}

func nodeKey(id compact.NodeID) []byte {
	k := make([]byte, 10)
	k[0] = 'n'
	k[1] = byte(id.Level)
	binary.BigEndian.PutUint64(k[2:], id.Index)
	return k
}

// Log is an append-only RFC 6962 Merkle tree over event hashes in global
// order: leaf i holds the hash of the event at position i+1. It keeps the
// compact range of its leaves in memory and persists every complete
// subtree, so that a root or a proof for any size up to Size costs
// O(log n) node reads. A Log is safe for concurrent use; appends are
// serialised, and reads never wait for the store behind an append.
type Log struct {
	store NodeStore
	cfg   LogConfig
	size  atomic.Uint64 // rng.End(), readable without mu
	mu    sync.Mutex    // serialises appends; guards rng
	rng   *compact.Range
}

// LeafSource reads the event hashes of leaves [from, from+n) (the events
// at positions from+1 .. from+n) from the ledger the log is built over.
type LeafSource func(ctx context.Context, from uint64, n int) ([]events.Hash, error)

// LogConfig configures how a Log stores its nodes.
type LogConfig struct {
	// Leaves, with SkipLevels > 0, lets the log store only the subtrees
	// of level SkipLevels and up: a node below is recomputed from the at
	// most 2^(SkipLevels-1) event hashes it covers when a root or proof
	// needs it. With SkipLevels 4, appends write about one node per
	// eight events instead of two per event. A store MUST always be
	// opened with the same SkipLevels.
	Leaves     LeafSource
	SkipLevels uint
}

// OpenLog returns the log kept in store, empty if the store holds none,
// storing every node.
func OpenLog(ctx context.Context, store NodeStore) (*Log, error) {
	return OpenLogConfig(ctx, store, LogConfig{})
}

// OpenLogConfig is OpenLog with a LogConfig.
func OpenLogConfig(ctx context.Context, store NodeStore, cfg LogConfig) (*Log, error) {
	if cfg.SkipLevels > 0 && cfg.Leaves == nil {
		return nil, fmt.Errorf("integrity: merkle log: SkipLevels %d needs a LeafSource", cfg.SkipLevels)
	}
	if cfg.SkipLevels > 16 {
		return nil, fmt.Errorf("integrity: merkle log: SkipLevels %d is over 16", cfg.SkipLevels)
	}
	v, ok, err := store.Get(ctx, stateKey)
	if err != nil {
		return nil, fmt.Errorf("open merkle log: %w", err)
	}
	if !ok {
		return &Log{store: store, cfg: cfg, rng: factory.NewEmptyRange(0)}, nil // size 0
	}
	rng, err := decodeState(v)
	if err != nil {
		return nil, err
	}
	l := &Log{store: store, cfg: cfg, rng: rng}
	l.size.Store(rng.End())
	// The compact range is also stored node by node; they must agree.
	stored, err := l.nodes(ctx, compact.RangeNodes(0, rng.End(), nil))
	if err != nil {
		return nil, err
	}
	if want, err := factory.NewRange(0, rng.End(), stored); err != nil || !want.Equal(rng) {
		return nil, fmt.Errorf("%w: state of size %d disagrees with its nodes", ErrMerkleStore, rng.End())
	}
	return l, nil
}

func encodeState(r *compact.Range) []byte {
	out := binary.BigEndian.AppendUint64(make([]byte, 0, 8+32*len(r.Hashes())), r.End())
	for _, h := range r.Hashes() {
		out = append(out, h...)
	}
	return out
}

func decodeState(v []byte) (*compact.Range, error) {
	if len(v) < 8 || (len(v)-8)%32 != 0 {
		return nil, fmt.Errorf("%w: state of %d bytes", ErrMerkleStore, len(v))
	}
	size := binary.BigEndian.Uint64(v)
	var hashes [][]byte
	for rest := v[8:]; len(rest) > 0; rest = rest[32:] {
		hashes = append(hashes, rest[:32:32])
	}
	rng, err := factory.NewRange(0, size, hashes)
	if err != nil {
		return nil, fmt.Errorf("%w: state of size %d: %v", ErrMerkleStore, size, err)
	}
	return rng, nil
}

// Size returns the number of leaves in the log.
func (l *Log) Size() uint64 { return l.size.Load() }

// Append adds the given event hashes as leaves, in order, and persists the
// new nodes and the new size in one PutMany. When it returns an error the
// log is unchanged.
func (l *Log) Append(ctx context.Context, eventHashes ...events.Hash) error {
	leaves := make([][]byte, len(eventHashes))
	for i := range eventHashes {
		leaves[i] = hashLeaf(&eventHashes[i])
	}
	return l.appendLeaves(ctx, leaves)
}

// appendLeaves appends leaf hashes (already hashed with the 0x00 prefix).
func (l *Log) appendLeaves(ctx context.Context, leaves [][]byte) error {
	if len(leaves) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	next, err := factory.NewRange(0, l.rng.End(), append([][]byte(nil), l.rng.Hashes()...))
	if err != nil {
		return err
	}
	// A batch of n leaves completes fewer than 2n nodes.
	keys := make([][]byte, 0, 2*len(leaves)+1)
	values := make([][]byte, 0, 2*len(leaves)+1)
	visit := func(id compact.NodeID, hash []byte) {
		if id.Level < l.cfg.SkipLevels {
			return
		}
		keys = append(keys, nodeKey(id))
		values = append(values, hash)
	}
	for _, leaf := range leaves {
		if err := next.Append(leaf, visit); err != nil {
			return err
		}
	}
	keys = append(keys, stateKey)
	values = append(values, encodeState(next))
	if err := l.store.PutMany(ctx, keys, values); err != nil {
		return fmt.Errorf("append to merkle log: %w", err)
	}
	l.rng = next
	l.size.Store(next.End())
	return nil
}

// checkSize returns ErrTreeSize unless size <= Size.
func (l *Log) checkSize(size uint64) error {
	if have := l.Size(); size > have {
		return fmt.Errorf("%w: size %d requested, log holds %d", ErrTreeSize, size, have)
	}
	return nil
}

// nodes reads the hashes of complete subtrees; every one MUST exist.
func (l *Log) nodes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	// The nodes below SkipLevels that one root or proof needs lie in one
	// or two aligned blocks of 2^SkipLevels leaves: each is read once.
	var blocks map[uint64][]events.Hash
	for i, id := range ids {
		if id.Level < l.cfg.SkipLevels {
			if blocks == nil {
				blocks = map[uint64][]events.Hash{}
			}
			h, err := l.recompute(ctx, id, blocks)
			if err != nil {
				return nil, err
			}
			out[i] = h
			continue
		}
		v, ok, err := l.store.Get(ctx, nodeKey(id))
		if err != nil {
			return nil, fmt.Errorf("read merkle node (level %d, index %d): %w", id.Level, id.Index, err)
		}
		if !ok || len(v) != 32 {
			return nil, fmt.Errorf("%w: node (level %d, index %d) missing or not 32 bytes", ErrMerkleStore, id.Level, id.Index)
		}
		out[i] = v
	}
	return out, nil
}

// recompute returns the hash of a complete subtree below SkipLevels from
// the event hashes it covers, read by aligned block (blocks caches them).
func (l *Log) recompute(ctx context.Context, id compact.NodeID, blocks map[uint64][]events.Hash) ([]byte, error) {
	n := 1 << id.Level
	first := id.Index << id.Level
	width := uint64(1) << l.cfg.SkipLevels
	start := first / width * width
	block, ok := blocks[start]
	if !ok {
		count := min(width, max(l.Size(), first+uint64(n))-start)
		hs, err := l.cfg.Leaves(ctx, start, int(count))
		if err != nil {
			return nil, fmt.Errorf("read the events under merkle node (level %d, index %d): %w", id.Level, id.Index, err)
		}
		if uint64(len(hs)) != count {
			return nil, fmt.Errorf("%w: node (level %d, index %d) covers events the ledger does not give (%d of %d)", ErrMerkleStore, id.Level, id.Index, len(hs), count)
		}
		block, blocks[start] = hs, hs
	}
	if first+uint64(n)-start > uint64(len(block)) {
		return nil, fmt.Errorf("%w: node (level %d, index %d) beyond the events read", ErrMerkleStore, id.Level, id.Index)
	}
	hs := block[first-start : first-start+uint64(n)]
	level := make([][]byte, n)
	for i := range hs {
		level[i] = hashLeaf(&hs[i])
	}
	for len(level) > 1 { // a perfect subtree: pair up to the top
		for i := 0; i < len(level)/2; i++ {
			level[i] = hashChildren(level[2*i], level[2*i+1])
		}
		level = level[:len(level)/2]
	}
	return level[0], nil
}

// StoredLevel is the lowest level of the nodes the log stores
// (LogConfig.SkipLevels).
func (l *Log) StoredLevel() uint { return l.cfg.SkipLevels }

// StoredNode returns the hash the log stored for the complete subtree at
// level (>= StoredLevel) and index, as it was when the log was appended
// to: unlike Root, it never reads the events. ok is false for a node the
// log does not hold.
func (l *Log) StoredNode(ctx context.Context, level uint, index uint64) (events.Hash, bool, error) {
	if level < l.cfg.SkipLevels || (index+1)<<level > l.Size() {
		return events.Hash{}, false, nil
	}
	v, ok, err := l.store.Get(ctx, nodeKey(compact.NodeID{Level: level, Index: index}))
	if err != nil || !ok {
		return events.Hash{}, false, err
	}
	if len(v) != 32 {
		return events.Hash{}, false, fmt.Errorf("%w: node (level %d, index %d) of %d bytes", ErrMerkleStore, level, index, len(v))
	}
	return events.Hash(v), true, nil
}

// Root returns the root of the tree of the first size leaves, for any size
// up to Size; the empty tree's root is EmptyRoot.
func (l *Log) Root(ctx context.Context, size uint64) (events.Hash, error) {
	if err := l.checkSize(size); err != nil {
		return events.Hash{}, err
	}
	if size == 0 {
		return EmptyRoot(), nil
	}
	hashes, err := l.nodes(ctx, compact.RangeNodes(0, size, nil))
	if err != nil {
		return events.Hash{}, err
	}
	rng, err := factory.NewRange(0, size, hashes)
	if err != nil {
		return events.Hash{}, err
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return events.Hash{}, err
	}
	return events.Hash(root), nil
}

// InclusionProof returns the proof that leaf index is in the tree of the
// first size leaves (index < size <= Size), for VerifyInclusion.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([]events.Hash, error) {
	if err := l.checkSize(size); err != nil {
		return nil, err
	}
	if index >= size {
		return nil, fmt.Errorf("%w: leaf %d is not in a tree of size %d", ErrTreeSize, index, size)
	}
	ids, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return l.rehash(ctx, ids)
}

// ConsistencyProof returns the proof that the tree of the first size1
// leaves is a prefix of the tree of the first size2 (size1 <= size2 <=
// Size), for VerifyConsistency.
func (l *Log) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([]events.Hash, error) {
	if err := l.checkSize(size2); err != nil {
		return nil, err
	}
	if size1 > size2 {
		return nil, fmt.Errorf("%w: consistency from size %d to smaller size %d", ErrTreeSize, size1, size2)
	}
	ids, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	return l.rehash(ctx, ids)
}

func (l *Log) rehash(ctx context.Context, ids proof.Nodes) ([]events.Hash, error) {
	hashes, err := l.nodes(ctx, ids.IDs)
	if err != nil {
		return nil, err
	}
	hashes, err = ids.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, err
	}
	out := make([]events.Hash, len(hashes))
	for i, h := range hashes {
		out[i] = events.Hash(h)
	}
	return out, nil
}

func toBytes(hs []events.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// VerifyInclusion checks that the event with hash eventHash is leaf index
// of the tree of the given size whose root is root. It returns a
// *ProofError, which unwraps to ErrBadProof, when it is not. It is pure and
// safe for concurrent use.
func VerifyInclusion(eventHash events.Hash, index, size uint64, proofHashes []events.Hash, root events.Hash) error {
	leaf := LeafHash(eventHash)
	if err := proof.VerifyInclusion(hasher, index, size, leaf[:], toBytes(proofHashes), root[:]); err != nil {
		return &ProofError{Kind: "inclusion", Index: index, Size2: size, Reason: reason(err)}
	}
	return nil
}

// VerifyConsistency checks that the tree of size1 leaves with root root1 is
// a prefix of the tree of size2 leaves with root root2: the log was only
// appended to between the two. It returns a *ProofError, which unwraps to
// ErrBadProof, when it is not. It is pure and safe for concurrent use.
func VerifyConsistency(size1, size2 uint64, proofHashes []events.Hash, root1, root2 events.Hash) error {
	if err := proof.VerifyConsistency(hasher, size1, size2, toBytes(proofHashes), root1[:], root2[:]); err != nil {
		return &ProofError{Kind: "consistency", Size1: size1, Size2: size2, Reason: reason(err)}
	}
	return nil
}

// reason words a verifier's error, with roots in hex.
func reason(err error) string {
	var rm proof.RootMismatchError
	if errors.As(err, &rm) {
		return fmt.Sprintf("the proof leads to root %x, not to the expected root %x", rm.CalculatedRoot, rm.ExpectedRoot)
	}
	return err.Error()
}

// MemNodeStore is a NodeStore in memory, for tests and tools. The zero
// value is ready to use; it is safe for concurrent use.
type MemNodeStore struct {
	mu sync.RWMutex
	m  map[string][]byte
}

var _ NodeStore = (*MemNodeStore)(nil)

// Get returns a copy of the value stored under key.
func (s *MemNodeStore) Get(_ context.Context, key []byte) ([]byte, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.m[string(key)]
	if !ok {
		return nil, false, nil
	}
	return append([]byte(nil), v...), true, nil
}

// PutMany stores copies of values[i] under keys[i] for every i.
func (s *MemNodeStore) PutMany(_ context.Context, keys, values [][]byte) error {
	if len(keys) != len(values) {
		return fmt.Errorf("integrity: mem node store: %d keys, %d values", len(keys), len(values))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string][]byte, len(keys))
	}
	for i := range keys {
		s.m[string(keys[i])] = append([]byte(nil), values[i]...)
	}
	return nil
}

// Len returns the number of keys stored.
func (s *MemNodeStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}
