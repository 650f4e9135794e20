package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// ImporterConfig configures an Importer. The zero value is ready to use.
type ImporterConfig struct {
	// InFlight is how many calls may be on their way to durability at
	// once. Default 4.
	InFlight int
	// OnDurable, if set, is called with each call's results once they are
	// durable, in the order the calls were made, from the goroutine that
	// calls Append or Close.
	OnDurable func([]Result)
	// OnRefused, if set, is called (in call order, from the same goroutine)
	// for a call that Append had accepted but that the ledger refused when
	// the store turned it back and it was checked again: an event ID
	// already stored with other content, or a call that depended on such a
	// call. err is the *RuleError. Without OnRefused such a refusal stops
	// the importer.
	OnRefused func(batches []Batch, err error)
}

// Importer appends a long sequence of calls from one goroutine, keeping
// several in flight: while the store makes call k durable, the importer
// checks and seals call k+1 against the state call k leaves. The rules,
// atomicity and idempotency are AppendAtomic's; only the waiting differs.
// Append returns once a call is checked and handed to the store; its
// results reach OnDurable when it is durable, and Close waits for the rest.
//
// A refused call (a *RuleError) writes nothing and leaves the importer
// usable. If the store fails a call it had accepted, the importer waits
// for the calls behind it, re-checks each call that did not land against
// the store, and re-appends it (an idempotent re-send of the calls that
// did land acknowledges them); an error that persists stops the importer.
//
// From its first Append until Close, other appends to the ledger wait:
// nobody else may see the states of calls not yet durable. So the
// goroutine using an importer must not append through the ledger directly
// until it has closed the importer. An Importer is not safe for concurrent
// use. On a store without the
// store.Pipeliner capability it appends one call at a time.
type Importer struct {
	l         *Ledger
	p         store.Pipeliner
	depth     int
	onDurable func([]Result)
	onRefused func([]Batch, error)

	flights []*flight
	held    bool  // holds l.gate exclusively
	err     error // sticky: the importer has stopped
}

// flight is a call handed to the store and not yet known durable.
type flight struct {
	batches []Batch
	s       *staged
	wait    func() ([]store.AppendResult, error)
}

// NewImporter returns an importer writing to l.
func (l *Ledger) NewImporter(cfg ImporterConfig) *Importer {
	if cfg.InFlight <= 0 {
		cfg.InFlight = 4
	}
	p, _ := l.st.(store.Pipeliner)
	return &Importer{l: l, p: p, depth: cfg.InFlight, onDurable: cfg.OnDurable, onRefused: cfg.OnRefused}
}

// Append checks one call (as AppendAtomic would) and hands it to the store.
func (im *Importer) Append(ctx context.Context, batches ...Batch) error {
	if im.err != nil {
		return im.err
	}
	if !im.held {
		im.l.gate.Lock()
		im.held = true
	}
	registry := false
	for _, b := range batches {
		if kind, _ := events.SplitStream(b.Stream); kind == events.StreamRegistry {
			registry = true
		}
	}
	if registry || im.p == nil || len(batches) == 0 {
		// Registry changes are not pipelined: later calls check against them.
		return im.appendNow(ctx, batches)
	}
	total := 0
	seen := make(map[string]bool, len(batches))
	for _, b := range batches {
		if len(b.Drafts) == 0 || seen[b.Stream] {
			return im.appendNow(ctx, batches) // let AppendAtomic say what is wrong
		}
		seen[b.Stream] = true
		total += len(b.Drafts)
	}
	c := newCall(batches, total)
	if err := c.prepare(ctx, im.l); err != nil {
		return err
	}
	s, again, err := im.l.stage(ctx, c, false)
	if err != nil {
		return err
	}
	if again == retryWithLookup && !im.inFlight(c) {
		// Something would be refused or is a re-send. None of the call's
		// IDs is in flight, so the store's answer for them is final:
		// decide now, without waiting for the calls in flight.
		s, again, err = im.l.stage(ctx, c, true)
		if err != nil {
			return err
		}
	}
	if again != noRetry {
		// A re-send of a call in flight, or a race: decide against the
		// store, with nothing in flight.
		return im.appendNow(ctx, batches)
	}
	return im.submit(ctx, s, batches)
}

// submit hands a staged call to the store and keeps it in flight.
func (im *Importer) submit(ctx context.Context, s *staged, batches []Batch) error {
	if len(s.appends) == 0 {
		im.deliver(s.results)
		return nil
	}
	wait := im.p.Submit(ctx, s.appends...)
	im.l.pin(s.appends, +1) // the store cannot give these states back until durable
	im.l.publish(s)         // speculative until the store confirms it
	im.flights = append(im.flights, &flight{batches: batches, s: s, wait: wait})
	for len(im.flights) > im.depth {
		if err := im.completeOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// AppendEach is Append for a call whose streams are independent of each
// other, such as the traces of an import: a stream the ledger refuses is
// left out and its *RuleError returned in refused, and the other streams
// are appended as one call. Each draft is prepared (sealed, validated,
// encoded) once however many streams are refused, and a refusal is
// decided by looking up the refused stream's IDs only, so that a call
// with many refusals costs little more than one without. err is a
// failure that stops the importer, or a refusal of a call AppendEach
// cannot split (a registry change, a malformed call), as Append returns
// it.
func (im *Importer) AppendEach(ctx context.Context, batches ...Batch) (refused []*RuleError, err error) {
	if im.err != nil {
		return nil, im.err
	}
	total := 0
	seen := make(map[string]bool, len(batches))
	for _, b := range batches {
		kind, _ := events.SplitStream(b.Stream)
		if kind == events.StreamRegistry || len(b.Drafts) == 0 || seen[b.Stream] || im.p == nil {
			return nil, im.Append(ctx, batches...)
		}
		seen[b.Stream] = true
		total += len(b.Drafts)
	}
	if len(batches) == 0 {
		return nil, nil
	}
	if !im.held {
		im.l.gate.Lock()
		im.held = true
	}
	c := newCall(batches, total)
	for {
		err := c.prepare(ctx, im.l)
		var re *RuleError
		if !errors.As(err, &re) {
			if err != nil {
				return refused, err
			}
			break
		}
		// A draft that does not validate: leave its stream out and
		// prepare the rest again (rare: the caller validates first).
		refused = append(refused, re)
		rest := without(c.batches, re.Stream)
		total = 0
		for _, b := range rest {
			total += len(b.Drafts)
		}
		c = newCall(rest, total)
		if len(c.batches) == 0 {
			return refused, nil
		}
	}
	c.skipSuspects = true
	for len(c.batches) > 0 {
		s, again, err := im.l.stage(ctx, c, false)
		if err != nil {
			return refused, err
		}
		if again == noRetry {
			return refused, im.submit(ctx, s, c.batches)
		}
		if again == retryWithLookup && len(c.suspects) > 0 {
			// Decide each suspect stream alone, against the store, unless
			// one of its IDs is in flight (then it may be a re-send of a
			// call not yet durable: ask with nothing in flight).
			drop := map[int]bool{}
			resend, inflight := false, false
			for _, bi := range c.suspects {
				one := c.subset(func(i int) bool { return i == bi })
				if im.inFlight(one) {
					inflight = true
					break
				}
				_, again1, err := im.l.stage(ctx, one, true)
				var re *RuleError
				switch {
				case errors.As(err, &re):
					refused = append(refused, re)
					drop[bi] = true
				case err != nil:
					return refused, err
				case again1 == noRetry:
					resend = true // alone it passes: a re-send, or it needs the others
				default:
					inflight = true // a race: decide with nothing in flight
				}
			}
			if !inflight {
				if len(drop) > 0 {
					c = c.subset(func(bi int) bool { return !drop[bi] })
				}
				if !resend {
					continue // stage the rest again, without lookups
				}
				s, again, err = im.l.stage(ctx, c, true)
				var re *RuleError
				if errors.As(err, &re) {
					refused = append(refused, re)
					c = c.dropStream(re.Stream)
					continue
				}
				if err != nil {
					return refused, err
				}
				if again == noRetry {
					return refused, im.submit(ctx, s, c.batches)
				}
			}
		}
		// In flight, or a race: decide against the store, with nothing in
		// flight, one refusal at a time.
		err = im.appendNow(ctx, c.batches)
		var re *RuleError
		if !errors.As(err, &re) {
			return refused, err
		}
		refused = append(refused, re)
		c = c.dropStream(re.Stream)
	}
	return refused, nil
}

// without returns batches without stream's.
func without(batches []Batch, stream string) []Batch {
	out := make([]Batch, 0, len(batches))
	for _, b := range batches {
		if b.Stream != stream {
			out = append(out, b)
		}
	}
	return out
}

// inFlight reports whether an event ID of c is in a call in flight.
func (im *Importer) inFlight(c *call) bool {
	if len(im.flights) == 0 {
		return false
	}
	ids := make(map[ulid.ULID]struct{}, len(c.prepared))
	for i := range c.prepared {
		ids[c.prepared[i].ID] = struct{}{}
	}
	for _, f := range im.flights {
		for _, b := range f.batches {
			for i := range b.Drafts {
				if _, ok := ids[b.Drafts[i].ID]; ok {
					return true
				}
			}
		}
	}
	return false
}

// appendNow drains the calls in flight and appends one call synchronously.
func (im *Importer) appendNow(ctx context.Context, batches []Batch) error {
	if err := im.drain(ctx); err != nil {
		return err
	}
	res, err := im.l.appendAtomic(ctx, batches...)
	if err != nil {
		var re *RuleError
		if !errors.As(err, &re) {
			im.err = fmt.Errorf("ledger: import stopped: %w", err)
			return im.err
		}
		return err
	}
	im.deliver(res)
	return nil
}

func (im *Importer) deliver(res []Result) {
	if im.onDurable != nil {
		im.onDurable(res)
	}
}

// completeOldest waits for the oldest call in flight.
func (im *Importer) completeOldest(ctx context.Context) error {
	f := im.flights[0]
	im.flights = im.flights[1:]
	sres, err := f.wait()
	im.l.pin(f.s.appends, -1)
	if err == nil {
		f.s.place(sres)
		im.deliver(f.s.results)
		return nil
	}
	return im.recover(ctx, f, err)
}

// recover handles a call the store refused after accepting it: every call
// behind it is waited for, the speculative states are dropped, and each
// call that did not land is appended again, synchronously, in order.
func (im *Importer) recover(ctx context.Context, failed *flight, cause error) error {
	type outcome struct {
		f    *flight
		sres []store.AppendResult
		err  error
	}
	outs := []outcome{{f: failed, err: cause}}
	for _, f := range im.flights {
		sres, err := f.wait()
		im.l.pin(f.s.appends, -1)
		outs = append(outs, outcome{f, sres, err})
	}
	im.flights = nil
	im.l.resetCache()
	for _, o := range outs {
		if o.err == nil {
			o.f.s.place(o.sres)
			im.deliver(o.f.s.results)
			continue
		}
		res, err := im.l.appendAtomic(ctx, o.f.batches...)
		var re *RuleError
		if err != nil && errors.As(err, &re) && im.onRefused != nil {
			im.onRefused(o.f.batches, err)
			continue
		}
		if err != nil {
			im.err = fmt.Errorf("ledger: import stopped: %w (the store first refused it with: %v)", err, o.err)
			return im.err
		}
		im.deliver(res)
	}
	return nil
}

// drain waits for every call in flight.
func (im *Importer) drain(ctx context.Context) error {
	for len(im.flights) > 0 {
		if err := im.completeOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Flush waits until every call handed to the store is durable (or the
// importer has stopped); the importer stays open.
func (im *Importer) Flush(ctx context.Context) error {
	if err := im.drain(ctx); err != nil {
		return err
	}
	return im.err
}

// Close waits until every call handed to the store is durable (or the
// importer has stopped), releases the ledger to other writers, and returns
// the error that stopped the importer, if any.
func (im *Importer) Close(ctx context.Context) error {
	err := im.drain(ctx)
	if im.held {
		im.l.gate.Unlock()
		im.held = false
	}
	if err == nil {
		err = im.err
	}
	if err == nil {
		im.err = errors.New("ledger: importer closed")
	}
	return err
}
