package projections

import (
	"errors"
	"fmt"
)

var (
	// ErrName is returned for a projection name that is not <base>/v<n>.
	ErrName = errors.New("projections: bad projection name")
	// ErrDuplicate is returned when two projections share a base name.
	ErrDuplicate = errors.New("projections: duplicate projection")
	// ErrUnknown is returned for a projection name nobody registered.
	ErrUnknown = errors.New("projections: unknown projection")
	// ErrNoReport is returned for a projection that cannot report.
	ErrNoReport = errors.New("projections: projection has no report")
	// ErrQuery is returned for a query a report cannot answer.
	ErrQuery = errors.New("projections: bad query")
	// ErrCheckpoint is returned for a checkpoint that cannot be read back.
	ErrCheckpoint = errors.New("projections: bad checkpoint")
	// ErrApply wraps the error a projection returned from Apply.
	ErrApply = errors.New("projections: apply failed")
)

// ApplyError is a projection's Apply error with the position it stopped at.
type ApplyError struct {
	Projection string
	Position   uint64
	EventID    string
	Type       string
	Err        error
}

// Error names the projection, the position, the event and the cause.
func (e *ApplyError) Error() string {
	return fmt.Sprintf("projections: %s stopped at position %d (%s %s): %v", e.Projection, e.Position, e.Type, e.EventID, e.Err)
}

// Unwrap returns ErrApply and the projection's own error.
func (e *ApplyError) Unwrap() []error { return []error{ErrApply, e.Err} }
