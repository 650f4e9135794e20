// Package simulated turns a simulated district (package sim) into the
// events and payloads a projection's benchmarks and large tests feed it.
// It is apart from projectiontest so that the kit itself stays free of
// the write side and the store.
package simulated

import (
	"slices"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections/projectiontest"
	"github.com/govledger/govledger/sim"
)

// Events generates a simulated ledger (sim.Generate with cfg) for
// benchmarks and large tests: the events as Events stores them (versions,
// chains, personal text sealed with a stand-in: projectiontest.Events) and their payloads decoded
// once, as the runner does. Only events of the given types are kept (all
// of them when types is nil); the summary counts every event generated.
func Events(tb testing.TB, cfg sim.Config, types []string) ([]events.Event, []events.Payload, sim.Summary) {
	tb.Helper()
	var drafts []events.Draft
	sum, err := sim.Generate(cfg, func(d events.Draft) error {
		drafts = append(drafts, d)
		return nil
	})
	if err != nil {
		tb.Fatalf("simulated: simulate: %v", err)
	}
	all := projectiontest.Events(tb, drafts)
	evs := make([]events.Event, 0, len(all))
	pls := make([]events.Payload, 0, len(all))
	for i := range all {
		e := &all[i]
		if types != nil && !slices.Contains(types, e.Type) {
			continue
		}
		p, err := e.Payload()
		if err != nil {
			tb.Fatalf("simulated: decode %s: %v", e.Type, err)
		}
		evs, pls = append(evs, *e), append(pls, p)
	}
	return evs, pls, sum
}
