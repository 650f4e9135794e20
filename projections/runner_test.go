package projections_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/projectiontest"
)

// source is an in-memory ledger: events at positions 1..n, with a Follow
// that wakes on append.
type source struct {
	mu    sync.Mutex
	evs   []events.Event
	wake  chan struct{}
	reads atomic.Int64
}

func newSource(evs []events.Event) *source { return &source{evs: evs, wake: make(chan struct{})} }

func (s *source) Head(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint64(len(s.evs)), nil
}

func (s *source) append(evs ...events.Event) {
	s.mu.Lock()
	s.evs = append(s.evs, evs...)
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *source) ReadAll(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error {
	s.mu.Lock()
	evs := s.evs
	s.mu.Unlock()
	if from == 0 {
		from = 1
	}
	for pos := from; pos <= uint64(len(evs)); pos++ {
		s.reads.Add(1)
		e := evs[pos-1]
		e.Data = append([]byte(nil), e.Data...)
		if err := fn(pos, &e); err != nil {
			return err
		}
		for i := range e.Data { // the bytes are the source's again: scribble
			e.Data[i] = 'x'
		}
	}
	return nil
}

func (s *source) Follow(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error {
	for {
		s.mu.Lock()
		n, wake := uint64(len(s.evs)), s.wake
		s.mu.Unlock()
		if from <= n {
			if err := s.ReadAll(ctx, from, func(pos uint64, e *events.Event) error {
				if pos > n {
					return nil
				}
				return fn(pos, e)
			}); err != nil {
				return err
			}
			from = n + 1
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// counter counts events by type and the categories it saw; it can be told
// to fail or panic at a position.
type counter struct {
	name    string
	types   []string
	failAt  uint64
	panicAt uint64
	applied int
	state   map[string]int
	last    uint64
}

func newCounter(name string, types ...string) *counter {
	return &counter{name: name, types: types, state: map[string]int{}}
}

func (c *counter) Name() string { return c.name }

func (c *counter) Apply(pos uint64, e *events.Event, p events.Payload) error {
	if pos <= c.last {
		return fmt.Errorf("position %d after %d", pos, c.last)
	}
	c.last = pos
	if pos == c.failAt {
		return errors.New("refused on purpose")
	}
	if pos == c.panicAt {
		panic("boom")
	}
	c.applied++
	if p == nil || !slices.Contains(c.Types(), e.Type) {
		return nil
	}
	c.state[e.Type]++
	if r, ok := p.(*events.CaseReported); ok {
		c.state["category:"+r.Category]++
	}
	return nil
}

// Types is the filter, every catalogued type if none was given.
func (c *counter) Types() []string {
	if len(c.types) == 0 {
		return events.Types()
	}
	return c.types
}

func (c *counter) MarshalState() ([]byte, error) {
	var b strings.Builder
	for _, k := range sortedKeys(c.state) {
		fmt.Fprintf(&b, "%s=%d\n", k, c.state[k])
	}
	fmt.Fprintf(&b, "last=%d\n", c.last)
	return []byte(b.String()), nil
}

func (c *counter) UnmarshalState(b []byte) error {
	c.state = map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		var n int
		if _, err := fmt.Sscan(v, &n); !ok || err != nil {
			c.state = map[string]int{}
			return fmt.Errorf("bad line %q", line)
		}
		if k == "last" {
			c.last = uint64(n)
			continue
		}
		c.state[k] = n
	}
	return nil
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func story(t *testing.T, cases int) []events.Event {
	s := eventstest.New()
	s.District()
	for i := range cases {
		c := s.Case(fmt.Sprintf("C-%d", i))
		c.Reported(events.ChannelHotline, eventstest.Pothole)
		c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
		c.Accepted(eventstest.Roads)
		c.Resolved(eventstest.Roads, events.OutcomeFixed)
	}
	return projectiontest.Events(t, s.Drafts())
}

func registry(t *testing.T, ps ...projections.Projection) *projections.Registry {
	reg := projections.NewRegistry()
	for _, p := range ps {
		if err := reg.Register(p); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

func TestKitOnCounter(t *testing.T) {
	projectiontest.Run(t, func() projections.Projection {
		return newCounter("counter/v1", events.TypeCaseReported, events.TypeCaseResolved)
	}, story(t, 3))
}

func TestRegistryRefusesDuplicatesAndBadNames(t *testing.T) {
	reg := projections.NewRegistry()
	if err := reg.Register(newCounter("counter/v1")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want error
	}{
		{"counter/v2", projections.ErrDuplicate},
		{"counter/v1", projections.ErrDuplicate},
		{"counter", projections.ErrName},
		{"Counter/v1", projections.ErrName},
		{"other/v0", projections.ErrName},
		{"other/1", projections.ErrName},
		{"other/v01", projections.ErrName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := reg.Register(newCounter(tc.name)); !errors.Is(err, tc.want) {
				t.Fatalf("Register(%q) = %v, want %v", tc.name, err, tc.want)
			}
		})
	}
	if _, err := reg.Get("counter"); err != nil {
		t.Errorf("Get by base name: %v", err)
	}
	if _, err := reg.Get("counter/v2"); !errors.Is(err, projections.ErrUnknown) {
		t.Errorf("Get of another version = %v, want ErrUnknown", err)
	}
}

func TestRunnerDecodesOnceAndFeedsEvery(t *testing.T) {
	evs := story(t, 50)
	a := newCounter("a/v1", events.TypeCaseReported)
	b := newCounter("b/v1", events.TypeCaseReported, events.TypeCaseResolved)
	var decoded atomic.Int64
	r, err := projections.NewRunner(projections.RunnerConfig{
		Source: newSource(evs),
		Decode: func(typ string, schema uint16, data []byte) (events.Payload, error) {
			decoded.Add(1)
			return events.DecodePayload(typ, schema, data)
		},
	}, registry(t, a, b))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.state[events.TypeCaseReported] != 50 || b.state[events.TypeCaseResolved] != 50 || b.state["category:"+eventstest.Pothole] != 50 {
		t.Fatalf("states a=%v b=%v", a.state, b.state)
	}
	if got := decoded.Load(); got != 100 {
		t.Errorf("decoded %d payloads, want 100 (50 reported + 50 resolved, each once)", got)
	}
	for _, st := range r.Status() {
		if st.Position != uint64(len(evs)) || st.Err != nil {
			t.Errorf("status %+v, want position %d and no error", st, len(evs))
		}
	}
}

func TestRunnerResumesFromCheckpoint(t *testing.T) {
	evs := story(t, 40)
	src := newSource(evs[:100])
	cps := &projections.MemCheckpoints{}
	run := func(p *counter) *projections.Runner {
		r, err := projections.NewRunner(projections.RunnerConfig{Source: src, Checkpoints: cps}, registry(t, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := newCounter("c/v1")
	run(first)
	src.append(evs[100:]...)
	second := newCounter("c/v1")
	r := run(second)
	if second.applied != len(evs)-100 {
		t.Errorf("resumed run applied %d events, want %d", second.applied, len(evs)-100)
	}
	full := newCounter("c/v1")
	projectiontest.Apply(t, full, evs)
	want, _ := projections.Digest(full)
	st := r.Status()[0]
	if st.Digest != want || st.Position != uint64(len(evs)) || st.Checkpoint != uint64(len(evs)) {
		t.Errorf("status %+v, want digest %s at %d", st, want, len(evs))
	}

	t.Run("new version rebuilds from 0", func(t *testing.T) {
		v2 := newCounter("c/v2")
		r := run(v2)
		if v2.applied != len(evs) {
			t.Errorf("v2 applied %d, want all %d", v2.applied, len(evs))
		}
		if got := r.Status()[0].Rebuilt; got != "version changed from c/v1" {
			t.Errorf("Rebuilt = %q", got)
		}
	})
	t.Run("unreadable checkpoint rebuilds from 0", func(t *testing.T) {
		_ = cps.Put(context.Background(), []byte("projection/c"), []byte("GLCP\x02garbage"))
		p := newCounter("c/v2")
		r := run(p)
		if p.applied != len(evs) || !strings.Contains(r.Status()[0].Rebuilt, "checkpoint unreadable") {
			t.Errorf("applied %d, rebuilt %q", p.applied, r.Status()[0].Rebuilt)
		}
	})
}

func TestRunnerStopsAProjectionAtItsError(t *testing.T) {
	evs := story(t, 10)
	for _, tc := range []struct {
		name string
		set  func(*counter)
		want string
	}{
		{"error", func(c *counter) { c.failAt = 17 }, "refused on purpose"},
		{"panic", func(c *counter) { c.panicAt = 17 }, "panic: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, good := newCounter("bad/v1"), newCounter("good/v1")
			tc.set(bad)
			cps := &projections.MemCheckpoints{}
			r, _ := projections.NewRunner(projections.RunnerConfig{Source: newSource(evs), Checkpoints: cps}, registry(t, bad, good))
			err := r.Run(context.Background())
			var ae *projections.ApplyError
			if !errors.As(err, &ae) || ae.Position != 17 || ae.Projection != "bad/v1" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an ApplyError of bad/v1 at 17", err)
			}
			if !errors.Is(err, projections.ErrApply) {
				t.Errorf("error does not unwrap to ErrApply")
			}
			st := r.Status()
			if st[0].Position != 16 || st[0].Err == nil || st[0].Digest != "" {
				t.Errorf("bad status %+v, want stopped at 16 with no digest", st[0])
			}
			if st[1].Position != uint64(len(evs)) || st[1].Err != nil {
				t.Errorf("good status %+v, want it ran to the end", st[1])
			}
			if bad.applied != 16 || good.applied != len(evs) {
				t.Errorf("applied bad=%d good=%d", bad.applied, good.applied)
			}
			if _, ok, _ := cps.Get(context.Background(), []byte("projection/bad")); ok {
				t.Errorf("a stopped projection's state was checkpointed")
			}
		})
	}
}

func TestRunnerCutoff(t *testing.T) {
	evs := story(t, 10)
	cps := &projections.MemCheckpoints{}
	full := newCounter("c/v1")
	r, _ := projections.NewRunner(projections.RunnerConfig{Source: newSource(evs), Checkpoints: cps}, registry(t, full))
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	cut := newCounter("c/v1")
	r2, _ := projections.NewRunner(projections.RunnerConfig{Source: newSource(evs), Checkpoints: cps}, registry(t, cut))
	if err := r2.RunTo(context.Background(), 20); err != nil {
		t.Fatal(err)
	}
	want := newCounter("c/v1")
	projectiontest.Apply(t, want, evs[:20])
	if d, _ := projections.Digest(want); r2.Status()[0].Digest != d || r2.Status()[0].Position != 20 {
		t.Errorf("cutoff status %+v, want digest %s at 20", r2.Status()[0], d)
	}
	if r2.Status()[0].Rebuilt == "" {
		t.Errorf("a checkpoint past the cutoff was resumed")
	}
}

func TestRunnerFollowsLiveAppends(t *testing.T) {
	evs := story(t, 20)
	src := newSource(evs[:30])
	cps := &projections.MemCheckpoints{}
	c := newCounter("c/v1")
	r, _ := projections.NewRunner(projections.RunnerConfig{Source: src, Checkpoints: cps, Idle: 20 * time.Millisecond}, registry(t, c))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Follow(ctx) }()
	src.append(evs[30:60]...)
	src.append(evs[60:]...)
	deadline := time.After(10 * time.Second)
	for {
		raw, ok, _ := cps.Get(context.Background(), []byte("projection/c"))
		if ok {
			if cp, err := projections.DecodeCheckpoint(raw); err == nil && cp.Position == uint64(len(evs)) {
				break // checkpointed while idle, before being stopped
			}
		}
		select {
		case <-deadline:
			t.Fatal("follow did not reach the head and checkpoint it")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v, want context.Canceled", err)
	}
	if c.state[events.TypeCaseReported] != 20 {
		t.Errorf("followed %d reports, want 20", c.state[events.TypeCaseReported])
	}
}

type configured struct {
	*counter
	fp string
}

func (c configured) ConfigFingerprint() string { return c.fp }

func TestRunnerRebuildsWhenConfigurationChanges(t *testing.T) {
	evs := story(t, 5)
	cps := &projections.MemCheckpoints{}
	run := func(p configured) *projections.Runner {
		r, _ := projections.NewRunner(projections.RunnerConfig{Source: newSource(evs), Checkpoints: cps}, registry(t, p))
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return r
	}
	run(configured{newCounter("c/v1"), "zone=Asia/Shanghai"})
	same := configured{newCounter("c/v1"), "zone=Asia/Shanghai"}
	run(same)
	if same.applied != 0 {
		t.Errorf("same configuration: applied %d, want a resume with nothing to do", same.applied)
	}
	other := configured{newCounter("c/v1"), "zone=UTC"}
	r := run(other)
	if other.applied != len(evs) || r.Status()[0].Rebuilt != "configuration changed" {
		t.Errorf("changed configuration: applied %d, rebuilt %q", other.applied, r.Status()[0].Rebuilt)
	}
}

// big has a state of several checkpoint chunks: the events it saw, padded.
type big struct{ n int }

func (b *big) Name() string { return "big/v1" }
func (b *big) Apply(uint64, *events.Event, events.Payload) error {
	b.n++
	return nil
}
func (b *big) MarshalState() ([]byte, error) {
	out := bytes.Repeat([]byte{'x'}, 2*projections.ChunkBytes+100)
	return append(out, fmt.Sprint(b.n)...), nil
}
func (b *big) UnmarshalState(s []byte) error {
	if len(s) < 2*projections.ChunkBytes+100 {
		return errors.New("short")
	}
	_, err := fmt.Sscan(string(s[2*projections.ChunkBytes+100:]), &b.n)
	return err
}

func TestCheckpointsAreChunkedAndReplaced(t *testing.T) {
	ctx := context.Background()
	evs := story(t, 10)
	src := newSource(evs[:20])
	cps := &projections.MemCheckpoints{}
	run := func() (*big, *projections.Runner) {
		b := &big{}
		r, _ := projections.NewRunner(projections.RunnerConfig{Source: src, Checkpoints: cps}, registry(t, b))
		if err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
		return b, r
	}
	run()
	cp, ok, err := projections.ReadCheckpoint(ctx, cps, "big")
	if err != nil || !ok || cp.Chunks != 3 || cp.Generation != 1 || cp.Position != 20 {
		t.Fatalf("checkpoint %+v %v %v, want 3 chunks of generation 1 at 20", cp.Digest, ok, err)
	}
	src.append(evs[20:]...)
	b, _ := run()
	if b.n != len(evs) {
		t.Fatalf("resumed count %d, want %d", b.n, len(evs))
	}
	for i := range uint64(3) {
		if _, ok, _ := cps.Get(ctx, fmt.Appendf(nil, "projection/big/%016x/%016x", 1, i)); ok {
			t.Errorf("chunk %d of the replaced generation is still there", i)
		}
	}
	// A missing chunk makes the checkpoint unreadable: rebuilt, not trusted.
	if err := cps.Delete(ctx, fmt.Appendf(nil, "projection/big/%016x/%016x", 2, 1)); err != nil {
		t.Fatal(err)
	}
	b, r := run()
	if b.n != len(evs) || !strings.Contains(r.Status()[0].Rebuilt, "chunk 1 of 3 is missing") {
		t.Fatalf("after losing a chunk: count %d, status %+v", b.n, r.Status()[0])
	}
}

// A payload of a known type that does not decode stops the run at its
// position: the ledger holds an event its own write side would refuse.
func TestRunnerStopsAtAnUndecodablePayload(t *testing.T) {
	evs := story(t, 5)
	bad := slices.Clone(evs)
	for i := range bad {
		if bad[i].Type == events.TypeCaseResolved {
			bad[i].Data = []byte(`{"unit":`)
			c := newCounter("c/v1")
			r, _ := projections.NewRunner(projections.RunnerConfig{Source: newSource(bad)}, registry(t, c))
			err := r.Run(context.Background())
			var de *projections.DecodeError
			if !errors.As(err, &de) || de.Position != uint64(i+1) || de.Type != events.TypeCaseResolved {
				t.Fatalf("Run = %v, want a DecodeError at position %d", err, i+1)
			}
			return
		}
	}
	t.Fatal("the story has no case.resolved")
}

// pollOnly is a source without Follow: the runner polls its head.
type pollOnly struct{ s *source }

func (p pollOnly) Head(ctx context.Context) (uint64, error) { return p.s.Head(ctx) }
func (p pollOnly) ReadAll(ctx context.Context, from uint64, fn func(uint64, *events.Event) error) error {
	return p.s.ReadAll(ctx, from, fn)
}

func TestRunnerFollowsASourceWithoutFollowByPolling(t *testing.T) {
	evs := story(t, 10)
	src := newSource(evs[:10])
	cps := &projections.MemCheckpoints{}
	c := newCounter("c/v1")
	r, _ := projections.NewRunner(projections.RunnerConfig{Source: pollOnly{src}, Checkpoints: cps, Idle: 20 * time.Millisecond}, registry(t, c))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Follow(ctx) }()
	src.append(evs[10:]...)
	deadline := time.After(10 * time.Second)
	for {
		if cp, ok, _ := projections.ReadCheckpoint(context.Background(), cps, "c"); ok && cp.Position == uint64(len(evs)) {
			break // polled to the head and checkpointed while idle
		}
		select {
		case <-deadline:
			t.Fatal("the runner did not poll its way to the head")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v", err)
	}
	if c.state[events.TypeCaseReported] != 10 {
		t.Errorf("followed %d reports, want 10", c.state[events.TypeCaseReported])
	}
}
