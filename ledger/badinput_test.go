package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// ingest is the import path end to end: parse one JSON line and append it
// at the version it expects.
func (f *fixture) ingest(line string) (ledger.Result, error) {
	l, err := events.ParseLine([]byte(line))
	if err != nil {
		return ledger.Result{}, err
	}
	expect := ledger.Any
	if l.Expected != nil {
		expect = ledger.ExpectVersion(*l.Expected)
	}
	return f.l.Append(context.Background(), l.Draft.Stream, expect, l.Draft)
}

func (f *fixture) mustIngest(lines ...string) {
	f.t.Helper()
	for _, line := range lines {
		if _, err := f.ingest(line); err != nil {
			f.t.Fatalf("valid line refused: %v\n%s", err, line)
		}
	}
}

func (f *fixture) head() uint64 {
	f.t.Helper()
	h, err := f.st.Head(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// lineID returns the n-th test ULID.
func lineID(n int) string {
	var id ulid.ULID
	if err := id.SetTime(ulid.Timestamp(time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC))); err != nil {
		panic(err)
	}
	id[15] = byte(n)
	return id.String()
}

// jsonLine renders a line by the dispatch centre; extra holds more
// top-level "key":value pairs.
func jsonLine(n int, stream, typ, at, data string, extra ...string) string {
	s := fmt.Sprintf(`{"id":%q,"stream":%q,"type":%q,"occurred_at":%q,"actor":{"kind":"staff","id":"op-1","unit":"center"},"data":%s`,
		lineID(n), stream, typ, at, data)
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

const (
	reportData   = `{"channel":"hotline","category":"road.pothole","location":{"street":"st-1","community":"cm-1","grid":"g-1"},"reporter":"S-1","deadline_policy":"standard-5wd"}`
	dispatchData = `{"from_unit":"center","to_unit":"dept-roads","mode":"manual"}`
	rateData     = `{"contacted":true,"solved":true,"satisfaction":"satisfied","valid":true}`
)

// report is line n reporting case id.
func report(n int, id string) string {
	return jsonLine(n, "case/"+id, events.TypeCaseReported, "2026-11-02T11:00:00+08:00", reportData)
}

// dispatch is line n dispatching case id to the roads department.
func dispatch(n int, id string, extra ...string) string {
	return jsonLine(n, "case/"+id, events.TypeCaseDispatched, "2026-11-02T11:10:00+08:00", dispatchData, extra...)
}

// TestBadInputChangesNothing feeds the bad-input catalogue through the
// import path: every bad line is refused with an error naming the problem,
// and the ledger's head and contents are exactly as before.
func TestBadInputChangesNothing(t *testing.T) {
	const actor = `"actor":{"kind":"staff","id":"op-1","unit":"center"},`
	tests := []struct {
		name   string
		prefix []string // accepted before the bad line
		line   string
		want   error
		rule   string   // the ledger rule, for refusals past the parser
		msg    []string // fragments the message must contain
		after  string   // a valid line the ledger must still accept afterwards
	}{
		// Refused by the parser: nothing reaches the ledger.
		{name: "malformed JSON", line: report(1, "C-1")[:60],
			want: events.ErrInvalid, msg: []string{"malformed JSON"}, after: report(1, "C-1")},
		{name: "trailing data after the object", line: report(1, "C-1") + "}",
			want: events.ErrInvalid, msg: []string{"trailing data"}, after: report(1, "C-1")},
		{name: "unknown type", line: jsonLine(1, "case/C-1", "case.teleported", "2026-11-02T11:00:00+08:00", `{}`),
			want: events.ErrUnknownType, msg: []string{`"case.teleported"`}},
		{name: "unsupported schema", line: jsonLine(1, "case/C-1", events.TypeCaseReported, "2026-11-02T11:00:00+08:00", reportData, `"schema":2`),
			want: events.ErrUnsupportedSchema, msg: []string{"case.reported schema 2"}},
		{name: "missing actor", line: strings.Replace(report(1, "C-1"), actor, "", 1),
			want: events.ErrInvalid, msg: []string{"actor is required"}},
		{name: "missing payload field", line: jsonLine(1, "case/C-1", events.TypeCaseReported, "2026-11-02T11:00:00+08:00", strings.Replace(reportData, `"category":"road.pothole",`, "", 1)),
			want: events.ErrInvalid, msg: []string{"category is required"}},
		{name: "unknown payload field", line: jsonLine(1, "case/C-1", events.TypeCaseAccepted, "2026-11-02T11:00:00+08:00", `{"unit":"dept-roads","signature":"x"}`),
			want: events.ErrInvalid, msg: []string{"unknown field", `"signature"`}},
		{name: "wrong-typed payload field", line: jsonLine(1, "case/C-1", events.TypeCaseAccepted, "2026-11-02T11:00:00+08:00", `{"unit":42}`),
			want: events.ErrInvalid, msg: []string{`field "unit" must be a string, got number`}},
		{name: "wrong-typed envelope field", line: strings.Replace(report(1, "C-1"), `"occurred_at":"2026-11-02T11:00:00+08:00"`, `"occurred_at":1762052400`, 1),
			want: events.ErrInvalid, msg: []string{`field "occurred_at" must be a string`}},
		{name: "invalid UTF-8", line: strings.Replace(report(1, "C-1"), "road.pothole", "road.\xffpothole", 1),
			want: events.ErrInvalid, msg: []string{"not valid UTF-8"}},
		{name: "oversized payload", line: jsonLine(1, "case/C-1", events.TypeCaseReported, "2026-11-02T11:00:00+08:00",
			strings.Replace(reportData, `"reporter"`, `"description":"`+strings.Repeat("d", events.MaxPayloadBytes)+`","reporter"`, 1)),
			want: events.ErrTooLarge, msg: []string{"case.reported payload is", "limit 65536"}},
		{name: "occurred_at zone the record cannot hold", line: strings.Replace(report(1, "C-1"), "+08:00", "+19:00", 1),
			want: events.ErrInvalid, msg: []string{"occurred_at", "zone offset +19:00"}},
		{name: "case event on a topic stream", line: jsonLine(1, "topic/T-1", events.TypeCaseReported, "2026-11-02T11:00:00+08:00", reportData),
			want: events.ErrInvalid, msg: []string{"case.reported events go on case/ streams"}},

		// Refused by the ledger.
		{name: "duplicate id with different content", prefix: []string{report(1, "C-1")},
			line: jsonLine(1, "case/C-1", events.TypeCaseReported, "2026-11-02T11:00:00+08:00", strings.Replace(reportData, "hotline", "app", 1)),
			want: ledger.ErrIDConflict, rule: "id-conflict", msg: []string{lineID(1), "different content"}, after: dispatch(2, "C-1")},
		{name: "duplicate id on another stream", prefix: []string{report(1, "C-1")}, line: report(1, "C-2"),
			want: ledger.ErrIDConflict, rule: "id-conflict", msg: []string{"case/C-1", "different content"}, after: report(2, "C-2")},
		{name: "wrong expected version", prefix: []string{report(1, "C-1")}, line: dispatch(2, "C-1", `"expected_version":5`),
			want: store.ErrWrongExpectedVersion, rule: "wrong-expected-version", msg: []string{"expected 5, stream is at 0"}, after: dispatch(2, "C-1", `"expected_version":0`)},
		{name: "expecting no stream on an existing one", prefix: []string{report(1, "C-1")}, line: dispatch(2, "C-1", `"expected_version":-1`),
			want: store.ErrWrongExpectedVersion, rule: "wrong-expected-version", msg: []string{"expected no stream, stream is at 0"}, after: dispatch(2, "C-1")},
		{name: "rating before resolution", prefix: []string{report(1, "C-1"), dispatch(2, "C-1")},
			line: jsonLine(3, "case/C-1", events.TypeCaseRated, "2026-11-02T11:20:00+08:00", rateData),
			want: ledger.ErrRule, rule: "not-resolved", msg: []string{"not-resolved", "case/C-1", "case.rated"},
			after: jsonLine(3, "case/C-1", events.TypeCaseAccepted, "2026-11-02T11:20:00+08:00", `{"unit":"dept-roads"}`)},
		{name: "dispatch of an unreported case", line: dispatch(1, "C-9"),
			want: ledger.ErrRule, rule: "unknown-case", msg: []string{"unknown-case", "case/C-9"}, after: report(2, "C-9")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.mustIngest(tc.prefix...)
			before, head := f.snapshot(), f.head()

			_, err := f.ingest(tc.line)
			if err == nil {
				t.Fatalf("bad line accepted:\n%.300s", tc.line)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %q does not wrap %v", err, tc.want)
			}
			for _, frag := range tc.msg {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not mention %q", err, frag)
				}
			}
			if tc.rule != "" {
				f.refused(err, tc.rule)
			}

			if h := f.head(); h != head {
				t.Fatalf("refused line moved the head from %d to %d", head, h)
			}
			if after := f.snapshot(); !slices.Equal(after, before) {
				t.Fatalf("refused line changed the ledger: %d events before, %d after", len(before), len(after))
			}
			if tc.after != "" {
				// The refusal left no state behind: the stream goes on.
				f.mustIngest(tc.after)
				if h := f.head(); h != head+1 {
					t.Fatalf("head %d after one more event, want %d", h, head+1)
				}
			}
		})
	}
}

// TestResentLineIsAcknowledged is the contrast to the id-conflict row: the
// very same line sent twice is acknowledged at its first position and
// nothing is written.
func TestResentLineIsAcknowledged(t *testing.T) {
	f := newFixture(t)
	first, err := f.ingest(report(1, "C-1"))
	if err != nil {
		t.Fatal(err)
	}
	before, head := f.snapshot(), f.head()
	again, err := f.ingest(" " + report(1, "C-1") + "\n")
	if err != nil {
		t.Fatalf("re-sent line refused: %v", err)
	}
	if !again.Duplicate[0] || again.Positions[0] != first.Positions[0] || again.Hashes[0] != first.Hashes[0] {
		t.Fatalf("re-send: duplicate %v at %d, want the event at %d", again.Duplicate[0], again.Positions[0], first.Positions[0])
	}
	if f.head() != head || !slices.Equal(f.snapshot(), before) {
		t.Fatal("re-sent line wrote")
	}
}
