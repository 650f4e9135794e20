package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/store"
)

const showDoc = `
Prints a stream's events as a timeline: a case id (e.g. 2026-000123, read as
case/2026-000123) or a full stream name (topic/T-7, registry/units). Each
line shows the version, business time, elapsed time since the first event,
type, actor and what happened, with personal text (description, address,
comment): sealed text is opened with the subject's key, and shows as
[erased] once the subject was erased (govledger erase). The stream's chain
is checked on the way.
--format json prints one JSON object per event (the export form).`

func runShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "show", "<case-id | stream>", showDoc)
	dir := dirFlag(fs)
	format := fs.String("format", "text", "output format: text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("show takes one case id or stream name")
	}
	if *format != "text" && *format != "json" {
		return usageErr("--format must be text or json")
	}
	stream := fs.Arg(0)
	if !strings.Contains(stream, "/") {
		stream = events.CaseStream(stream)
	}
	s, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer s.Close()
	keys := keysOf(s)

	enc := json.NewEncoder(e.stdout)
	var first time.Time
	n := 0
	var prev events.Hash
	var broken []string
	err = s.ReadStream(ctx, stream, 0, func(r store.Record) error {
		ev := &r.Event
		if events.HashBody(events.AppendBody(nil, ev)) != ev.Hash {
			broken = append(broken, fmt.Sprintf("version %d: %s", ev.Version, integrity.HashMismatch))
		}
		if ev.PrevHash != prev {
			broken = append(broken, fmt.Sprintf("version %d: %s", ev.Version, integrity.ChainBroken))
		}
		prev = ev.Hash
		if *format == "json" {
			n++
			return enc.Encode(ev.ToJSON(r.Position))
		}
		if n == 0 {
			first = ev.OccurredAt
			fmt.Fprintf(e.stdout, "%s\n", stream)
		}
		n++
		what := ""
		if p, err := ev.Payload(); err == nil {
			what = describe(p) + personal(ctx, keys, ev, p)
		} else {
			what = "(payload not readable: " + err.Error() + ")"
		}
		actor := string(ev.Actor.Kind) + ":" + ev.Actor.ID
		fmt.Fprintf(e.stdout, "  v%-3d %s  %9s  %-24s %-22s %s\n", ev.Version, ev.OccurredAt.Format("2006-01-02 15:04 -07:00"),
			"+"+shortDuration(ev.OccurredAt.Sub(first)), ev.Type, actor, what)
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return withCode(exitNotFound, fmt.Errorf("no stream %s", stream))
	}
	if *format == "text" {
		if len(broken) == 0 {
			fmt.Fprintf(e.stdout, "%d events; chain intact, head hash %s\n", n, prev)
		} else {
			fmt.Fprintf(e.stdout, "%d events; CHAIN BROKEN: %s\n", n, strings.Join(broken, "; "))
		}
	}
	if len(broken) > 0 {
		return withCode(exitTampered, fmt.Errorf("%s: %s", stream, strings.Join(broken, "; ")))
	}
	return nil
}

// shortDuration prints a duration as 3d4h, 5h12m, 7m.
func shortDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

// personal renders a payload's non-empty personal fields, opening sealed
// ones with keys: ` + "`" + `; description: "text"` + "`" + `, or [erased] when the key
// is gone, or [unreadable: ...] when a sealed field does not open.
func personal(ctx context.Context, keys privacy.KeyGetter, ev *events.Event, p events.Payload) string {
	var b strings.Builder
	for _, f := range events.PersonalFields(p) {
		if f.Value.IsZero() {
			continue
		}
		var text string
		var err error
		if keys == nil && f.Value.IsSealed() {
			err = privacy.ErrErased
		} else {
			text, err = privacy.Unseal(ctx, keys, ev.ID, f)
		}
		switch {
		case errors.Is(err, privacy.ErrErased):
			fmt.Fprintf(&b, "; %s: [erased]", f.Name)
		case err != nil:
			fmt.Fprintf(&b, "; %s: [unreadable: %v]", f.Name, err)
		default:
			fmt.Fprintf(&b, "; %s: %q", f.Name, text)
		}
	}
	return b.String()
}
