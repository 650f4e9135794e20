package xes

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// ReaderConfig configures a Reader. The zero value is the default.
type ReaderConfig struct {
	// MaxTokenBytes is the largest single XML token (a tag with its
	// attributes, a comment, a run of text) accepted; a longer one is an
	// input error. Zero means 1 MiB.
	MaxTokenBytes int
	// MaxTraceBytes bounds the memory one trace may take (its values and
	// keys, and a fixed cost per event and attribute); a larger trace is
	// skipped (reason "trace too large") without being held. Zero means
	// 256 MiB.
	MaxTraceBytes int
}

const defaultMaxTraceBytes = 256 << 20

// Reader reads an XES log trace by trace. It is not safe for concurrent
// use.
type Reader struct {
	sc    *scanner
	log   []events.Attribute
	err   error
	done  bool
	inLog bool
	// checking: Check is reading; traces are skipped, not built.
	checking bool
	ntrace   int
	names    map[string]string
	zones    map[int]*time.Location
	attrCnt  int
	lastLen  int // events of the last trace, to size the next
	// size is the memory the trace being read takes, roughly.
	size          int
	maxTraceBytes int
	arenaStart    int                // where the event being read starts in arena
	cache         [1024]string       // recently interned strings
	arena         []events.Attribute // backs events' attribute slices
	// logNodes counts the attributes in log; logTruncated is set once
	// one was left out.
	logNodes     int
	logTruncated bool
}

// Rough sizes of an interop.Event and an events.Attribute on 64-bit
// platforms, for MaxTraceBytes.
const (
	eventCost = 208
	attrCost  = 72
)

// maxInterned bounds the table of interned keys and standard values.
const maxInterned = 1 << 14

// NewReader returns a Reader of r, which holds an XES document, plain or
// gzip-compressed (recognised by its magic bytes). Errors reading the
// gzip header wrap interop.ErrInput.
func NewReader(r io.Reader, cfg ReaderConfig) (*Reader, error) {
	if cfg.MaxTokenBytes < 0 || cfg.MaxTraceBytes < 0 {
		return nil, fmt.Errorf("xes: negative limit in %+v", cfg)
	}
	if cfg.MaxTraceBytes == 0 {
		cfg.MaxTraceBytes = defaultMaxTraceBytes
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("xes: %w: read: %w", interop.ErrInput, err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("xes: %w: gzip: %w", interop.ErrInput, err)
		}
		src = gz
	}
	return &Reader{
		maxTraceBytes: cfg.MaxTraceBytes,
		sc:            newScanner(src, cfg.MaxTokenBytes),
		names:         make(map[string]string, 64),
		zones:         make(map[int]*time.Location),
	}, nil
}

// Log returns the log-level attributes: the <log> element's own XML
// attributes as a container "xes:log", each <extension>, <global> and
// <classifier> as a container ("xes:extension", "xes:global",
// "xes:classifier") whose children are the element's XML attributes as
// strings, in source order, followed (for a global) by its attributes, and
// the log's attributes. It is complete once the first trace was returned or
// io.EOF reached.
func (r *Reader) Log() []events.Attribute { return r.log }

// Check reads the rest of the log without building its traces: it
// returns how many traces (and events outside traces) there are, and the
// first error that makes the file unreadable, an error wrapping
// interop.ErrInput, as Next would have returned it. What Next reports as
// a *interop.SkipError confined to one trace is not looked at. It is
// about twice as fast as reading the traces, for a first pass that must
// know the whole file reads before anything is written.
func (r *Reader) Check() (int, error) {
	r.checking = true
	defer func() { r.checking = false }()
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		var se *interop.SkipError
		if err != nil && !errors.As(err, &se) {
			return n, err
		}
		n++
	}
}

// fail records a fatal error.
func (r *Reader) fail(err error) error {
	if r.err == nil {
		r.err = fmt.Errorf("xes: %w: %w", interop.ErrInput, err)
	}
	return r.err
}

// intern returns b as a string, shared with earlier ones equal to it: a
// small direct-mapped cache in front of a bounded map.
func (r *Reader) intern(b []byte) string {
	if len(b) == 0 || len(b) > 64 {
		return string(b)
	}
	h := (uint(len(b))*31 + uint(b[0])*7 + uint(b[len(b)-1])*131 + uint(b[len(b)/2])*17) % uint(len(r.cache))
	if s := r.cache[h]; s == string(b) {
		return s
	}
	s, ok := r.names[string(b)]
	if !ok {
		s = string(b)
		if len(r.names) < maxInterned {
			r.names[s] = s
		}
	}
	r.cache[h] = s
	return s
}

func (r *Reader) attr(name string) ([]byte, bool) {
	for i := range r.sc.attrs {
		if string(r.sc.attrs[i].name) == name {
			return r.sc.attrs[i].value, true
		}
	}
	return nil, false
}

// Next returns the next trace, io.EOF after the last. A trace that cannot
// be imported is returned as a *interop.SkipError, and Next may be called
// again; an error that makes the input unreadable wraps interop.ErrInput
// and is returned again by every later call. The end of the input (a gzip
// stream's checksum, what follows the log) is only checked by the call
// that returns io.EOF: a caller MUST read to io.EOF before it trusts the
// traces it was given.
func (r *Reader) Next() (*interop.Trace, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	for {
		err := r.sc.next()
		if err == io.EOF {
			r.done = true
			return nil, io.EOF
		}
		if err != nil {
			return nil, r.fail(err)
		}
		sc := r.sc
		if sc.kind == tokEnd {
			// </log>: the rest must be clean up to EOF.
			continue
		}
		if !r.inLog {
			if sc.depth() != 1 || string(sc.name) != "log" {
				return nil, r.fail(fmt.Errorf("line %d: root element is <%s>, want <log>", sc.tokLine, sc.name))
			}
			r.inLog = true
			r.appendLog(events.Attribute{Key: "xes:log", Type: events.AttrContainer, Children: r.xmlAttrs()})
			continue
		}
		line := sc.tokLine
		switch string(sc.name) {
		case "trace":
			r.ntrace++
			if r.checking {
				return nil, r.skipElement()
			}
			return r.readTrace(line)
		case "event":
			if err := r.skipElement(); err != nil {
				return nil, err
			}
			return nil, interop.Skip("event outside a trace", "line %d", line)
		case "extension", "classifier", "global":
			if err := r.readHeader(); err != nil {
				return nil, err
			}
		default:
			if typ, ok := attrType(sc.name); ok {
				r.attrCnt = 0
				a, sk, err := r.readAttr(typ, 1)
				if err != nil {
					return nil, err
				}
				if sk != nil {
					return nil, r.fail(fmt.Errorf("line %d: log attribute: %s", line, sk.Error()))
				}
				r.appendLog(a)
				continue
			}
			if _, ok := r.attr("key"); ok {
				return nil, r.fail(fmt.Errorf("line %d: log attribute: unknown attribute type <%s>", line, sc.name))
			}
			if err := r.skipElement(); err != nil {
				return nil, err
			}
		}
	}
}

// xmlAttrs returns the current element's XML attributes as strings; a
// value longer than events.MaxTextBytes is cut to that length (at a rune
// boundary).
func (r *Reader) xmlAttrs() []events.Attribute {
	out := make([]events.Attribute, 0, len(r.sc.attrs))
	for _, a := range r.sc.attrs {
		v := a.value
		if len(v) > events.MaxTextBytes {
			n := events.MaxTextBytes
			for n > 0 && !utf8.RuneStart(v[n]) {
				n--
			}
			v = v[:n]
		}
		out = append(out, events.Attribute{Key: r.intern(a.name), Type: events.AttrString, Value: r.intern(v)})
	}
	return out
}

// appendLog adds a log-level attribute. Log() holds at most
// events.MaxAttrs attributes in all (counting children): past that,
// further ones are left out and a boolean "xes:truncated" says so.
func (r *Reader) appendLog(a events.Attribute) {
	if r.logTruncated {
		return
	}
	n := nodes(&a)
	if r.logNodes+n > events.MaxAttrs-1 {
		r.logTruncated = true
		r.log = append(r.log, events.Attribute{Key: "xes:truncated", Type: events.AttrBoolean, Value: "true"})
		return
	}
	r.logNodes += n
	r.log = append(r.log, a)
}

// nodes counts a and its descendants.
func nodes(a *events.Attribute) int {
	n := 1
	for i := range a.Children {
		n += nodes(&a.Children[i])
	}
	return n
}

// readHeader reads an <extension>, <global> or <classifier>.
func (r *Reader) readHeader() error {
	sc := r.sc
	line := sc.tokLine
	c := events.Attribute{Key: "xes:" + r.intern(sc.name), Type: events.AttrContainer, Children: r.xmlAttrs()}
	r.attrCnt = 1 + len(c.Children)
	for {
		if err := sc.next(); err != nil {
			return r.fail(err)
		}
		if sc.kind == tokEnd {
			break
		}
		typ, ok := attrType(sc.name)
		if !ok {
			if err := r.skipElement(); err != nil {
				return err
			}
			continue
		}
		a, sk, err := r.readAttr(typ, 2)
		if err != nil {
			return err
		}
		if sk != nil {
			return r.fail(fmt.Errorf("line %d: %s: %s", line, c.Key, sk.Error()))
		}
		c.Children = append(c.Children, a)
	}
	r.appendLog(c)
	return nil
}

// skipElement consumes the rest of the current element.
func (r *Reader) skipElement() error {
	for d := 1; d > 0; {
		if err := r.sc.next(); err != nil {
			return r.fail(err)
		}
		if r.sc.kind == tokStart {
			d++
		} else {
			d--
		}
	}
	return nil
}

func attrType(name []byte) (string, bool) {
	switch string(name) {
	case "string":
		return events.AttrString, true
	case "date":
		return events.AttrDate, true
	case "int":
		return events.AttrInt, true
	case "float":
		return events.AttrFloat, true
	case "boolean":
		return events.AttrBoolean, true
	case "id":
		return events.AttrID, true
	case "list":
		return events.AttrList, true
	case "container":
		return events.AttrContainer, true
	}
	return "", false
}

// skipped is a trace problem found while reading an element.
type skipped struct{ reason, detail string }

func (s *skipped) Error() string { return s.reason + ": " + s.detail }

// readAttr reads the attribute element just started, of type typ, at
// attribute depth depth, counting it in r.attrCnt. It always consumes the
// whole element; a problem with it is returned as a *skipped.
func (r *Reader) readAttr(typ string, depth int) (events.Attribute, *skipped, error) {
	sc := r.sc
	line := sc.tokLine
	var a events.Attribute
	var sk *skipped
	r.attrCnt++
	key, hasKey := r.attr("key")
	switch {
	case depth > events.MaxAttrDepth:
		sk = &skipped{"attributes nest too deep", fmt.Sprintf("line %d: deeper than %d", line, events.MaxAttrDepth)}
	case r.attrCnt > events.MaxAttrs:
		sk = &skipped{"too many attributes", fmt.Sprintf("line %d: more than %d", line, events.MaxAttrs)}
	case !hasKey || len(key) == 0:
		sk = &skipped{"attribute without key", fmt.Sprintf("line %d: <%s>", line, sc.name)}
	case len(key) > events.MaxTextBytes:
		sk = &skipped{"attribute key too long", fmt.Sprintf("line %d: %d bytes", line, len(key))}
	}
	if sk != nil {
		return a, sk, r.skipElement()
	}
	a.Key, a.Type = r.intern(key), typ
	r.size += attrCost + len(key)
	if typ != events.AttrList && typ != events.AttrContainer {
		v, _ := r.attr("value")
		switch {
		case len(v) > events.MaxTextBytes:
			sk = &skipped{"attribute value too long", fmt.Sprintf("line %d: %s is %d bytes", line, a.Key, len(v))}
		case typ == events.AttrString || typ == events.AttrID:
			a.Value = string(v)
			r.size += len(v)
		default:
			if typ == events.AttrBoolean {
				a.Value = r.intern(v)
			} else {
				a.Value = string(v)
				r.size += len(v)
			}
			if err := events.CheckAttrValue(typ, a.Value); err != nil {
				reason := "invalid attribute value"
				if typ == events.AttrDate {
					reason = "unparseable date"
				}
				sk = &skipped{reason, fmt.Sprintf("line %d: %s: %v", line, a.Key, err)}
			}
		}
	}
	// Children: meta-attributes, list members (inside <values> or not),
	// container members.
	for wrap := 0; ; {
		if err := sc.next(); err != nil {
			return a, nil, r.fail(err)
		}
		if sc.kind == tokEnd {
			if wrap > 0 {
				wrap--
				continue
			}
			break
		}
		if string(sc.name) == "values" && typ == events.AttrList && wrap == 0 {
			wrap++
			continue
		}
		ctyp, ok := attrType(sc.name)
		if !ok {
			if _, hasKey := r.attr("key"); hasKey && sk == nil {
				sk = &skipped{"unknown attribute type", fmt.Sprintf("line %d: <%s>", sc.tokLine, sc.name)}
			}
			if err := r.skipElement(); err != nil {
				return a, nil, err
			}
			continue
		}
		if sk != nil {
			if err := r.skipElement(); err != nil {
				return a, nil, err
			}
			continue
		}
		c, csk, err := r.readAttr(ctyp, depth+1)
		if err != nil {
			return a, nil, err
		}
		if csk != nil {
			sk = csk
			continue
		}
		a.Children = append(a.Children, c)
	}
	return a, sk, nil
}

// readTrace reads the trace just started at line.
func (r *Reader) readTrace(line int) (*interop.Trace, error) {
	sc := r.sc
	t := &interop.Trace{Line: line, Events: make([]interop.Event, 0, min(r.lastLen, 1024))}
	var sk *skipped
	n, traceAttrs := 0, 0
	r.size = 0
	for {
		if err := sc.next(); err != nil {
			return nil, r.fail(err)
		}
		if sc.kind == tokEnd {
			break
		}
		switch string(sc.name) {
		case "event":
			n++
			if n > interop.MaxTraceEvents && sk == nil {
				sk = &skipped{fmt.Sprintf("trace has more than %d events", interop.MaxTraceEvents), fmt.Sprintf("line %d", sc.tokLine)}
				t.Events = nil
			}
			if sk != nil {
				if err := r.skipElement(); err != nil {
					return nil, err
				}
				continue
			}
			if r.size += eventCost; r.size > r.maxTraceBytes {
				sk = &skipped{"trace too large", fmt.Sprintf("line %d: more than %d bytes", sc.tokLine, r.maxTraceBytes)}
				t.Events = nil
				if err := r.skipElement(); err != nil {
					return nil, err
				}
				continue
			}
			t.Events = append(t.Events, interop.Event{})
			esk, err := r.readEvent((*event)(&t.Events[len(t.Events)-1]))
			if err != nil {
				return nil, err
			}
			if esk != nil {
				sk = esk
				t.Events = nil
			}
			continue
		}
		typ, ok := attrType(sc.name)
		if !ok || sk != nil {
			if err := r.passOver(ok, &sk); err != nil {
				return nil, err
			}
			continue
		}
		r.attrCnt = traceAttrs
		a, ask, err := r.readAttr(typ, 1)
		traceAttrs = r.attrCnt
		if err != nil {
			return nil, err
		}
		if ask != nil {
			sk = ask
			continue
		}
		if a.Key == "concept:name" && t.Name == "" && a.Type != events.AttrList && a.Type != events.AttrContainer {
			t.Name = a.Value
			continue
		}
		t.Attributes = append(t.Attributes, a)
	}
	if t.Name == "" {
		t.Name = "#" + strconv.Itoa(r.ntrace)
	}
	if sk == nil && n == 0 {
		sk = &skipped{"trace without events", ""}
	}
	if sk != nil {
		d := fmt.Sprintf("trace %q at line %d", t.Name, line)
		if sk.detail != "" {
			d += ", " + sk.detail
		}
		return nil, &interop.SkipError{Reason: sk.reason, Detail: d}
	}
	r.lastLen = len(t.Events)
	if !slices.IsSortedFunc(t.Events, func(a, b interop.Event) int { return a.Time.Compare(b.Time) }) {
		slices.SortStableFunc(t.Events, func(a, b interop.Event) int { return a.Time.Compare(b.Time) })
		t.Reordered = true
	}
	return t, nil
}

// passOver skips the element just started, which is not an attribute
// (isAttr false) or comes after the reason to skip the trace was found.
// An element with a key but of no attribute type is that reason.
func (r *Reader) passOver(isAttr bool, sk **skipped) error {
	if _, hasKey := r.attr("key"); !isAttr && hasKey && *sk == nil {
		*sk = &skipped{"unknown attribute type", fmt.Sprintf("line %d: <%s>", r.sc.tokLine, r.sc.name)}
	}
	return r.skipElement()
}

// readEvent reads the event just started.
func (r *Reader) readEvent(ev *event) (*skipped, error) {
	sc := r.sc
	line := sc.tokLine
	var sk *skipped
	hasTime := false
	r.arenaStart = len(r.arena)
	r.attrCnt = 0
	for {
		if err := sc.next(); err != nil {
			return nil, r.fail(err)
		}
		if sc.kind == tokEnd {
			break
		}
		typ, ok := attrType(sc.name)
		if !ok || sk != nil {
			if err := r.passOver(ok, &sk); err != nil {
				return nil, err
			}
			continue
		}
		aline := sc.tokLine
		if sc.pendingEnd && len(sc.attrs) == 2 && (typ == events.AttrDate || typ == events.AttrString) {
			// The common cases, <date key="time:timestamp" value="..."/>
			// and <string key="concept:name" value="..."/>, read without
			// building an attribute.
			k, _ := r.attr("key")
			v, hasValue := r.attr("value")
			var std *string
			if typ == events.AttrString {
				std = ev.field(k)
			}
			switch {
			case !hasValue:
			case typ == events.AttrDate && string(k) == "time:timestamp":
				t, s := r.timestamp(v, aline)
				if err := sc.next(); err != nil {
					return nil, r.fail(err)
				}
				if s != nil {
					sk = s
					continue
				}
				ev.Time, hasTime = t, true
				continue
			case std != nil && *std == "" && len(v) <= events.MaxTextBytes:
				*std = r.intern(v)
				r.size += len(v)
				if err := sc.next(); err != nil {
					return nil, r.fail(err)
				}
				continue
			}
		}
		a, ask, err := r.readAttr(typ, 1)
		if err != nil {
			return nil, err
		}
		if ask != nil {
			sk = ask
			continue
		}
		if a.Type != events.AttrList && a.Type != events.AttrContainer {
			std := ev.field([]byte(a.Key))
			switch a.Key {
			case "time:timestamp":
				t, s := r.timestamp([]byte(a.Value), aline)
				if s != nil {
					sk = s
					continue
				}
				ev.Time, hasTime = t, true
				continue
			}
			if std != nil && *std == "" {
				*std = r.intern([]byte(a.Value))
				continue
			}
		}
		r.addAttr(a)
	}
	if len(r.arena) > r.arenaStart {
		ev.Attributes = r.arena[r.arenaStart:len(r.arena):len(r.arena)]
	}
	if sk == nil && !hasTime {
		sk = &skipped{"event without time:timestamp", fmt.Sprintf("line %d", line)}
	}
	return sk, nil
}

// addAttr adds an attribute of the event being read. The attributes of
// many events share one allocation, the arena: an event that does not fit
// in what is left of it moves to a new one.
func (r *Reader) addAttr(a events.Attribute) {
	if len(r.arena) == cap(r.arena) {
		n := len(r.arena) - r.arenaStart
		arena := make([]events.Attribute, 0, max(256, 2*n))
		arena = append(arena, r.arena[r.arenaStart:]...)
		clear(r.arena[r.arenaStart:])
		r.arena, r.arenaStart = arena, 0
	}
	r.arena = append(r.arena, a)
}

// event is an interop.Event being read.
type event interop.Event

// field returns the standard string field an attribute key stands for.
func (ev *event) field(key []byte) *string {
	switch string(key) {
	case "concept:name":
		return &ev.Activity
	case "lifecycle:transition":
		return &ev.Lifecycle
	case "org:resource":
		return &ev.Resource
	case "org:role":
		return &ev.Role
	case "org:group":
		return &ev.Group
	case "concept:instance":
		return &ev.Instance
	}
	return nil
}

// timestamp parses a time:timestamp value.
func (r *Reader) timestamp(v []byte, line int) (time.Time, *skipped) {
	t, ok := r.fastTime(v)
	if !ok {
		var err error
		t, err = events.ParseXSDateTime(string(v))
		if err != nil {
			return t, &skipped{"unparseable date", fmt.Sprintf("line %d: %v", line, err)}
		}
	}
	if t.Before(events.MinTime) || !t.Before(events.MaxTime) {
		return t, &skipped{"timestamp out of range", fmt.Sprintf("line %d: %s", line, v)}
	}
	return t, nil
}

// fastTime parses the common form YYYY-MM-DDThh:mm:ss[.f*](Z|±hh:mm)
// without allocating; anything else is left to events.ParseXSDateTime.
func (r *Reader) fastTime(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	min, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	p := 19
	nsec := 0
	if b[p] == '.' {
		p++
		q := p
		for q < len(b) && b[q] >= '0' && b[q] <= '9' {
			q++
		}
		if q == p || q-p > 9 {
			return time.Time{}, false
		}
		f, _ := num(b[p:q])
		for i := q - p; i < 9; i++ {
			f *= 10
		}
		nsec, p = f, q
	}
	rest := b[p:]
	var loc *time.Location
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
		loc = time.UTC
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		hh, ok1 := num(rest[1:3])
		mm, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || hh > 23 || mm > 59 {
			return time.Time{}, false
		}
		off := hh*3600 + mm*60
		if rest[0] == '-' {
			off = -off
		}
		loc = r.zone(off)
	default:
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, nsec, loc), true
}

func (r *Reader) zone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if z, ok := r.zones[off]; ok {
		return z
	}
	z := time.FixedZone("", off)
	if len(r.zones) < 256 {
		r.zones[off] = z
	}
	return z
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
