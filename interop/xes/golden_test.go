package xes_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/xes"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store/memstore"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestWriteGolden writes a small told ledger — a district, two cases and
// an imported trace — and compares the document with
// testdata/golden/story.xes.
func TestWriteGolden(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	recorded := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	l, err := ledger.New(ctx, st, ledger.Config{Clock: func() time.Time { return recorded }})
	if err != nil {
		t.Fatal(err)
	}
	s := eventstest.New()
	drafts := s.District()
	c1 := s.Case("C-1")
	c2 := s.Case("C-2")
	drafts = append(drafts,
		c1.Reported(events.ChannelHotline, eventstest.Pothole),
		c2.Reported(events.ChannelApp, eventstest.Leak),
		c1.Dispatched(eventstest.Center, eventstest.Water, events.ModeManual),
		c1.Returned(eventstest.Water, events.ReasonWrongArea),
		c1.Dispatched(eventstest.Center, eventstest.Roads, events.ModeRule),
		c1.Accepted(eventstest.Roads),
		c1.Contacted(eventstest.Roads),
		c1.Resolved(eventstest.Roads, events.OutcomeFixed),
		c1.Closed(),
	)
	trace := events.TraceStream("T-1")
	drafts = append(drafts,
		s.Draft(trace, eventstest.System, &events.ActivityRecorded{Activity: "Register & check", Lifecycle: "start", Resource: "r-1",
			Attributes: []events.Attribute{{Key: "cost", Type: events.AttrFloat, Value: "1.50"},
				{Key: "tags", Type: events.AttrList, Children: []events.Attribute{{Key: "tag", Type: events.AttrString, Value: "a\tb"}}}},
			Trace: &events.TraceInfo{Name: "case 17", Attributes: []events.Attribute{{Key: "variant", Type: events.AttrInt, Value: "3"}}}}),
		s.Draft(trace, eventstest.System, &events.ActivityRecorded{Activity: "Register & check", Lifecycle: "complete", Last: true}),
	)
	for _, d := range drafts {
		if _, err := l.Append(ctx, d.Stream, ledger.Any, d); err != nil {
			t.Fatalf("append %s: %v", d.Stream, err)
		}
	}
	var buf bytes.Buffer
	stats, err := xes.Write(ctx, &buf, interop.StoreSource(st), xes.WriterConfig{LogName: "story"})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Traces != 3 || stats.Events != 11 {
		t.Fatalf("stats %+v, want 3 traces, 11 events", stats)
	}
	path := filepath.Join("testdata", "golden", "story.xes")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("export differs from %s (run with -update after checking):\n%s", path, buf.Bytes())
	}
}
