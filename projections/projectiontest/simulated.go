package projectiontest

import (
	"slices"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/sim"
)

// Simulated generates a simulated ledger (sim.Generate with cfg) for
// benchmarks and large tests: the events as Events stores them (versions,
// chains, personal text sealed with a stand-in) and their payloads decoded
// once, as the runner does. Only events of the given types are kept (all
// of them when types is nil); the summary counts every event generated.
func Simulated(tb testing.TB, cfg sim.Config, types []string) ([]events.Event, []events.Payload, sim.Summary) {
	tb.Helper()
	var drafts []events.Draft
	sum, err := sim.Generate(cfg, func(d events.Draft) error {
		drafts = append(drafts, d)
		return nil
	})
	if err != nil {
		tb.Fatalf("projectiontest: simulate: %v", err)
	}
	all := Events(tb, drafts)
	evs := make([]events.Event, 0, len(all))
	pls := make([]events.Payload, 0, len(all))
	for i := range all {
		e := &all[i]
		if types != nil && !slices.Contains(types, e.Type) {
			continue
		}
		p, err := e.Payload()
		if err != nil {
			tb.Fatalf("projectiontest: decode %s: %v", e.Type, err)
		}
		evs, pls = append(evs, *e), append(pls, p)
	}
	return evs, pls, sum
}
