package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/govledger/govledger/projections"
)

const projectionsDoc = `
Lists the registered projections and brings each up to the ledger's head
from its checkpoint: name and version, the position it stands at, its last
checkpoint, and the SHA-256 digest of its state there (its fingerprint:
the same ledger always gives the same digest). A projection rebuilt from
position 0 says why (a new version, another policy, an unreadable
checkpoint). A projection stopped by an error names the position.`

func runProjections(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "projections", "", projectionsDoc)
	dir := dirFlag(fs)
	opt := optionFlags(fs)
	format := fs.String("format", "table", "table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("projections takes no arguments")
	}
	if *format != "table" && *format != "json" {
		return usageErr("--format %q: want table or json", *format)
	}
	reg, err := builtins(*opt)
	if err != nil {
		return usageErr("%v", err)
	}
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	r, runErr := catchUp(ctx, s, reg.All()...)
	if r == nil {
		return runErr
	}
	if runErr != nil && !errors.Is(runErr, projections.ErrApply) {
		return runErr
	}
	warm(ctx, s, r, reg.All())
	st := r.Status()
	if *format == "json" {
		if err := writeJSON(e.stdout, st); err != nil {
			return err
		}
	} else {
		cols := []projections.Column{{Kind: projections.KindText}, {Kind: projections.KindText}, {}, {}, {Kind: projections.KindText}, {Kind: projections.KindText}}
		rows := [][]string{{"name", "version", "position", "checkpoint", "digest", "status"}}
		for _, s := range st {
			status := "ok"
			switch {
			case s.Err != nil:
				status = s.Error
			case s.Rebuilt != "":
				status = "rebuilt: " + s.Rebuilt
			}
			rows = append(rows, []string{s.Name, fmt.Sprintf("v%d", s.Version), fmt.Sprint(s.Position), fmt.Sprint(s.Checkpoint), s.Digest, status})
		}
		writeAligned(e.stdout, cols, rows)
	}
	if runErr != nil {
		return runErr
	}
	return nil
}
