package interop

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store"
	"github.com/oklog/ulid/v2"
)

// SinkConfig configures a Sink. Format and Source are required.
type SinkConfig struct {
	// Format is the source format (events.FormatXES, FormatCSV, FormatOpen311).
	Format string
	// Source is the file's base name and SHA256 its digest (hex), kept in
	// the import's import.recorded event. Mapping is the mapping file's
	// digest, if one was used.
	Source, SHA256, Mapping string
	// Map, if set, turns known activities into lifecycle events (its
	// digest is recorded with the import).
	Map *Mapping
	// Prefix is put before every trace name to make its stream id, so
	// that two logs using the same case ids can both be imported.
	Prefix string
	// District is the unit imported units are registered under; it is
	// registered as a district if the ledger does not have it. Default
	// "imported".
	District string
	// Fallback: a trace whose lifecycle events the ledger refuses (the
	// mapping does not fit its history) is imported as an activity trace
	// instead of being skipped. Counted either way.
	Fallback bool
	// BatchEvents is about how many events go into one ledger call
	// (fewer when they are large: a call holds about 1 MiB of source
	// text at most). Default 1024.
	BatchEvents int
	// Clock stamps the import's own events (unit registrations and
	// import.recorded). Default time.Now.
	Clock func() time.Time
	// Progress, if set, is called after every ledger call with the
	// running summary.
	Progress func(Summary)
	// OnSkip, if set, is called with every trace skipped (by the reader
	// or the sink) and every fallback, in the order they happen.
	OnSkip func(*SkipError)
}

// Summary is what an import did.
type Summary struct {
	// Traces imported: Cases as case streams, Activities as activity
	// trace streams. Events written (or already there: Duplicates).
	Traces, Cases, Activities, Events int
	// Duplicates counts events the ledger already held from an earlier
	// run of the same import (acknowledged, not written again).
	Duplicates int
	// Reordered counts traces whose events were not in time order.
	Reordered int
	// Fallbacks counts traces imported as activities because the ledger
	// refused their lifecycle events (SinkConfig.Fallback), by rule.
	Fallbacks map[string]int
	// Skipped counts what was not imported, by reason.
	Skipped map[string]int
	// Units registered by the import.
	Units int
	// Dropped lists attribute keys of mapped events and case traces that
	// the case vocabulary has no place for (sorted, at most 64).
	Dropped []string
	// Position is the ledger position of the import.recorded event.
	Position uint64
}

// SkippedTotal returns the number of skipped traces, rows or records.
func (s Summary) SkippedTotal() int {
	n := 0
	for _, c := range s.Skipped {
		n += c
	}
	return n
}

// Sink writes traces to a ledger: each trace is written whole or not at
// all, many traces per durable ledger call. Event IDs are derived from the
// stream, the event's index and content, so running the same import again
// acknowledges what is already there and writes only what is missing. Not
// safe for concurrent use.
type Sink struct {
	cfg     SinkConfig
	l       *ledger.Ledger
	st      store.Store
	im      *ledger.Importer
	units   map[string]string // unit id -> kind, registered in the ledger
	pending []pendingTrace
	events  int
	bytes   int             // traceBytes of pending
	names   map[string]bool // streams in the pending call
	sum     Summary
	dropped map[string]bool
	refused []refusal
	actor   events.Actor
	// limit is the events per call now; refusals counts refused traces.
	limit, refusals int
	// fallbacks are refused traces as activities, to write after the call.
	fallbacks []pendingTrace
}

type pendingTrace struct {
	t     *Trace
	batch ledger.Batch
}

type refusal struct {
	batches []ledger.Batch
	err     error
}

// importActor is the actor of events an import writes on its own behalf.
var importActor = events.Actor{Kind: events.ActorSystem, ID: "govledger-import"}

// NewSink returns a sink writing to l. It reads the ledger's registered
// units and registers the district if needed.
func NewSink(ctx context.Context, l *ledger.Ledger, cfg SinkConfig) (*Sink, error) {
	if cfg.District == "" {
		cfg.District = "imported"
	}
	if cfg.BatchEvents <= 0 {
		cfg.BatchEvents = 1024
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Map != nil && cfg.Mapping == "" {
		cfg.Mapping = cfg.Map.Digest()
	}
	if cfg.Format == "" || cfg.Source == "" {
		return nil, errors.New("interop: sink needs the format and the source name")
	}
	s := &Sink{cfg: cfg, l: l, st: l.Store(), units: map[string]string{}, names: map[string]bool{},
		dropped: map[string]bool{}, actor: importActor, limit: cfg.BatchEvents}
	s.sum.Skipped = map[string]int{}
	s.sum.Fallbacks = map[string]int{}
	err := s.st.ReadStream(ctx, events.UnitsStream, 0, func(r store.Record) error {
		p, err := events.DecodeStored(r.Event.Type, r.Event.Schema, r.Event.Data)
		if err != nil {
			return fmt.Errorf("interop: read units at position %d: %w", r.Position, err)
		}
		if u, ok := p.(*events.UnitRegistered); ok {
			s.units[u.Unit] = u.Kind
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := s.units[cfg.District]; !ok {
		u := events.UnitRegistered{Unit: cfg.District, Name: cfg.District, Kind: events.UnitDistrict}
		if err := s.register(ctx, []events.UnitRegistered{u}); err != nil {
			return nil, err
		}
	}
	s.im = l.NewImporter(ledger.ImporterConfig{
		InFlight:  8,
		OnDurable: s.durable,
		OnRefused: func(b []ledger.Batch, err error) { s.refused = append(s.refused, refusal{b, err}) },
	})
	return s, nil
}

// Skip counts a trace the reader skipped.
func (s *Sink) Skip(e *SkipError) {
	s.sum.Skipped[e.Reason]++
	if s.cfg.OnSkip != nil {
		s.cfg.OnSkip(e)
	}
}

// Summary returns the running summary.
func (s *Sink) Summary() Summary { return s.sum }

// Add queues a trace; it is written with the next ledger call. A trace
// that cannot be written (no events, too many, an event the vocabulary
// refuses) is counted as skipped; only a ledger or store failure is
// returned.
func (s *Sink) Add(ctx context.Context, t *Trace) error {
	if len(t.Events) == 0 {
		s.Skip(Skip("trace without events", "%s", t.Name))
		return nil
	}
	if len(t.Events) > MaxTraceEvents {
		s.Skip(Skip(fmt.Sprintf("trace has more than %d events", MaxTraceEvents), "%s", t.Name))
		return nil
	}
	if t.Reordered {
		s.sum.Reordered++
	}
	if s.cfg.Map != nil {
		if err := s.cfg.Map.Apply(t); err != nil {
			var se *SkipError
			if !errors.As(err, &se) {
				return err
			}
			if !s.cfg.Fallback {
				s.Skip(se)
				return nil
			}
			s.sum.Fallbacks[se.Reason]++
			if s.cfg.OnSkip != nil {
				s.cfg.OnSkip(Skip("imported as activities: "+se.Reason, "%s", se.Detail))
			}
		}
	}
	b, err := s.batch(t, hasPayload(t))
	if err != nil {
		var se *SkipError
		if errors.As(err, &se) {
			s.Skip(se)
			return nil
		}
		return err
	}
	if err := s.ensureUnits(ctx, t); err != nil {
		return err
	}
	if s.names[b.Stream] {
		if err := s.flush(ctx); err != nil {
			return err
		}
	}
	s.names[b.Stream] = true
	s.pending = append(s.pending, pendingTrace{t: t, batch: b})
	s.events += len(b.Drafts)
	s.bytes += traceBytes(t)
	if s.events >= s.limit || s.bytes >= maxCallBytes {
		return s.flush(ctx)
	}
	return nil
}

// maxCallBytes bounds the source bytes of one ledger call, so that the
// calls in flight hold a bounded amount of memory however large the
// events are.
const maxCallBytes = 1 << 20

// traceBytes estimates a trace's size: its text, with a fixed cost per
// event and attribute.
func traceBytes(t *Trace) int {
	n := len(t.Name) + attrBytes(t.Attributes)
	for i := range t.Events {
		e := &t.Events[i]
		n += 64 + len(e.Activity) + len(e.Lifecycle) + len(e.Resource) + len(e.Role) + len(e.Group) + len(e.Instance) + attrBytes(e.Attributes)
	}
	return n
}

func attrBytes(attrs []events.Attribute) int {
	n := 0
	for i := range attrs {
		n += 16 + len(attrs[i].Key) + len(attrs[i].Value) + attrBytes(attrs[i].Children)
	}
	return n
}

func hasPayload(t *Trace) bool {
	for i := range t.Events {
		if t.Events[i].Payload != nil {
			return true
		}
	}
	return false
}

// StreamID returns the stream id a trace name gets under a prefix: the
// name itself when it is a valid id, else a cleaned, shortened form with a
// digest of the name (the original name stays in the events).
func StreamID(prefix, name string) string {
	id := prefix + name
	clean := utf8.ValidString(id) && len(id) <= maxStreamID && !strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f })
	if clean && id != "" {
		return id
	}
	sum := sha256.Sum256([]byte(name))
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(id, "") {
		if r < 0x20 || r == 0x7f {
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > maxStreamID-18 {
			break
		}
		b.WriteRune(r)
	}
	return b.String() + "~" + hex.EncodeToString(sum[:8])
}

// maxStreamID leaves room for the longest kind prefix ("case/", "trace/").
const maxStreamID = events.MaxStreamBytes - len("trace/")

// batch turns a trace into one stream's drafts: a case stream when it
// carries lifecycle payloads (asCase), else an activity trace stream.
func (s *Sink) batch(t *Trace, asCase bool) (ledger.Batch, error) {
	id := StreamID(s.cfg.Prefix, t.Name)
	stream := events.TraceStream(id)
	if asCase {
		stream = events.CaseStream(id)
	}
	drafts := make([]events.Draft, len(t.Events))
	first := true
	for i := range t.Events {
		e := &t.Events[i]
		if e.Time.IsZero() {
			return ledger.Batch{}, Skip("event without time:timestamp", "%s, event %d", t.Name, i+1)
		}
		var p events.Payload
		if asCase && e.Payload != nil {
			p = e.Payload
			s.drop(e.Attributes)
		} else {
			a := &events.ActivityRecorded{Activity: e.Activity, Lifecycle: e.Lifecycle, Resource: e.Resource,
				Role: e.Role, Group: e.Group, Instance: e.Instance, Attributes: e.Attributes}
			if a.Activity == "" {
				a.Activity = "(unnamed)"
			}
			if first {
				a.Trace = &events.TraceInfo{Name: t.Name, Attributes: t.Attributes}
				first = false
			}
			a.Last = !asCase && i == len(t.Events)-1
			p = a
		}
		actor := e.Actor
		if actor.Kind == "" {
			actor = s.actor
		}
		// Validated by the ledger, which refuses the trace if one does
		// not (skipped as "invalid event").
		drafts[i] = events.Draft{ID: eventID(stream, i, e), Stream: stream, OccurredAt: e.Time, Actor: actor, Payload: p}
	}
	if asCase && first {
		s.drop(t.Attributes)
	}
	return ledger.Batch{Stream: stream, Expect: ledger.ExpectVersion(store.NoStream), Drafts: drafts}, nil
}

func (s *Sink) drop(attrs []events.Attribute) {
	for _, a := range attrs {
		if len(s.dropped) < 64 {
			s.dropped[a.Key] = true
		}
	}
}

// eventID derives an event's ULID from its stream, index, activity and
// time: the same trace imported twice gets the same IDs. The ULID's time
// is the event's (clamped to the ULID range).
func eventID(stream string, i int, e *Event) ulid.ULID {
	h := sha256.New()
	h.Write([]byte(stream))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(i))
	h.Write(n[:])
	h.Write([]byte(e.Activity))
	h.Write([]byte{0})
	if e.Payload != nil {
		h.Write([]byte(e.Payload.EventType()))
	}
	h.Write([]byte{0})
	h.Write([]byte(e.Time.UTC().Format(time.RFC3339Nano)))
	var id ulid.ULID
	ms := e.Time.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	_ = id.SetTime(uint64(ms) & (1<<48 - 1))
	copy(id[6:], h.Sum(nil)[:10])
	return id
}

// ensureUnits registers the trace's units the ledger does not have.
func (s *Sink) ensureUnits(ctx context.Context, t *Trace) error {
	var add []events.UnitRegistered
	for _, u := range t.Units {
		if _, ok := s.units[u.ID]; ok || u.ID == "" {
			continue
		}
		r := events.UnitRegistered{Unit: u.ID, Name: u.Name, Kind: u.Kind, Parent: u.Parent}
		if r.Name == "" {
			r.Name = u.ID
		}
		if r.Kind == "" {
			r.Kind = events.UnitDepartment
		}
		if r.Parent == "" && r.Kind != events.UnitDistrict {
			r.Parent = s.cfg.District
		}
		if _, ok := s.units[r.Parent]; !ok && r.Parent != "" && !registering(add, r.Parent) {
			// A parent named by no unit of the trace: hang it under the district.
			add = append(add, events.UnitRegistered{Unit: r.Parent, Name: r.Parent, Kind: events.UnitStreet, Parent: s.cfg.District})
		}
		if r.Validate() != nil {
			continue // left to the ledger, which refuses the trace and says why
		}
		if !registering(add, r.Unit) {
			add = append(add, r)
		}
	}
	if len(add) == 0 {
		return nil
	}
	// Registry changes are not pipelined: write what is queued first, so
	// that the calls stay in order.
	if err := s.flush(ctx); err != nil {
		return err
	}
	return s.register(ctx, add)
}

func registering(add []events.UnitRegistered, id string) bool {
	for _, u := range add {
		if u.Unit == id {
			return true
		}
	}
	return false
}

func (s *Sink) register(ctx context.Context, units []events.UnitRegistered) error {
	now := s.cfg.Clock()
	drafts := make([]events.Draft, len(units))
	for i := range units {
		drafts[i] = events.Draft{ID: ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()), Stream: events.UnitsStream,
			OccurredAt: now, Actor: s.actor, Payload: &units[i]}
	}
	var err error
	if s.im != nil {
		err = s.im.Append(ctx, ledger.Batch{Stream: events.UnitsStream, Drafts: drafts})
	} else {
		_, err = s.l.Append(ctx, events.UnitsStream, ledger.Expect{}, drafts...)
	}
	if err != nil {
		return fmt.Errorf("interop: register units: %w", err)
	}
	for _, u := range units {
		s.units[u.Unit] = u.Kind
	}
	s.sum.Units += len(units)
	return nil
}

// flush writes the pending traces in one ledger call. A trace the ledger
// refuses is taken out (and imported as activities, or skipped): the
// traces before it, which passed, go as one call, and the rest is tried
// again. After refusals the calls get smaller, so that one refused trace
// costs re-checking a few dozen events, not thousands; clean calls grow
// them back.
func (s *Sink) flush(ctx context.Context) error {
	refused := s.refusals
	err := s.write(ctx, s.pending)
	s.pending = s.pending[:0]
	s.events, s.bytes = 0, 0
	clear(s.names)
	for err == nil && len(s.fallbacks) > 0 {
		// The refused traces, as activities, after the call they were
		// taken out of (their streams may also be its traces'): in calls
		// with each stream once.
		var now, later []pendingTrace
		for _, fb := range s.fallbacks {
			if s.names[fb.batch.Stream] {
				later = append(later, fb)
				continue
			}
			s.names[fb.batch.Stream] = true
			now = append(now, fb)
		}
		s.fallbacks = later
		err = s.write(ctx, now)
		clear(s.names)
	}
	if err != nil {
		return err
	}
	if s.refusals > refused {
		s.limit = max(minBatchEvents, s.limit/2)
	} else {
		s.limit = min(s.cfg.BatchEvents, s.limit*2)
	}
	return s.settle(ctx, false)
}

// minBatchEvents is the smallest call flush shrinks to.
const minBatchEvents = 16

func (s *Sink) write(ctx context.Context, traces []pendingTrace) error {
	for len(traces) > 0 {
		batches := make([]ledger.Batch, len(traces))
		for i := range traces {
			batches[i] = traces[i].batch
		}
		// The traces are independent: the ledger leaves out those it
		// refuses and writes the others in one call.
		refused, err := s.im.AppendEach(ctx, batches...)
		for _, re := range refused {
			if err := s.refusedTrace(traces, re); err != nil {
				return err
			}
		}
		if err == nil {
			return nil
		}
		// A store that cannot pipeline takes the call whole or refuses
		// it whole: take the refused trace out and try again.
		var re *ledger.RuleError
		if !errors.As(err, &re) {
			return fmt.Errorf("interop: import: %w", err)
		}
		at := -1
		for i := range traces {
			if traces[i].batch.Stream == re.Stream {
				at = i
				break
			}
		}
		if at < 0 {
			return fmt.Errorf("interop: import: %w", err)
		}
		s.refusals++
		if at > 0 {
			if err := s.write(ctx, traces[:at]); err != nil {
				return err
			}
		}
		fb, err := s.fallback(traces[at].t, re)
		if err != nil {
			return err
		}
		traces = traces[at+1:]
		if fb != nil {
			s.fallbacks = append(s.fallbacks, *fb)
		}
	}
	return nil
}

// refusedTrace handles the refusal of one of traces.
func (s *Sink) refusedTrace(traces []pendingTrace, re *ledger.RuleError) error {
	for i := range traces {
		if traces[i].batch.Stream == re.Stream {
			fb, err := s.fallback(traces[i].t, re)
			if err != nil {
				return err
			}
			if fb != nil {
				s.fallbacks = append(s.fallbacks, *fb)
			}
			return nil
		}
	}
	return fmt.Errorf("interop: import: the ledger refused %s, which was not in the call: %w", re.Stream, re)
}

// fallback handles a refused trace: a case trace becomes an activity
// trace when the config allows (returned, to be written); anything else
// is skipped with the rule.
func (s *Sink) fallback(t *Trace, re *ledger.RuleError) (*pendingTrace, error) {
	kind, _ := events.SplitStream(re.Stream)
	if kind != events.StreamCase || !s.cfg.Fallback || re.Rule == "wrong-expected-version" || re.Rule == "id-conflict" {
		s.skipRefused(re)
		return nil, nil
	}
	b, err := s.batch(t, false)
	if err != nil {
		var se *SkipError
		if errors.As(err, &se) {
			s.Skip(se)
			return nil, nil
		}
		return nil, err
	}
	s.sum.Fallbacks[re.Rule]++
	if s.cfg.OnSkip != nil {
		s.cfg.OnSkip(Skip("imported as activities: "+re.Rule, "%s: %s", t.Name, re.Detail))
	}
	return &pendingTrace{t: &Trace{Name: t.Name}, batch: b}, nil
}

// settle handles calls the ledger refused after the store turned them
// back (an event ID already stored with other content, a race): the
// refused trace is skipped with the rule, and every other trace of the
// call is written again on its own. closed says the importer is closed,
// so that they go to the ledger directly.
func (s *Sink) settle(ctx context.Context, closed bool) error {
	for len(s.refused) > 0 {
		r := s.refused[0]
		s.refused = s.refused[1:]
		var re *ledger.RuleError
		if !errors.As(r.err, &re) {
			return fmt.Errorf("interop: import: %w", r.err)
		}
		for _, b := range r.batches {
			if b.Stream == re.Stream {
				s.skipRefused(re)
				continue
			}
			var err error
			if closed {
				var res []ledger.Result
				if res, err = s.l.AppendAtomic(ctx, b); err == nil {
					s.durable(res)
				}
			} else {
				err = s.im.Append(ctx, b)
			}
			var again *ledger.RuleError
			if errors.As(err, &again) {
				s.skipRefused(again)
				continue
			}
			if err != nil {
				return fmt.Errorf("interop: import: %w", err)
			}
		}
	}
	return nil
}

// skipRefused counts a trace the ledger refused.
func (s *Sink) skipRefused(re *ledger.RuleError) {
	switch re.Rule {
	case "wrong-expected-version":
		s.Skip(Skip("stream already holds other events", "%s (import with a prefix to keep both)", re.Stream))
	case "id-conflict":
		s.Skip(Skip("already imported with other content", "%s: %s", re.Stream, re.Detail))
	case "invalid":
		s.Skip(Skip("invalid event", "%s, event %d: %s", re.Stream, re.Index+1, re.Detail))
	default:
		s.Skip(Skip("refused: "+re.Rule, "%s: %s", re.Stream, re.Detail))
	}
}

// durable counts a durable call's results.
func (s *Sink) durable(res []ledger.Result) {
	for _, r := range res {
		kind, _ := events.SplitStream(r.Stream)
		switch kind {
		case events.StreamCase:
			s.sum.Cases++
		case events.StreamTrace:
			s.sum.Activities++
		default:
			continue
		}
		s.sum.Traces++
		for _, d := range r.Duplicate {
			if d {
				s.sum.Duplicates++
			} else {
				s.sum.Events++
			}
		}
	}
	if s.cfg.Progress != nil {
		s.cfg.Progress(s.sum)
	}
}

// Abort ends an import that cannot go on: what was handed to the ledger
// is waited for (it is durable when Abort returns), what is still queued
// is dropped, and no import.recorded is written. Running the import again
// writes what is missing.
func (s *Sink) Abort(ctx context.Context) error {
	s.pending = nil
	return s.im.Close(ctx)
}

// Close writes what is queued, waits until it is durable and records the
// import (import.recorded, with the log's attributes). After Close the
// sink must not be used.
func (s *Sink) Close(ctx context.Context, logAttrs []events.Attribute) (Summary, error) {
	if err := s.flush(ctx); err != nil {
		s.im.Close(ctx)
		return s.sum, err
	}
	if err := s.im.Close(ctx); err != nil {
		return s.sum, fmt.Errorf("interop: import: %w", err)
	}
	if err := s.settle(ctx, true); err != nil {
		return s.sum, err
	}
	for k := range s.dropped {
		s.sum.Dropped = append(s.sum.Dropped, k)
	}
	sort.Strings(s.sum.Dropped)
	rec := &events.ImportRecorded{Format: s.cfg.Format, Source: s.cfg.Source, SHA256: s.cfg.SHA256, Mapping: s.cfg.Mapping,
		Attributes: logAttrs, Traces: s.sum.Traces, Events: s.sum.Events + s.sum.Duplicates, Reordered: s.sum.Reordered}
	for _, k := range sortedKeys(s.sum.Skipped) {
		rec.Skipped = append(rec.Skipped, events.SkipCount{Reason: k, Count: s.sum.Skipped[k]})
	}
	for _, k := range sortedKeys(s.sum.Fallbacks) {
		rec.Skipped = append(rec.Skipped, events.SkipCount{Reason: "imported as activities: " + k, Count: s.sum.Fallbacks[k]})
	}
	if _, err := events.EncodePayload(rec); err != nil {
		// Log attributes the vocabulary cannot hold are left out of the
		// record rather than losing the import's record.
		rec.Attributes = nil
	}
	now := s.cfg.Clock()
	res, err := s.l.Append(ctx, events.ImportsStream, ledger.Expect{}, events.Draft{
		ID: ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()), Stream: events.ImportsStream,
		OccurredAt: now, Actor: s.actor, Payload: rec})
	if err != nil {
		return s.sum, fmt.Errorf("interop: record the import: %w", err)
	}
	s.sum.Position = res.Positions[0]
	return s.sum, nil
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
