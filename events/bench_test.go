package events_test

import (
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

// BenchmarkDecodeRecordNoCopy is the envelope decode of a read scan: one
// ~300-byte record per op, no payload decode.
func BenchmarkDecodeRecordNoCopy(b *testing.B) {
	data, err := events.EncodePayload(&events.CaseDispatched{FromUnit: "center-12345", ToUnit: "dept-housing", Mode: events.ModeRule, RuleID: "housing.repair", ListVersion: 1, Note: "routed by the responsibility list in force"})
	if err != nil {
		b.Fatal(err)
	}
	e := events.Event{
		ID: ulid.Make(), Stream: "case/20261001-000137", Version: 4, Type: events.TypeCaseDispatched, Schema: 1,
		OccurredAt: time.Date(2026, 10, 1, 16, 9, 0, 0, time.FixedZone("", 8*3600)), RecordedAt: time.Now(),
		Actor: events.Actor{Kind: events.ActorSystem, ID: "dispatch-engine", Unit: "center-12345"}, Data: data,
	}
	e.Seal(events.Hash{1})
	rec := events.AppendRecord(nil, &e)
	var out events.Event
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if err := events.DecodeRecordNoCopy(rec, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeAllocatesOnce guards the scan path: whatever the type, decoding
// an envelope allocates once (the stream and actor strings); a type missing
// from the decoder's intern switch would allocate twice.
func TestDecodeAllocatesOnce(t *testing.T) {
	for _, typ := range events.Types() {
		e := events.Event{ID: ulid.Make(), Stream: "case/C-1", Type: typ, Schema: 1,
			OccurredAt: time.Unix(1e9, 0), RecordedAt: time.Unix(1e9, 0),
			Actor: events.Actor{Kind: events.ActorUnit, ID: "u", Unit: "u"}, Data: []byte(`{}`)}
		e.Seal(events.ZeroHash)
		rec := events.AppendRecord(nil, &e)
		var out events.Event
		allocs := testing.AllocsPerRun(100, func() {
			if err := events.DecodeRecordNoCopy(rec, &out); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 1 {
			t.Errorf("%s: %.0f allocations per decode, want 1", typ, allocs)
		}
	}
}
