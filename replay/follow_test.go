package replay_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/timeliness"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store/memstore"
)

// The runner follows a live store through replay.Events: cases appended
// while it runs reach the projection, and a new runner over the same
// checkpoints resumes where it stopped.
func TestRunnerFollowsAStore(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	l, err := ledger.New(ctx, s, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	story := eventstest.New()
	appendAll := func(drafts ...events.Draft) {
		t.Helper()
		for _, d := range drafts {
			if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
				t.Fatalf("append %s: %v", d.Payload.EventType(), err)
			}
		}
	}
	appendAll(story.District()...)
	report := func(id string) []events.Draft {
		c := story.Case(id)
		return []events.Draft{c.Reported(events.ChannelHotline, eventstest.Pothole),
			c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule), c.Accepted(eventstest.Roads),
			c.Resolved(eventstest.Roads, events.OutcomeFixed)}
	}
	appendAll(report("C-1")...)

	cps := &projections.MemCheckpoints{}
	tl := timeliness.New(timeliness.Config{})
	reg := projections.NewRegistry()
	if err := reg.Register(tl); err != nil {
		t.Fatal(err)
	}
	r, err := projections.NewRunner(projections.RunnerConfig{Source: replay.Events(s), Checkpoints: cps, Idle: 10 * time.Millisecond}, reg)
	if err != nil {
		t.Fatal(err)
	}
	fctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Follow(fctx) }()
	appendAll(report("C-2")...)
	head, _ := s.Head(ctx)
	deadline := time.After(10 * time.Second)
	for {
		raw, ok, _ := cps.Get(ctx, []byte("projection/timeliness"))
		if cp, err := projections.DecodeCheckpoint(raw); ok && err == nil && cp.Position == head {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the runner did not follow the appends to the head")
		case <-time.After(5 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v", err)
	}
	if got := tl.Units(); len(got) != 1 || got[0].Cases != 2 || got[0].Resolved != 2 {
		t.Fatalf("units after following: %+v", got)
	}

	// A restart resumes from the checkpoint and folds only what is new.
	appendAll(report("C-3")...)
	again := timeliness.New(timeliness.Config{})
	reg2 := projections.NewRegistry()
	_ = reg2.Register(again)
	r2, _ := projections.NewRunner(projections.RunnerConfig{Source: replay.Events(s), Checkpoints: cps}, reg2)
	if err := r2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r2.Status()[0]; st.Rebuilt != "" || st.Position != head+4 {
		t.Fatalf("restart status %+v, want a resume to %d", st, head+4)
	}
	if got := again.Units(); len(got) != 1 || got[0].Cases != 3 {
		t.Fatalf("units after the restart: %+v", got)
	}
}
