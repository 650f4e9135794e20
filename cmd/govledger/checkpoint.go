package main

import (
	"context"
	"fmt"
	"os"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store"
)

const checkpointDoc = `
Signs the ledger's current state and prints the signed checkpoint: a
transparency-log checkpoint (origin, tree size, Merkle root) in the
signed-note format (ed25519), which the ledger also keeps. Publish it:
anyone holding it and the verifier key (govledger key) can later prove
that the ledger still holds those events unchanged (verify --checkpoint),
that one event is among them (prove inclusion), and that a later
checkpoint only appended to it (prove consistency).

The first checkpoint creates the ledger's key pair if it has none:
checkpoint.key (secret, mode 0600) and checkpoint.pub in the ledger
directory. Before signing, the Merkle log is checked against the last
checkpoint the ledger signed; a ledger whose log no longer leads to it is
refused (exit 4).`

func runCheckpoint(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "checkpoint", "", checkpointDoc)
	dir := dirFlag(fs)
	out := fs.String("out", "", "also write the signed checkpoint to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("checkpoint takes no arguments")
	}
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	k, err := startMerkle(ctx, s)
	if err != nil {
		return err
	}
	defer k.Close(ctx)
	c, note, err := signLedgerCheckpoint(ctx, *dir, s, k)
	if err != nil {
		return err
	}
	size, root := c.Size, c.Root
	if *out != "" {
		if err := writeFileAtomic(*out, note, 0o644); err != nil {
			return err
		}
	}
	_, err = e.stdout.Write(note)
	if err == nil && *out != "" {
		fmt.Fprintf(e.stderr, "checkpoint: %d events, root %s, written to %s\n", size, root, *out)
	}
	return err
}

// storedNames names stored checkpoints in messages.
func storedNames(notes [][]byte) []string {
	names := make([]string, len(notes))
	for i := range notes {
		names[i] = fmt.Sprintf("#%d kept by the ledger", i+1)
	}
	return names
}

// keyName is the name (the origin) of a signed-note key.
func keyName(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] == '+' {
			return key[:i]
		}
	}
	return key
}

const keyDoc = `
Prints the ledger's checkpoint verifier key (origin+hash+ed25519 key, the
signed-note format). Publish it with the checkpoints: it is what
inspectors pass as --key. The ledger's first checkpoint creates it.`

func runKey(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "key", "", keyDoc)
	dir := dirFlag(fs)
	out := fs.String("out", "", "also write the verifier key to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("key takes no arguments")
	}
	if _, err := os.Stat(localDir(*dir)); err != nil {
		return fmt.Errorf("no ledger at %s", *dir)
	}
	_, vkey, err := ledgerKey(*dir)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := writeFileAtomic(*out, []byte(vkey+"\n"), 0o644); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(e.stdout, vkey)
	return err
}

// signLedgerCheckpoint signs a checkpoint of the ledger at its head and
// keeps it, creating the key pair if the ledger has none. It refuses when
// the Merkle log no longer leads to the last checkpoint the ledger signed.
func signLedgerCheckpoint(ctx context.Context, dir string, s store.Store, k *ledger.MerkleKeeper) (integrity.Checkpoint, []byte, error) {
	var c integrity.Checkpoint
	vkey, err := ensureKey(dir)
	if err != nil {
		return c, nil, err
	}
	skey, _, err := ledgerKey(dir)
	if err != nil {
		return c, nil, err
	}
	size, err := k.CatchUp(ctx)
	if err != nil {
		return c, nil, err
	}
	log := k.Log()
	notes, err := storedCheckpoints(ctx, s)
	if err != nil {
		return c, nil, err
	}
	prev, err := parseCheckpoints(notes, storedNames(notes), vkey)
	if err != nil {
		return c, nil, err
	}
	if len(prev) > 0 {
		last := prev[len(prev)-1]
		if last.Size > size {
			return c, nil, withCode(exitTampered, fmt.Errorf("the ledger holds %d events but its checkpoint of %s signed %d: events are gone", size, last.Origin, last.Size))
		}
		root, err := log.Root(ctx, last.Size)
		if err != nil {
			return c, nil, err
		}
		if root != last.Root {
			return c, nil, withCode(exitTampered, fmt.Errorf("the Merkle log's root at size %d is %s, the ledger signed %s: the first %d events changed since; run govledger verify",
				last.Size, root, last.Root, last.Size))
		}
	}
	root, err := log.Root(ctx, size)
	if err != nil {
		return c, nil, err
	}
	c = integrity.Checkpoint{Origin: keyName(vkey), Size: size, Root: root}
	note, err := integrity.SignCheckpoint(skey, c)
	if err != nil {
		return c, nil, err
	}
	if err := saveCheckpoint(ctx, s, c, note); err != nil {
		return c, nil, err
	}
	return c, note, nil
}
