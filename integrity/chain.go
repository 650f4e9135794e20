// Package integrity checks that a ledger was never rewritten: every event's
// hash covers its bytes, every stream is an unbroken hash chain with
// consecutive versions, and the global order has no gaps (ChainVerifier).
//
// Over the global order it keeps an RFC 6962 Merkle log of event hashes
// (Log, over a NodeStore), whose roots and inclusion and consistency proofs
// anyone can check with the pure VerifyInclusion and VerifyConsistency, and
// it signs and parses checkpoints (origin, size, root) in the
// transparency-log signed-note format, with ed25519 keys. It knows only
// package events; ledgers, stores and bundles feed it records in global
// order.
package integrity

import (
	"errors"
	"fmt"

	"github.com/govledger/govledger/events"
)

// ErrTampered is the sentinel every Finding unwraps to.
var ErrTampered = errors.New("integrity: ledger tampered")

// Finding kinds.
const (
	// HashMismatch: the stored hash is not SHA-256 of the event's bytes
	// (a byte was edited after sealing).
	HashMismatch = "hash-mismatch"
	// ChainBroken: an event's PrevHash is not the hash of the previous
	// event in its stream (an event was dropped, reordered, or re-hashed).
	ChainBroken = "chain-broken"
	// VersionGap: stream versions are not 0, 1, 2, ...
	VersionGap = "version-gap"
	// PositionGap: global positions are not 1, 2, 3, ...
	PositionGap = "position-gap"
	// CorruptRecord: the stored bytes at a position do not decode as an
	// event at all (they were edited or damaged).
	CorruptRecord = "corrupt-record"
	// RootMismatch: the events up to a signed checkpoint's size do not
	// hash to the root it signs. Every event may chain soundly and still
	// differ from what was signed: history was rewritten and re-hashed.
	RootMismatch = "root-mismatch"
	// Truncated: a signed checkpoint covers more events than the ledger
	// holds; events that were signed for are gone.
	Truncated = "truncated"
	// LogMismatch: the ledger's stored Merkle log does not agree with its
	// events, so proofs served from it would be wrong.
	LogMismatch = "merkle-log-mismatch"
)

// Finding is a piece of tamper evidence: where, what, and the hashes or
// numbers that disagree. It unwraps to ErrTampered.
type Finding struct {
	Kind     string
	Position uint64
	Stream   string
	Version  uint64
	Expected string // what the ledger should hold there
	Actual   string // what it holds
}

func (f *Finding) Error() string {
	return fmt.Sprintf("integrity: %s at position %d (%s version %d): expected %s, found %s",
		f.Kind, f.Position, f.Stream, f.Version, f.Expected, f.Actual)
}

// Unwrap returns ErrTampered.
func (f *Finding) Unwrap() error { return ErrTampered }

type head struct {
	version uint64
	hash    events.Hash
}

// ChainVerifier checks events fed to it in global order. The zero value is
// not usable; call NewChainVerifier. It is not safe for concurrent use.
type ChainVerifier struct {
	// streams maps a stream to its index in heads: one map lookup per
	// event, and no pointers for the collector to scan.
	streams  map[string]uint32
	heads    []head
	next     uint64 // next expected position
	events   uint64
	findings uint64
	scratch  []byte
}

// NewChainVerifier returns a verifier expecting position from (1 for a whole ledger).
func NewChainVerifier(from uint64) *ChainVerifier {
	if from == 0 {
		from = 1
	}
	return &ChainVerifier{streams: map[string]uint32{}, next: from}
}

// Events returns how many events were checked.
func (v *ChainVerifier) Events() uint64 { return v.events }

// Streams returns how many streams were seen.
func (v *ChainVerifier) Streams() int { return len(v.streams) }

// Findings returns how many findings were reported.
func (v *ChainVerifier) Findings() uint64 { return v.findings }

// Skip records that the event at position could not be read (a
// CorruptRecord finding made by the caller) and moves past it. The next
// event of its stream will not chain (its stream is unknown), which is
// reported when it comes.
func (v *ChainVerifier) Skip(position uint64) {
	v.next = position + 1
	v.findings++
}

// Next returns the position the verifier expects next.
func (v *ChainVerifier) Next() uint64 { return v.next }

// Check verifies one event at a global position and returns what it found
// (nil when the event is sound). After a finding the verifier resynchronises
// on the event as stored, so one edit yields one finding, not a cascade.
func (v *ChainVerifier) Check(position uint64, e *events.Event) []*Finding {
	v.scratch = events.AppendBody(v.scratch[:0], e)
	return v.CheckComputed(position, e, events.HashBody(v.scratch))
}

// CheckComputed is Check for a caller that has already computed the
// SHA-256 of e's canonical body (events.AppendBody), e.g. on another
// core: only e's Stream, Version, PrevHash and Hash are read.
func (v *ChainVerifier) CheckComputed(position uint64, e *events.Event, computed events.Hash) []*Finding {
	i, seen := v.streams[e.Stream]
	return v.check(position, e.Stream, nil, i, seen, e.Version, &e.PrevHash, &e.Hash, &computed)
}

// CheckView is CheckComputed for a stored record parsed with
// events.ParseRecordView: it allocates only for a stream seen first and
// for findings.
func (v *ChainVerifier) CheckView(position uint64, r *events.RecordView, computed events.Hash) []*Finding {
	i, seen := v.streams[string(r.Stream)]
	return v.check(position, "", r.Stream, i, seen, r.Version, &r.PrevHash, &r.Hash, &computed)
}

// check is the common body: the stream is given as stream, or as
// streamBytes when stream is "".
func (v *ChainVerifier) check(position uint64, stream string, streamBytes []byte, i uint32, seen bool,
	version uint64, prev, hash, computed *events.Hash) []*Finding {
	var out []*Finding
	add := func(f *Finding) {
		if stream == "" {
			stream = string(streamBytes)
		}
		f.Position, f.Stream, f.Version = position, stream, version
		out = append(out, f)
	}
	if position != v.next {
		add(&Finding{Kind: PositionGap, Expected: fmt.Sprint("position ", v.next), Actual: fmt.Sprint("position ", position)})
	}
	v.next = position + 1
	if *computed != *hash {
		add(&Finding{Kind: HashMismatch, Expected: "bytes hashing to " + hash.String() + " (the sealed hash)", Actual: "bytes hashing to " + computed.String()})
	}
	var h *head
	if seen {
		h = &v.heads[i]
	}
	switch {
	case !seen && version != 0:
		add(&Finding{Kind: VersionGap, Expected: "version 0 (first event of the stream)", Actual: fmt.Sprint("version ", version)})
	case seen && version != h.version+1:
		add(&Finding{Kind: VersionGap, Expected: fmt.Sprint("version ", h.version+1), Actual: fmt.Sprint("version ", version)})
	}
	want := events.ZeroHash
	if seen {
		want = h.hash
	}
	if *prev != want {
		add(&Finding{Kind: ChainBroken, Expected: "prev_hash " + want.String(), Actual: "prev_hash " + prev.String()})
	}
	if seen {
		h.version, h.hash = version, *hash
	} else {
		if stream == "" {
			stream = string(streamBytes)
		}
		v.streams[stream] = uint32(len(v.heads))
		v.heads = append(v.heads, head{version: version, hash: *hash})
	}
	v.events++
	v.findings += uint64(len(out))
	return out
}
