package ledger_test

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
	"github.com/oklog/ulid/v2"
)

const crashChildEnv = "GOVLEDGER_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

// crashChild appends atomic two-stream batches from 8 goroutines until it
// is killed. Before each append it prints "TRY id..." and after the
// append is acknowledged "ACK id...", on unbuffered stdout.
func crashChild(dir string) {
	ctx := context.Background()
	s, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	keys, err := privacy.NewPebbleKeys(s, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child keys:", err)
		os.Exit(3)
	}
	l, err := ledger.New(ctx, s, ledger.Config{KeyStore: keys})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child ledger:", err)
		os.Exit(3)
	}
	// The district's drafts have fixed IDs: re-sending them after a
	// restart is an idempotent no-op.
	story := eventstest.New()
	for _, d := range story.District() {
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			fmt.Fprintln(os.Stderr, "child district:", err)
			os.Exit(3)
		}
	}
	// The Merkle log is kept beside the events, its nodes written
	// without waiting for the disk: a crash may lose its tail.
	side, err := s.Side(pebblestore.SideMerkle)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child side:", err)
		os.Exit(3)
	}
	if _, err := ledger.StartMerkle(ctx, s, side.Unsynced(), ledger.MerkleConfig{Poll: time.Millisecond}); err != nil {
		fmt.Fprintln(os.Stderr, "child merkle:", err)
		os.Exit(3)
	}
	fmt.Println("READY")
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			entropy := ulid.Monotonic(crand.Reader, 0)
			for {
				now := time.Now()
				var batches []ledger.Batch
				var ids []string
				for k := 0; k < 2; k++ {
					id := ulid.MustNew(ulid.Timestamp(now), entropy)
					c := eventstest.NewAt(now.In(eventstest.Zone)).Case("K-" + id.String())
					// A new citizen per case, with personal text: its key is
					// created by this call and must be durable with it.
					ds := []events.Draft{
						c.ReportedWith(&events.CaseReported{Channel: events.ChannelApp, Category: eventstest.Pothole,
							Location:    events.Location{Street: eventstest.Street1, Address: events.Plain("No. 7, " + id.String())},
							Reporter:    "S-" + id.String(),
							Description: events.Plain("pothole outside " + id.String()), DeadlinePolicy: "standard-5wd"}),
						c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule),
						c.Accepted(eventstest.Roads),
					}
					for i := range ds {
						ds[i].ID = ulid.MustNew(ulid.Timestamp(now), entropy)
						ids = append(ids, ds[i].ID.String())
					}
					batches = append(batches, ledger.Batch{Stream: c.Stream, Expect: ledger.NoStream, Drafts: ds})
				}
				line := strings.Join(ids, " ")
				out.Lock()
				fmt.Fprintln(os.Stdout, "TRY", line)
				out.Unlock()
				if _, err := l.AppendAtomic(ctx, batches...); err != nil {
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Fprintln(os.Stdout, "ACK", line)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestCrashRecovery kills an appending child process with SIGKILL at
// random moments, many times, and checks after each restart that every
// acknowledged event is present, every attempted atomic batch is wholly
// present or wholly absent, and the ledger verifies.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary many times")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	const rounds = 12
	totalAcked := 0
	for round := 0; round < rounds; round++ {
		tried, acked := runCrashChild(t, dir, time.Duration(20+rng.IntN(300))*time.Millisecond)
		totalAcked += len(acked)

		s, err := pebblestore.Open(dir, pebblestore.Config{})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		ctx := context.Background()
		present := func(id string) bool {
			u := ulid.MustParse(id)
			_, ok, err := s.Lookup(ctx, u)
			if err != nil {
				t.Fatalf("round %d: lookup %s: %v", round, id, err)
			}
			return ok
		}
		keys, err := privacy.NewPebbleKeys(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range acked {
			for _, id := range batch {
				if !present(id) {
					t.Fatalf("round %d: acknowledged event %s is missing after the crash", round, id)
				}
			}
			// The personal text of an acknowledged report opens: its key
			// survived the crash too.
			rec, _, err := s.Lookup(ctx, ulid.MustParse(batch[0]))
			if err != nil {
				t.Fatal(err)
			}
			p, err := rec.Event.Payload()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range events.PersonalFields(p) {
				if !f.Value.IsSealed() {
					t.Fatalf("round %d: %s of %s stored unsealed", round, f.Name, batch[0])
				}
				if _, err := privacy.Unseal(ctx, keys, rec.Event.ID, f); err != nil {
					t.Fatalf("round %d: acknowledged %s of %s does not open after the crash: %v", round, f.Name, batch[0], err)
				}
			}
		}
		for _, batch := range tried {
			n := 0
			for _, id := range batch {
				if present(id) {
					n++
				}
			}
			if n != 0 && n != len(batch) {
				t.Fatalf("round %d: atomic batch half-present after the crash: %d of %d events", round, n, len(batch))
			}
		}
		v := integrity.NewChainVerifier(1)
		err = s.ReadAll(ctx, 1, func(r store.Record) error {
			if fs := v.Check(r.Position, &r.Event); len(fs) > 0 {
				return fs[0]
			}
			return nil
		})
		if err != nil {
			t.Fatalf("round %d: verify after the crash: %v", round, err)
		}
		head, _ := s.Head(ctx)
		if head != v.Events() {
			t.Fatalf("round %d: head %d, but %d events read", round, head, v.Events())
		}
		// Whatever the crash left of the Merkle log, reopening brings it
		// to the head with the root recomputed from the events.
		side, err := s.Side(pebblestore.SideMerkle)
		if err != nil {
			t.Fatal(err)
		}
		keeper, err := ledger.StartMerkle(ctx, s, side.Unsynced(), ledger.MerkleConfig{})
		if err != nil {
			t.Fatalf("round %d: merkle log after the crash: %v", round, err)
		}
		rep, err := replay.VerifyWith(ctx, s, replay.VerifyOptions{Log: keeper.Log(), OnFinding: func(f *integrity.Finding) { t.Errorf("round %d: %v", round, f) }})
		if err != nil || !rep.OK() || !rep.LogChecked {
			t.Fatalf("round %d: merkle log after the crash: %+v %v", round, rep, err)
		}
		if err := keeper.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if totalAcked == 0 {
		t.Fatal("no batch was acknowledged in any round: the test exercised nothing")
	}
	t.Logf("%d rounds, %d acknowledged batches survived SIGKILL", rounds, totalAcked)
}

// runCrashChild runs the child until after it is READY and then for d,
// kills it, and returns the batches it tried and those it acknowledged.
func runCrashChild(t *testing.T, dir string, d time.Duration) (tried, acked [][]string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "READY":
				close(ready)
			case "TRY":
				tried = append(tried, f[1:])
			case "ACK":
				acked = append(acked, f[1:])
			}
		}
	}()
	select {
	case <-ready:
	case <-done:
		cmd.Wait()
		t.Fatal("crash child exited before it was ready")
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("crash child did not get ready")
	}
	time.Sleep(d)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("crash child was not killed by the signal: %v", err)
	}
	return tried, acked
}
