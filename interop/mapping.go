package interop

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/govledger/govledger/events"
)

// Mapping turns a generic log's activities into lifecycle events. It is
// read from a JSON file:
//
//	{
//	  "activities": {
//	    "Create Fine": {"type": "case.reported", "data": {"channel": "other",
//	        "category": "traffic-fine", "location": {"street": "{trace:district|imported}"},
//	        "deadline_policy": "standard-5wd"}},
//	    "Send Fine":   {"type": "case.dispatched", "data": {"from_unit": "{case.unit|center}",
//	        "to_unit": "{org:group}", "mode": "manual"}},
//	    "Accept":      {"type": "case.accepted", "data": {"unit": "{case.unit}"}},
//	    "Payment/complete": {"type": "case.resolved", "data": {"unit": "{case.unit}", "outcome": "fixed"}}
//	  },
//	  "unit_kinds": {"center": "center", "*": "department"}
//	}
//
// An activity is looked up as "<activity>/<lifecycle>" first, then as
// "<activity>". Its "data" is the payload of its type, in the type's JSON
// form, where a string may hold placeholders: "{key}" is the event's
// attribute key (concept:name, org:group, any other), "{trace:key}" the
// trace's, "{case.unit}" the unit the case was last dispatched to (or that
// holds it), and "{a|b}" falls back to the literal b when a is empty. The
// payload is decoded strictly (unknown fields and wrong types are errors)
// and validated.
//
// Units a mapped payload names (from_unit, to_unit, unit, suggested_unit,
// location street/community/grid) are registered by the import when the
// ledger does not know them: location fields as their kind, the others
// with the kind unit_kinds gives the unit id ("*": every other; default
// department).
//
// Activities the mapping does not name stay activity.recorded events, on
// the case's stream. A trace whose first event is not mapped to
// case.reported cannot be a case: it stays an activity trace.
type Mapping struct {
	Activities map[string]Template `json:"activities"`
	UnitKinds  map[string]string   `json:"unit_kinds,omitempty"`

	digest string
}

// Template is one activity's lifecycle event.
type Template struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`

	data any // Data, parsed
}

// LoadMapping reads and checks a mapping file: every type must be a case
// lifecycle type and every template must parse.
func LoadMapping(r io.Reader) (*Mapping, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 4<<20+1))
	if err != nil {
		return nil, fmt.Errorf("interop: read mapping: %w", err)
	}
	if len(raw) > 4<<20 {
		return nil, fmt.Errorf("%w: mapping file is larger than 4 MiB", ErrInput)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: mapping: %v", ErrInput, err)
	}
	if len(m.Activities) == 0 {
		return nil, fmt.Errorf("%w: mapping names no activities", ErrInput)
	}
	for _, name := range sortedTemplateKeys(m.Activities) {
		t := m.Activities[name]
		spec, ok := events.Lookup(t.Type)
		if !ok || spec.StreamKind != events.StreamCase {
			return nil, fmt.Errorf("%w: mapping of %q: %q is not a case lifecycle type", ErrInput, name, t.Type)
		}
		if len(t.Data) == 0 {
			t.Data = json.RawMessage("{}")
		}
		if err := json.Unmarshal(t.Data, &t.data); err != nil {
			return nil, fmt.Errorf("%w: mapping of %q: data: %v", ErrInput, name, err)
		}
		if _, ok := t.data.(map[string]any); !ok {
			return nil, fmt.Errorf("%w: mapping of %q: data must be an object", ErrInput, name)
		}
		m.Activities[name] = t
	}
	for id, kind := range m.UnitKinds {
		if err := (&events.UnitRegistered{Unit: "u", Name: "u", Kind: kind, Parent: "p"}).Validate(); err != nil || kind == events.UnitDistrict {
			return nil, fmt.Errorf("%w: mapping: unit_kinds[%q]: %q is not a unit kind", ErrInput, id, kind)
		}
	}
	sum := sha256.Sum256(raw)
	m.digest = hex.EncodeToString(sum[:])
	return &m, nil
}

// Digest returns the SHA-256 of the mapping file, in hex.
func (m *Mapping) Digest() string { return m.digest }

func sortedTemplateKeys(m map[string]Template) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Apply sets the Payload of every event of t the mapping names and lists
// the units those payloads name in t.Units. It changes nothing and returns
// a *SkipError when a template does not produce a valid payload. A trace
// whose first event does not become case.reported is left as it is.
func (m *Mapping) Apply(t *Trace) error {
	if len(t.Events) == 0 {
		return nil
	}
	first := m.lookup(&t.Events[0])
	if first == nil || first.Type != events.TypeCaseReported {
		return nil
	}
	payloads := make([]events.Payload, len(t.Events))
	var units []Unit
	holder := ""
	for i := range t.Events {
		e := &t.Events[i]
		tpl := m.lookup(e)
		if tpl == nil {
			continue
		}
		filled, err := fill(tpl.data, func(key string) string {
			if key == "case.unit" {
				return holder
			}
			if k, ok := strings.CutPrefix(key, "trace:"); ok {
				if k == "concept:name" {
					return t.Name
				}
				v, _ := FindAttr(t.Attributes, k)
				return v
			}
			v, _ := e.Attr(key)
			return v
		})
		if err != nil {
			return Skip("mapping", "%s, event %d (%s): %v", t.Name, i+1, e.Activity, err)
		}
		data, err := json.Marshal(filled)
		if err != nil {
			return Skip("mapping", "%s, event %d (%s): %v", t.Name, i+1, e.Activity, err)
		}
		spec, _ := events.Lookup(tpl.Type)
		p, err := events.DecodePayload(tpl.Type, spec.Schema, data)
		if err != nil {
			return Skip("mapping", "%s, event %d (%s): %v", t.Name, i+1, e.Activity, err)
		}
		payloads[i] = p
		units = m.unitsOf(p, units)
		switch p := p.(type) {
		case *events.CaseDispatched:
			holder = p.ToUnit
		case *events.CaseAccepted:
			holder = p.Unit
		}
	}
	for i := range t.Events {
		if payloads[i] != nil {
			t.Events[i].Payload = payloads[i]
		}
	}
	t.Units = append(t.Units, units...)
	return nil
}

func (m *Mapping) lookup(e *Event) *Template {
	if e.Lifecycle != "" {
		if t, ok := m.Activities[e.Activity+"/"+e.Lifecycle]; ok {
			return &t
		}
	}
	if t, ok := m.Activities[e.Activity]; ok {
		return &t
	}
	return nil
}

// unitsOf appends the units p names, with their kinds.
func (m *Mapping) unitsOf(p events.Payload, units []Unit) []Unit {
	add := func(id, kind, parent string) {
		if id == "" {
			return
		}
		for _, u := range units {
			if u.ID == id {
				return
			}
		}
		if kind == "" {
			kind = m.UnitKinds[id]
		}
		if kind == "" {
			kind = m.UnitKinds["*"]
		}
		if kind == "" {
			kind = events.UnitDepartment
		}
		units = append(units, Unit{ID: id, Kind: kind, Parent: parent})
	}
	switch p := p.(type) {
	case *events.CaseReported:
		add(p.Location.Street, events.UnitStreet, "")
		add(p.Location.Community, events.UnitCommunity, p.Location.Street)
		parent := p.Location.Community
		if parent == "" {
			parent = p.Location.Street
		}
		add(p.Location.Grid, events.UnitGrid, parent)
	case *events.CaseDispatched:
		add(p.FromUnit, "", "")
		add(p.ToUnit, "", "")
	case *events.CaseReturned:
		add(p.Unit, "", "")
		add(p.SuggestedUnit, "", "")
	case *events.CaseAccepted:
		add(p.Unit, "", "")
	case *events.CaseContacted:
		add(p.Unit, "", "")
	case *events.CaseResolved:
		add(p.Unit, "", "")
	}
	return units
}

// fill returns v with every string's placeholders replaced.
func fill(v any, get func(string) string) (any, error) {
	switch x := v.(type) {
	case string:
		return expand(x, get)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			f, err := fill(e, get)
			if err != nil {
				return nil, err
			}
			out[k] = f
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			f, err := fill(e, get)
			if err != nil {
				return nil, err
			}
			out[i] = f
		}
		return out, nil
	}
	return v, nil
}

// expand replaces "{key}" and "{key|default}" in s. "{{" is a literal "{".
func expand(s string, get func(string) string) (string, error) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		if strings.HasPrefix(s, "{") {
			b.WriteByte('{')
			s = s[1:]
			continue
		}
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return "", fmt.Errorf("unclosed placeholder in %q", s)
		}
		key, def, _ := strings.Cut(s[:j], "|")
		v := get(strings.TrimSpace(key))
		if v == "" {
			v = def
		}
		b.WriteString(v)
		s = s[j+1:]
	}
}
