package bundle

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

// Bounds a line's fields obey: those of the store's canonical decoder
// (events.DecodeRecord), so that a bundle holds only what a ledger can.
const (
	maxTypeBytes = 64
	maxKindBytes = 16
)

// fieldError is a problem with one field of a line, before the line
// number and position are known.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

func fieldErr(field, format string, args ...any) error {
	return &fieldError{field: field, err: fmt.Errorf(format, args...)}
}

// appendLine appends the events-file line of rec, newline included.
func appendLine(dst []byte, rec *store.Record) ([]byte, error) {
	e := &rec.Event
	if err := checkSizes(e); err != nil {
		return dst, err
	}
	var err error
	dst = append(dst, `{"position":`...)
	dst = strconv.AppendUint(dst, rec.Position, 10)
	dst = append(dst, `,"id":"`...)
	var id [26]byte
	_ = e.ID.MarshalTextTo(id[:]) // fails only for a buffer of another size
	dst = append(dst, id[:]...)
	dst = append(dst, `","stream":`...)
	if dst, err = appendString(dst, e.Stream); err != nil {
		return dst, &fieldError{"stream", err}
	}
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendUint(dst, e.Version, 10)
	dst = append(dst, `,"type":`...)
	if dst, err = appendString(dst, e.Type); err != nil {
		return dst, &fieldError{"type", err}
	}
	dst = append(dst, `,"schema":`...)
	dst = strconv.AppendUint(dst, uint64(e.Schema), 10)
	dst = append(dst, `,"occurred_at":"`...)
	if dst, err = appendTime(dst, e.OccurredAt); err != nil {
		return dst, &fieldError{"occurred_at", err}
	}
	dst = append(dst, `","recorded_at":"`...)
	if dst, err = appendTime(dst, e.RecordedAt.UTC()); err != nil {
		return dst, &fieldError{"recorded_at", err}
	}
	dst = append(dst, `","actor":{"kind":`...)
	if dst, err = appendString(dst, string(e.Actor.Kind)); err != nil {
		return dst, &fieldError{"actor.kind", err}
	}
	dst = append(dst, `,"id":`...)
	if dst, err = appendString(dst, e.Actor.ID); err != nil {
		return dst, &fieldError{"actor.id", err}
	}
	dst = append(dst, `,"unit":`...)
	if dst, err = appendString(dst, e.Actor.Unit); err != nil {
		return dst, &fieldError{"actor.unit", err}
	}
	if isCompactJSON(e.Data) {
		dst = append(dst, `},"data":`...)
		dst = append(dst, e.Data...)
	} else {
		dst = append(dst, `},"data_b64":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, e.Data)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"prev_hash":"`...)
	dst = hex.AppendEncode(dst, e.PrevHash[:])
	dst = append(dst, `","hash":"`...)
	dst = hex.AppendEncode(dst, e.Hash[:])
	return append(dst, "\"}\n"...), nil
}

// checkSizes refuses an event the store's decoder would refuse: a bundle
// holds only what a ledger can hold.
func checkSizes(e *events.Event) error {
	for _, f := range []struct {
		name string
		n    int
		max  int
	}{
		{"stream", len(e.Stream), events.MaxStreamBytes},
		{"type", len(e.Type), maxTypeBytes},
		{"actor.kind", len(e.Actor.Kind), maxKindBytes},
		{"actor.id", len(e.Actor.ID), events.MaxIDBytes},
		{"actor.unit", len(e.Actor.Unit), events.MaxIDBytes},
		{"data", len(e.Data), events.MaxPayloadBytes},
	} {
		if f.n > f.max {
			return fieldErr(f.name, "%d bytes, more than the %d a ledger holds", f.n, f.max)
		}
	}
	return nil
}
