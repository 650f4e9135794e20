package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
	"github.com/govledger/govledger/store/pebblestore"
)

// story appends reports and dispatches of new cases, n at a time, with
// IDs that never repeat.
type story struct {
	s    *eventstest.Story
	done int // drafts appended so far
	n    int // cases so far
}

func newStory() *story {
	s := eventstest.New()
	s.District()
	return &story{s: s}
}

func (st *story) append(t *testing.T, l *ledger.Ledger, n int) {
	t.Helper()
	ctx := context.Background()
	for range n {
		c := st.s.Case(fmt.Sprintf("C-%d", st.n))
		st.n++
		c.Reported("app", eventstest.Pothole)
		c.Dispatched(eventstest.Center, eventstest.Roads, "rule")
	}
	all := st.s.Drafts()
	for _, d := range all[st.done:] {
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			t.Fatal(err)
		}
	}
	st.done = len(all)
}

// checkLog verifies the ledger with the keeper's log as an anchor.
func checkLog(t *testing.T, st store.Store, log *integrity.Log) {
	t.Helper()
	rep, err := replay.VerifyWith(context.Background(), st, replay.VerifyOptions{Log: log,
		OnFinding: func(f *integrity.Finding) { t.Error(f) }})
	if err != nil || !rep.OK() || !rep.LogChecked || log.Size() != rep.Head {
		t.Fatalf("log of %d leaves against a ledger of %d: %+v %v", log.Size(), rep.Head, rep, err)
	}
}

func TestMerkleKeeperFollowsAppends(t *testing.T) {
	for _, backend := range []string{"pebble", "mem"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			var st store.Store
			var nodes integrity.NodeStore
			if backend == "pebble" {
				ps, err := pebblestore.Open(t.TempDir(), pebblestore.Config{})
				if err != nil {
					t.Fatal(err)
				}
				defer ps.Close()
				side, err := ps.Side(pebblestore.SideMerkle)
				if err != nil {
					t.Fatal(err)
				}
				st, nodes = ps, side.Unsynced()
			} else {
				st, nodes = memstore.New(), &integrity.MemNodeStore{}
			}
			l, err := ledger.New(ctx, st, ledger.Config{})
			if err != nil {
				t.Fatal(err)
			}
			k, err := ledger.StartMerkle(ctx, st, nodes, ledger.MerkleConfig{})
			if err != nil {
				t.Fatal(err)
			}
			story := newStory()
			story.append(t, l, 40)
			if _, err := k.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			checkLog(t, st, k.Log())
			story.append(t, l, 13)
			if err := k.Close(ctx); err != nil {
				t.Fatal(err)
			}
			checkLog(t, st, k.Log())
			// Reopened, the log picks up where it was and follows on.
			k2, err := ledger.StartMerkle(ctx, st, nodes, ledger.MerkleConfig{})
			if err != nil {
				t.Fatal(err)
			}
			story.append(t, l, 5)
			if err := k2.Close(ctx); err != nil {
				t.Fatal(err)
			}
			checkLog(t, st, k2.Log())
		})
	}
}

// A log kept for a longer ledger than the store holds is refused: events
// it covered are gone.
func TestMerkleKeeperRefusesATruncatedLedger(t *testing.T) {
	ctx := context.Background()
	long, short := memstore.New(), memstore.New()
	nodes := &integrity.MemNodeStore{}
	for i, st := range []store.Store{long, short} {
		l, err := ledger.New(ctx, st, ledger.Config{})
		if err != nil {
			t.Fatal(err)
		}
		newStory().append(t, l, 10-5*i)
	}
	k, err := ledger.StartMerkle(ctx, long, nodes, ledger.MerkleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.StartMerkle(ctx, short, nodes, ledger.MerkleConfig{}); !errors.Is(err, integrity.ErrTreeSize) && !errors.Is(err, integrity.ErrMerkleStore) {
		t.Fatalf("log of a longer ledger: %v, want ErrTreeSize or ErrMerkleStore", err)
	}
}
