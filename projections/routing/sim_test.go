package routing

import (
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/sim"
)

// TestAgainstSimulator checks the counts against what the simulator says
// it emitted: first dispatches by mode, dispatches by mode, returns. The
// simulator calls a case ping-pong when it reaches a unit that returned
// it, a narrower rule than ours (which also counts senders and displaced
// holders), and counts a rule dispatch by a list no longer in force as
// stale: each is a contradiction here.
func TestAgainstSimulator(t *testing.T) {
	p := New(Config{})
	pos := uint64(0)
	sum, err := sim.Generate(sim.Config{Seed: 7, Days: 10, Cases: 3000, Topics: 1}, func(d events.Draft) error {
		pos++
		e := events.Event{Stream: d.Stream, Type: d.Payload.EventType(), OccurredAt: d.OccurredAt}
		return p.Apply(pos, &e, d.Payload)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Totals()
	first := int64(0)
	for _, n := range sum.FirstDispatches {
		first += int64(n)
	}
	disp := int64(0)
	for _, n := range sum.Dispatches {
		disp += int64(n)
	}
	if got.Cases != int64(sum.Cases) || got.FirstDispatches != first || got.RuleFirstDispatches != int64(sum.FirstDispatches[events.ModeRule]) {
		t.Errorf("cases %d first %d rule-first %d; simulator %d %d %d", got.Cases, got.FirstDispatches, got.RuleFirstDispatches,
			sum.Cases, first, sum.FirstDispatches[events.ModeRule])
	}
	if got.Dispatches != disp || got.Fallback != int64(sum.Dispatches[events.ModeFallback]) || got.Forced != int64(sum.Dispatches[events.ModeForced]) {
		t.Errorf("dispatches %d fallback %d forced %d; simulator %v", got.Dispatches, got.Fallback, got.Forced, sum.Dispatches)
	}
	if got.Returns != int64(sum.Returns) {
		t.Errorf("returns %d, simulator %d", got.Returns, sum.Returns)
	}
	if got.PingPong < int64(sum.PingPongCases) || int(got.PingPong) != len(p.PingPong()) {
		t.Errorf("ping-pong %d (listed %d), simulator %d", got.PingPong, len(p.PingPong()), sum.PingPongCases)
	}
	rule := 0
	for _, k := range p.Contradictions() {
		if k.Mode == events.ModeRule {
			rule++
		}
	}
	if rule < sum.StaleRuleDispatches || int(got.Contradictions) != len(p.Contradictions()) {
		t.Errorf("rule contradictions %d (of %d, listed %d), simulator's stale rule dispatches %d",
			rule, got.Contradictions, len(p.Contradictions()), sum.StaleRuleDispatches)
	}
	if got.Hops[0]+got.Hops[1]+got.Hops[2]+got.Hops[3] != got.FirstDispatches {
		t.Errorf("hops histogram %v does not add up to %d dispatched cases", got.Hops, got.FirstDispatches)
	}
}
