package csvlog_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/csvlog"
)

// FuzzReader reads arbitrary input: it must not panic, every error must
// wrap interop.ErrInput or be a *interop.SkipError, and every trace
// returned must be valid (payloads, times, units, attributes, stream name).
// The seed corpus is in testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	sample, err := os.ReadFile("testdata/nyc311-sample.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	m := csvlog.DefaultMapping()
	m.KeepAddress = true
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := csvlog.NewReader(bytes.NewReader(data), m)
		if err != nil {
			if !errors.Is(err, interop.ErrInput) {
				t.Fatalf("NewReader: %v does not wrap ErrInput", err)
			}
			return
		}
		for range len(data) + 2 {
			tr, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var skip *interop.SkipError
			if errors.As(err, &skip) {
				if skip.Reason == "" {
					t.Fatalf("skip without reason: %v", skip)
				}
				continue
			}
			if err != nil {
				if !errors.Is(err, interop.ErrInput) {
					t.Fatalf("Next: %v does not wrap ErrInput", err)
				}
				return
			}
			if len(tr.Events) == 0 || len(tr.Events) == 2 || len(tr.Events) > 3 {
				t.Fatalf("trace %q has %d events", tr.Name, len(tr.Events))
			}
			if err := checkTrace(tr); err != nil {
				t.Fatalf("trace %q: %v", tr.Name, err)
			}
		}
		t.Fatal("Next did not reach the end of the input")
	})
}
