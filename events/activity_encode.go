package events

import "unicode/utf8"

// appendActivity appends the canonical JSON of an activity.recorded
// payload: byte for byte what encoding/json writes with HTML escaping off
// (FuzzAppendActivity holds it to that), without reflection. An imported
// log is almost all activities, each with its own attributes.
func appendActivity(b []byte, p *ActivityRecorded) []byte {
	b = append(b, `{"activity":`...)
	b = AppendJSONString(b, p.Activity)
	for _, f := range [...]struct{ key, v string }{
		{`,"lifecycle":`, p.Lifecycle}, {`,"resource":`, p.Resource}, {`,"role":`, p.Role},
		{`,"group":`, p.Group}, {`,"instance":`, p.Instance},
	} {
		if f.v != "" {
			b = append(b, f.key...)
			b = AppendJSONString(b, f.v)
		}
	}
	if len(p.Attributes) > 0 {
		b = append(b, `,"attributes":`...)
		b = appendAttributes(b, p.Attributes)
	}
	if p.Trace != nil {
		b = append(b, `,"trace":{"name":`...)
		b = AppendJSONString(b, p.Trace.Name)
		if len(p.Trace.Attributes) > 0 {
			b = append(b, `,"attributes":`...)
			b = appendAttributes(b, p.Trace.Attributes)
		}
		b = append(b, '}')
	}
	if p.Last {
		b = append(b, `,"last":true`...)
	}
	return append(b, '}')
}

func appendAttributes(b []byte, attrs []Attribute) []byte {
	b = append(b, '[')
	for i := range attrs {
		a := &attrs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = AppendJSONString(b, a.Key)
		b = append(b, `,"type":`...)
		b = AppendJSONString(b, a.Type)
		if a.Value != "" {
			b = append(b, `,"value":`...)
			b = AppendJSONString(b, a.Value)
		}
		if len(a.Children) > 0 {
			b = append(b, `,"children":`...)
			b = appendAttributes(b, a.Children)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// AppendJSONString appends s as encoding/json writes a string with HTML
// escaping off, for writers that build JSON by hand (canonical payloads,
// exports): quote, backslash and control characters escaped (\b, \f,
// \n, \r, \t short, the others as \u00xx), invalid UTF-8 as \ufffd, and
// U+2028 and U+2029 escaped.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
