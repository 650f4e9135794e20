package routing_test

import (
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections/routing"
)

// The typed API gives the headline figures without parsing a report.
func ExampleProjection_Units() {
	s := eventstest.New()
	s.District()
	c := s.Case("C-1")
	c.Reported(events.ChannelHotline, eventstest.Leak)
	c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeManual)
	c.Returned(eventstest.Roads, events.ReasonUnclearOwnership)
	c.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)
	c.Resolved(eventstest.Water, events.OutcomeFixed)

	p := routing.New(routing.Config{})
	for i, d := range s.Drafts() {
		e, err := d.Event()
		if err != nil {
			panic(err)
		}
		payload, _ := e.Payload()
		if err := p.Apply(uint64(i+1), &e, payload); err != nil {
			panic(err)
		}
	}
	for _, u := range p.Units() {
		fmt.Printf("%s: cases %d, auto-dispatch %.2f, mean hops %.2f, returns %d of %d dispatches\n",
			u.Unit, u.Cases, u.AutoDispatchRate, u.MeanHops, u.Returns, u.Dispatches)
	}
	for _, k := range p.Contradictions() {
		fmt.Printf("%s: list v%d routes to %s, sent to %s\n", k.Case, k.ListVersion, k.Expected, k.Actual)
	}
	// Output:
	// dept-roads: cases 0, auto-dispatch 0.00, mean hops 0.00, returns 1 of 1 dispatches
	// dept-water: cases 1, auto-dispatch 0.00, mean hops 2.00, returns 0 of 1 dispatches
	// C-1: list v1 routes to dept-water, sent to dept-roads
}
