package pebblestore

import (
	"context"
	"errors"
	"testing"

	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/storetest"
)

// TestGroupFailsAlone commits one group by hand: requests that fail
// validation against the stored state or against earlier requests of the
// same group fail alone, the others commit in one batch.
func TestGroupFailsAlone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	x := storetest.Chain("case/x", 1)
	if _, err := s.Append(ctx, storetest.StreamAppend(x)); err != nil {
		t.Fatal(err)
	}

	a := storetest.Chain("case/a", 2)
	b := storetest.Chain("case/b", 1)
	reuse := storetest.Chain("case/c", 1)
	reuse[0].ID = a[1].ID
	reuse[0].Seal(reuse[0].PrevHash)
	req := func(appends ...store.StreamAppend) *request {
		t.Helper()
		r, err := encode(appends)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	reqs := []*request{
		req(storetest.StreamAppend(a)),                                                       // positions 2, 3
		req(storetest.StreamAppend(storetest.Chain("case/a", 1))),                            // a moved in this group
		req(storetest.StreamAppend(b), storetest.StreamAppend(storetest.Chain("case/x", 1))), // x exists: whole call fails
		req(storetest.StreamAppend(reuse)),                                                   // id written earlier in this group
		req(storetest.StreamAppend(a)),                                                       // re-send of the first request
		req(storetest.StreamAppend(b)),                                                       // position 4
	}
	w := newWriter(s, s.head.Load())
	g := w.commit(reqs)
	if g.batch == nil {
		t.Fatal("nothing was applied")
	}
	in := make(chan *group, 1)
	in <- g
	close(in)
	s.complete(in)

	want := []struct {
		err error
		res store.AppendResult
	}{
		{nil, store.AppendResult{Stream: "case/a", FirstPosition: 2, LastPosition: 3}},
		{store.ErrWrongExpectedVersion, store.AppendResult{}},
		{store.ErrWrongExpectedVersion, store.AppendResult{}},
		{store.ErrDuplicateID, store.AppendResult{}},
		{nil, store.AppendResult{Stream: "case/a", FirstPosition: 2, LastPosition: 3, Duplicate: true}},
		{nil, store.AppendResult{Stream: "case/b", FirstPosition: 4, LastPosition: 4}},
	}
	for i, r := range reqs {
		<-r.done
		if want[i].err != nil {
			if !errors.Is(r.err, want[i].err) {
				t.Fatalf("request %d: err = %v, want %v", i, r.err, want[i].err)
			}
			continue
		}
		if r.err != nil || len(r.res) != 1 || r.res[0] != want[i].res {
			t.Fatalf("request %d: %+v %v, want %+v", i, r.res, r.err, want[i].res)
		}
	}
	if h, _ := s.Head(ctx); h != 4 {
		t.Fatalf("Head = %d, want 4", h)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var streams []string
	if err := s.ReadAll(ctx, 1, func(r store.Record) error {
		streams = append(streams, r.Event.Stream)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(streams) != 4 || streams[1] != "case/a" || streams[2] != "case/a" || streams[3] != "case/b" {
		t.Fatalf("stored streams %v, want case/x case/a case/a case/b", streams)
	}
}
