package integrity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/oklog/ulid/v2"
)

// chain returns n sealed events of one stream.
func chain(stream string, n int) []events.Event {
	out := make([]events.Event, n)
	var prev events.Hash
	for i := range out {
		out[i] = events.Event{ID: ulid.Make(), Stream: stream, Version: uint64(i), Type: events.TypeCaseAccepted, Schema: 1,
			OccurredAt: time.Unix(1e9+int64(i), 0), RecordedAt: time.Unix(1e9+int64(i), 0),
			Actor: events.Actor{Kind: events.ActorUnit, ID: "u"}, Data: []byte(`{"unit":"u"}`)}
		out[i].Seal(prev)
		prev = out[i].Hash
	}
	return out
}

func TestOneEditOneFinding(t *testing.T) {
	evs := chain("case/C-1", 5)
	evs[2].Data = []byte(`{"unit":"v"}`) // edited after sealing
	v := integrity.NewChainVerifier(1)
	var found []*integrity.Finding
	for i := range evs {
		found = append(found, v.Check(uint64(i+1), &evs[i])...)
	}
	if len(found) != 1 || found[0].Kind != integrity.HashMismatch || found[0].Position != 3 || found[0].Version != 2 {
		t.Fatalf("findings %v, want one hash-mismatch at position 3", found)
	}
	if !errors.Is(found[0], integrity.ErrTampered) {
		t.Fatal("a finding does not unwrap to ErrTampered")
	}
	if v.Events() != 5 || v.Streams() != 1 || v.Findings() != 1 {
		t.Fatalf("events %d streams %d findings %d", v.Events(), v.Streams(), v.Findings())
	}
}

func TestStreamsInterleave(t *testing.T) {
	a, b := chain("case/A", 3), chain("case/B", 3)
	v := integrity.NewChainVerifier(1)
	pos := uint64(1)
	for i := 0; i < 3; i++ {
		for _, e := range []*events.Event{&a[i], &b[i]} {
			if fs := v.Check(pos, e); len(fs) != 0 {
				t.Fatalf("sound interleaved chains: %v", fs)
			}
			pos++
		}
	}
}

func TestPositionGap(t *testing.T) {
	evs := chain("case/C-1", 2)
	v := integrity.NewChainVerifier(1)
	v.Check(1, &evs[0])
	fs := v.Check(3, &evs[1])
	if len(fs) != 1 || fs[0].Kind != integrity.PositionGap {
		t.Fatalf("findings %v, want one position-gap", fs)
	}
}
