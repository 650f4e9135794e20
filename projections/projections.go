// Package projections is where events become figures. A projection folds
// events, in global order, into state: handling-time statistics, routing
// and buck-passing, the three rates, case traces, ballots, disclosure views.
//
// The contract (DESIGN §5):
//
//   - Apply MUST be deterministic: no wall clock, no randomness, no I/O;
//     time comes from event timestamps only.
//   - Apply MUST ignore event types it does not know (their payload is nil)
//     and MUST NOT mutate or retain the event: e and e.Data are valid only
//     during the call. The payload is the projection's to keep, and so are
//     e's strings (Stream, Type, Actor fields), which are immutable Go
//     strings: a projection may keep e.Stream or e.CaseID() as a map key
//     without copying it.
//   - A projection is named with a version ("timeliness/v1"); a new version
//     means a rebuild from position 0.
//   - Progress is a global position, never a time.
//
// The extension point is the database/sql/driver way: Projection is the
// tiny required core, and a projection may also implement the optional
// capabilities below, found by type assertion, each with a documented
// fallback when it is missing:
//
//   - Stateful: its state can be serialized; the runner checkpoints and
//     resumes it, and the SHA-256 of the serialization is its digest.
//     Without it the runner replays the projection from position 0 on
//     every run and reports no digest.
//   - Filter: the event types it reads; the runner then skips the others
//     (and does not decode a payload nobody reads). Without it the
//     projection sees every event.
//   - Reporter: it answers a Query with a Report (table, charts, notes).
//     Without it `govledger report` refuses the name.
//   - Configured: its figures depend on a configuration (zone, deadline
//     policies, weights); a checkpoint made under another configuration
//     is not resumed. Without it the configuration is assumed fixed.
//
// A projection is used by one goroutine at a time; the runner never calls
// two methods of the same projection concurrently.
package projections

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govledger/govledger/events"
)

// Projection is the tiny required core every projection implements.
type Projection interface {
	// Name returns the projection's name with its version, e.g. "timeliness/v1".
	Name() string
	// Apply folds one event at a global position into the projection's
	// state. payload is the decoded payload (decoded once by the caller
	// for every projection), nil for a type the catalogue does not know.
	// An error stops this projection at that position.
	Apply(position uint64, e *events.Event, payload events.Payload) error
}

// Stateful is the optional capability to serialize state. MarshalState
// MUST be deterministic: the same state always gives the same bytes (sort
// map keys). UnmarshalState replaces the state with the one serialized;
// it is called only on a projection that has applied nothing.
type Stateful interface {
	MarshalState() ([]byte, error)
	UnmarshalState([]byte) error
}

// Filter is the optional capability to name the event types a projection
// reads. Types is called once, when the projection is registered.
type Filter interface {
	Types() []string
}

// Reporter is the optional capability to answer a query with a report.
// Report MUST NOT change the state, and the same state and query MUST give
// an identical report.
type Reporter interface {
	Report(q Query) (*Report, error)
}

// Configured is the optional capability to name the configuration a
// projection's state was built under. ConfigFingerprint MUST return the
// same string for the same configuration (e.g. a hash of its canonical
// JSON); the runner rebuilds from position 0 when it changes.
type Configured interface {
	ConfigFingerprint() string
}

// SplitName splits "timeliness/v1" into "timeliness" and 1. A name is a
// lower-case base of letters, digits, '-' and '_', a slash, and 'v' with a
// version number of 1 or more.
func SplitName(name string) (base string, version int, err error) {
	base, v, ok := strings.Cut(name, "/")
	if !ok || base == "" || !strings.HasPrefix(v, "v") {
		return "", 0, fmt.Errorf("%w: %q is not <name>/v<version>", ErrName, name)
	}
	for _, r := range base {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", 0, fmt.Errorf("%w: %q: base name may hold only a-z, 0-9, '-' and '_'", ErrName, name)
		}
	}
	n, err := strconv.Atoi(v[1:])
	if err != nil || n < 1 || v[1] == '0' {
		return "", 0, fmt.Errorf("%w: %q: version must be v<n> with n >= 1 and no leading zero", ErrName, name)
	}
	return base, n, nil
}
