// Package replay reads a ledger back in global order and checks it on the
// way. It reads through Source, a small interface of its own (a live store
// or, later, an exported bundle), so it never needs the write side.
//
// Verify is the inspector's first question: was this ledger rewritten?
// Projection replays with cutoffs and manifests build on the same pass.
package replay

import (
	"context"
	"errors"
	"fmt"
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

// Verify checks every event of src up to its head: each hash covers the
// event's bytes, each stream chains with versions 0, 1, 2, ..., and
// positions run 1, 2, 3, ... with none missing at the end. Each finding is
// passed to onFinding (which may be nil) as it is found; the pass goes on
// after a finding so that every break is reported. An error is returned
// only when the source cannot be read.
func Verify(ctx context.Context, src Source, onFinding func(*integrity.Finding)) (Report, error) {
	start := time.Now()
	head, err := src.Head(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("replay: head: %w", err)
	}
	v := integrity.NewChainVerifier(1)
	report := func(f *integrity.Finding) {
		if onFinding != nil {
			onFinding(f)
		}
	}
	for from := uint64(1); from <= head; {
		err = src.ReadAll(ctx, from, func(r store.Record) error {
			if r.Position > head {
				return errStop
			}
			for _, f := range v.Check(r.Position, &r.Event) {
				report(f)
			}
			return nil
		})
		if err == nil || err == errStop {
			break
		}
		if !errors.Is(err, events.ErrCorrupt) {
			return Report{}, fmt.Errorf("replay: read: %w", err)
		}
		// The record at the next position does not decode: report it
		// and go on after it.
		pos := v.Next()
		report(&integrity.Finding{Kind: integrity.CorruptRecord, Position: pos,
			Expected: "a decodable event record", Actual: err.Error()})
		v.Skip(pos)
		from = pos + 1
	}
	rep := Report{Head: head, Events: v.Events(), Streams: v.Streams(), Findings: v.Findings(), Elapsed: time.Since(start)}
	if v.Next() <= head {
		f := &integrity.Finding{Kind: integrity.PositionGap, Position: v.Next(),
			Expected: fmt.Sprintf("events up to the head, position %d", head), Actual: fmt.Sprintf("the log ends at position %d", v.Next()-1)}
		rep.Findings++
		if onFinding != nil {
			onFinding(f)
		}
	}
	return rep, nil
}

type stopError struct{}

func (stopError) Error() string { return "stop" }

var errStop error = stopError{}
