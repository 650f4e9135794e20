package esdbtest_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

func TestAppendReadRoundTrip(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 26, 53, 589793200, time.UTC)
	srv := start(t, esdbtest.Config{Now: func() time.Time { return now }})
	c := newClient(t, srv.URL())
	ctx := testCtx(t)

	evs := events("RequestFiled", 3)
	evs[2].ContentType = esdb.ContentTypeBinary
	res, err := c.AppendToStream(ctx, "case-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs...)
	if err != nil {
		t.Fatal(err)
	}
	if res.NextExpectedVersion != 2 {
		t.Errorf("next expected version = %d, want 2", res.NextExpectedVersion)
	}

	got := readStream(t, c, "case-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 100)
	if len(got) != 3 {
		t.Fatalf("read %d events, want 3", len(got))
	}
	var prev uint64
	for i, re := range got {
		e := re.Event
		if e.EventID != evs[i].EventID {
			t.Errorf("event %d: id %s, want %s", i, e.EventID, evs[i].EventID)
		}
		if e.StreamID != "case-1" || e.EventNumber != uint64(i) || e.EventType != "RequestFiled" {
			t.Errorf("event %d: %s@%d %s", i, e.StreamID, e.EventNumber, e.EventType)
		}
		if !bytes.Equal(e.Data, evs[i].Data) || !bytes.Equal(e.UserMetadata, evs[i].Metadata) {
			t.Errorf("event %d: data %q meta %q", i, e.Data, e.UserMetadata)
		}
		if !e.CreatedDate.Equal(now.Truncate(100 * time.Nanosecond)) {
			t.Errorf("event %d: created %v, want %v", i, e.CreatedDate, now)
		}
		if e.Position.Commit != e.Position.Prepare || e.Position.Commit <= prev {
			t.Errorf("event %d: position %+v after %d", i, e.Position, prev)
		}
		prev = e.Position.Commit
	}
	if got[0].Event.ContentType != "application/json" || got[2].Event.ContentType != "application/octet-stream" {
		t.Errorf("content types %q, %q", got[0].Event.ContentType, got[2].Event.ContentType)
	}
	if res.CommitPosition != got[2].Event.Position.Commit || res.PreparePosition != got[2].Event.Position.Prepare {
		t.Errorf("append position %d/%d, last event at %+v", res.CommitPosition, res.PreparePosition, got[2].Event.Position)
	}

	back := readStream(t, c, "case-1", esdb.ReadStreamOptions{From: esdb.End{}, Direction: esdb.Backwards}, 2)
	if len(back) != 2 || back[0].Event.EventNumber != 2 || back[1].Event.EventNumber != 1 {
		t.Errorf("backwards from end: %v", ids(back))
	}
	mid := readStream(t, c, "case-1", esdb.ReadStreamOptions{From: esdb.Revision(1)}, 100)
	if !equalIDs(ids(mid), dataIDs(evs[1:])) {
		t.Errorf("forwards from revision 1: %v", ids(mid))
	}
	midBack := readStream(t, c, "case-1", esdb.ReadStreamOptions{From: esdb.Revision(1), Direction: esdb.Backwards}, 100)
	if !equalIDs(ids(midBack), dataIDs([]esdb.EventData{evs[1], evs[0]})) {
		t.Errorf("backwards from revision 1: %v", ids(midBack))
	}
}

func TestExpectedRevision(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	if _, err := c.AppendToStream(ctx, "existing", esdb.AppendToStreamOptions{}, events("E", 2)...); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		stream string
		exp    esdb.ExpectedRevision
		ok     bool
	}{
		{"any on missing", "missing-1", esdb.Any{}, true},
		{"any on existing", "existing", esdb.Any{}, true},
		{"no stream on missing", "missing-2", esdb.NoStream{}, true},
		{"no stream on existing", "existing", esdb.NoStream{}, false},
		{"stream exists on missing", "missing-3", esdb.StreamExists{}, false},
		{"stream exists on existing", "existing", esdb.StreamExists{}, true},
		{"exact on missing", "missing-4", esdb.Revision(0), false},
		{"stale exact", "existing", esdb.Revision(0), false},
		{"future exact", "existing", esdb.Revision(9), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AppendToStream(ctx, tt.stream, esdb.AppendToStreamOptions{ExpectedRevision: tt.exp}, event("E", 0))
			if tt.ok && err != nil {
				t.Fatalf("append: %v", err)
			}
			if !tt.ok && !isCode(err, esdb.ErrorCodeWrongExpectedVersion) {
				t.Fatalf("append: %v, want wrong expected version", err)
			}
		})
	}
	// The stream now has revisions 0..3 (two, then any, then stream exists).
	_, err := c.AppendToStream(ctx, "existing", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(3)}, event("E", 0))
	if err != nil {
		t.Fatalf("append at the current revision: %v", err)
	}
	_, err = c.AppendToStream(ctx, "existing", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(3)}, event("E", 0))
	if !isCode(err, esdb.ErrorCodeWrongExpectedVersion) || !strings.Contains(err.Error(), "expecting '3' but got '4'") {
		t.Fatalf("stale append: %v", err)
	}
}

func TestConcurrentWritersOneWinnerPerRevision(t *testing.T) {
	srv := esdbtest.New(t)
	ctx := testCtx(t)
	const writers, rounds = 4, 5
	clients := make([]*esdb.Client, writers)
	for i := range clients {
		clients[i] = newClient(t, srv.URL())
	}
	var want []esdb.EventData
	for round := range rounds {
		var exp esdb.ExpectedRevision = esdb.Revision(uint64(round - 1))
		if round == 0 {
			exp = esdb.NoStream{}
		}
		evs := make([]esdb.EventData, writers)
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			evs[w] = event("Decided", w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[w] = clients[w].AppendToStream(ctx, "contended", esdb.AppendToStreamOptions{ExpectedRevision: exp}, evs[w])
			}()
		}
		wg.Wait()
		winners := 0
		for w, err := range errs {
			switch {
			case err == nil:
				winners++
				want = append(want, evs[w])
			case !isCode(err, esdb.ErrorCodeWrongExpectedVersion):
				t.Fatalf("round %d writer %d: %v", round, w, err)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners, want 1", round, winners)
		}
	}
	got := readStream(t, clients[0], "contended", esdb.ReadStreamOptions{From: esdb.Start{}}, 100)
	if !equalIDs(ids(got), dataIDs(want)) {
		t.Fatalf("stream holds %v, winners were %v", ids(got), dataIDs(want))
	}
}

func TestIdempotentResend(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	evs := events("Filed", 2)
	first, err := c.AppendToStream(ctx, "idem", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs...)
	if err != nil {
		t.Fatal(err)
	}
	more := event("Filed", 9)
	if _, err := c.AppendToStream(ctx, "idem", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(1)}, more); err != nil {
		t.Fatal(err)
	}

	t.Run("same expected revision", func(t *testing.T) {
		again, err := c.AppendToStream(ctx, "idem", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs...)
		if err != nil {
			t.Fatalf("re-send: %v", err)
		}
		if again.NextExpectedVersion != first.NextExpectedVersion || again.CommitPosition != first.CommitPosition {
			t.Errorf("re-send acknowledged %+v, first append %+v", again, first)
		}
	})
	t.Run("any", func(t *testing.T) {
		if _, err := c.AppendToStream(ctx, "idem", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}}, evs...); err != nil {
			t.Fatalf("re-send with any: %v", err)
		}
	})
	t.Run("partial match is a conflict", func(t *testing.T) {
		_, err := c.AppendToStream(ctx, "idem", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs[0], event("Filed", 5))
		if !isCode(err, esdb.ErrorCodeWrongExpectedVersion) {
			t.Fatalf("partial re-send: %v", err)
		}
	})
	t.Run("new IDs at a stale revision are a conflict", func(t *testing.T) {
		_, err := c.AppendToStream(ctx, "idem", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, event("Filed", 6))
		if !isCode(err, esdb.ErrorCodeWrongExpectedVersion) {
			t.Fatalf("stale append: %v", err)
		}
	})
	got := readStream(t, c, "idem", esdb.ReadStreamOptions{From: esdb.Start{}}, 100)
	if !equalIDs(ids(got), dataIDs(append(evs, more))) {
		t.Fatalf("stream holds %v", ids(got))
	}
}

func TestMaxAppendSize(t *testing.T) {
	srv := start(t, esdbtest.Config{MaxAppendSize: 1000})
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	big := event("Big", 0)
	big.Data = bytes.Repeat([]byte("x"), 600)
	_, err := c.AppendToStream(ctx, "big", esdb.AppendToStreamOptions{}, big, big)
	if err == nil || !strings.Contains(err.Error(), "Maximum Append Size of 1000 Exceeded") {
		t.Fatalf("oversized append: %v", err)
	}
	rs, err := c.ReadStream(ctx, "big", esdb.ReadStreamOptions{}, 10)
	if _, err := drain(t, rs, err); !isCode(err, esdb.ErrorCodeResourceNotFound) {
		t.Fatalf("oversized append wrote something: %v", err)
	}
	if _, err := c.AppendToStream(ctx, "big", esdb.AppendToStreamOptions{}, big); err != nil {
		t.Fatalf("append under the limit: %v", err)
	}
}

func TestStreamNotFound(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	for _, dir := range []esdb.Direction{esdb.Forwards, esdb.Backwards} {
		rs, err := c.ReadStream(testCtx(t), "nobody", esdb.ReadStreamOptions{Direction: dir}, 10)
		evs, err := drain(t, rs, err)
		if !isCode(err, esdb.ErrorCodeResourceNotFound) || len(evs) != 0 {
			t.Errorf("direction %v: %d events, err %v", dir, len(evs), err)
		}
	}
}

func TestReadAllWithSystemEvents(t *testing.T) {
	srv := esdbtest.New(t)
	c := newClient(t, srv.URL())
	ctx := testCtx(t)
	a, b := events("A", 2), events("B", 2)
	if _, err := c.AppendToStream(ctx, "case-a", esdb.AppendToStreamOptions{}, a[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendToStream(ctx, "case-b", esdb.AppendToStreamOptions{}, b...); err != nil {
		t.Fatal(err)
	}
	srv.WriteStats()
	if _, err := c.AppendToStream(ctx, "case-a", esdb.AppendToStreamOptions{}, a[1]); err != nil {
		t.Fatal(err)
	}

	fwd := readAll(t, c, esdb.ReadAllOptions{From: esdb.Start{}}, 1000)
	var user []*esdb.ResolvedEvent
	system := 0
	for i, e := range fwd {
		if i == 0 && e.Event.Position.Commit == 0 {
			t.Error("$all starts at position 0")
		}
		if i > 0 && e.Event.Position.Commit <= fwd[i-1].Event.Position.Commit {
			t.Errorf("$all position %d after %d", e.Event.Position.Commit, fwd[i-1].Event.Position.Commit)
		}
		if e.Commit == nil || *e.Commit != e.Event.Position.Commit {
			t.Errorf("event %d: resolved commit %v", i, e.Commit)
		}
		if strings.HasPrefix(e.Event.StreamID, "$") {
			system++
		} else {
			user = append(user, e)
		}
	}
	if system < 4 {
		t.Errorf("%d system events in $all, want the startup ones and the stats", system)
	}
	if !equalIDs(ids(user), dataIDs([]esdb.EventData{a[0], b[0], b[1], a[1]})) {
		t.Errorf("user events in $all: %v", ids(user))
	}

	back := readAll(t, c, esdb.ReadAllOptions{From: esdb.End{}, Direction: esdb.Backwards}, 1000)
	if len(back) != len(fwd) {
		t.Fatalf("backwards read %d events, forwards %d", len(back), len(fwd))
	}
	for i := range back {
		if back[i].Event.EventID != fwd[len(fwd)-1-i].Event.EventID {
			t.Fatalf("backwards read is not forwards reversed at %d", i)
		}
	}

	at := user[1].Event.Position
	from := readAll(t, c, esdb.ReadAllOptions{From: at}, 2)
	if len(from) != 2 || from[0].Event.EventID != b[0].EventID || from[1].Event.EventID != b[1].EventID {
		t.Errorf("forwards from %+v: %v", at, ids(from))
	}
	before := readAll(t, c, esdb.ReadAllOptions{From: at, Direction: esdb.Backwards}, 1)
	if len(before) != 1 || before[0].Event.EventID != a[0].EventID {
		t.Errorf("backwards from %+v: %v", at, ids(before))
	}
	if end := readAll(t, c, esdb.ReadAllOptions{From: esdb.End{}}, 10); len(end) != 0 {
		t.Errorf("forwards from end: %d events", len(end))
	}
}
