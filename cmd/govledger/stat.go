package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

const statDoc = `
Prints the head position and counts: events by type, streams by kind,
and the span of business (occurred) and ledger (recorded) time.`

func runStat(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "stat", "", statDoc)
	dir := dirFlag(fs)
	format := fs.String("format", "text", "output format: text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("stat takes no arguments")
	}
	if *format != "text" && *format != "json" {
		return usageErr("--format must be text or json")
	}
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := collectStats(ctx, s)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	st.print(e)
	return nil
}

// stats are a ledger's counts.
type stats struct {
	Head          uint64            `json:"head"`
	Events        uint64            `json:"events"`
	ByType        map[string]uint64 `json:"events_by_type"`
	Streams       map[string]uint64 `json:"streams_by_kind"`
	FirstOccurred time.Time         `json:"first_occurred_at"`
	LastOccurred  time.Time         `json:"last_occurred_at"`
	FirstRecorded time.Time         `json:"first_recorded_at"`
	LastRecorded  time.Time         `json:"last_recorded_at"`
}

func collectStats(ctx context.Context, s store.Store) (*stats, error) {
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	st := &stats{Head: head, ByType: map[string]uint64{}, Streams: map[string]uint64{}}
	err = s.ReadAll(ctx, 1, func(r store.Record) error {
		ev := &r.Event
		st.Events++
		st.ByType[ev.Type]++
		if ev.Version == 0 {
			kind, _ := events.SplitStream(ev.Stream)
			st.Streams[kind]++
		}
		if st.FirstOccurred.IsZero() || ev.OccurredAt.Before(st.FirstOccurred) {
			st.FirstOccurred = ev.OccurredAt
		}
		if ev.OccurredAt.After(st.LastOccurred) {
			st.LastOccurred = ev.OccurredAt
		}
		if st.FirstRecorded.IsZero() || ev.RecordedAt.Before(st.FirstRecorded) {
			st.FirstRecorded = ev.RecordedAt
		}
		if ev.RecordedAt.After(st.LastRecorded) {
			st.LastRecorded = ev.RecordedAt
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	return st, nil
}

func (st *stats) print(e *env) {
	w := e.stdout
	fmt.Fprintf(w, "head position  %d\n", st.Head)
	fmt.Fprintf(w, "events         %d\n", st.Events)
	fmt.Fprintf(w, "streams        ")
	kinds := sortedKeys(st.Streams)
	for i, k := range kinds {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%d %s", st.Streams[k], k)
	}
	fmt.Fprintln(w)
	if st.Events > 0 {
		fmt.Fprintf(w, "occurred       %s .. %s\n", st.FirstOccurred.Format(time.RFC3339), st.LastOccurred.Format(time.RFC3339))
		fmt.Fprintf(w, "recorded       %s .. %s\n", st.FirstRecorded.Format(time.RFC3339), st.LastRecorded.Format(time.RFC3339))
	}
	printByType(w, st.ByType)
}

func sortedKeys(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
