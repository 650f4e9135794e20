package store

import (
	"context"
	"errors"
	"fmt"
)

// Sequential returns s with Append taking several streams in one call by
// appending them one after the other, for a backend that cannot commit
// several streams atomically (ErrMultiStream: a KurrentDB cluster). It is
// for writers that check a whole call before writing and re-send a call
// that failed (the ledger's importer, bulk loads): a failure part-way
// leaves the streams before it written, and re-sending the call completes
// it, the written part being acknowledged as an idempotent re-send. The
// error says how many streams were written. On a backend that appends
// several streams atomically, use it as it is.
func Sequential(s Store) Store { return sequential{s} }

type sequential struct{ Store }

func (q sequential) Append(ctx context.Context, appends ...StreamAppend) ([]AppendResult, error) {
	res, err := q.Store.Append(ctx, appends...)
	if len(appends) < 2 || !errors.Is(err, ErrMultiStream) {
		return res, err
	}
	if err := CheckAppend(appends); err != nil {
		return nil, err
	}
	out := make([]AppendResult, 0, len(appends))
	for i, a := range appends {
		r, err := q.Store.Append(ctx, a)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("%w (one stream at a time: %d of %d streams were written; re-send the call to complete it)", err, i, len(appends))
		}
		out = append(out, r[0])
	}
	return out, nil
}
