package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections/casetrace"
	"github.com/govledger/govledger/store"
)

const traceDoc = `
Prints the case trace (减留痕): the complete timeline of one case,
generated from its events so that nobody keeps it by hand — every step
with its local time and actor, who held the case and for how long, each
transfer and return with its reason code, the deadline (policy, holidays,
extensions) and whether it was met. An open case is measured to the time of
the ledger's latest event. It reads only the case's own stream.

--format json prints the same trace as JSON.`

var errStopRead = errors.New("stop")

func runTrace(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "trace", "<case-id>", traceDoc)
	dir := dirFlag(fs)
	opt := optionFlags(fs)
	format := fs.String("format", "text", "text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("trace takes one case id")
	}
	if *format != "text" && *format != "json" {
		return usageErr("--format %q: want text or json", *format)
	}
	rules, err := opt.load()
	if err != nil {
		return usageErr("%v", err)
	}
	id := strings.TrimPrefix(fs.Arg(0), events.StreamCase+"/")
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	var evs []events.Event
	err = s.ReadStream(ctx, events.CaseStream(id), 0, func(r store.Record) error {
		ev := r.Event
		ev.Data = append([]byte(nil), ev.Data...)
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return withCode(exitNotFound, fmt.Errorf("no case %s", id))
	}
	t, err := casetrace.BuildWith(rules, evs)
	if err != nil {
		return err
	}
	// An open case is measured to the ledger's latest event.
	head, err := s.Head(ctx)
	if err != nil {
		return err
	}
	err = s.ReadAll(ctx, head, func(r store.Record) error {
		t.Extend(r.Event.OccurredAt)
		return errStopRead
	})
	if err != nil && !errors.Is(err, errStopRead) {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, t)
	}
	return t.WriteText(e.stdout)
}
