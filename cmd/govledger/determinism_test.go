package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// TestEveryBuiltinIsDeterministicThroughTheRunner replays a simulated
// ledger into every built-in through the runner (payloads decoded by
// several workers, projections folded in parallel) twice, and once more
// one event at a time as the kit does: the digests are equal every time.
func TestEveryBuiltinIsDeterministicThroughTheRunner(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	mustRun(t, "quickstart", "--dir", dir, "--cases", "1500", "--days", "10", "--seed", "3")
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	digests := func(workers int) map[string]string {
		reg, err := builtins(builtinOptions{k: 5})
		if err != nil {
			t.Fatal(err)
		}
		r, err := projections.NewRunner(projections.RunnerConfig{Source: replay.Events(s), Workers: workers}, reg)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, st := range r.Status() {
			out[st.Name] = st.Digest
		}
		return out
	}
	first, second := digests(4), digests(1)

	var evs []events.Event
	if err := s.ReadAll(ctx, 1, func(r store.Record) error {
		e := r.Event
		e.Data = append([]byte(nil), e.Data...)
		evs = append(evs, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reg, err := builtins(builtinOptions{k: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range reg.All() {
		projectiontest.Apply(t, p, evs)
		want, err := projections.Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		if first[p.Name()] != want || second[p.Name()] != want || want == "" {
			t.Errorf("%s: runner with 4 workers %s, with 1 %s, one event at a time %s", p.Name(), first[p.Name()], second[p.Name()], want)
		}
	}
}
