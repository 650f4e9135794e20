package xes

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/govledger/govledger/interop"
)

// FuzzReader reads arbitrary input: the reader must not panic, every error
// must be a *interop.SkipError or wrap interop.ErrInput, every attribute
// returned must be valid, and the scanner must not accept as a different
// structure what encoding/xml reads.
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xes")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		differ(t, data)
		r, err := NewReader(bytes.NewReader(data), ReaderConfig{MaxTokenBytes: 4096})
		if err != nil {
			if !errors.Is(err, interop.ErrInput) {
				t.Fatalf("NewReader: %v", err)
			}
			return
		}
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatal("Next does not end")
			}
			tr, err := r.Next()
			if err == io.EOF {
				break
			}
			var sk *interop.SkipError
			if errors.As(err, &sk) {
				continue
			}
			if err != nil {
				if !errors.Is(err, interop.ErrInput) {
					t.Fatalf("error %v does not wrap ErrInput", err)
				}
				if _, again := r.Next(); again == nil || again.Error() != err.Error() {
					t.Fatalf("error not sticky: %v then %v", err, again)
				}
				return
			}
			for i := range tr.Attributes {
				if err := tr.Attributes[i].Validate("trace"); err != nil {
					t.Fatal(err)
				}
			}
			for _, e := range tr.Events {
				for i := range e.Attributes {
					if err := e.Attributes[i].Validate("event"); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for i, a := range r.Log() {
			if err := a.Validate("log"); err != nil {
				t.Fatalf("log attribute %d: %v", i, err)
			}
		}
	})
}
