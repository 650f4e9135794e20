package projections_test

import (
	"context"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest/simulated"
	"github.com/govledger/govledger/sim"
)

type nop struct{}

func (nop) Name() string                                      { return "nop/v1" }
func (nop) Apply(uint64, *events.Event, events.Payload) error { return nil }
func (nop) Types() []string                                   { return events.Types() }

// BenchmarkRunner measures the runner alone over an in-memory source:
// copy, decode every payload once, feed a projection that does nothing.
func BenchmarkRunner(b *testing.B) {
	evs, _, _ := simulated.Events(b, sim.Config{Seed: 1, Cases: 20000}, nil)
	src := newSource(evs)
	b.ResetTimer()
	for range b.N {
		reg := projections.NewRegistry()
		_ = reg.Register(nop{})
		r, _ := projections.NewRunner(projections.RunnerConfig{Source: src}, reg)
		if err := r.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}
