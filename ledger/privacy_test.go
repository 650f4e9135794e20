package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/replay"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/memstore"
	"github.com/govledger/govledger/store/pebblestore"
)

// Markers that must never reach the store in clear (secret*), and one
// that must (a patrol finding has no subject, so its text stays plain).
const (
	secretDesc    = "SECRET-DESCRIPTION-7f3a9c"
	secretAddress = "SECRET-ADDRESS-2b8e41"
	secretComment = "SECRET-COMMENT-c0ffee"
	plainMarker   = "PLAIN-PATROL-NOTE-5d17aa"
)

type privFixture struct {
	dir  string
	st   *pebblestore.Store
	keys *privacy.PebbleKeys
	l    *ledger.Ledger
	s    *eventstest.Story
}

func openPriv(t *testing.T, dir string) *privFixture {
	t.Helper()
	st, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := privacy.NewPebbleKeys(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.New(context.Background(), st, ledger.Config{KeyStore: keys})
	if err != nil {
		t.Fatal(err)
	}
	return &privFixture{dir: dir, st: st, keys: keys, l: l}
}

func (f *privFixture) append(t *testing.T, d events.Draft) ledger.Result {
	t.Helper()
	res, err := f.l.Append(context.Background(), d.Stream, ledger.Any, d)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// newPrivate returns a ledger over Pebble with a citizen's case reported,
// resolved and rated with personal text, and a patrol finding.
func newPrivate(t *testing.T) (*privFixture, events.Draft) {
	t.Helper()
	f := openPriv(t, t.TempDir())
	t.Cleanup(func() { f.st.Close() })
	f.s = eventstest.New()
	for _, d := range f.s.District() {
		f.append(t, d)
	}
	c := f.s.Case("C-1")
	reported := c.ReportedWith(&events.CaseReported{Channel: events.ChannelHotline, Category: eventstest.Pothole,
		Location: events.Location{Street: eventstest.Street1, Grid: eventstest.Grid1, Address: events.Plain(secretAddress)},
		Reporter: "S-C-1", Description: events.Plain(secretDesc), DeadlinePolicy: "standard-5wd"})
	f.append(t, reported)
	f.append(t, c.Dispatched(eventstest.Center, eventstest.Roads, events.ModeManual))
	f.append(t, c.Accepted(eventstest.Roads))
	f.append(t, c.Resolved(eventstest.Roads, events.OutcomeFixed))
	rated := f.s.Draft(c.Stream, eventstest.Citizen("S-C-1"), &events.CaseRated{Contacted: true, Solved: true,
		Satisfaction: events.Satisfied, Valid: true, Respondent: "S-C-1", Comment: events.Plain(secretComment)})
	f.append(t, rated)
	p := f.s.Case("P-1")
	f.append(t, p.ReportedWith(&events.CaseReported{Channel: events.ChannelGridPatrol, Category: eventstest.Pothole,
		Location: events.Location{Grid: eventstest.Grid1}, Description: events.Plain(plainMarker), DeadlinePolicy: "standard-5wd"}))
	return f, reported
}

// rawContains reports whether any file of a Pebble directory (WAL,
// tables, manifest) holds marker.
func rawContains(t *testing.T, dir, marker string) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found = found || bytes.Contains(b, []byte(marker))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// opened returns the opened personal fields of the event with id.
func opened(t *testing.T, f *privFixture, stream string, version uint64) map[string]error {
	t.Helper()
	ctx := context.Background()
	out := map[string]error{}
	rec, found, err := f.st.Lookup(ctx, mustEvent(t, f, stream, version).ID)
	if err != nil || !found {
		t.Fatalf("lookup: %v %v", found, err)
	}
	p, err := rec.Event.Payload()
	if err != nil {
		t.Fatal(err)
	}
	for _, pf := range events.PersonalFields(p) {
		if pf.Value.IsZero() {
			continue
		}
		text, err := privacy.Unseal(ctx, f.keys, rec.Event.ID, pf)
		if err == nil {
			out[pf.Name+"="+text] = nil
		} else {
			out[pf.Name] = err
		}
	}
	return out
}

func mustEvent(t *testing.T, f *privFixture, stream string, version uint64) events.Event {
	t.Helper()
	var ev events.Event
	err := f.st.ReadStream(context.Background(), stream, version, func(r store.Record) error {
		if r.Event.Version == version {
			ev = r.Event
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func verify(t *testing.T, f *privFixture) replay.Report {
	t.Helper()
	rep, err := replay.Verify(context.Background(), f.st, func(fd *integrity.Finding) { t.Errorf("finding: %v", fd) })
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestPersonalTextIsSealedAndErasable(t *testing.T) {
	ctx := context.Background()
	f, reported := newPrivate(t)

	got := opened(t, f, "case/C-1", 0)
	if _, ok := got["description="+secretDesc]; !ok {
		t.Fatalf("description does not open: %v", got)
	}
	if _, ok := got["location.address="+secretAddress]; !ok {
		t.Fatalf("address does not open: %v", got)
	}
	if _, ok := opened(t, f, "case/C-1", 4)["comment="+secretComment]; !ok {
		t.Fatal("comment does not open")
	}

	// An idempotent re-send seals to the same bytes: acknowledged, not refused.
	res, err := f.l.Append(ctx, reported.Stream, ledger.Any, reported)
	if err != nil || !res.Duplicate[0] {
		t.Fatalf("re-send: %+v, %v", res, err)
	}

	for _, m := range []string{secretDesc, secretAddress, secretComment} {
		if rawContains(t, f.dir, m) {
			t.Fatalf("%s is in the store's bytes in clear", m)
		}
	}
	if !rawContains(t, f.dir, plainMarker) {
		t.Fatal("the raw scan cannot find plain text: the check above proves nothing")
	}

	if _, err := f.l.EraseSubject(ctx, "S-C-1", "request of the subject", eventstest.Registrar); err != nil {
		t.Fatal(err)
	}
	after := opened(t, f, "case/C-1", 0)
	if len(after) != 2 {
		t.Fatalf("after erasure: %v", after)
	}
	for name, err := range after {
		if !errors.Is(err, privacy.ErrErased) {
			t.Fatalf("%s after erasure: %v", name, err)
		}
	}
	if rep := verify(t, f); !rep.OK() || rep.Events == 0 {
		t.Fatalf("verify after erasure: %+v", rep)
	}
	for _, m := range []string{secretDesc, secretAddress, secretComment} {
		if rawContains(t, f.dir, m) {
			t.Fatalf("%s is in the store's bytes in clear after erasure", m)
		}
	}

	// New events naming the subject are refused, and no key is made again.
	c2 := f.s.Case("C-2")
	_, err = f.l.Append(ctx, c2.Stream, ledger.Any, c2.ReportedWith(&events.CaseReported{Channel: events.ChannelHotline,
		Category: eventstest.Pothole, Location: events.Location{Grid: eventstest.Grid1}, Reporter: "S-C-1",
		Description: events.Plain("again"), DeadlinePolicy: "standard-5wd"}))
	var re *ledger.RuleError
	if !errors.As(err, &re) || re.Rule != "subject-erased" {
		t.Fatalf("event naming an erased subject: %v", err)
	}
	if _, ok, _ := f.keys.Get(ctx, "S-C-1"); ok {
		t.Fatal("a key was made again for an erased subject")
	}
	if _, err := f.l.EraseSubject(ctx, "S-C-1", "twice", eventstest.Registrar); !errors.Is(err, ledger.ErrRule) {
		t.Fatalf("second erasure: %v", err)
	}
}

func TestNewShredsKeysOfErasedSubjects(t *testing.T) {
	ctx := context.Background()
	f, _ := newPrivate(t)
	// A crash between subject.erased and the key's deletion: append the
	// event alone.
	f.append(t, f.s.Erase("S-C-1"))
	if _, ok, _ := f.keys.Get(ctx, "S-C-1"); !ok {
		t.Fatal("setup: key already gone")
	}
	if _, err := ledger.New(ctx, f.st, ledger.Config{KeyStore: f.keys}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.keys.Get(ctx, "S-C-1"); ok {
		t.Fatal("New kept the key of an erased subject")
	}
}

func TestWithoutKeyStoreASubjectsTextIsRefused(t *testing.T) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New(), ledger.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := eventstest.New()
	for _, d := range s.District() {
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			t.Fatal(err)
		}
	}
	c := s.Case("C-1")
	_, err = l.Append(ctx, c.Stream, ledger.Any, c.ReportedWith(&events.CaseReported{Channel: events.ChannelHotline,
		Category: eventstest.Pothole, Location: events.Location{Grid: eventstest.Grid1}, Reporter: "S-1",
		Description: events.Plain("in clear"), DeadlinePolicy: "standard-5wd"}))
	if !errors.Is(err, events.ErrUnsealed) {
		t.Fatalf("err = %v, want events.ErrUnsealed", err)
	}
}
