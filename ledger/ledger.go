// Package ledger is govledger's write side. It turns producers' drafts into
// sealed, hash-chained events, enforces the case, deliberation and registry
// lifecycles of DESIGN §3, makes appends idempotent by event ID, and hands
// them to a store.Store, which commits them durably (group commit on the
// embedded store).
//
// # Rules
//
// Every refused event gets a *RuleError naming the rule; nothing of the
// refused call is written. The rules:
//
//   - stream-kind: case.* on case/<id>, topic.*/ballot.* on topic/<id>,
//     registry types on registry/<name>.
//   - time-backwards: occurred_at may not be earlier than the previous
//     event's in the same stream.
//   - case-exists / case-already-reported: case.reported opens a case
//     stream (version 0) and nothing else can.
//   - case-closed: no event after case.closed.
//   - case-merged: a merged case accepts only case.closed.
//   - not-open: dispatch, accept, return, contact and extend need a case
//     that is not resolved (reopen it first).
//   - not-pending: accept and return come from the unit the case was last
//     dispatched to and has not yet answered.
//   - not-holder: resolve comes from the unit that accepted the case, or
//     from a dispatch centre answering a case that no unit holds.
//   - not-resolved: rate and reopen need a resolved case; a resolution is
//     rated at most once (already-rated).
//   - close-unresolved: close needs a resolved or merged case.
//   - unknown-unit: every unit referenced (dispatch, return, accept,
//     contact, resolve, location, parent, responsibility rule, topic
//     community) must be registered first.
//   - unknown-list: a rule dispatch names a published responsibility list
//     version and one of its rule ids.
//   - unit-exists, list-version: units register once; list versions go
//     1, 2, 3, ... with no gaps.
//   - unknown-case: merge names an existing parent case other than itself.
//   - ballot-window: a ballot's occurred_at lies in [opens_at, closes_at).
//   - not-eligible, already-voted, unknown-option: one eligible voter, one
//     counted ballot, for one of the topic's options.
//   - subject-erased: no event may name an erased subject (reporter,
//     respondent, voter), and a subject is erased once.
//   - topic-closed: nothing after topic.closed.
//   - tally-mismatch: topic.closed publishes exactly the ballots' tally.
//   - id-conflict: an event ID already stored with different content.
//   - wrong-expected-version: the stream was not at the expected version.
//
// # Idempotency
//
// A draft whose ID is already stored with the same content (events.SameContent)
// is acknowledged again with its original position and nothing is written.
//
// # Personal data
//
// With Config.KeyStore set, every personal field (events.PersonalFields)
// that names a subject is sealed under the subject's key before the event
// is hashed (package privacy); EraseSubject deletes the key. See KeyStore.
//
// # Concurrency
//
// A Ledger is safe for concurrent use. Appends to one stream are serialised
// in the ledger; appends to different streams proceed in parallel and are
// grouped into shared synced batches by the store. The store's expected
// version check guards against writers in other processes.
package ledger

import (
	"errors"
	"fmt"

	"github.com/oklog/ulid/v2"
)

// Expect is the stream version an append expects. The zero value is Any.
type Expect struct {
	v   int64
	set bool
}

// Any accepts whatever version the stream is at.
var Any = Expect{}

// NoStream expects the stream not to exist.
var NoStream = Expect{v: -1, set: true}

// ExpectVersion expects the stream's last event to have version v (-1: no stream).
func ExpectVersion(v int64) Expect { return Expect{v: v, set: true} }

// IsAny reports whether e accepts any version.
func (e Expect) IsAny() bool { return !e.set }

// Version returns the expected version (-1 for no stream); meaningless for Any.
func (e Expect) Version() int64 { return e.v }

func (e Expect) String() string {
	switch {
	case !e.set:
		return "any"
	case e.v < 0:
		return "no stream"
	}
	return fmt.Sprint(e.v)
}

// ErrRule is wrapped by every *RuleError.
var ErrRule = errors.New("ledger: lifecycle rule broken")

// ErrIDConflict is wrapped when an event ID is already stored with other content.
var ErrIDConflict = errors.New("ledger: event id already used with different content")

// RuleError reports a refused event: which one and which rule it broke.
type RuleError struct {
	Stream string
	ID     ulid.ULID
	Type   string
	Index  int    // index of the draft within its stream append
	Rule   string // short rule name, e.g. "case-closed"
	Detail string
	err    error // the sentinel it unwraps to (ErrRule, ErrIDConflict, store errors)
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("ledger: %s on %s (event %s, %s): %s", e.Rule, e.Stream, e.ID, e.Type, e.Detail)
}

// Unwrap returns ErrRule and, when there is one, the error behind the
// refusal (ErrIDConflict, a store error, an events validation error), so
// that errors.Is finds both.
func (e *RuleError) Unwrap() []error {
	if e.err != nil {
		return []error{ErrRule, e.err}
	}
	return []error{ErrRule}
}
