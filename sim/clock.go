package sim

import (
	"sync"
	"time"
)

// Clock is a settable clock for the ledger's Config.Clock, so that the
// recorded times of simulated events follow simulated time:
//
//	clock := sim.NewClock(cfg.Start)
//	l, err := ledger.New(ctx, st, ledger.Config{Clock: clock.Now})
//	sum, err := sim.Run(ctx, l, clock, cfg, nil)
//
// A Clock is safe for concurrent use. The zero Clock reads the zero time
// until Set is called.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the time last set.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the time Now returns. It may move the clock backwards; the
// ledger never stamps a recorded time earlier than one it stamped before.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
