// Package replay reads a ledger back in global order and checks it on the
// way. It reads through Source, a small interface of its own (a live store
// or, later, an exported bundle), so it never needs the write side.
//
// Verify is the inspector's first question: was this ledger rewritten?
// Projection replays with cutoffs and manifests build on the same pass.
package replay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/store"
)

// Source is what replay needs of a ledger: its head and its events in
// global order. Every store.Store is a Source.
type Source interface {
	Head(ctx context.Context) (uint64, error)
	ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error
}

// Report is the outcome of a verification pass.
type Report struct {
	Head     uint64        // the source's head when the pass started
	Events   uint64        // events checked
	Streams  int           // streams seen
	Findings uint64        // tamper findings
	Elapsed  time.Duration // wall time of the pass
	// Root is the Merkle root recomputed over positions 1..Head.
	Root events.Hash
	// CheckpointsMatched counts the checkpoints whose signed root equals
	// the root recomputed at their size.
	CheckpointsMatched int
	// LogChecked is true when the ledger's stored Merkle log was compared
	// with the recomputed root (VerifyOptions.Log).
	LogChecked bool
}

// OK reports whether the pass found nothing.
func (r Report) OK() bool { return r.Findings == 0 }

// Rate is events checked per second.
func (r Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

// RootLog is what verification needs of a stored Merkle log: its size and
// its root at a size (*integrity.Log).
type RootLog interface {
	Size() uint64
	Root(ctx context.Context, size uint64) (events.Hash, error)
}

// RawSource is the optional capability of a Source to hand over each
// stored record's bytes (events.AppendRecord) undecoded, in position
// order, up to its head (*pebblestore.Store has it). Verification then
// hashes the bytes as stored instead of re-encoding decoded events.
type RawSource interface {
	ReadRecords(ctx context.Context, from uint64, fn func(position uint64, rec []byte) error) error
}

// VerifyOptions adds anchors to a verification pass.
type VerifyOptions struct {
	// Checkpoints are signed checkpoints of this ledger, already parsed
	// and signature-checked (integrity.ParseCheckpoint). The root
	// recomputed at each one's size must equal its signed root; one
	// larger than the ledger is a Truncated finding. Matching roots at
	// two sizes also prove the two checkpoints consistent: both were
	// recomputed from the same events.
	Checkpoints []integrity.Checkpoint
	// Log, if set, is the ledger's stored Merkle log, from which proofs
	// are served: its root at the head must equal the recomputed one.
	Log RootLog
	// OnFinding, if set, is called with each finding as it is found,
	// from one goroutine at a time (not necessarily the caller's).
	OnFinding func(*integrity.Finding)
}

// Verify checks every event of src up to its head: each hash covers the
// event's bytes, each stream chains with versions 0, 1, 2, ..., and
// positions run 1, 2, 3, ... with none missing at the end. Each finding is
// passed to onFinding (which may be nil) as it is found; the pass goes on
// after a finding so that every break is reported. An error is returned
// only when the source cannot be read.
func Verify(ctx context.Context, src Source, onFinding func(*integrity.Finding)) (Report, error) {
	return VerifyWith(ctx, src, VerifyOptions{OnFinding: onFinding})
}

// VerifyWith is Verify that also recomputes the Merkle root over the
// global order and checks it against signed checkpoints and the stored
// log (see VerifyOptions), in the same single pass.
func VerifyWith(ctx context.Context, src Source, opts VerifyOptions) (Report, error) {
	start := time.Now()
	head, err := src.Head(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("replay: head: %w", err)
	}
	v := integrity.NewChainVerifier(1)
	var extra uint64 // findings the chain verifier did not count
	report := func(f *integrity.Finding) {
		if opts.OnFinding != nil {
			opts.OnFinding(f)
		}
	}
	anchors := sortedCheckpoints(opts.Checkpoints)
	tree := integrity.NewTree()
	matched := 0
	lastGood := uint64(0) // the largest checkpoint size whose root matched
	// atSize checks the checkpoints of the tree's current size.
	atSize := func() {
		for len(anchors) > 0 && anchors[0].Size == tree.Size() {
			c := anchors[0]
			anchors = anchors[1:]
			if root := tree.Root(); root != c.Root {
				extra++
				report(&integrity.Finding{Kind: integrity.RootMismatch, Position: c.Size,
					Expected: fmt.Sprintf("root %s signed by %s for its first %d events", c.Root, c.Origin, c.Size),
					Actual: fmt.Sprintf("root %s recomputed from positions 1..%d: the events were changed after they were signed, somewhere in positions %d..%d",
						root, c.Size, lastGood+1, c.Size)})
				continue
			}
			matched++
			lastGood = c.Size
		}
	}
	atSize() // checkpoints of size 0

	_, isRaw := src.(RawSource)
	p := startPipeline(v, tree, isRaw, report, func(uint64) {
		if len(anchors) > 0 && anchors[0].Size == tree.Size() {
			atSize()
		}
	})
	next := uint64(1) // the position after the last one read
	if raw, ok := src.(RawSource); ok {
		// The stored bytes themselves are hashed: no decoding here.
		err = raw.ReadRecords(ctx, 1, func(pos uint64, rec []byte) error {
			if pos > head {
				return errStop
			}
			p.addRaw(pos, rec)
			return nil
		})
		if err == errStop {
			err = nil
		}
	}
	for from := uint64(1); from <= head && !isRaw; {
		err = src.ReadAll(ctx, from, func(r store.Record) error {
			if r.Position > head {
				return errStop
			}
			p.add(r.Position, &r.Event)
			next = r.Position + 1
			return nil
		})
		if err == nil || err == errStop {
			err = nil
			break
		}
		if !errors.Is(err, events.ErrCorrupt) {
			break
		}
		// Report it and go on after it.
		p.corrupt(next, err)
		next++
		from = next
		if from > head {
			err = nil // the record at the head was the bad one
		}
	}
	p.finish()
	if err != nil {
		return Report{}, fmt.Errorf("replay: read: %w", err)
	}
	rep := Report{Head: head, Events: v.Events(), Streams: v.Streams(), Root: tree.Root(), CheckpointsMatched: matched}
	if v.Next() <= head {
		extra++
		report(&integrity.Finding{Kind: integrity.PositionGap, Position: v.Next(),
			Expected: fmt.Sprintf("events up to the head, position %d", head), Actual: fmt.Sprintf("the log ends at position %d", v.Next()-1)})
	}
	for _, c := range anchors { // sizes the ledger does not reach
		extra++
		report(&integrity.Finding{Kind: integrity.Truncated, Position: tree.Size() + 1,
			Expected: fmt.Sprintf("%d events, signed by %s with root %s", c.Size, c.Origin, c.Root),
			Actual: fmt.Sprintf("the ledger ends at position %d: %d signed event(s) are gone (cut from the end, or dropped before it and the rest moved up)",
				tree.Size(), c.Size-tree.Size())})
	}
	if opts.Log != nil && tree.Size() == head {
		rep.LogChecked = true
		if opts.Log.Size() < head {
			extra++
			report(&integrity.Finding{Kind: integrity.LogMismatch, Position: opts.Log.Size() + 1,
				Expected: fmt.Sprintf("a Merkle log of %d leaves", head), Actual: fmt.Sprintf("the stored log holds %d", opts.Log.Size())})
		} else if root, err := opts.Log.Root(ctx, head); err != nil {
			extra++
			report(&integrity.Finding{Kind: integrity.LogMismatch, Position: head,
				Expected: "a readable Merkle log", Actual: err.Error()})
		} else if root != rep.Root {
			extra++
			f := &integrity.Finding{Kind: integrity.LogMismatch, Position: head,
				Expected: fmt.Sprintf("root %s recomputed from the events", rep.Root),
				Actual:   fmt.Sprintf("root %s in the stored Merkle log: proofs served from it would not match the events", root)}
			if nl, ok := opts.Log.(NodeLog); ok {
				// Narrow it down: the first stored node the events no
				// longer hash to.
				if loc, err := locate(ctx, src, nl, head); err == nil && loc != nil {
					f = loc
				}
			}
			report(f)
		}
	}
	rep.Findings = v.Findings() + extra
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// NodeLog is the optional capability of a RootLog to return the nodes it
// stored (*integrity.Log has it). When the events no longer lead to the
// stored root, verification reads the ledger again to find the first
// stored node they do not hash to, which pins the rewrite down to
// 2^StoredLevel events.
type NodeLog interface {
	RootLog
	StoredLevel() uint
	StoredNode(ctx context.Context, level uint, index uint64) (events.Hash, bool, error)
}

// locate finds the first node of log's lowest stored level that the
// events of src no longer hash to, and returns it as a finding (nil when
// every stored node matches).
func locate(ctx context.Context, src Source, log NodeLog, head uint64) (*integrity.Finding, error) {
	level := log.StoredLevel()
	tree := integrity.NewTree()
	var found *integrity.Finding
	var lookErr error
	tree.OnNode(func(l uint, index uint64, h *events.Hash) {
		if l != level || found != nil || lookErr != nil {
			return
		}
		stored, ok, err := log.StoredNode(ctx, level, index)
		if err != nil {
			lookErr = err
			return
		}
		if ok && stored != *h {
			first, last := index<<level+1, (index+1)<<level
			found = &integrity.Finding{Kind: integrity.LogMismatch, Position: first,
				Expected: fmt.Sprintf("events %d..%d hashing to Merkle node %s (level %d, index %d), as the log recorded them", first, last, stored, level, index),
				Actual:   fmt.Sprintf("they hash to %s: an event among positions %d..%d was changed after it was logged (and re-hashed, if no chain finding names it)", *h, first, last)}
		}
	})
	err := src.ReadAll(ctx, 1, func(r store.Record) error {
		if r.Position > head || found != nil || lookErr != nil {
			return errStop
		}
		tree.Add(r.Event.Hash)
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	return found, lookErr
}

// verifyBatchSize is how many events the reading stage hands over at once.
const verifyBatchSize = 1024

// verifyBatch is events read and encoded, waiting to be checked.
type verifyBatch struct {
	ents       []verifyEntry
	buf        []byte // the canonical bodies, back to back
	corrupt    uint64 // after ents, a position whose record does not decode (0: none)
	corruptErr error
	raw        bool // buf holds stored records (RawSource), not bodies
}

type verifyEntry struct {
	pos        uint64
	stream     string
	version    uint64
	prev, hash events.Hash
	end        int // where the event's body (or record) ends in buf
	// Set by the hasher: the SHA-256 of the body; for a stored record,
	// its chain fields (streamBytes points into buf), or why it does not
	// parse.
	computed    events.Hash
	streamBytes []byte
	err         error
}

// hash parses (stored records) and hashes the batch's events.
func (b *verifyBatch) hash(view *events.RecordView) {
	start := 0
	for i := range b.ents {
		x := &b.ents[i]
		data := b.buf[start:x.end]
		start = x.end
		if !b.raw {
			x.computed = events.HashBody(data)
			continue
		}
		if err := events.ParseRecordView(data, view); err != nil {
			x.err = err
			continue
		}
		x.streamBytes, x.version, x.prev, x.hash = view.Stream, view.Version, view.PrevHash, view.Hash
		x.computed = events.HashBody(view.Body)
	}
}

func (b *verifyBatch) add(pos uint64, e *events.Event) {
	b.buf = events.AppendBody(b.buf, e)
	b.ents = append(b.ents, verifyEntry{pos: pos, stream: e.Stream, version: e.Version, prev: e.PrevHash, hash: e.Hash, end: len(b.buf)})
}

func (b *verifyBatch) addRaw(pos uint64, rec []byte) {
	b.buf = append(b.buf, rec...)
	b.ents = append(b.ents, verifyEntry{pos: pos, end: len(b.buf)})
}

func (b *verifyBatch) reset() {
	b.ents, b.buf, b.corrupt, b.corruptErr, b.raw = b.ents[:0], b.buf[:0], 0, nil, false
}

// sortedCheckpoints returns the checkpoints by size, each distinct one
// once (the same checkpoint is often both kept by the ledger and given by
// the inspector).
func sortedCheckpoints(cs []integrity.Checkpoint) []integrity.Checkpoint {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b integrity.Checkpoint) int { return cmp.Compare(a.Size, b.Size) })
	return slices.CompactFunc(out, func(a, b integrity.Checkpoint) bool { return a == b })
}

type stopError struct{}

func (stopError) Error() string { return "stop" }

var errStop error = stopError{}
