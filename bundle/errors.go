package bundle

import (
	"errors"
	"fmt"

	"github.com/govledger/govledger/events"
)

// Sentinel errors.
var (
	// ErrExists: Write was given a directory that is not empty.
	ErrExists = errors.New("bundle: target exists and is not an empty directory")
	// ErrMeta: Write was given metadata it cannot record (a verifier key
	// that does not parse, a checkpoint that does not verify under it).
	ErrMeta = errors.New("bundle: invalid metadata")
	// ErrMalformed: a bundle file other than the events file is missing,
	// malformed, oversized, a symlink or of another format. Problems in
	// the events file are *LineError instead.
	ErrMalformed = errors.New("bundle: malformed bundle")
)

// LineError is a line of the events file that cannot be read as an
// event. It unwraps to events.ErrCorrupt (and to Err): to a reader it is
// what a record that does not decode is in a store, and a ReadAll from
// Position+1 goes on after it.
type LineError struct {
	File     string // the file, relative to the bundle: events.jsonl
	Line     int    // 1-based line number
	Position uint64 // the position the line stands for (see ReadAll)
	Field    string // the member at fault ("hash", "actor.id"), "" for the line's syntax
	Err      error  // what is wrong
}

func (e *LineError) Error() string {
	where := fmt.Sprintf("bundle: %s line %d (position %d)", e.File, e.Line, e.Position)
	if e.Field != "" {
		return where + ": " + e.Field + ": " + e.Err.Error()
	}
	return where + ": " + e.Err.Error()
}

// Unwrap returns events.ErrCorrupt and Err.
func (e *LineError) Unwrap() []error { return []error{events.ErrCorrupt, e.Err} }

// CheckpointFileError is a checkpoint file of the bundle that does not
// parse or verify (see ParseCheckpoints). It unwraps to the
// *integrity.CheckpointError that says why.
type CheckpointFileError struct {
	File string // relative to the bundle: checkpoints/<size>.checkpoint
	Err  error
}

func (e *CheckpointFileError) Error() string { return "bundle: " + e.File + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *CheckpointFileError) Unwrap() error { return e.Err }

func malformed(file, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, file, fmt.Sprintf(format, args...))
}
