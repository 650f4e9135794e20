package esdbtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

// fastFail makes a client give up discovery quickly when the server is down.
const fastFail = "&maxDiscoverAttempts=2&discoveryInterval=10&gossipTimeout=2"

func newClient(t *testing.T, url string) *esdb.Client {
	t.Helper()
	cfg, err := esdb.ParseConnectionString(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func event(typ string, n int) esdb.EventData {
	return esdb.EventData{
		EventID:     uuid.New(),
		EventType:   typ,
		ContentType: esdb.ContentTypeJson,
		Data:        []byte(fmt.Sprintf(`{"n":%d}`, n)),
		Metadata:    []byte(fmt.Sprintf(`{"actor":"clerk-%d"}`, n)),
	}
}

func events(typ string, n int) []esdb.EventData {
	evs := make([]esdb.EventData, n)
	for i := range evs {
		evs[i] = event(typ, i)
	}
	return evs
}

func drain(t *testing.T, rs *esdb.ReadStream, err error) ([]*esdb.ResolvedEvent, error) {
	t.Helper()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdb.ResolvedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func readStream(t *testing.T, c *esdb.Client, name string, opts esdb.ReadStreamOptions, count uint64) []*esdb.ResolvedEvent {
	t.Helper()
	rs, err := c.ReadStream(testCtx(t), name, opts, count)
	evs, err := drain(t, rs, err)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return evs
}

func readAll(t *testing.T, c *esdb.Client, opts esdb.ReadAllOptions, count uint64) []*esdb.ResolvedEvent {
	t.Helper()
	rs, err := c.ReadAll(testCtx(t), opts, count)
	evs, err := drain(t, rs, err)
	if err != nil {
		t.Fatalf("read $all: %v", err)
	}
	return evs
}

func isCode(err error, code esdb.ErrorCode) bool {
	var e *esdb.Error
	return errors.As(err, &e) && e.Code() == code
}

func ids(evs []*esdb.ResolvedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.Event.EventID
	}
	return out
}

func dataIDs(evs []esdb.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

func equalIDs(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func start(t *testing.T, cfg esdbtest.Config) *esdbtest.Server {
	t.Helper()
	s, err := esdbtest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// next receives the next subscription event that is not a checkpoint or
// caught-up signal.
func next(t *testing.T, sub *esdb.Subscription) *esdb.ResolvedEvent {
	t.Helper()
	for {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			t.Fatalf("subscription dropped: %v", ev.SubscriptionDropped.Error)
		case ev.EventAppeared != nil:
			return ev.EventAppeared
		}
	}
}
