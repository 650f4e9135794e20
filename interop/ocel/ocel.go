// Package ocel writes a ledger as an object-centric event log in the
// OCEL 2.0 JSON format (https://www.ocel-standard.org/specification/formats/json/),
// for object-centric process-mining tools.
//
// # Objects
//
// Object ids are prefixed with their type, so that ids of different kinds
// never clash: case/<id>, unit/<id>, resident/<subject>, topic/<id> and
// trace/<id> (an imported activity trace). A resident is a pseudonymous
// subject id, never a name. Object types and their attributes:
//
//	case      status (open, resolved, merged, closed, over time), category, channel
//	unit      name, kind, parent (from unit.registered, over time)
//	resident  (none)
//	topic     community, secret
//	trace     name (the trace's name in the imported log)
//
// Object-to-object relationships: a unit is "part-of" its parent unit, a
// merged case is "merged-into" its parent case.
//
// # Events
//
// Every lifecycle event (case.*), deliberation event (topic.opened,
// ballot.cast, topic.closed) and unit.registered becomes an event of that
// type; an imported activity.recorded becomes an event of its activity name
// (prefixed "activity:" if the name is one of the ledger's type names). The
// event id is the ledger event's ULID, its time the business time with its
// zone. Events carry qualified relationships to the objects they concern:
//
//	case.reported     case "case", resident "reporter", units "location"
//	case.dispatched   case, unit "from", unit "to"
//	case.returned     case, unit "returned-by", unit "suggested"
//	case.accepted, case.contacted, case.resolved   case, unit "unit"
//	case.resolved     also case "duplicate-of"
//	case.rated        case, resident "respondent"
//	case.merged       case, case "parent"
//	topic.opened      topic "topic", unit "community"
//	ballot.cast       topic, resident "voter"
//	unit.registered   unit "unit", unit "parent"
//	activities        trace "trace" (or case "case")
//
// and scalar attributes (codes, counts, flags, times: mode, reason,
// outcome, channel, category, satisfaction, valid, ...). Free text is not
// exported: no descriptions, addresses, comments, notes or summaries, and
// so no sealed personal field, ever. A ballot of a secret topic
// (topic.opened secret=true) is written without its choice, so that no
// voter is linked to a choice; a ballot of an open topic carries it.
// Events of the registry other than unit.registered (responsibility lists,
// erasures, import records) have no OCEL counterpart and are counted in
// Stats.Skipped.
//
// # Output
//
// The document is one JSON object whose "events" array comes first and is
// streamed in the ledger's global order, one event per line; "eventTypes",
// "objectTypes" and "objects" follow, since they are known only once every
// event has been read. Objects are held in memory (they grow with cases,
// units and residents, not with events). Types are listed in name order,
// objects in id order: the same ledger always gives the same bytes.
//
// By default every attribute value is a JSON string holding its lexical
// form ("42", "true", "2026-11-02T09:00:00+08:00"), as the published OCEL
// 2.0 JSON schema types values; the declared attribute type (string, time,
// integer, float, boolean) says how to read it. Config.NativeValues writes
// numbers and booleans as JSON numbers and booleans instead, as the
// specification's examples do.
package ocel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// Object types.
const (
	TypeCase     = "case"
	TypeUnit     = "unit"
	TypeResident = "resident"
	TypeTopic    = "topic"
	TypeTrace    = "trace"
)

// OCEL attribute types.
const (
	AttrString  = "string"
	AttrTime    = "time"
	AttrInteger = "integer"
	AttrFloat   = "float"
	AttrBoolean = "boolean"
)

// Config configures Write. The zero value is ready to use.
type Config struct {
	// NativeValues writes integer, float and boolean attribute values as
	// JSON numbers and booleans, as the specification's examples do. The
	// default writes every value as a JSON string, as the published JSON
	// schema requires. A float that JSON cannot hold (NaN, INF) stays a
	// string either way.
	NativeValues bool
}

// Stats counts what Write wrote.
type Stats struct {
	// Events and Objects are the events and objects written.
	Events, Objects int
	// Skipped counts ledger events with no OCEL counterpart.
	Skipped int
	// WithheldChoices counts ballots of secret topics written without
	// their choice.
	WithheldChoices int
	// DroppedAttributes counts imported list and container attributes,
	// which OCEL cannot hold, and repeated attribute names.
	DroppedAttributes int
}

// Write writes the events of src as an OCEL 2.0 JSON document to w. It
// reads src once, in global order; it returns when src has been read or
// on the first error (of src, of w, or ctx's). Output is deterministic for
// the same events. Write does not close w.
func Write(ctx context.Context, w io.Writer, src interop.Source, cfg Config) (Stats, error) {
	x := newExporter(cfg)
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("{\"events\":["); err != nil {
		return x.stats, fmt.Errorf("ocel: write: %w", err)
	}
	err := src.Records(ctx, func(r interop.Record) error {
		if x.stats.Events&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !x.event(r) {
			x.stats.Skipped++
			return nil
		}
		if x.stats.Events > 0 {
			x.buf = append(x.buf, ',')
		}
		x.buf = append(x.buf, '\n')
		x.buf = x.appendEvent(x.buf, r.Event)
		x.stats.Events++
		if _, err := bw.Write(x.buf); err != nil {
			return &writeError{err}
		}
		x.buf = x.buf[:0]
		return nil
	})
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return x.stats, fmt.Errorf("ocel: write: %w", we.err)
		}
		return x.stats, fmt.Errorf("ocel: read: %w", err)
	}
	b := x.buf[:0]
	b = append(b, "\n],\n\"eventTypes\":["...)
	b = x.appendEventTypes(b)
	b = append(b, "],\n\"objectTypes\":["...)
	b = appendObjectTypes(b)
	b = append(b, "],\n\"objects\":["...)
	if _, err := bw.Write(b); err != nil {
		return x.stats, fmt.Errorf("ocel: write: %w", err)
	}
	ids := make([]string, 0, len(x.objects))
	for id := range x.objects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = x.appendObject(b, x.objects[id])
		if _, err := bw.Write(b); err != nil {
			return x.stats, fmt.Errorf("ocel: write: %w", err)
		}
	}
	x.stats.Objects = len(ids)
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return x.stats, fmt.Errorf("ocel: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return x.stats, fmt.Errorf("ocel: write: %w", err)
	}
	return x.stats, nil
}

// writeError marks an error of the writer, as opposed to the source's.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// attr is one event attribute: its name, OCEL type and lexical value.
type attr struct{ name, typ, val string }

// rel is a qualified relationship to an object.
type rel struct{ id, qualifier string }

// timed is one value of an object attribute from a time on.
type timed struct {
	name, val string
	at        time.Time
}

type object struct {
	id, typ string
	attrs   []timed
	rels    []rel
}

// etype is an event type with the attributes its events were seen with.
type etype struct {
	attrs map[string]string // name -> OCEL type
}

type exporter struct {
	cfg     Config
	stats   Stats
	buf     []byte
	objects map[string]*object
	types   map[string]*etype
	secret  map[string]bool // topic id -> secret ballot

	// the event being built
	typ   string
	attrs []attr
	rels  []rel
}

func newExporter(cfg Config) *exporter {
	return &exporter{
		cfg:     cfg,
		buf:     make([]byte, 0, 1024),
		objects: map[string]*object{},
		types:   map[string]*etype{},
		secret:  map[string]bool{},
	}
}

// object returns the object id of type typ, creating it.
func (x *exporter) object(typ, id string) *object {
	key := typ + "/" + id
	o := x.objects[key]
	if o == nil {
		o = &object{id: key, typ: typ}
		x.objects[key] = o
	}
	return o
}

// link relates the current event to object typ/id with qualifier q; an
// empty id is no object.
func (x *exporter) link(typ, id, q string) *object {
	if id == "" {
		return nil
	}
	o := x.object(typ, id)
	for _, r := range x.rels {
		if r.id == o.id && r.qualifier == q {
			return o
		}
	}
	x.rels = append(x.rels, rel{o.id, q})
	return o
}

// set records an object attribute's value from time at, unless the
// attribute already has that value.
func (o *object) set(name, val string, at time.Time) {
	for i := len(o.attrs) - 1; i >= 0; i-- {
		if o.attrs[i].name == name {
			if o.attrs[i].val == val {
				return
			}
			break
		}
	}
	o.attrs = append(o.attrs, timed{name, val, at})
}

// relate adds an object-to-object relationship, once.
func (o *object) relate(to, q string) {
	for _, r := range o.rels {
		if r.id == to && r.qualifier == q {
			return
		}
	}
	o.rels = append(o.rels, rel{to, q})
}

func (x *exporter) add(name, typ, val string) {
	for _, a := range x.attrs {
		if a.name == name {
			x.stats.DroppedAttributes++
			return
		}
	}
	x.attrs = append(x.attrs, attr{name, typ, val})
}

func (x *exporter) str(name, val string) {
	if val != "" {
		x.add(name, AttrString, val)
	}
}

func (x *exporter) boolean(name string, v bool) { x.add(name, AttrBoolean, strconv.FormatBool(v)) }

func (x *exporter) integer(name string, v int) { x.add(name, AttrInteger, strconv.Itoa(v)) }

func (x *exporter) time(name string, t time.Time) {
	if !t.IsZero() {
		x.add(name, AttrTime, t.Format(time.RFC3339Nano))
	}
}

// event maps a record to the current event; false: no OCEL counterpart.
func (x *exporter) event(r interop.Record) bool {
	x.typ, x.attrs, x.rels = r.Event.Type, x.attrs[:0], x.rels[:0]
	at := r.Event.OccurredAt
	kind, id := events.SplitStream(r.Event.Stream)
	switch p := r.Payload.(type) {
	case *events.CaseReported:
		c := x.link(TypeCase, id, "case")
		x.link(TypeResident, p.Reporter, "reporter")
		x.link(TypeUnit, p.Location.Street, "location")
		x.link(TypeUnit, p.Location.Community, "location")
		x.link(TypeUnit, p.Location.Grid, "location")
		x.str("channel", p.Channel)
		x.str("category", p.Category)
		x.str("deadline_policy", p.DeadlinePolicy)
		c.set("status", "open", at)
		c.set("category", p.Category, at)
		c.set("channel", p.Channel, at)
	case *events.CaseDispatched:
		x.link(TypeCase, id, "case")
		x.link(TypeUnit, p.FromUnit, "from")
		x.link(TypeUnit, p.ToUnit, "to")
		x.str("mode", p.Mode)
		x.str("rule_id", p.RuleID)
		if p.ListVersion > 0 {
			x.integer("list_version", p.ListVersion)
		}
	case *events.CaseReturned:
		x.link(TypeCase, id, "case")
		x.link(TypeUnit, p.Unit, "returned-by")
		x.link(TypeUnit, p.SuggestedUnit, "suggested")
		x.str("reason", p.Reason)
	case *events.CaseAccepted:
		x.link(TypeCase, id, "case")
		x.link(TypeUnit, p.Unit, "unit")
	case *events.CaseContacted:
		x.link(TypeCase, id, "case")
		x.link(TypeUnit, p.Unit, "unit")
		x.str("means", p.Means)
	case *events.CaseExtended:
		x.link(TypeCase, id, "case")
		x.time("new_deadline", p.NewDeadline)
	case *events.CaseResolved:
		c := x.link(TypeCase, id, "case")
		x.link(TypeUnit, p.Unit, "unit")
		x.link(TypeCase, p.DuplicateOf, "duplicate-of")
		x.str("outcome", p.Outcome)
		x.integer("evidence", len(p.Evidence))
		c.set("status", "resolved", at)
	case *events.CaseReopened:
		c := x.link(TypeCase, id, "case")
		x.str("by", p.By)
		c.set("status", "open", at)
	case *events.CaseRated:
		x.link(TypeCase, id, "case")
		x.link(TypeResident, p.Respondent, "respondent")
		x.boolean("contacted", p.Contacted)
		x.boolean("solved", p.Solved)
		x.str("satisfaction", p.Satisfaction)
		x.boolean("valid", p.Valid)
	case *events.CaseMerged:
		c := x.link(TypeCase, id, "case")
		parent := x.link(TypeCase, p.Parent, "parent")
		c.relate(parent.id, "merged-into")
		c.set("status", "merged", at)
	case *events.CaseClosed:
		c := x.link(TypeCase, id, "case")
		c.set("status", "closed", at)
	case *events.TopicOpened:
		t := x.link(TypeTopic, id, "topic")
		x.link(TypeUnit, p.Community, "community")
		x.boolean("secret", p.Secret)
		x.integer("options", len(p.Options))
		x.integer("eligible", len(p.Eligible))
		x.time("opens_at", p.OpensAt)
		x.time("closes_at", p.ClosesAt)
		x.secret[id] = p.Secret
		t.set("community", p.Community, at)
		t.set("secret", strconv.FormatBool(p.Secret), at)
	case *events.BallotCast:
		x.link(TypeTopic, id, "topic")
		x.link(TypeResident, p.Voter, "voter")
		// A topic never seen open is treated as secret: withholding a
		// choice is always safe.
		if secret, ok := x.secret[id]; ok && !secret {
			x.str("choice", p.Choice)
		} else {
			x.stats.WithheldChoices++
		}
	case *events.TopicClosed:
		x.link(TypeTopic, id, "topic")
		x.integer("turnout", p.Turnout)
		for _, c := range p.Tally {
			x.integer("votes:"+c.Option, c.Votes)
		}
	case *events.UnitRegistered:
		u := x.link(TypeUnit, p.Unit, "unit")
		x.str("name", p.Name)
		x.str("kind", p.Kind)
		u.set("name", p.Name, at)
		u.set("kind", p.Kind, at)
		if p.Parent != "" {
			parent := x.link(TypeUnit, p.Parent, "parent")
			u.relate(parent.id, "part-of")
			u.set("parent", p.Parent, at)
		}
	case *events.ActivityRecorded:
		x.activity(kind, id, p, at)
	default:
		return false
	}
	x.declare()
	return true
}

// activity maps an imported activity.recorded.
func (x *exporter) activity(kind, id string, p *events.ActivityRecorded, at time.Time) {
	x.typ = p.Activity
	if _, clash := events.Lookup(p.Activity); clash {
		x.typ = "activity:" + p.Activity
	}
	if kind == events.StreamCase {
		x.link(TypeCase, id, "case")
	} else {
		t := x.link(TypeTrace, id, "trace")
		if p.Trace != nil && t != nil {
			t.set("name", p.Trace.Name, at)
		}
	}
	x.str("lifecycle:transition", p.Lifecycle)
	x.str("org:resource", p.Resource)
	x.str("org:role", p.Role)
	x.str("org:group", p.Group)
	x.str("concept:instance", p.Instance)
	for _, a := range p.Attributes {
		typ, val, ok := convert(a)
		if !ok {
			x.stats.DroppedAttributes++
			continue
		}
		x.add(a.Key, typ, val)
	}
}

// convert maps an imported attribute to an OCEL type and lexical value.
func convert(a events.Attribute) (typ, val string, ok bool) {
	switch a.Type {
	case events.AttrString, events.AttrID:
		return AttrString, a.Value, true
	case events.AttrDate:
		t, err := events.ParseXSDateTime(a.Value)
		if err != nil {
			return AttrString, a.Value, true
		}
		return AttrTime, t.Format(time.RFC3339Nano), true
	case events.AttrInt:
		n, err := strconv.ParseInt(trim(a.Value), 10, 64)
		if err != nil {
			return AttrString, a.Value, true
		}
		return AttrInteger, strconv.FormatInt(n, 10), true
	case events.AttrFloat:
		f, err := strconv.ParseFloat(trim(a.Value), 64)
		if err != nil {
			return AttrFloat, trim(a.Value), true // INF, -INF, NaN
		}
		return AttrFloat, strconv.FormatFloat(f, 'g', -1, 64), true
	case events.AttrBoolean:
		switch trim(a.Value) {
		case "true", "1", "TRUE", "True":
			return AttrBoolean, "true", true
		default:
			return AttrBoolean, "false", true
		}
	}
	return "", "", false // list, container
}

func trim(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// declare records the current event's type and attribute types. An
// attribute seen with two types is declared a string.
func (x *exporter) declare() {
	et := x.types[x.typ]
	if et == nil {
		et = &etype{attrs: map[string]string{}}
		for _, a := range fixedAttrs[x.typ] {
			et.attrs[a.name] = a.typ
		}
		x.types[x.typ] = et
	}
	for _, a := range x.attrs {
		switch t, ok := et.attrs[a.name]; {
		case !ok:
			et.attrs[a.name] = a.typ
		case t != a.typ:
			et.attrs[a.name] = AttrString
		}
	}
}

// fixedAttrs declares the attributes of the ledger's own event types,
// whether or not a given event carries them.
var fixedAttrs = map[string][]attr{
	events.TypeCaseReported:   {{"channel", AttrString, ""}, {"category", AttrString, ""}, {"deadline_policy", AttrString, ""}},
	events.TypeCaseDispatched: {{"mode", AttrString, ""}, {"rule_id", AttrString, ""}, {"list_version", AttrInteger, ""}},
	events.TypeCaseReturned:   {{"reason", AttrString, ""}},
	events.TypeCaseContacted:  {{"means", AttrString, ""}},
	events.TypeCaseExtended:   {{"new_deadline", AttrTime, ""}},
	events.TypeCaseResolved:   {{"outcome", AttrString, ""}, {"evidence", AttrInteger, ""}},
	events.TypeCaseReopened:   {{"by", AttrString, ""}},
	events.TypeCaseRated:      {{"contacted", AttrBoolean, ""}, {"solved", AttrBoolean, ""}, {"satisfaction", AttrString, ""}, {"valid", AttrBoolean, ""}},
	events.TypeTopicOpened:    {{"secret", AttrBoolean, ""}, {"options", AttrInteger, ""}, {"eligible", AttrInteger, ""}, {"opens_at", AttrTime, ""}, {"closes_at", AttrTime, ""}},
	events.TypeBallotCast:     {{"choice", AttrString, ""}},
	events.TypeTopicClosed:    {{"turnout", AttrInteger, ""}},
	events.TypeUnitRegistered: {{"name", AttrString, ""}, {"kind", AttrString, ""}},
}

// objectAttrs declares the attributes of each object type.
var objectAttrs = []struct {
	typ   string
	attrs []attr
}{
	{TypeCase, []attr{{"status", AttrString, ""}, {"category", AttrString, ""}, {"channel", AttrString, ""}}},
	{TypeResident, nil},
	{TypeTopic, []attr{{"community", AttrString, ""}, {"secret", AttrBoolean, ""}}},
	{TypeTrace, []attr{{"name", AttrString, ""}}},
	{TypeUnit, []attr{{"name", AttrString, ""}, {"kind", AttrString, ""}, {"parent", AttrString, ""}}},
}

func objectAttrType(typ, name string) string {
	for _, o := range objectAttrs {
		if o.typ == typ {
			for _, a := range o.attrs {
				if a.name == name {
					return a.typ
				}
			}
		}
	}
	return AttrString
}
