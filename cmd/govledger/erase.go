package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
)

const eraseDoc = `
Crypto-shreds a citizen: appends subject.erased for the subject to
registry/subjects and deletes the subject's key, so that every description,
address and comment sealed under it can never be read again (govledger show
prints [erased]) while every hash and chain still verifies. New events
naming the subject are refused. Erasing a subject twice is refused (exit 3),
but the key is deleted all the same.`

func runErase(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "erase", "<subject>", eraseDoc)
	dir := dirFlag(fs)
	reason := fs.String("reason", "", "why the subject is erased (required)")
	actor := fs.String("actor", "dpo", "staff id of who orders the erasure")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("erase takes one subject id")
	}
	if *reason == "" {
		return usageErr("--reason is required")
	}
	if loc, err := parseLocation(*dir); err != nil {
		return err
	} else if _, err := os.Stat(loc.path); !loc.cluster && errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no ledger at %s (pass --dir)", *dir)
	}
	l, s, err := openLedger(ctx, *dir, ledger.Config{}, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	subject := fs.Arg(0)
	res, err := l.EraseSubject(ctx, subject, *reason, events.Actor{Kind: events.ActorStaff, ID: *actor})
	if err != nil {
		if errors.Is(err, ledger.ErrRule) || errors.Is(err, events.ErrInvalid) {
			return withCode(exitRefused, err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "erased %s: subject.erased at position %d, key deleted\n", subject, res.Positions[0])
	return nil
}
