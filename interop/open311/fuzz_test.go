package open311_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/open311"
)

// FuzzReader feeds the reader arbitrary input: it must not panic, every
// error must wrap interop.ErrInput or be a *interop.SkipError, and every
// payload it returns must be valid. The seed corpus is in
// testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`{"service_requests":[{"service_request_id":"1","status":"closed","service_code":"x","requested_datetime":"2024-01-02T03:04:05Z","agency_responsible":"dpw","status_notes":"done"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, keep := range []bool{false, true} {
			r, err := open311.NewReader(bytes.NewReader(data), open311.ReaderConfig{KeepAddress: keep})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; ; i++ {
				if i > len(data)+1 {
					t.Fatalf("%d results from %d bytes: the reader does not advance", i, len(data))
				}
				tr, err := r.Next()
				if err == io.EOF {
					break
				}
				var se *interop.SkipError
				if errors.As(err, &se) {
					if se.Reason == "" {
						t.Fatalf("skip without a reason: %v", se)
					}
					continue
				}
				if err != nil {
					if !errors.Is(err, interop.ErrInput) {
						t.Fatalf("error %v does not wrap ErrInput", err)
					}
					break
				}
				if tr.Name == "" || len(tr.Events) == 0 {
					t.Fatalf("empty trace %+v", tr)
				}
				for _, e := range tr.Events {
					if err := e.Payload.Validate(); err != nil {
						t.Fatalf("trace %s: invalid payload: %v", tr.Name, err)
					}
					if err := e.Actor.Validate(); err != nil {
						t.Fatalf("trace %s: invalid actor: %v", tr.Name, err)
					}
					if err := events.CheckTime("time", e.Time, true); err != nil {
						t.Fatalf("trace %s: %v", tr.Name, err)
					}
				}
			}
		}
	})
}
