// Package projectiontest is the conformance kit every projection runs in
// one line:
//
//	func TestKit(t *testing.T) {
//		projectiontest.Run(t, func() projections.Projection { return mine.New(mine.Config{}) },
//			projectiontest.Events(t, story.Drafts()))
//	}
//
// Run checks the contract of DESIGN §5 on the events given: the same
// events twice give the same digest and report; split-and-resume through
// the serialized state equals one full run at every split; unknown event
// types are ignored; the state round-trips through serialization to the
// same bytes; events are not mutated; a Filter names every type the
// projection needs. The more of a projection's life the events cover, the
// more the kit proves: give it a story with every event type it reads.
package projectiontest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/oklog/ulid/v2"
)

// Events turns drafts into sealed events as a ledger would store them:
// versions count per stream, each event chains to the one before it in
// its stream, and RecordedAt is the draft's OccurredAt. The event at
// index i is meant for global position i+1. A personal field that names
// its subject (a description, an address, a comment) is stored sealed, as
// the ledger would; here the box is a stand-in (SHA-256 of the text), as
// no projection may read personal text. Drafts are not checked against
// the ledger's lifecycle rules.
func Events(t testing.TB, drafts []events.Draft) []events.Event {
	t.Helper()
	type head struct {
		next uint64
		hash events.Hash
	}
	heads := map[string]*head{}
	out := make([]events.Event, 0, len(drafts))
	for i := range drafts {
		d := drafts[i]
		if d.Payload != nil && events.PersonalFields(d.Payload) != nil {
			p, err := events.MapPersonal(d.Payload, standIn)
			if err != nil {
				t.Fatalf("projectiontest: draft %d: %v", i, err)
			}
			d.Payload = p
		}
		e, err := d.Event()
		if err != nil {
			t.Fatalf("projectiontest: draft %d (%s): %v", i, drafts[i].Stream, err)
		}
		h := heads[e.Stream]
		if h == nil {
			h = &head{}
			heads[e.Stream] = h
		}
		e.Version = h.next
		e.RecordedAt = e.OccurredAt.UTC()
		e.Seal(h.hash)
		h.next++
		h.hash = e.Hash
		out = append(out, e)
	}
	return out
}

func standIn(f events.PersonalField) (events.Personal, error) {
	if f.Subject == "" || f.Value.IsSealed() || f.Value.Text == "" {
		return f.Value, nil
	}
	box := sha256.Sum256([]byte(f.Value.Text))
	return events.Personal{Sealed: &events.Sealed{Subject: f.Subject, Box: box[:]}}, nil
}

// Apply feeds evs to p at positions 1..len(evs), decoding each payload
// once, and fails the test on the first error.
func Apply(t testing.TB, p projections.Projection, evs []events.Event) {
	t.Helper()
	ApplyFrom(t, p, 1, evs)
}

// ApplyFrom feeds evs to p at positions first, first+1, ...
func ApplyFrom(t testing.TB, p projections.Projection, first uint64, evs []events.Event) {
	t.Helper()
	want := wanted(p)
	for i := range evs {
		e := &evs[i]
		if want != nil && !want[e.Type] {
			continue
		}
		var payload events.Payload
		if _, known := events.Lookup(e.Type); known {
			var err error
			if payload, err = e.Payload(); err != nil {
				t.Fatalf("projectiontest: decode position %d (%s): %v", first+uint64(i), e.Type, err)
			}
		}
		if err := p.Apply(first+uint64(i), e, payload); err != nil {
			t.Fatalf("projectiontest: %s: apply position %d (%s): %v", p.Name(), first+uint64(i), e.Type, err)
		}
	}
}

func wanted(p projections.Projection) map[string]bool {
	f, ok := p.(projections.Filter)
	if !ok {
		return nil
	}
	m := map[string]bool{}
	for _, typ := range f.Types() {
		m[typ] = true
	}
	return m
}

// State returns p's serialized state (nil if p is not Stateful).
func State(t testing.TB, p projections.Projection) []byte {
	t.Helper()
	s, ok := p.(projections.Stateful)
	if !ok {
		return nil
	}
	b, err := s.MarshalState()
	if err != nil {
		t.Fatalf("projectiontest: %s: marshal state: %v", p.Name(), err)
	}
	return b
}

// ReportJSON returns the JSON of p's report for q ("" if p is not a Reporter).
func ReportJSON(t testing.TB, p projections.Projection, q projections.Query) string {
	t.Helper()
	r, ok := p.(projections.Reporter)
	if !ok {
		return ""
	}
	rep, err := r.Report(q)
	if err != nil {
		t.Fatalf("projectiontest: %s: report: %v", p.Name(), err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatalf("projectiontest: %s: report JSON: %v", p.Name(), err)
	}
	return string(b)
}

// Run runs every check of the kit on the projection made by newP, fed evs
// (in global order, positions 1..len(evs)). newP MUST return a fresh,
// empty projection on every call.
func Run(t *testing.T, newP func() projections.Projection, evs []events.Event) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatal("projectiontest: no events: give the kit a story")
	}
	name := newP().Name()
	if _, _, err := projections.SplitName(name); err != nil {
		t.Fatalf("projectiontest: %v", err)
	}
	full := newP()
	Apply(t, full, evs)
	fullState := State(t, full)
	fullReport := ReportJSON(t, full, projections.Query{})
	_, stateful := full.(projections.Stateful)

	t.Run("deterministic", func(t *testing.T) {
		again := newP()
		Apply(t, again, evs)
		if !bytes.Equal(State(t, again), fullState) {
			t.Errorf("%s: the same events twice gave different states", name)
		}
		if got := ReportJSON(t, again, projections.Query{}); got != fullReport {
			t.Errorf("%s: the same events twice gave different reports:\n%s\n%s", name, got, fullReport)
		}
	})

	t.Run("does-not-mutate-events", func(t *testing.T) {
		cp := clone(evs)
		Apply(t, newP(), cp)
		for i := range evs {
			if !same(&evs[i], &cp[i]) {
				t.Fatalf("%s: event at position %d was changed by Apply", name, i+1)
			}
		}
	})

	t.Run("round-trip", func(t *testing.T) {
		if !stateful {
			t.Skipf("%s is not Stateful: the runner replays it from position 0", name)
		}
		p := newP()
		if err := p.(projections.Stateful).UnmarshalState(fullState); err != nil {
			t.Fatalf("%s: unmarshal its own state: %v", name, err)
		}
		if got := State(t, p); !bytes.Equal(got, fullState) {
			t.Fatalf("%s: state does not round-trip: %d bytes in, %d bytes out", name, len(fullState), len(got))
		}
		if got := ReportJSON(t, p, projections.Query{}); got != fullReport {
			t.Fatalf("%s: report differs after a round trip:\n%s\n%s", name, got, fullReport)
		}
	})

	t.Run("split-and-resume", func(t *testing.T) {
		if !stateful {
			t.Skipf("%s is not Stateful: the runner replays it from position 0", name)
		}
		for _, k := range splits(len(evs)) {
			first := newP()
			Apply(t, first, evs[:k])
			resumed := newP()
			if err := resumed.(projections.Stateful).UnmarshalState(State(t, first)); err != nil {
				t.Fatalf("%s: split at %d: unmarshal: %v", name, k, err)
			}
			ApplyFrom(t, resumed, uint64(k)+1, evs[k:])
			if !bytes.Equal(State(t, resumed), fullState) {
				t.Fatalf("%s: split after position %d and resumed differs from one full run", name, k)
			}
			if got := ReportJSON(t, resumed, projections.Query{}); got != fullReport {
				t.Fatalf("%s: split after position %d: report differs from one full run", name, k)
			}
		}
	})

	t.Run("ignores-unknown-types", func(t *testing.T) {
		plain, mixed := newP(), newP()
		for i := range evs {
			pos := uint64(2*i + 2)
			feed(t, plain, pos, &evs[i])
			u := unknown(&evs[i], i)
			if err := mixed.Apply(pos-1, &u, nil); err != nil {
				t.Fatalf("%s: an unknown event type at position %d gave an error: %v", name, pos-1, err)
			}
			feed(t, mixed, pos, &evs[i])
		}
		if !bytes.Equal(State(t, plain), State(t, mixed)) {
			t.Errorf("%s: unknown event types changed the state", name)
		}
		if ReportJSON(t, plain, projections.Query{}) != ReportJSON(t, mixed, projections.Query{}) {
			t.Errorf("%s: unknown event types changed the report", name)
		}
	})

	t.Run("filter-is-complete", func(t *testing.T) {
		if wanted(full) == nil {
			t.Skipf("%s has no Filter: it sees every event", name)
		}
		all := newP()
		for i := range evs {
			feed(t, all, uint64(i+1), &evs[i])
		}
		if !bytes.Equal(State(t, all), fullState) || ReportJSON(t, all, projections.Query{}) != fullReport {
			t.Errorf("%s: events outside its Filter changed its state: Types() misses a type it reads", name)
		}
	})
}

// feed applies one event without the filter.
func feed(t testing.TB, p projections.Projection, pos uint64, e *events.Event) {
	t.Helper()
	var payload events.Payload
	if _, known := events.Lookup(e.Type); known {
		var err error
		if payload, err = e.Payload(); err != nil {
			t.Fatalf("projectiontest: decode position %d: %v", pos, err)
		}
	}
	if err := p.Apply(pos, e, payload); err != nil {
		t.Fatalf("projectiontest: %s: apply position %d (%s): %v", p.Name(), pos, e.Type, err)
	}
}

// unknown makes an event of a type no catalogue knows, on the same stream.
func unknown(e *events.Event, i int) events.Event {
	return events.Event{
		ID: ulid.ULID{0xff, byte(i >> 8), byte(i)}, Stream: e.Stream, Version: e.Version,
		Type: "x.unknown-" + fmt.Sprint(i%3), Schema: 1,
		OccurredAt: e.OccurredAt.Add(-time.Second), RecordedAt: e.RecordedAt,
		Actor: e.Actor, Data: []byte(`{"unit":"nobody","channel":"hotline"}`),
	}
}

func splits(n int) []int {
	if n <= 40 {
		out := make([]int, 0, n-1)
		for k := 1; k < n; k++ {
			out = append(out, k)
		}
		return out
	}
	return []int{1, n / 7, n / 3, n / 2, 2 * n / 3, n - 1}
}

func clone(evs []events.Event) []events.Event {
	out := make([]events.Event, len(evs))
	for i, e := range evs {
		e.Data = append([]byte(nil), e.Data...)
		out[i] = e
	}
	return out
}

func same(a, b *events.Event) bool {
	return a.ID == b.ID && a.Stream == b.Stream && a.Version == b.Version && a.Type == b.Type &&
		a.Schema == b.Schema && a.OccurredAt.Equal(b.OccurredAt) && a.RecordedAt.Equal(b.RecordedAt) &&
		a.Actor == b.Actor && bytes.Equal(a.Data, b.Data) && a.PrevHash == b.PrevHash && a.Hash == b.Hash
}
