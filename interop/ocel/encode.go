package ocel

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/govledger/govledger/events"
)

// appendEvent appends the current event as a JSON object.
func (x *exporter) appendEvent(b []byte, e *events.Event) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID.String())
	b = append(b, `,"type":`...)
	b = appendString(b, x.typ)
	b = append(b, `,"time":`...)
	b = appendString(b, e.OccurredAt.Format(time.RFC3339Nano))
	b = append(b, `,"attributes":[`...)
	for i, a := range x.attrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, a.name)
		b = append(b, `,"value":`...)
		b = x.appendValue(b, a.typ, a.val)
		b = append(b, '}')
	}
	b = append(b, `],"relationships":`...)
	b = appendRels(b, x.rels)
	return append(b, '}')
}

// appendValue appends a lexical value of OCEL type typ: a JSON string, or
// with NativeValues a JSON number or boolean where the value is one.
func (x *exporter) appendValue(b []byte, typ, val string) []byte {
	if x.cfg.NativeValues {
		switch typ {
		case AttrInteger:
			if _, err := strconv.ParseInt(val, 10, 64); err == nil {
				return append(b, val...)
			}
		case AttrFloat:
			if f, err := strconv.ParseFloat(val, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return strconv.AppendFloat(b, f, 'g', -1, 64)
			}
		case AttrBoolean:
			if val == "true" || val == "false" {
				return append(b, val...)
			}
		}
	}
	return appendString(b, val)
}

func appendRels(b []byte, rels []rel) []byte {
	b = append(b, '[')
	for i, r := range rels {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"objectId":`...)
		b = appendString(b, r.id)
		b = append(b, `,"qualifier":`...)
		b = appendString(b, r.qualifier)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendEventTypes appends every event type seen, by name, each with its
// attributes by name.
func (x *exporter) appendEventTypes(b []byte) []byte {
	names := make([]string, 0, len(x.types))
	for n := range x.types {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		et := x.types[n]
		attrs := make([]string, 0, len(et.attrs))
		for a := range et.attrs {
			attrs = append(attrs, a)
		}
		sort.Strings(attrs)
		decl := make([]attr, len(attrs))
		for j, a := range attrs {
			decl[j] = attr{name: a, typ: et.attrs[a]}
		}
		b = appendType(b, n, decl)
	}
	return b
}

func appendObjectTypes(b []byte) []byte {
	for i, o := range objectAttrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendType(b, o.typ, o.attrs)
	}
	return b
}

func appendType(b []byte, name string, attrs []attr) []byte {
	b = append(b, "\n{\"name\":"...)
	b = appendString(b, name)
	b = append(b, `,"attributes":[`...)
	for i, a := range attrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, a.name)
		b = append(b, `,"type":`...)
		b = appendString(b, a.typ)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func (x *exporter) appendObject(b []byte, o *object) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, o.id)
	b = append(b, `,"type":`...)
	b = appendString(b, o.typ)
	b = append(b, `,"attributes":[`...)
	for i, a := range o.attrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, a.name)
		b = append(b, `,"time":`...)
		b = appendString(b, a.at.Format(time.RFC3339Nano))
		b = append(b, `,"value":`...)
		b = x.appendValue(b, objectAttrType(o.typ, a.name), a.val)
		b = append(b, '}')
	}
	b = append(b, `],"relationships":`...)
	b = appendRels(b, o.rels)
	return append(b, '}')
}

// appendString appends s as a JSON string (as encoding/json writes it;
// invalid UTF-8 becomes U+FFFD).
func appendString(b []byte, s string) []byte { return events.AppendJSONString(b, s) }
