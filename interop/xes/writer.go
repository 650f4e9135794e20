package xes

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// WriterConfig configures Write. The zero value is the default.
type WriterConfig struct {
	// LogName, if set, is written as the log's concept:name.
	LogName string
}

// Stats says what Write wrote.
type Stats struct {
	// Traces and Events are the traces and events written.
	Traces, Events int
	// Bytes is the size of the document written.
	Bytes int64
}

const header = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
	<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
	<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
	<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
	<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
	<extension name="Identity" prefix="identity" uri="http://www.xes-standard.org/identity.xesext"/>
	<global scope="trace">
		<string key="concept:name" value="__INVALID__"/>
	</global>
	<global scope="event">
		<string key="concept:name" value="__INVALID__"/>
		<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
		<string key="lifecycle:transition" value="complete"/>
	</global>
	<classifier name="Activity" keys="concept:name"/>
	<classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>
`

// Write writes the case streams (case/<id>) and imported trace streams
// (trace/<id>) of src to w as one XES 1849-2016 document, one trace per
// stream in order of first appearance; topic and registry streams are not
// written. It reads src twice — once for the stream names, then stream by
// stream — and holds no more than one event at a time.
//
// A lifecycle event becomes an event named after its type, with a
// lifecycle:transition (the first case.dispatched "assign", later ones
// "reassign", case.returned "withdraw", case.accepted "start", every other
// "complete"), org:group (the unit involved), org:resource and org:role
// (the actor's id and kind), identity:id (the event's ULID),
// govledger:position, govledger:hash, and its payload's fields as typed
// "data:<field>" attributes; a sealed personal field is left out. An
// activity.recorded event is written as it was imported. A case trace is
// named by the case id, an imported trace by its name in the source; the
// trace's attributes are those the stream's first event carries
// (events.TraceInfo).
//
// Text is escaped for XML 1.0: tab, newline and carriage return in values
// are written as character references, and characters XML 1.0 cannot hold
// (other C0 controls, U+FFFE, U+FFFF, invalid UTF-8) are written as U+FFFD.
func Write(ctx context.Context, w io.Writer, src interop.Source, cfg WriterConfig) (Stats, error) {
	var st Stats
	var names []string
	seen := make(map[string]struct{})
	add := func(s string) error {
		if _, ok := seen[s]; ok {
			return nil
		}
		kind, _ := events.SplitStream(s)
		if kind != events.StreamCase && kind != events.StreamTrace {
			return nil
		}
		seen[s] = struct{}{}
		names = append(names, s)
		return nil
	}
	var err error
	if l, ok := src.(interop.StreamLister); ok {
		err = l.StreamNames(ctx, add) // no payload decoded
	} else {
		err = src.Records(ctx, func(rec interop.Record) error { return add(rec.Event.Stream) })
	}
	if err != nil {
		return st, fmt.Errorf("xes: read records: %w", err)
	}
	cw := &countWriter{w: w}
	xw := &xmlWriter{w: bufio.NewWriterSize(cw, 64<<10)}
	xw.w.WriteString(header)
	if cfg.LogName != "" {
		xw.attr(1, events.Attribute{Key: "concept:name", Type: events.AttrString, Value: cfg.LogName})
	}
	err = renderTraces(ctx, src, names, func(r *rendered) error {
		if r.err != nil {
			return r.err
		}
		xw.w.Write(r.buf.Bytes())
		if r.started {
			st.Traces++
			st.Events += r.events
		}
		return xw.err
	})
	if err != nil {
		return st, err
	}
	xw.w.WriteString("</log>\n")
	if err := xw.w.Flush(); err != nil {
		return st, fmt.Errorf("xes: write: %w", err)
	}
	st.Bytes = cw.n
	return st, nil
}

// rendered is one trace written to its own buffer.
type rendered struct {
	name    string
	buf     bytes.Buffer
	started bool
	events  int
	err     error
	done    chan struct{}
}

// renderTraces renders the traces of names on every core and hands them
// to emit in order, a bounded number ahead: reading a stream, decoding its
// payloads and formatting it cost more than writing the bytes out. Each
// worker takes a run of consecutive traces and reads their streams in one
// call when the source can (interop.StreamsReader).
func renderTraces(ctx context.Context, src interop.Source, names []string, emit func(*rendered) error) error {
	const run = 32
	workers := max(1, runtime.GOMAXPROCS(0))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan []*rendered)
	order := make(chan []*rendered, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rs := range work {
				renderRun(ctx, src, rs)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		for lo := 0; lo < len(names); lo += run {
			rs := make([]*rendered, 0, run)
			for _, name := range names[lo:min(lo+run, len(names))] {
				rs = append(rs, &rendered{name: name, done: make(chan struct{})})
			}
			select {
			case order <- rs:
			case <-ctx.Done():
				return
			}
			select {
			case work <- rs:
			case <-ctx.Done():
				for _, r := range rs {
					close(r.done)
				}
				return
			}
		}
	}()
	var err error
	for rs := range order {
		for _, r := range rs {
			<-r.done
			if err != nil {
				continue
			}
			if err = ctx.Err(); err != nil {
				err = fmt.Errorf("xes: %w", err)
			} else {
				err = emit(r)
			}
			if err != nil {
				cancel()
			}
		}
	}
	wg.Wait()
	return err
}

// renderRun renders a run of traces, each to its own buffer.
func renderRun(ctx context.Context, src interop.Source, rs []*rendered) {
	bw := bufio.NewWriterSize(nil, 16<<10)
	var cur *traceWriter
	at := -1
	finish := func() {
		if cur == nil {
			return
		}
		r := rs[at]
		if cur.started {
			cur.xw.w.WriteString("\t</trace>\n")
		}
		if err := cur.xw.w.Flush(); err != nil && r.err == nil {
			r.err = fmt.Errorf("xes: write: %w", err)
		}
		if cur.xw.err != nil && r.err == nil {
			r.err = fmt.Errorf("xes: write: %w", cur.xw.err)
		}
		r.started, r.events = cur.started, cur.events
		cur = nil
	}
	next := func(stream string) {
		finish()
		for at++; at < len(rs) && rs[at].name != stream; at++ {
			// A listed stream without events.
		}
		if at < len(rs) {
			bw.Reset(&rs[at].buf)
			cur = &traceWriter{xw: &xmlWriter{w: bw}, stream: stream}
		}
	}
	record := func(rec interop.Record) error {
		if cur == nil || rec.Event.Stream != cur.stream {
			next(rec.Event.Stream)
			if cur == nil {
				return fmt.Errorf("xes: read %s: events of a stream not asked for", rec.Event.Stream)
			}
		}
		return cur.record(rec)
	}
	var err error
	if m, ok := src.(interop.StreamsReader); ok {
		names := make([]string, len(rs))
		for i, r := range rs {
			names[i] = r.name
		}
		err = m.Streams(ctx, names, record)
	} else {
		for _, r := range rs {
			if err = src.Stream(ctx, r.name, record); err != nil {
				break
			}
		}
	}
	finish()
	if err != nil {
		for _, r := range rs {
			if r.err == nil {
				r.err = fmt.Errorf("xes: read streams: %w", err)
			}
		}
	}
	for _, r := range rs {
		close(r.done)
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// traceWriter writes one stream as a trace.
type traceWriter struct {
	xw         *xmlWriter
	stream     string
	started    bool
	dispatched bool
	events     int
}

func (t *traceWriter) record(rec interop.Record) error {
	xw := t.xw
	if xw.err != nil {
		return xw.err
	}
	e := rec.Event
	ar, imported := rec.Payload.(*events.ActivityRecorded)
	if !t.started {
		t.started = true
		// A case is named by its id, an imported trace by its name in
		// the source.
		kind, name := events.SplitStream(t.stream)
		var attrs []events.Attribute
		if imported && ar.Trace != nil {
			if kind == events.StreamTrace {
				name = ar.Trace.Name
			}
			attrs = ar.Trace.Attributes
		}
		xw.w.WriteString("\t<trace>\n")
		xw.attr(2, events.Attribute{Key: "concept:name", Type: events.AttrString, Value: name})
		for _, a := range attrs {
			xw.attr(2, a)
		}
	}
	t.events++
	xw.w.WriteString("\t\t<event>\n")
	str := func(k, v string) {
		if v != "" {
			xw.attr(3, events.Attribute{Key: k, Type: events.AttrString, Value: v})
		}
	}
	if imported {
		str("concept:name", ar.Activity)
		str("lifecycle:transition", ar.Lifecycle)
		str("org:resource", ar.Resource)
		str("org:role", ar.Role)
		str("org:group", ar.Group)
		str("concept:instance", ar.Instance)
		xw.date(3, "time:timestamp", e.OccurredAt)
		for _, a := range ar.Attributes {
			xw.attr(3, a)
		}
	} else {
		str("concept:name", e.Type)
		str("lifecycle:transition", t.transition(e.Type))
		str("org:group", group(rec))
		str("org:resource", e.Actor.ID)
		str("org:role", string(e.Actor.Kind))
		xw.date(3, "time:timestamp", e.OccurredAt)
		xw.attr(3, events.Attribute{Key: "identity:id", Type: events.AttrID, Value: e.ID.String()})
		xw.attr(3, events.Attribute{Key: "govledger:position", Type: events.AttrInt, Value: strconv.FormatUint(rec.Position, 10)})
		str("govledger:hash", e.Hash.String())
		if err := dataAttrs(e.Data, func(a events.Attribute) { xw.attr(3, a) }); err != nil {
			return fmt.Errorf("event at position %d: payload: %w", rec.Position, err)
		}
	}
	xw.w.WriteString("\t\t</event>\n")
	return xw.err
}

// transition maps a lifecycle event type to an XES lifecycle transition.
func (t *traceWriter) transition(typ string) string {
	switch typ {
	case events.TypeCaseDispatched:
		if t.dispatched {
			return "reassign"
		}
		t.dispatched = true
		return "assign"
	case events.TypeCaseReturned:
		return "withdraw"
	case events.TypeCaseAccepted:
		return "start"
	}
	return "complete"
}

// group is the unit an event involves.
func group(rec interop.Record) string {
	switch p := rec.Payload.(type) {
	case *events.CaseDispatched:
		return p.ToUnit
	case *events.CaseReturned:
		return p.Unit
	case *events.CaseAccepted:
		return p.Unit
	case *events.CaseContacted:
		return p.Unit
	case *events.CaseResolved:
		return p.Unit
	}
	return rec.Event.Actor.Unit
}

// dataAttrs decodes a JSON payload object generically, in field order, and
// calls fn with each field as a "data:<field>" attribute.
func dataAttrs(data []byte, fn func(events.Attribute)) error {
	j := jsonWalker{b: data}
	j.space()
	if j.i == len(j.b) {
		return nil
	}
	if !j.eat('{') {
		return j.fail()
	}
	for first := true; ; first = false {
		if j.eat('}') {
			break
		}
		if !first && !j.eat(',') {
			return j.fail()
		}
		k, err := j.str()
		if err != nil {
			return err
		}
		if !j.eat(':') {
			return j.fail()
		}
		budget := events.MaxAttrs
		a, ok, err := j.value("data:"+k, 1, &budget)
		if err != nil {
			return err
		}
		if ok {
			fn(a)
		}
	}
	if j.space(); j.i != len(j.b) {
		return j.fail()
	}
	return nil
}

// jsonWalker reads JSON values as attributes, keeping object fields in
// their order.
type jsonWalker struct {
	b []byte
	i int
}

func (j *jsonWalker) fail() error { return fmt.Errorf("invalid JSON at offset %d", j.i) }

func (j *jsonWalker) space() {
	for j.i < len(j.b) && (j.b[j.i] == ' ' || j.b[j.i] == '\t' || j.b[j.i] == '\n' || j.b[j.i] == '\r') {
		j.i++
	}
}

// eat skips space and c, if c is next.
func (j *jsonWalker) eat(c byte) bool {
	j.space()
	if j.i < len(j.b) && j.b[j.i] == c {
		j.i++
		return true
	}
	return false
}

// str reads a string.
func (j *jsonWalker) str() (string, error) {
	j.space()
	if j.i >= len(j.b) || j.b[j.i] != '"' {
		return "", j.fail()
	}
	start, esc := j.i, false
	for j.i++; j.i < len(j.b); j.i++ {
		switch j.b[j.i] {
		case '\\':
			esc = true
			j.i++
		case '"':
			j.i++
			if raw := j.b[start+1 : j.i-1]; !esc && utf8.Valid(raw) {
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(j.b[start:j.i], &s); err != nil {
				return "", fmt.Errorf("invalid JSON string at offset %d: %w", start, err)
			}
			return s, nil
		}
	}
	return "", j.fail()
}

// value reads one JSON value as an attribute; ok is false for null and
// for a sealed personal field (an object of exactly "subject" and
// "sealed").
//
// Members nested deeper than events.MaxAttrDepth, or beyond events.MaxAttrs
// attributes in all (budget), are left out; an empty member key is written
// as "_".
func (j *jsonWalker) value(key string, depth int, budget *int) (a events.Attribute, ok bool, err error) {
	a.Key = key
	if a.Key == "" {
		a.Key = "_"
	}
	*budget--
	j.space()
	if j.i >= len(j.b) {
		return a, false, j.fail()
	}
	switch c := j.b[j.i]; {
	case c == '"':
		a.Type = events.AttrString
		a.Value, err = j.str()
		return a, err == nil, err
	case c == '{' || c == '[':
		j.i++
		a.Type = events.AttrContainer
		end := byte('}')
		if c == '[' {
			a.Type, end = events.AttrList, ']'
		}
		var keys []string
		for n := 0; ; n++ {
			if j.eat(end) {
				break
			}
			if n > 0 && !j.eat(',') {
				return a, false, j.fail()
			}
			ck := strconv.Itoa(n)
			if c == '{' {
				if ck, err = j.str(); err != nil {
					return a, false, err
				}
				if !j.eat(':') {
					return a, false, j.fail()
				}
				keys = append(keys, ck)
			}
			m, ok, err := j.value(ck, depth+1, budget)
			if err != nil {
				return a, false, err
			}
			if ok && depth < events.MaxAttrDepth && *budget >= 0 {
				a.Children = append(a.Children, m)
			}
		}
		if len(keys) == 2 && (keys[0] == "subject" && keys[1] == "sealed" || keys[0] == "sealed" && keys[1] == "subject") {
			return a, false, nil
		}
		return a, true, nil
	}
	start := j.i
	for j.i < len(j.b) && strings.IndexByte("+-0123456789.eEtruefalsn", j.b[j.i]) >= 0 {
		j.i++
	}
	lit := string(j.b[start:j.i])
	switch lit {
	case "null":
		return a, false, nil
	case "true", "false":
		a.Type, a.Value = events.AttrBoolean, lit
		return a, true, nil
	}
	if !json.Valid(j.b[start:j.i]) {
		j.i = start
		return a, false, j.fail()
	}
	a.Type, a.Value = events.AttrFloat, lit
	if _, err := strconv.ParseInt(lit, 10, 64); err == nil {
		a.Type = events.AttrInt
	}
	return a, true, nil
}

// xmlWriter writes XES elements.
type xmlWriter struct {
	w   *bufio.Writer
	err error
	buf []byte
}

var tabs = "\t\t\t\t\t\t\t\t\t\t\t\t"

func (x *xmlWriter) indent(n int) {
	if n > len(tabs) {
		n = len(tabs)
	}
	x.w.WriteString(tabs[:n])
}

// attr writes an attribute element with its children.
func (x *xmlWriter) attr(level int, a events.Attribute) {
	x.indent(level)
	x.w.WriteByte('<')
	x.w.WriteString(a.Type)
	x.w.WriteString(` key="`)
	x.escape(a.Key)
	x.w.WriteByte('"')
	if a.Type != events.AttrList && a.Type != events.AttrContainer {
		x.w.WriteString(` value="`)
		x.escape(a.Value)
		x.w.WriteByte('"')
	}
	if len(a.Children) == 0 {
		_, err := x.w.WriteString("/>\n")
		if err != nil && x.err == nil {
			x.err = err
		}
		return
	}
	x.w.WriteString(">\n")
	inner := level + 1
	if a.Type == events.AttrList {
		x.indent(inner)
		x.w.WriteString("<values>\n")
		inner++
	}
	for _, c := range a.Children {
		x.attr(inner, c)
	}
	if a.Type == events.AttrList {
		x.indent(level + 1)
		x.w.WriteString("</values>\n")
	}
	x.indent(level)
	x.w.WriteString("</")
	x.w.WriteString(a.Type)
	if _, err := x.w.WriteString(">\n"); err != nil && x.err == nil {
		x.err = err
	}
}

// date writes a date attribute in xs:dateTime with the time's own offset
// and at least millisecond precision.
func (x *xmlWriter) date(level int, key string, t time.Time) {
	x.indent(level)
	x.w.WriteString(`<date key="`)
	x.w.WriteString(key)
	x.w.WriteString(`" value="`)
	x.buf = appendXSDateTime(x.buf[:0], t)
	x.w.Write(x.buf)
	x.w.WriteString("\"/>\n")
}

// appendXSDateTime appends t as xs:dateTime: milliseconds, or micro- or
// nanoseconds when t has them, and the zone as Z or ±hh:mm.
func appendXSDateTime(b []byte, t time.Time) []byte {
	layout := "2006-01-02T15:04:05.000Z07:00"
	switch ns := t.Nanosecond(); {
	case ns%1e6 == 0:
	case ns%1e3 == 0:
		layout = "2006-01-02T15:04:05.000000Z07:00"
	default:
		layout = "2006-01-02T15:04:05.000000000Z07:00"
	}
	return t.AppendFormat(b, layout)
}

// escape writes s escaped for an attribute value.
func (x *xmlWriter) escape(s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var rep string
		n := 1
		if c < utf8.RuneSelf {
			switch c {
			case '&':
				rep = "&amp;"
			case '<':
				rep = "&lt;"
			case '>':
				rep = "&gt;"
			case '"':
				rep = "&quot;"
			case '\t':
				rep = "&#9;"
			case '\n':
				rep = "&#10;"
			case '\r':
				rep = "&#13;"
			default:
				if c < 0x20 {
					rep = "\uFFFD"
				}
			}
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || !isChar(r) {
				rep = "\uFFFD"
			}
		}
		if rep != "" {
			x.w.WriteString(s[last:i])
			x.w.WriteString(rep)
			last = i + n
		}
		i += n
	}
	x.w.WriteString(s[last:])
}
