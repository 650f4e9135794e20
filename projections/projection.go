// Package projections is where events become figures. A projection folds
// events, in global order, into state: handling-time statistics, routing
// and buck-passing, the three rates, case traces, ballots, disclosure views.
//
// The contract (DESIGN §5):
//
//   - Apply MUST be deterministic: no wall clock, no randomness, no I/O;
//     time comes from event timestamps only.
//   - Apply MUST ignore event types it does not know and MUST NOT mutate
//     the event.
//   - A projection is named with a version ("timeliness/v1"); a new version
//     means a rebuild from position 0.
//   - Progress is a global position, never a time.
//
// The runner, registry, optional capabilities (state serialization and
// digests, checkpoints) and the projectiontest kit build on this core.
package projections

import "github.com/govledger/govledger/events"

// Projection is the tiny required core every projection implements.
type Projection interface {
	// Name returns the projection's name with its version, e.g. "timeliness/v1".
	Name() string
	// Apply folds one event at a global position into the projection's
	// state. payload is the decoded payload (decoded once by the caller
	// for every projection). An error stops the replay at that position.
	Apply(position uint64, e *events.Event, payload events.Payload) error
}
