package events

// activityRecorded reads the canonical form of an activity.recorded
// payload. Unlike the other readers it copies each string as it reads it:
// an imported event may hold hundreds of attribute values, more than the
// scanner notes. Empty arrays, escapes and keys out of order take the
// strict path, as elsewhere.
func (s *scanner) activityRecorded() Payload {
	p := &ActivityRecorded{}
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "activity":
			s.order(&last, 0)
			p.Activity = s.text()
		case "lifecycle":
			s.order(&last, 1)
			p.Lifecycle = s.text()
		case "resource":
			s.order(&last, 2)
			p.Resource = s.text()
		case "role":
			s.order(&last, 3)
			p.Role = s.text()
		case "group":
			s.order(&last, 4)
			p.Group = s.text()
		case "instance":
			s.order(&last, 5)
			p.Instance = s.text()
		case "attributes":
			s.order(&last, 6)
			p.Attributes = s.attributes(1)
		case "trace":
			s.order(&last, 7)
			p.Trace = s.traceInfo()
		case "last":
			s.order(&last, 8)
			p.Last = s.boolean()
		default:
			s.fail()
		}
	}
	if s.bad || s.pos != len(s.data) {
		return nil
	}
	return p
}

// text consumes a string value and returns a copy of it.
func (s *scanner) text() string {
	a, b := s.raw()
	if s.bad {
		return ""
	}
	return string(s.data[a:b])
}

func (s *scanner) traceInfo() *TraceInfo {
	t := &TraceInfo{}
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "name":
			s.order(&last, 0)
			t.Name = s.text()
		case "attributes":
			s.order(&last, 1)
			t.Attributes = s.attributes(1)
		default:
			s.fail()
		}
	}
	return t
}

// attributes consumes a non-empty array of attributes nested depth deep.
func (s *scanner) attributes(depth int) []Attribute {
	if depth > MaxAttrDepth {
		s.fail()
		return nil
	}
	s.expect('[')
	var out []Attribute
	for n := 0; !s.bad; n++ {
		if n > 0 {
			if s.pos < len(s.data) && s.data[s.pos] == ']' {
				s.pos++
				return out
			}
			s.expect(',')
		}
		var a Attribute
		s.open()
		for k, last := 0, -1; s.next(k); k++ {
			switch string(s.key) {
			case "key":
				s.order(&last, 0)
				a.Key = s.text()
			case "type":
				s.order(&last, 1)
				a.Type = s.enum(AttrTypes...)
			case "value":
				s.order(&last, 2)
				a.Value = s.text()
			case "children":
				s.order(&last, 3)
				a.Children = s.attributes(depth + 1)
			default:
				s.fail()
			}
		}
		out = append(out, a)
	}
	return nil
}
