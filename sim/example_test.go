package sim_test

import (
	"context"
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/sim"
	"github.com/govledger/govledger/store/memstore"
)

// Generate needs no ledger: it hands every draft, in time order, to a
// function of the caller's.
func ExampleGenerate() {
	reported := 0
	sum, err := sim.Generate(sim.Config{Seed: 1, Days: 7, Cases: 500, Topics: 3}, func(d events.Draft) error {
		if _, ok := d.Payload.(*events.CaseReported); ok {
			reported++
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("cases reported:", reported, sum.Cases)
	fmt.Println("first event:", sum.First)
	// Output:
	// cases reported: 500 500
	// first event: 2026-10-01 00:00:00 +0800 CST
}

// Run writes through a ledger whose clock it drives, so recorded times
// follow simulated time.
func ExampleRun() {
	ctx := context.Background()
	st := memstore.New()
	defer st.Close()
	clock := sim.NewClock(sim.DefaultStart)
	// Reporters' descriptions are sealed under seeded subject keys.
	keys := privacy.NewMemKeys(sim.KeySource(1))
	l, err := ledger.New(ctx, st, ledger.Config{Clock: clock.Now, KeyStore: keys})
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, err := sim.Run(ctx, l, clock, sim.Config{Seed: 1, Days: 7, Cases: 500, Topics: 3}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	head, _ := st.Head(ctx)
	fmt.Println("all appended:", int64(head) == sum.Events)
	fmt.Println("clock at the last event:", clock.Now().Equal(sum.Last))
	// Output:
	// all appended: true
	// clock at the last event: true
}
