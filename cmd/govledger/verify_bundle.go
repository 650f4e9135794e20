package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/govledger/govledger/bundle"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/replay"
)

// verifyBundle is verify --bundle: the copy in dir is verified without
// the original ledger. The trust anchor is keyArg (a verifier key or a
// file holding one); without it, the key that came with the bundle.
func verifyBundle(ctx context.Context, e *env, dir, keyArg string, files []string, max int) error {
	b, err := bundle.Open(dir)
	if err != nil {
		return err
	}
	key := b.VerifierKey()
	if keyArg != "" {
		if key, err = readVerifier(keyArg); err != nil {
			return err
		}
		if keyName(key) != b.Origin() {
			return withCode(exitCheckpoint, fmt.Errorf("%w: --key is the key of %s, the bundle is of %s",
				integrity.ErrWrongOrigin, keyName(key), b.Origin()))
		}
		if key != b.VerifierKey() {
			fmt.Fprintf(e.stdout, "note: the bundle's checkpoint.pub differs from --key; checking against --key\n")
		}
	} else {
		fmt.Fprintf(e.stdout, "WARNING: no --key given: checkpoints are checked against checkpoint.pub, which came\n"+
			"  with the bundle. Compare it with the key the ledger's operator published:\n  %s\n", key)
	}
	cps, err := b.ParseCheckpoints(key)
	var cfe *bundle.CheckpointFileError
	if errors.As(err, &cfe) {
		return withCode(exitCheckpoint, fmt.Errorf("checkpoint %s refused: %w", cfe.File, cfe.Err))
	}
	if err != nil {
		return err
	}
	for _, f := range files {
		note, err := readLimited(f, integrity.MaxCheckpointBytes)
		if err == nil {
			var c integrity.Checkpoint
			if c, err = integrity.ParseCheckpoint(note, key); err == nil {
				cps = append(cps, c)
				continue
			}
		}
		return withCode(exitCheckpoint, fmt.Errorf("checkpoint %s refused: %w", f, err))
	}
	// The transfer digest is read beside the verification, on the other core.
	type digest struct {
		sum string
		err error
	}
	dc := make(chan digest, 1)
	go func() {
		s, err := b.EventsSHA256(ctx)
		dc <- digest{s, err}
	}()
	m := b.Manifest()
	fmt.Fprintf(e.stdout, "bundle: %s (origin %s, %d checkpoint(s), written by %s)\n", dir, b.Origin(), len(cps), m.CreatedBy)
	rep, err := verifyAndPrint(ctx, b, e.stdout, max, replay.VerifyOptions{Checkpoints: cps}, nil)
	if err != nil {
		return err
	}
	if d := <-dc; d.err != nil {
		return d.err
	} else if d.sum != m.EventsSHA256 {
		fmt.Fprintf(e.stdout, "note: events.jsonl does not hash to bundle.json's events_sha256 (damaged in transfer, or edited)\n")
	}
	if len(cps) == 0 {
		fmt.Fprintln(e.stdout, "note: the bundle holds no signed checkpoint: only its own consistency was checked, which a forger can also produce")
	}
	return verdict(rep)
}
