package ratings_test

import (
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections/ratings"
)

// A case rated twice counts once, with its latest valid rating.
func ExampleProjection_Units() {
	s := eventstest.New()
	s.District()
	c := s.Case("C-1")
	c.Reported(events.ChannelHotline, eventstest.Pothole)
	c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
	c.Resolved(eventstest.Roads, events.OutcomeFixed)
	c.Rated(true, false, events.Unsatisfied)
	c.Reopened()
	c.Resolved(eventstest.Roads, events.OutcomeFixed)
	c.Rated(true, true, events.Basically)

	p, err := ratings.New(ratings.Config{})
	if err != nil {
		panic(err)
	}
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
		fmt.Printf("%s: %d counted (%d superseded): response %.2f, resolution %.2f, satisfaction %.2f, composite %.2f, reopen rate %.2f\n",
			u.Unit, u.Valid, u.Superseded, u.Response, u.Resolution, u.Satisfaction, u.Composite, u.ReopenRate)
	}
	// Output:
	// dept-roads: 1 counted (1 superseded): response 1.00, resolution 1.00, satisfaction 0.90, composite 0.96, reopen rate 1.00
}
