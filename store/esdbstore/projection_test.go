package esdbstore_test

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
	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

// A projection follows the cluster through the runner while the server
// restarts: the cases appended after the restart are folded, none twice.
func TestProjectionFollowsAcrossARestart(t *testing.T) {
	ctx := context.Background()
	srv := esdbtest.New(t)
	s := open(t, srv.URL())
	l, err := ledger.New(ctx, s, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	story := eventstest.New()
	appendAll := func(drafts ...events.Draft) {
		t.Helper()
		for _, d := range drafts {
			var err error
			for range 100 { // the server may be coming back
				if _, err = l.Append(ctx, d.Stream, ledger.Any, d); err == nil {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err != nil {
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

	tl := timeliness.New(timeliness.Config{})
	reg := projections.NewRegistry()
	if err := reg.Register(tl); err != nil {
		t.Fatal(err)
	}
	cps := &projections.MemCheckpoints{}
	r, err := projections.NewRunner(projections.RunnerConfig{Source: replay.Events(s), Checkpoints: cps, Idle: 10 * time.Millisecond}, reg)
	if err != nil {
		t.Fatal(err)
	}
	fctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Follow(fctx) }()
	waitFor := func(head uint64) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			raw, ok, _ := cps.Get(ctx, []byte("projection/timeliness"))
			if cp, err := projections.DecodeCheckpoint(raw); ok && err == nil && cp.Position == head {
				return
			}
			select {
			case <-deadline:
				t.Fatalf("the runner did not reach position %d", head)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	head, _ := s.Head(ctx)
	waitFor(head)

	srv.Stop()
	time.Sleep(50 * time.Millisecond)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	appendAll(report("C-2")...)
	appendAll(report("C-3")...)
	head, _ = s.Head(ctx)
	waitFor(head)
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v", err)
	}
	if got := tl.Units(); len(got) != 1 || got[0].Cases != 3 || got[0].Resolved != 3 {
		t.Fatalf("units after following across the restart: %+v", got)
	}
}
