package replay_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
)

// records returns a sound little ledger: the district and two cases.
func records(t *testing.T) []store.Record {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	l, err := ledger.New(ctx, st, ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := eventstest.New()
	s.District()
	a, b := s.Case("C-1"), s.Case("C-2")
	a.Reported(events.ChannelHotline, eventstest.Pothole)
	b.Reported(events.ChannelApp, eventstest.Leak)
	a.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule)
	a.Accepted(eventstest.Roads)
	b.Dispatched(eventstest.Center, eventstest.Water, events.ModeRule)
	a.Resolved(eventstest.Roads, events.OutcomeFixed)
	for _, d := range s.Drafts() {
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			t.Fatal(err)
		}
	}
	var out []store.Record
	st.ReadAll(ctx, 1, func(r store.Record) error {
		r.Event.Data = append([]byte(nil), r.Event.Data...)
		out = append(out, r)
		return nil
	})
	return out
}

// sliceSource serves records as a ledger would, tampered or not.
type sliceSource struct {
	recs      []store.Record
	head      uint64
	corruptAt uint64 // a position whose record does not decode
}

func (s sliceSource) Head(context.Context) (uint64, error) { return s.head, nil }

func (s sliceSource) ReadAll(ctx context.Context, from uint64, fn func(store.Record) error) error {
	for _, r := range s.recs {
		if r.Position >= from && r.Position == s.corruptAt {
			return fmt.Errorf("store: record at position %d: %w: truncated data", r.Position, events.ErrCorrupt)
		}
		if r.Position >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func find(recs []store.Record, stream string, version uint64) int {
	for i, r := range recs {
		if r.Event.Stream == stream && r.Event.Version == version {
			return i
		}
	}
	panic("no such event")
}

func renumber(recs []store.Record) {
	for i := range recs {
		recs[i].Position = uint64(i + 1)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(recs []store.Record) ([]store.Record, uint64)
		kind   string
		stream string
	}{
		{"ok", func(r []store.Record) ([]store.Record, uint64) { return r, uint64(len(r)) }, "", ""},
		{"edited-payload", func(r []store.Record) ([]store.Record, uint64) {
			i := find(r, "case/C-1", 0)
			r[i].Event.Data = []byte(string(r[i].Event.Data[:len(r[i].Event.Data)-2]) + " }")
			return r, uint64(len(r))
		}, integrity.HashMismatch, "case/C-1"},
		{"rehashed-after-edit", func(r []store.Record) ([]store.Record, uint64) {
			i := find(r, "case/C-1", 1)
			r[i].Event.Actor.ID = "someone-else"
			r[i].Event.Seal(r[i].Event.PrevHash) // hash recomputed: the next link breaks
			return r, uint64(len(r))
		}, integrity.ChainBroken, "case/C-1"},
		{"dropped-event", func(r []store.Record) ([]store.Record, uint64) {
			i := find(r, "case/C-1", 1)
			r = append(r[:i], r[i+1:]...)
			renumber(r)
			return r, uint64(len(r))
		}, integrity.VersionGap, "case/C-1"},
		{"reordered", func(r []store.Record) ([]store.Record, uint64) {
			i, j := find(r, "case/C-1", 2), find(r, "case/C-1", 3)
			r[i], r[j] = r[j], r[i]
			renumber(r)
			return r, uint64(len(r))
		}, integrity.VersionGap, "case/C-1"},
		{"truncated-below-head", func(r []store.Record) ([]store.Record, uint64) {
			return r[:len(r)-2], uint64(len(r))
		}, integrity.PositionGap, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, head := tc.tamper(records(t))
			var found []*integrity.Finding
			rep, err := replay.Verify(context.Background(), sliceSource{recs: recs, head: head}, func(f *integrity.Finding) {
				found = append(found, f)
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.kind == "" {
				if !rep.OK() || len(found) != 0 {
					t.Fatalf("sound ledger: %d findings: %v", len(found), found)
				}
				if rep.Events != head {
					t.Fatalf("checked %d events, head %d", rep.Events, head)
				}
				return
			}
			if rep.OK() || len(found) == 0 {
				t.Fatalf("%s not detected", tc.name)
			}
			f := found[0]
			if f.Kind != tc.kind || (tc.stream != "" && f.Stream != tc.stream) {
				t.Fatalf("first finding %v, want %s on %s", f, tc.kind, tc.stream)
			}
			if f.Position == 0 || f.Expected == "" || f.Actual == "" || f.Expected == f.Actual {
				t.Fatalf("finding lacks evidence: %+v", f)
			}
		})
	}
}

func TestVerifyGoesOnAfterAnUndecodableRecord(t *testing.T) {
	recs := records(t)
	bad := find(recs, "case/C-2", 0)
	src := sliceSource{recs: recs, head: uint64(len(recs)), corruptAt: recs[bad].Position}
	var found []*integrity.Finding
	rep, err := replay.Verify(context.Background(), src, func(f *integrity.Finding) { found = append(found, f) })
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 || found[0].Kind != integrity.CorruptRecord || found[0].Position != recs[bad].Position {
		t.Fatalf("findings %v, want corrupt-record at %d first", found, recs[bad].Position)
	}
	if rep.Events != uint64(len(recs)-1) {
		t.Fatalf("checked %d events, want every other one (%d)", rep.Events, len(recs)-1)
	}
	// C-2's next event chains to a record nobody could read.
	if found[len(found)-1].Kind != integrity.ChainBroken || found[len(found)-1].Stream != "case/C-2" {
		t.Fatalf("last finding %v, want chain-broken on case/C-2", found[len(found)-1])
	}
}

func TestVerifyReportsAnUndecodableRecordAtTheHead(t *testing.T) {
	recs := records(t)
	src := sliceSource{recs: recs, head: uint64(len(recs)), corruptAt: uint64(len(recs))}
	var found []*integrity.Finding
	rep, err := replay.Verify(context.Background(), src, func(f *integrity.Finding) { found = append(found, f) })
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Kind != integrity.CorruptRecord || found[0].Position != uint64(len(recs)) || rep.Findings != 1 {
		t.Fatalf("findings %v (%d), want one corrupt-record at the head", found, rep.Findings)
	}
}
