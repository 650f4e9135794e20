package events

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Generic activity type names: events of logs that do not speak the case
// vocabulary (process-mining logs, other systems' exports), and the record
// of an import.
const (
	TypeActivityRecorded = "activity.recorded"
	TypeImportRecorded   = "import.recorded"
)

// StreamTrace is the stream kind of an imported trace that is not a case:
// trace/<id>, one stream per trace of the source log.
const StreamTrace = "trace"

// TraceStream returns the stream name of an imported trace.
func TraceStream(id string) string { return StreamTrace + "/" + id }

// ImportsStream is the registry stream holding one import.recorded per
// import.
var ImportsStream = RegistryStream("imports")

// Attribute types, as in XES (IEEE 1849-2016): the value of every type is
// kept as its lexical form in the source, so that a round trip returns it
// unchanged. A list or container has no value; its members are Children.
const (
	AttrString    = "string"
	AttrDate      = "date"
	AttrInt       = "int"
	AttrFloat     = "float"
	AttrBoolean   = "boolean"
	AttrID        = "id"
	AttrList      = "list"
	AttrContainer = "container"
)

// AttrTypes lists every attribute type.
var AttrTypes = []string{AttrString, AttrDate, AttrInt, AttrFloat, AttrBoolean, AttrID, AttrList, AttrContainer}

// Limits on attributes: they bound a hostile log's nesting and fan-out.
const (
	// MaxAttrDepth is the deepest nesting of attributes kept.
	MaxAttrDepth = 8
	// MaxAttrs is the most attributes (at every level together) on one
	// event or trace.
	MaxAttrs = 512
)

// Attribute is one typed attribute of an imported event, trace or log.
type Attribute struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value string `json:"value,omitempty"`
	// Children are a list's or container's members, or the attribute's
	// own meta-attributes (XES allows nested attributes on every type).
	Children []Attribute `json:"children,omitempty"`
}

// Validate checks an attribute and its children: the key, the type and
// that the value parses as its type.
func (a *Attribute) Validate(field string) error {
	n := 0
	return a.validate(field, 1, &n)
}

func (a *Attribute) validate(field string, depth int, n *int) error {
	*n++
	if *n > MaxAttrs {
		return invalid(field, fmt.Sprintf("has more than %d attributes", MaxAttrs))
	}
	if depth > MaxAttrDepth {
		return invalid(field, fmt.Sprintf("nests deeper than %d", MaxAttrDepth))
	}
	if err := checkText(field+".key", a.Key, true); err != nil {
		return err
	}
	if err := checkEnum(field+".type", a.Type, AttrTypes...); err != nil {
		return err
	}
	if err := checkText(field+".value", a.Value, false); err != nil {
		return err
	}
	if err := CheckAttrValue(a.Type, a.Value); err != nil {
		return invalid(field+".value", fmt.Sprintf("(key %q): %v", a.Key, err))
	}
	for i := range a.Children {
		if err := a.Children[i].validate(fmt.Sprintf("%s.children[%d]", field, i), depth+1, n); err != nil {
			return err
		}
	}
	return nil
}

// CheckAttrValue reports whether v is a valid lexical value of type typ.
func CheckAttrValue(typ, v string) error {
	switch typ {
	case AttrString, AttrID:
		return nil
	case AttrList, AttrContainer:
		if v != "" {
			return fmt.Errorf("a %s has no value", typ)
		}
		return nil
	case AttrDate:
		_, err := ParseXSDateTime(v)
		return err
	case AttrInt:
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
	case AttrFloat:
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			if t := strings.TrimSpace(v); t != "INF" && t != "-INF" && t != "NaN" {
				return fmt.Errorf("%q is not a number", v)
			}
		}
	case AttrBoolean:
		switch strings.TrimSpace(v) {
		case "true", "false", "1", "0", "TRUE", "FALSE", "True", "False":
		default:
			return fmt.Errorf("%q is not a boolean", v)
		}
	default:
		return fmt.Errorf("unknown attribute type %q", typ)
	}
	return nil
}

func validateAttrs(field string, attrs []Attribute) error {
	n := 0
	if attrsOK(attrs, 1, &n) {
		return nil // the common case, without building field names
	}
	return validateAttrsSlow(field, attrs)
}

// validateAttrsSlow validates attrs and names the field that fails.
func validateAttrsSlow(field string, attrs []Attribute) error {
	n := 0
	for i := range attrs {
		if err := attrs[i].validate(fmt.Sprintf("%s[%d]", field, i), 1, &n); err != nil {
			return err
		}
	}
	return nil
}

// attrsOK reports whether attrs (at depth) would pass validate, without
// saying why not: validateAttrs then takes the slow path for the error.
func attrsOK(attrs []Attribute, depth int, n *int) bool {
	for i := range attrs {
		a := &attrs[i]
		*n++
		if depth > MaxAttrDepth {
			return false
		}
		if *n > MaxAttrs || a.Key == "" || len(a.Key) > MaxTextBytes || len(a.Value) > MaxTextBytes ||
			!utf8.ValidString(a.Key) || !utf8.ValidString(a.Value) || CheckAttrValue(a.Type, a.Value) != nil {
			return false
		}
		if !attrsOK(a.Children, depth+1, n) {
			return false
		}
	}
	return true
}

// ParseXSDateTime parses an xs:dateTime as XES writes it: a date and time
// with optional fractional seconds and an optional zone ("Z" or ±hh:mm,
// also ±hhmm and ±hh as some tools write them); without a zone the time is
// UTC. A date alone (2006-01-02) is midnight UTC.
func ParseXSDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || !utf8.ValidString(s) {
		return time.Time{}, fmt.Errorf("%q is not a date-time", s)
	}
	for _, layout := range xsLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xs:dateTime (want e.g. 2024-06-03T09:15:00.000+08:00)", s)
}

var xsLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02Z07:00",
	"2006-01-02",
}

// TraceInfo describes the source trace an imported stream came from. It is
// carried by the stream's first event.
type TraceInfo struct {
	// Name is the trace's identifier in the source (XES concept:name, a
	// CSV row's request id), which may differ from the stream id.
	Name string `json:"name"`
	// Attributes are the trace's other attributes, typed, in source order.
	Attributes []Attribute `json:"attributes,omitempty"`
}

// ActivityRecorded is one event of an imported log that is not (or not
// mapped to) a case lifecycle event: an activity with its XES standard
// attributes and every other attribute typed. Its time is the envelope's
// OccurredAt.
type ActivityRecorded struct {
	// Activity is the activity name (XES concept:name).
	Activity string `json:"activity"`
	// Lifecycle is the transition (XES lifecycle:transition, e.g.
	// "start", "complete"); empty when the source has none.
	Lifecycle string `json:"lifecycle,omitempty"`
	// Resource, Role and Group are XES org:resource, org:role, org:group.
	Resource string `json:"resource,omitempty"`
	Role     string `json:"role,omitempty"`
	Group    string `json:"group,omitempty"`
	// Instance is XES concept:instance.
	Instance string `json:"instance,omitempty"`
	// Attributes are every other attribute of the event, in source order.
	Attributes []Attribute `json:"attributes,omitempty"`
	// Trace is set on the first event of an imported stream.
	Trace *TraceInfo `json:"trace,omitempty"`
	// Last marks the last event of a source trace that is complete: a
	// process projection ends the case there.
	Last bool `json:"last,omitempty"`
}

// EventType implements Payload.
func (*ActivityRecorded) EventType() string { return TypeActivityRecorded }

// Validate implements Payload.
func (p *ActivityRecorded) Validate() error {
	if err := checkText("activity", p.Activity, true); err != nil {
		return err
	}
	for _, f := range []struct{ n, v string }{{"lifecycle", p.Lifecycle}, {"resource", p.Resource}, {"role", p.Role}, {"group", p.Group}, {"instance", p.Instance}} {
		if err := checkText(f.n, f.v, false); err != nil {
			return err
		}
	}
	if err := validateAttrs("attributes", p.Attributes); err != nil {
		return err
	}
	if p.Trace != nil {
		if err := checkText("trace.name", p.Trace.Name, true); err != nil {
			return err
		}
		if err := validateAttrs("trace.attributes", p.Trace.Attributes); err != nil {
			return err
		}
	}
	return nil
}

// Import formats.
const (
	FormatXES     = "xes"
	FormatCSV     = "csv"
	FormatOpen311 = "open311"
)

// ImportRecorded records one import of an external log: where it came
// from (the file's name and SHA-256), the log's own attributes, and what
// was taken in and what was skipped, with the reasons.
type ImportRecorded struct {
	Format string `json:"format"`
	// Source is the file's base name; SHA256 its digest in hex.
	Source string `json:"source"`
	SHA256 string `json:"sha256"`
	// Mapping is the SHA-256 of the mapping file used, if any.
	Mapping string `json:"mapping,omitempty"`
	// Attributes are the log's attributes (XES log-level attributes,
	// extensions, globals and classifiers as containers).
	Attributes []Attribute `json:"attributes,omitempty"`
	Traces     int         `json:"traces"`
	Events     int         `json:"events"`
	// Reordered counts traces whose events were not in time order in the
	// source and were imported in (stable) timestamp order.
	Reordered int `json:"reordered,omitempty"`
	// Skipped counts what was not imported, by reason.
	Skipped []SkipCount `json:"skipped,omitempty"`
}

// SkipCount is how many traces, rows or events were skipped for a reason.
type SkipCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// EventType implements Payload.
func (*ImportRecorded) EventType() string { return TypeImportRecorded }

// Validate implements Payload.
func (p *ImportRecorded) Validate() error {
	if err := checkEnum("format", p.Format, FormatXES, FormatCSV, FormatOpen311); err != nil {
		return err
	}
	if err := checkText("source", p.Source, true); err != nil {
		return err
	}
	if len(p.SHA256) != 64 {
		return invalid("sha256", "must be 64 hex characters")
	}
	if p.Mapping != "" && len(p.Mapping) != 64 {
		return invalid("mapping", "must be 64 hex characters")
	}
	if err := validateAttrs("attributes", p.Attributes); err != nil {
		return err
	}
	if p.Traces < 0 || p.Events < 0 || p.Reordered < 0 {
		return invalid("traces", "counts must not be negative")
	}
	for i, s := range p.Skipped {
		if err := checkText(fmt.Sprintf("skipped[%d].reason", i), s.Reason, true); err != nil {
			return err
		}
		if s.Count <= 0 {
			return invalid(fmt.Sprintf("skipped[%d].count", i), "must be positive")
		}
	}
	return nil
}
