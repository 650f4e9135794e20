package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
	"github.com/govledger/govledger/store/pebblestore"
)

// importStory is a district and cases told in calls that depend on each
// other: call k+1 continues streams that call k opened.
func importStory(s *eventstest.Story) [][]ledger.Batch {
	calls := [][]ledger.Batch{{{Stream: events.UnitsStream}}, {{Stream: events.ResponsibilityStream}}}
	for _, d := range s.District() {
		i := 0
		if d.Stream == events.ResponsibilityStream {
			i = 1
		}
		calls[i][0].Drafts = append(calls[i][0].Drafts, d)
	}
	cases := []*eventstest.Case{s.Case("C-1"), s.Case("C-2"), s.Case("C-3")}
	steps := []func(c *eventstest.Case) events.Draft{
		func(c *eventstest.Case) events.Draft { return c.Reported(events.ChannelHotline, eventstest.Pothole) },
		func(c *eventstest.Case) events.Draft {
			return c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
		},
		func(c *eventstest.Case) events.Draft { return c.Accepted(eventstest.Roads) },
		func(c *eventstest.Case) events.Draft { return c.Resolved(eventstest.Roads, events.OutcomeFixed) },
		func(c *eventstest.Case) events.Draft { return c.Rated(true, true, events.Satisfied) },
		func(c *eventstest.Case) events.Draft { return c.Closed() },
	}
	for _, step := range steps {
		var call []ledger.Batch
		for _, c := range cases {
			call = append(call, ledger.Batch{Stream: c.Stream, Drafts: []events.Draft{step(c)}})
		}
		calls = append(calls, call)
	}
	return calls
}

func runImport(t *testing.T, l *ledger.Ledger, calls [][]ledger.Batch) (durable [][]ledger.Result) {
	t.Helper()
	ctx := context.Background()
	im := l.NewImporter(ledger.ImporterConfig{InFlight: 3, OnDurable: func(r []ledger.Result) { durable = append(durable, r) }})
	for _, c := range calls {
		if err := im.Append(ctx, c...); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return durable
}

func TestImporter(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) store.Store{
		"pebble": func(t *testing.T) store.Store {
			st, err := pebblestore.Open(t.TempDir(), pebblestore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"memory": func(t *testing.T) store.Store { return memstore.New() },
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			l, err := ledger.New(context.Background(), st, ledger.Config{})
			if err != nil {
				t.Fatal(err)
			}
			calls := importStory(eventstest.New())
			durable := runImport(t, l, calls)
			if len(durable) != len(calls) {
				t.Fatalf("%d calls reported durable, want %d", len(durable), len(calls))
			}
			var last uint64
			for i, res := range durable {
				for _, r := range res {
					for j, p := range r.Positions {
						if p <= last || r.Duplicate[j] {
							t.Fatalf("call %d: position %d after %d (duplicate %v)", i, p, last, r.Duplicate[j])
						}
						last = p
					}
				}
			}
			verifyChains(t, st)
			if h, _ := st.Head(context.Background()); h != last {
				t.Fatalf("head %d, last reported position %d", h, last)
			}

			// Importing the same calls again writes nothing and reports
			// every event as already stored.
			again := runImport(t, l, calls)
			for _, res := range again {
				for _, r := range res {
					for _, d := range r.Duplicate {
						if !d {
							t.Fatal("a re-imported event was written again")
						}
					}
				}
			}
			if h, _ := st.Head(context.Background()); h != last {
				t.Fatalf("re-import moved the head from %d to %d", last, h)
			}
		})
	}
}

func TestImporterRefusalLeavesItUsable(t *testing.T) {
	st := memstore.New()
	l, _ := ledger.New(context.Background(), st, ledger.Config{})
	s := eventstest.New()
	calls := importStory(s)
	ctx := context.Background()
	im := l.NewImporter(ledger.ImporterConfig{})
	for _, c := range calls[:3] {
		if err := im.Append(ctx, c...); err != nil {
			t.Fatal(err)
		}
	}
	bad := s.Case("C-1").Resolved(eventstest.Water, events.OutcomeFixed) // Water never accepted it
	err := im.Append(ctx, ledger.Batch{Stream: bad.Stream, Drafts: []events.Draft{bad}})
	var re *ledger.RuleError
	if !errors.As(err, &re) || re.Rule != "not-holder" {
		t.Fatalf("want not-holder, got %v", err)
	}
	for _, c := range calls[3:] {
		if err := im.Append(ctx, c...); err != nil {
			t.Fatalf("after a refusal: %v", err)
		}
	}
	if err := im.Close(ctx); err != nil {
		t.Fatal(err)
	}
	verifyChains(t, st)
	// Other writers may write again once the importer is closed.
	c := s.Case("C-9")
	if _, err := l.Append(ctx, c.Stream, ledger.NoStream, c.Reported(events.ChannelApp, eventstest.Leak)); err != nil {
		t.Fatal(err)
	}
}

// flakyStore refuses the nth submitted append as if another writer had
// stored one of its IDs first, after writing nothing.
type flakyStore struct {
	*memstore.Store
	n, calls int
}

func (f *flakyStore) Submit(ctx context.Context, appends ...store.StreamAppend) func() ([]store.AppendResult, error) {
	f.calls++
	if f.calls == f.n {
		return func() ([]store.AppendResult, error) {
			return nil, &store.DuplicateIDError{ID: appends[0].Events[0].ID, Position: 1}
		}
	}
	return f.Store.Submit(ctx, appends...)
}

func TestImporterRecoversFromAStoreRefusal(t *testing.T) {
	st := &flakyStore{Store: memstore.New(), n: 2}
	l, _ := ledger.New(context.Background(), st, ledger.Config{})
	calls := importStory(eventstest.New())
	durable := runImport(t, l, calls)
	if len(durable) != len(calls) {
		t.Fatalf("%d calls durable, want %d", len(durable), len(calls))
	}
	verifyChains(t, st)
	n := 0
	st.ReadAll(context.Background(), 1, func(store.Record) error { n++; return nil })
	want := 0
	for _, c := range calls {
		for _, b := range c {
			want += len(b.Drafts)
		}
	}
	if n != want {
		t.Fatalf("ledger holds %d events, want %d", n, want)
	}
}

// TestImporterWithTinyCache: with a cache far smaller than the streams in
// flight, a state evicted before its call is durable would be read back
// from the store without that call; calls in flight must stay pinned.
func TestImporterWithTinyCache(t *testing.T) {
	st, err := pebblestore.Open(t.TempDir(), pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := ledger.New(context.Background(), st, ledger.Config{CachedStreams: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := eventstest.New()
	calls := importStory(s)
	var cases []*eventstest.Case
	for i := 0; i < 40; i++ {
		cases = append(cases, s.Case(fmt.Sprintf("T-%d", i)))
	}
	report, dispatch := []ledger.Batch{}, []ledger.Batch{}
	for _, c := range cases {
		report = append(report, ledger.Batch{Stream: c.Stream, Drafts: []events.Draft{c.Reported(events.ChannelApp, eventstest.Leak)}})
	}
	for _, c := range cases {
		dispatch = append(dispatch, ledger.Batch{Stream: c.Stream, Drafts: []events.Draft{c.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)}})
	}
	calls = append(calls, report, dispatch)
	durable := runImport(t, l, calls)
	if len(durable) != len(calls) {
		t.Fatalf("%d calls durable, want %d", len(durable), len(calls))
	}
	verifyChains(t, st)
}

func TestImporterReportsALateRefusal(t *testing.T) {
	st := memstore.New()
	l, _ := ledger.New(context.Background(), st, ledger.Config{})
	s := eventstest.New()
	calls := importStory(s)
	reused := calls[0][0].Drafts[0].ID // a unit registration's event ID
	c := s.Case("C-conflict")
	d := c.Reported(events.ChannelApp, eventstest.Leak)
	d.ID = reused
	var refused []error
	ctx := context.Background()
	im := l.NewImporter(ledger.ImporterConfig{OnRefused: func(_ []ledger.Batch, err error) { refused = append(refused, err) }})
	for _, call := range calls[:2] {
		if err := im.Append(ctx, call...); err != nil {
			t.Fatal(err)
		}
	}
	// The ledger cannot tell on its own that the ID is taken: the store
	// turns the call back, and the re-check refuses it.
	if err := im.Append(ctx, ledger.Batch{Stream: c.Stream, Drafts: []events.Draft{d}}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	for _, call := range calls[2:] {
		if err := im.Append(ctx, call...); err != nil {
			t.Fatalf("after a late refusal: %v", err)
		}
	}
	if err := im.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || !errors.Is(refused[0], ledger.ErrIDConflict) {
		t.Fatalf("refusals %v, want one id-conflict", refused)
	}
	verifyChains(t, st)
}

// A call re-sent while the first sending is still in flight is an
// idempotent re-send, not a refusal; a refused call with other calls in
// flight is refused at once, and those calls land.
func TestImporterResendInFlight(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) store.Store{
		"memstore": func(t *testing.T) store.Store { return memstore.New() },
		"pebble": func(t *testing.T) store.Store {
			st, err := pebblestore.Open(t.TempDir(), pebblestore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			l, _ := ledger.New(context.Background(), st, ledger.Config{})
			s := eventstest.New()
			calls := importStory(s)
			ctx := context.Background()
			var durable int
			im := l.NewImporter(ledger.ImporterConfig{InFlight: 16, OnDurable: func(r []ledger.Result) {
				for _, res := range r {
					durable += len(res.Positions)
				}
			}})
			for _, c := range calls[:3] {
				if err := im.Append(ctx, c...); err != nil {
					t.Fatal(err)
				}
			}
			// calls[2] again: its IDs are in flight (or just landed).
			if err := im.Append(ctx, calls[2]...); err != nil {
				t.Fatalf("re-send: %v", err)
			}
			bad := s.Case("C-2").Resolved(eventstest.Water, events.OutcomeFixed)
			var re *ledger.RuleError
			if err := im.Append(ctx, ledger.Batch{Stream: bad.Stream, Drafts: []events.Draft{bad}}); !errors.As(err, &re) || re.Rule != "not-holder" {
				t.Fatalf("want not-holder, got %v", err)
			}
			for _, c := range calls[3:] {
				if err := im.Append(ctx, c...); err != nil {
					t.Fatal(err)
				}
			}
			if err := im.Close(ctx); err != nil {
				t.Fatal(err)
			}
			head, _ := st.Head(ctx)
			want := 0
			for _, c := range calls {
				for _, b := range c {
					want += len(b.Drafts)
				}
			}
			if int(head) != want {
				t.Errorf("head %d, want %d: each event once", head, want)
			}
			if durable != want+len(calls[2]) {
				t.Errorf("%d results delivered, want %d (the re-send acknowledged too)", durable, want+len(calls[2]))
			}
			verifyChains(t, st)
		})
	}
}

// AppendEach leaves out the streams the ledger refuses, says why, and
// appends the others; a re-send is acknowledged, not refused.
func TestImporterAppendEach(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) store.Store{
		"memstore": func(t *testing.T) store.Store { return memstore.New() },
		"pebble": func(t *testing.T) store.Store {
			st, err := pebblestore.Open(t.TempDir(), pebblestore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			l, _ := ledger.New(ctx, st, ledger.Config{})
			s := eventstest.New()
			calls := importStory(s)
			im := l.NewImporter(ledger.ImporterConfig{InFlight: 4})
			for _, c := range calls[:2] { // the district
				if err := im.Append(ctx, c...); err != nil {
					t.Fatal(err)
				}
			}
			var batches []ledger.Batch
			var good, bad []string
			for i := range 12 {
				c := s.Case(fmt.Sprintf("E-%d", i))
				b := ledger.Batch{Stream: c.Stream, Expect: ledger.NoStream, Drafts: []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole)}}
				switch i % 4 {
				case 1: // resolved by a unit that never accepted it
					b.Drafts = append(b.Drafts, c.Resolved(eventstest.Water, events.OutcomeFixed))
					bad = append(bad, c.Stream)
				case 3: // accepted by a unit it was never sent to
					b.Drafts = append(b.Drafts, c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeManual), c.Accepted(eventstest.Water))
					bad = append(bad, c.Stream)
				default:
					b.Drafts = append(b.Drafts, c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeManual), c.Accepted(eventstest.Roads))
					good = append(good, c.Stream)
				}
				batches = append(batches, b)
			}
			refused, err := im.AppendEach(ctx, batches...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, re := range refused {
				got = append(got, re.Stream+":"+re.Rule)
			}
			want := fmt.Sprintf("%s:not-holder %s:not-pending %s:not-holder %s:not-pending %s:not-holder %s:not-pending", bad[0], bad[1], bad[2], bad[3], bad[4], bad[5])
			if strings.Join(got, " ") != want {
				t.Errorf("refused %v, want %s", got, want)
			}
			// The same call again: the good streams are re-sends, the bad
			// ones still refused.
			refused, err = im.AppendEach(ctx, batches...)
			if err != nil || len(refused) != len(bad) {
				t.Fatalf("again: refused %d, %v; want the %d bad ones", len(refused), err, len(bad))
			}
			if err := im.Close(ctx); err != nil {
				t.Fatal(err)
			}
			for _, stream := range good {
				if v, _, err := st.StreamHead(ctx, stream); err != nil || v != 2 {
					t.Errorf("%s at version %d, %v; want its 3 events once", stream, v, err)
				}
			}
			for _, stream := range bad {
				if v, _, _ := st.StreamHead(ctx, stream); v != store.NoStream {
					t.Errorf("%s was written (version %d)", stream, v)
				}
			}
			verifyChains(t, st)
		})
	}
}
