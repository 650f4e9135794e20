package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/govledger/govledger/bundle"
	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

const proveDoc = `
Proofs an outsider can check against the ledger's signed checkpoints.

  prove inclusion <event-id|position> [--checkpoint FILE] [--key VERIFIER]
      proves that one event is in the ledger a signed checkpoint covers:
      an RFC 6962 inclusion proof from the event's hash to the signed
      root. Without --checkpoint, the latest checkpoint the ledger keeps.
  prove consistency OLD NEW
      proves that the ledger at checkpoint NEW only appended to the
      ledger at checkpoint OLD: an RFC 6962 consistency proof. OLD and NEW
      are checkpoint files, or tree sizes of checkpoints the ledger keeps.
  prove check PROOF --key VERIFIER
      checks a proof written by the two commands above, without the
      ledger: the checkpoint signatures against VERIFIER, then the proof
      against the signed roots. Exit 0 when it holds, 4 when it does not,
      6 when a checkpoint is refused.

Both take --bundle DIR to work on an export bundle instead of the ledger
(its Merkle log is then built in memory, 32 bytes per event).

A proof is a JSON document (format govledger-proof/1) carrying the
signed checkpoints it rests on, so that whoever holds it and the
ledger's verifier key can check it (with this command or any RFC 6962
implementation: leaf hash = SHA-256(0x00 || event hash)).`

// proofDoc is the proof document.
type proofDoc struct {
	Format string `json:"format"`
	Kind   string `json:"kind"` // "inclusion" or "consistency"
	Origin string `json:"origin"`
	// Inclusion.
	Checkpoint string     `json:"checkpoint,omitempty"` // signed note
	TreeSize   uint64     `json:"tree_size,omitempty"`
	Root       string     `json:"root,omitempty"`
	Position   uint64     `json:"position,omitempty"`
	LeafIndex  *uint64    `json:"leaf_index,omitempty"`
	Event      *proofEvnt `json:"event,omitempty"`
	LeafHash   string     `json:"leaf_hash,omitempty"`
	// Consistency.
	Old *proofTree `json:"old,omitempty"`
	New *proofTree `json:"new,omitempty"`
	// Both.
	Proof []string `json:"proof"`
}

type proofEvnt struct {
	ID      string `json:"id"`
	Stream  string `json:"stream"`
	Version uint64 `json:"version"`
	Type    string `json:"type"`
	Hash    string `json:"hash"`
}

type proofTree struct {
	Checkpoint string `json:"checkpoint,omitempty"`
	Size       uint64 `json:"size"`
	Root       string `json:"root"`
}

const proofFormat = "govledger-proof/1"

func runProve(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fs := newFlags(e, "prove", "inclusion|consistency|check ...", proveDoc)
		dirFlag(fs)
		return parse(fs, []string{"--help"})
	}
	switch args[0] {
	case "inclusion":
		return runProveInclusion(ctx, e, args[1:])
	case "consistency":
		return runProveConsistency(ctx, e, args[1:])
	case "check":
		return runProveCheck(ctx, e, args[1:])
	}
	return usageErr("prove %q: want inclusion, consistency or check (see govledger prove --help)", args[0])
}

// proofLedger is an open ledger (or bundle) with its Merkle log at the
// head and its verifier key.
type proofLedger struct {
	src    replay.Source
	log    *integrity.Log
	notes  [][]byte // the signed checkpoints it keeps
	vkey   string
	origin string
	lookup func(ctx context.Context, id ulid.ULID) (store.Record, bool, error)
	close  func()
}

func openProofLedger(ctx context.Context, e *env, dir, bundleDir, keyArg string) (*proofLedger, error) {
	if bundleDir != "" {
		return openProofBundle(ctx, e, bundleDir, keyArg)
	}
	s, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	vkey := ""
	if keyArg != "" {
		vkey, err = readVerifier(keyArg)
	} else {
		_, vkey, err = ledgerKey(dir)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	k, err := startMerkle(ctx, s)
	if err != nil {
		s.Close()
		return nil, err
	}
	notes, err := storedCheckpoints(ctx, s)
	if err != nil {
		k.Close(ctx)
		s.Close()
		return nil, err
	}
	return &proofLedger{src: s, log: k.Log(), notes: notes, vkey: vkey, origin: keyName(vkey), lookup: s.Lookup,
		close: func() { k.Close(ctx); s.Close() }}, nil
}

// openProofBundle builds the Merkle log of a bundle in memory: one pass
// over its events (32 bytes per event, plus the nodes from level 4 up).
func openProofBundle(ctx context.Context, e *env, dir, keyArg string) (*proofLedger, error) {
	b, err := bundle.Open(dir)
	if err != nil {
		return nil, err
	}
	vkey := b.VerifierKey()
	if keyArg != "" {
		if vkey, err = readVerifier(keyArg); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintf(e.stderr, "WARNING: no --key given: checkpoints are checked against the bundle's own checkpoint.pub\n")
	}
	var hashes []events.Hash
	err = b.ReadAll(ctx, 1, func(r store.Record) error {
		if r.Position != uint64(len(hashes))+1 {
			return fmt.Errorf("bundle %s: position %d follows %d: run govledger verify --bundle", dir, r.Position, len(hashes))
		}
		hashes = append(hashes, r.Event.Hash)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w (run govledger verify --bundle %s)", err, dir)
	}
	leaves := func(_ context.Context, from uint64, n int) ([]events.Hash, error) {
		if from+uint64(n) > uint64(len(hashes)) {
			return nil, fmt.Errorf("leaves %d..%d beyond the bundle's %d events", from, from+uint64(n), len(hashes))
		}
		return hashes[from : from+uint64(n)], nil
	}
	log, err := integrity.OpenLogConfig(ctx, &integrity.MemNodeStore{}, integrity.LogConfig{Leaves: leaves, SkipLevels: ledger.MerkleSkipLevels})
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(hashes); i += 1 << 16 {
		if err := log.Append(ctx, hashes[i:min(i+1<<16, len(hashes))]...); err != nil {
			return nil, err
		}
	}
	lookup := func(ctx context.Context, id ulid.ULID) (store.Record, bool, error) {
		var out store.Record
		found := false
		err := b.ReadAll(ctx, 1, func(r store.Record) error {
			if r.Event.ID != id {
				return nil
			}
			out, found = r, true
			out.Event.Data = append([]byte(nil), r.Event.Data...)
			return errStopScan
		})
		if err != nil && !errors.Is(err, errStopScan) {
			return out, false, err
		}
		return out, found, nil
	}
	return &proofLedger{src: b, log: log, notes: b.Checkpoints(), vkey: vkey, origin: keyName(vkey), lookup: lookup, close: func() {}}, nil
}

func (p *proofLedger) Close(context.Context) { p.close() }

// checkpoint resolves a checkpoint argument: a file, a tree size of a
// checkpoint the ledger keeps, or "" for the latest one it keeps. The
// ledger's log must lead to its root.
func (p *proofLedger) checkpoint(ctx context.Context, arg string) (integrity.Checkpoint, []byte, error) {
	var note []byte
	name := arg
	if size, err := strconv.ParseUint(arg, 10, 64); arg == "" || err == nil {
		notes := p.notes
		cs, err := parseCheckpoints(notes, storedNames(notes), p.vkey)
		if err != nil {
			return integrity.Checkpoint{}, nil, err
		}
		for i, c := range cs {
			if arg == "" || c.Size == size {
				note, name = notes[i], fmt.Sprintf("kept by the ledger at size %d", c.Size)
			}
		}
		if note == nil && arg == "" {
			return integrity.Checkpoint{}, nil, withCode(exitNotFound, errors.New("the ledger keeps no checkpoint yet: run govledger checkpoint, or pass --checkpoint FILE"))
		}
		if note == nil {
			return integrity.Checkpoint{}, nil, withCode(exitNotFound, fmt.Errorf("the ledger keeps no checkpoint of size %d", size))
		}
	} else {
		note, err = os.ReadFile(arg)
		if err != nil {
			return integrity.Checkpoint{}, nil, err
		}
	}
	cs, err := parseCheckpoints([][]byte{note}, []string{name}, p.vkey)
	if err != nil {
		return integrity.Checkpoint{}, nil, err
	}
	c := cs[0]
	log := p.log
	if c.Size > log.Size() {
		return c, nil, withCode(exitTampered, fmt.Errorf("checkpoint %s covers %d events, the ledger holds %d: events are gone", name, c.Size, log.Size()))
	}
	root, err := log.Root(ctx, c.Size)
	if err != nil {
		return c, nil, err
	}
	if root != c.Root {
		return c, nil, withCode(exitTampered, fmt.Errorf("checkpoint %s signs root %s for %d events, the ledger's Merkle log has %s: the ledger no longer holds what was signed (run govledger verify --checkpoint)",
			name, c.Root, c.Size, root))
	}
	return c, note, nil
}

func runProveInclusion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "prove inclusion", "<event-id|position>", proveDoc)
	dir := dirFlag(fs)
	bundleDir := bundleFlag(fs)
	cpArg := fs.String("checkpoint", "", "signed checkpoint file (default: the latest the ledger keeps)")
	keyArg := fs.String("key", "", "verifier key or a file holding it (default: the ledger's checkpoint.pub)")
	out := fs.String("out", "", "write the proof to this file instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("prove inclusion takes one event id or position")
	}
	p, err := openProofLedger(ctx, e, *dir, *bundleDir, *keyArg)
	if err != nil {
		return err
	}
	defer p.Close(ctx)
	c, note, err := p.checkpoint(ctx, *cpArg)
	if err != nil {
		return err
	}
	rec, err := p.findEvent(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	// The proof is for the event's hash: it says nothing of the event
	// unless the event's bytes still hash to it.
	if got := events.HashBody(events.AppendBody(nil, &rec.Event)); got != rec.Event.Hash {
		return withCode(exitTampered, &integrity.Finding{Kind: integrity.HashMismatch, Position: rec.Position,
			Stream: rec.Event.Stream, Version: rec.Event.Version,
			Expected: "bytes hashing to " + rec.Event.Hash.String() + " (the sealed hash)", Actual: "bytes hashing to " + got.String()})
	}
	if rec.Position > c.Size {
		return withCode(exitNotFound, fmt.Errorf("event at position %d is after the checkpoint's %d events: sign a newer checkpoint", rec.Position, c.Size))
	}
	idx := rec.Position - 1
	hashes, err := p.log.InclusionProof(ctx, idx, c.Size)
	if err != nil {
		return err
	}
	if err := integrity.VerifyInclusion(rec.Event.Hash, idx, c.Size, hashes, c.Root); err != nil {
		// The stored log still leads to the signed root, but the event
		// now at this position is not the one that was signed there.
		return withCode(exitTampered, &integrity.Finding{Kind: integrity.RootMismatch, Position: rec.Position,
			Stream: rec.Event.Stream, Version: rec.Event.Version,
			Expected: fmt.Sprintf("an event whose hash leads to root %s, signed by %s for %d events", c.Root, c.Origin, c.Size),
			Actual:   fmt.Sprintf("hash %s, which does not: this is not the event that was signed at position %d (run govledger verify --checkpoint)", rec.Event.Hash, rec.Position)})
	}
	leaf := integrity.LeafHash(rec.Event.Hash)
	doc := proofDoc{Format: proofFormat, Kind: "inclusion", Origin: c.Origin, Checkpoint: string(note),
		TreeSize: c.Size, Root: c.Root.String(), Position: rec.Position, LeafIndex: &idx,
		Event: &proofEvnt{ID: rec.Event.ID.String(), Stream: rec.Event.Stream, Version: rec.Event.Version,
			Type: rec.Event.Type, Hash: rec.Event.Hash.String()},
		LeafHash: leaf.String(), Proof: hexes(hashes)}
	return writeProof(e, doc, *out)
}

// findEvent finds an event by ULID or by global position.
func (p *proofLedger) findEvent(ctx context.Context, arg string) (store.Record, error) {
	s := p.src
	if pos, err := strconv.ParseUint(arg, 10, 64); err == nil {
		head, err := s.Head(ctx)
		if err != nil {
			return store.Record{}, err
		}
		if pos == 0 || pos > head {
			return store.Record{}, withCode(exitNotFound, fmt.Errorf("no event at position %d (the ledger holds 1..%d)", pos, head))
		}
		var out store.Record
		err = s.ReadAll(ctx, pos, func(r store.Record) error {
			out = r
			out.Event.Data = append([]byte(nil), r.Event.Data...)
			return errStopScan
		})
		if err != nil && !errors.Is(err, errStopScan) {
			return store.Record{}, err
		}
		return out, nil
	}
	id, err := ulid.ParseStrict(arg)
	if err != nil {
		return store.Record{}, usageErr("%q is neither a position nor an event id (ULID): %v", arg, err)
	}
	r, ok, err := p.lookup(ctx, id)
	if err != nil {
		return store.Record{}, err
	}
	if !ok {
		return store.Record{}, withCode(exitNotFound, fmt.Errorf("no event with id %s", id))
	}
	return r, nil
}

func runProveConsistency(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "prove consistency", "OLD NEW", proveDoc)
	dir := dirFlag(fs)
	bundleDir := bundleFlag(fs)
	keyArg := fs.String("key", "", "verifier key or a file holding it (default: the ledger's checkpoint.pub)")
	out := fs.String("out", "", "write the proof to this file instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErr("prove consistency takes two checkpoints (files or tree sizes)")
	}
	p, err := openProofLedger(ctx, e, *dir, *bundleDir, *keyArg)
	if err != nil {
		return err
	}
	defer p.Close(ctx)
	c1, n1, err := p.checkpoint(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	c2, n2, err := p.checkpoint(ctx, fs.Arg(1))
	if err != nil {
		return err
	}
	if c1.Size > c2.Size {
		return usageErr("OLD covers %d events, NEW %d: give the older checkpoint first", c1.Size, c2.Size)
	}
	hashes, err := p.log.ConsistencyProof(ctx, c1.Size, c2.Size)
	if err != nil {
		return err
	}
	if err := integrity.VerifyConsistency(c1.Size, c2.Size, hashes, c1.Root, c2.Root); err != nil {
		return withCode(exitTampered, err)
	}
	doc := proofDoc{Format: proofFormat, Kind: "consistency", Origin: c2.Origin,
		Old:   &proofTree{Checkpoint: string(n1), Size: c1.Size, Root: c1.Root.String()},
		New:   &proofTree{Checkpoint: string(n2), Size: c2.Size, Root: c2.Root.String()},
		Proof: hexes(hashes)}
	return writeProof(e, doc, *out)
}

func hexes(hs []events.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

func writeProof(e *env, doc proofDoc, out string) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out != "" {
		return writeFileAtomic(out, b, 0o644)
	}
	_, err = e.stdout.Write(b)
	return err
}

// maxProofBytes bounds a proof document: two checkpoints and 128 hashes
// fit in a few kilobytes.
const maxProofBytes = 64 << 10

func runProveCheck(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "prove check", "PROOF", proveDoc)
	keyArg := fs.String("key", "", "the ledger's verifier key or a file holding it (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *keyArg == "" {
		return usageErr("prove check takes one proof file and --key")
	}
	vkey, err := readVerifier(*keyArg)
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxProofBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > maxProofBytes {
		return fmt.Errorf("proof %s is over %d bytes", fs.Arg(0), maxProofBytes)
	}
	var doc proofDoc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("proof %s: %w", fs.Arg(0), err)
	}
	if doc.Format != proofFormat {
		return fmt.Errorf("proof %s: format %q, want %q", fs.Arg(0), doc.Format, proofFormat)
	}
	hashes, err := parseHexes(doc.Proof)
	if err != nil {
		return fmt.Errorf("proof %s: %w", fs.Arg(0), err)
	}
	signed := func(note string, size uint64, root, what string) (integrity.Checkpoint, error) {
		c, err := integrity.ParseCheckpoint([]byte(note), vkey)
		if err != nil {
			return c, withCode(exitCheckpoint, fmt.Errorf("%s checkpoint refused: %w", what, err))
		}
		if c.Size != size || c.Root.String() != root {
			return c, withCode(exitTampered, fmt.Errorf("the proof's %s tree (size %d, root %s) is not the signed one (size %d, root %s)", what, size, root, c.Size, c.Root))
		}
		return c, nil
	}
	switch doc.Kind {
	case "inclusion":
		if doc.Event == nil || doc.LeafIndex == nil {
			return fmt.Errorf("proof %s: an inclusion proof needs event and leaf_index", fs.Arg(0))
		}
		c, err := signed(doc.Checkpoint, doc.TreeSize, doc.Root, "the")
		if err != nil {
			return err
		}
		var h events.Hash
		if err := h.UnmarshalText([]byte(doc.Event.Hash)); err != nil {
			return fmt.Errorf("proof %s: event hash: %w", fs.Arg(0), err)
		}
		if err := integrity.VerifyInclusion(h, *doc.LeafIndex, c.Size, hashes, c.Root); err != nil {
			return withCode(exitTampered, err)
		}
		fmt.Fprintf(e.stdout, "prove check: OK: event %s (%s version %d, %s, hash %s) is event %d of the %d that %s signed (root %s)\n",
			doc.Event.ID, doc.Event.Stream, doc.Event.Version, doc.Event.Type, h, *doc.LeafIndex+1, c.Size, c.Origin, c.Root)
	case "consistency":
		if doc.Old == nil || doc.New == nil {
			return fmt.Errorf("proof %s: a consistency proof needs old and new", fs.Arg(0))
		}
		c1, err := signed(doc.Old.Checkpoint, doc.Old.Size, doc.Old.Root, "old")
		if err != nil {
			return err
		}
		c2, err := signed(doc.New.Checkpoint, doc.New.Size, doc.New.Root, "new")
		if err != nil {
			return err
		}
		if err := integrity.VerifyConsistency(c1.Size, c2.Size, hashes, c1.Root, c2.Root); err != nil {
			return withCode(exitTampered, err)
		}
		fmt.Fprintf(e.stdout, "prove check: OK: the ledger of %s at %d events (root %s) only appended to itself at %d events (root %s)\n",
			c2.Origin, c2.Size, c2.Root, c1.Size, c1.Root)
	default:
		return fmt.Errorf("proof %s: kind %q, want inclusion or consistency", fs.Arg(0), doc.Kind)
	}
	return nil
}

func parseHexes(ss []string) ([]events.Hash, error) {
	out := make([]events.Hash, len(ss))
	for i, s := range ss {
		if err := out[i].UnmarshalText([]byte(s)); err != nil {
			return nil, fmt.Errorf("proof hash %d: %w", i, err)
		}
	}
	return out, nil
}
