package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/govledger/govledger/projections"
)

// Format names the manifest format and its version.
const Format = "govledger-replay-manifest/1"

// MaxManifestBytes bounds the manifest ReadManifest reads.
const MaxManifestBytes = 1 << 30

// ErrManifest is returned for a manifest that cannot be read.
var ErrManifest = errors.New("replay: bad manifest")

// Manifest is the record of one replay: which ledger, up to where, which
// projections and what they said. Reviewers publish it beside their
// figures; `govledger audit` replays it again and compares. Its JSON form
// is documented in docs/replay-manifest.md. The same ledger and the same
// options give a byte-identical manifest apart from CreatedAt.
type Manifest struct {
	Format      string             `json:"format"`
	Program     string             `json:"program"`
	CreatedAt   time.Time          `json:"created_at"`
	Ledger      LedgerInfo         `json:"ledger"`
	Cutoff      Cutoff             `json:"cutoff"`
	Events      EventCounts        `json:"events"`
	Projections []ProjectionResult `json:"projections"`
}

// LedgerInfo identifies the ledger a manifest was computed from.
type LedgerInfo struct {
	// Origin is the ledger's name (its checkpoint key's name), "" if unknown.
	Origin string `json:"origin"`
	// TreeSize is how many positions were scanned: 1..TreeSize.
	TreeSize uint64 `json:"tree_size"`
	// Root is the hex RFC 6962 root of the event hashes at TreeSize.
	Root string `json:"root"`
	// Checkpoint is the signed note of the checkpoint cutoff, if any.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// Cutoff kinds.
const (
	CutoffPosition   = "position"
	CutoffCheckpoint = "checkpoint"
	CutoffAsOf       = "as_of"
)

// Cutoff says which events a replay folds. Kind is one of:
//
//   - "position": positions 1..Position;
//   - "checkpoint": positions 1..Position, the size of a signed checkpoint
//     whose root the replay recomputes and compares;
//   - "as_of": the events whose RecordedAt <= AsOf, "as the ledger stood at
//     AsOf, by recorded time", among the positions scanned (LedgerInfo.TreeSize).
type Cutoff struct {
	Kind     string    `json:"kind"`
	Position uint64    `json:"position,omitempty"`
	AsOf     time.Time `json:"as_of,omitzero"`
}

// AtPosition is the cutoff at position n.
func AtPosition(n uint64) Cutoff { return Cutoff{Kind: CutoffPosition, Position: n} }

// AsOf is the cutoff "as the ledger stood at t, by recorded time".
func AsOf(t time.Time) Cutoff { return Cutoff{Kind: CutoffAsOf, AsOf: t} }

// AtCheckpoint is the cutoff at the signed checkpoint of Options.Checkpoint.
func AtCheckpoint() Cutoff { return Cutoff{Kind: CutoffCheckpoint} }

// String describes the cutoff for a human.
func (c Cutoff) String() string {
	switch c.Kind {
	case CutoffAsOf:
		return "as of " + c.AsOf.Format(time.RFC3339Nano) + " (recorded time)"
	case CutoffCheckpoint:
		return fmt.Sprintf("checkpoint at position %d", c.Position)
	default:
		return fmt.Sprintf("position %d", c.Position)
	}
}

// EventCounts says how many events a replay scanned and folded.
type EventCounts struct {
	Scanned              uint64 `json:"scanned"`
	Included             uint64 `json:"included"`
	LastIncludedPosition uint64 `json:"last_included_position"`
}

// ProjectionResult is one projection's result in a manifest.
type ProjectionResult struct {
	Name    string `json:"name"` // with version, "timeliness/v1"
	Version int    `json:"version"`
	// Config is the configuration fingerprint (projections.Configured), "" if none.
	Config   string  `json:"config,omitempty"`
	Position uint64  `json:"position"` // the last position folded in
	Digest   string  `json:"digest"`   // hex SHA-256 of the state ("" if not Stateful)
	Reports  []Table `json:"reports"`
}

// Table is one report's table in a manifest: the figures, without
// charts. Cells are kept as their exact JSON text.
type Table struct {
	Query   projections.Query    `json:"query"`
	Title   string               `json:"title"`
	Columns []projections.Column `json:"columns"`
	Rows    [][]json.RawMessage  `json:"rows"`
	Notes   []string             `json:"notes,omitempty"`
}

// tableOf turns a projection's report into a manifest table.
func tableOf(r *projections.Report, q projections.Query) (Table, error) {
	t := Table{Query: q, Title: r.Title, Columns: r.Columns, Notes: r.Notes, Rows: make([][]json.RawMessage, 0, len(r.Rows))}
	for _, row := range r.Rows {
		cells := make([]json.RawMessage, len(row))
		for i, v := range row {
			b, err := json.Marshal(v)
			if err != nil {
				return Table{}, fmt.Errorf("replay: %s: cell %d: %w", r.Title, i, err)
			}
			cells[i] = b
		}
		t.Rows = append(t.Rows, cells)
	}
	if t.Columns == nil {
		t.Columns = []projections.Column{}
	}
	return t, nil
}

// WriteManifest writes m as indented JSON.
func WriteManifest(w io.Writer, m *Manifest) error {
	b, err := MarshalManifest(m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// MarshalManifest returns m as indented JSON with a final newline; a table
// row stays on one line.
func MarshalManifest(m *Manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "->" in notes, not "-\u003e"
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("replay: encode manifest: %w", err)
	}
	return append(indentJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), '\n'), nil
}

// indentJSON indents compact JSON by two spaces a level, keeping an array
// of numbers and short strings (a table row) on one line.
func indentJSON(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/4)
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for range depth {
			out = append(out, ' ', ' ')
		}
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '"':
			j := skipString(b, i)
			out = append(out, b[i:j]...)
			i = j - 1
		case '{', '[':
			if end, ok := flatArray(b, i); ok {
				for k := i; k < end; k++ { // strings inside stay verbatim
					if b[k] == '"' {
						j := skipString(b, k)
						out = append(out, b[k:j]...)
						k = j - 1
						continue
					}
					out = append(out, b[k])
					if b[k] == ',' {
						out = append(out, ' ')
					}
				}
				i = end - 1
				continue
			}
			out = append(out, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

// skipString returns the index just past the JSON string starting at i.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// flatArray reports whether b[i] opens an array of scalars without a
// long string (or an empty object or array), and the index just past its
// end.
func flatArray(b []byte, i int) (int, bool) {
	if b[i] == '{' {
		return i + 2, i+1 < len(b) && b[i+1] == '}'
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			end := skipString(b, j)
			if end-j > 62 { // a sentence: one a line
				return 0, false
			}
			j = end - 1
		case '{', '[':
			return 0, false
		case ']':
			return j + 1, true
		}
	}
	return 0, false
}

// ReadManifest reads a manifest and checks its format.
func ReadManifest(r io.Reader) (*Manifest, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("replay: read manifest: %w", err)
	}
	if len(b) > MaxManifestBytes {
		return nil, fmt.Errorf("%w: over %d bytes", ErrManifest, MaxManifestBytes)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrManifest, m.Format, Format)
	}
	switch m.Cutoff.Kind {
	case CutoffPosition, CutoffCheckpoint:
		if m.Cutoff.Position != m.Ledger.TreeSize {
			return nil, fmt.Errorf("%w: %s cutoff at %d but tree_size %d", ErrManifest, m.Cutoff.Kind, m.Cutoff.Position, m.Ledger.TreeSize)
		}
	case CutoffAsOf:
		if m.Cutoff.AsOf.IsZero() {
			return nil, fmt.Errorf("%w: as_of cutoff without a time", ErrManifest)
		}
	default:
		return nil, fmt.Errorf("%w: cutoff kind %q (want position, checkpoint or as_of)", ErrManifest, m.Cutoff.Kind)
	}
	if _, err := parseRoot(m.Ledger.Root); err != nil {
		return nil, fmt.Errorf("%w: ledger root: %v", ErrManifest, err)
	}
	for _, p := range m.Projections {
		for _, r := range p.Reports {
			for i, row := range r.Rows {
				if len(row) > len(r.Columns) {
					return nil, fmt.Errorf("%w: %s, %q row %d has %d cells for %d columns", ErrManifest, p.Name, r.Title, i+1, len(row), len(r.Columns))
				}
			}
		}
	}
	return &m, nil
}

func parseRoot(s string) ([32]byte, error) {
	var h [32]byte
	if len(s) != 64 {
		return h, fmt.Errorf("%q is not 64 hex digits", s)
	}
	for i := range 32 {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return h, fmt.Errorf("%q is not 64 hex digits", s)
		}
		h[i] = byte(v)
	}
	return h, nil
}
