package events

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DecodeStored decodes payload bytes read back from a store, for replay
// and projections. It returns exactly what DecodePayload returns for the
// same arguments (an equal payload, or the same error), and is ten to
// thirty times faster on the canonical bytes EncodePayload writes: for the
// eleven case lifecycle types, ballot.cast and activity.recorded it reads the canonical form
// directly, without reflection, and validates without allocating. Any other
// input goes to DecodePayload, whose result it returns: the other types,
// another schema, whitespace, keys out of declaration order or repeated,
// strings with escapes, null, integers with a sign, fraction, exponent or
// more than 18 digits, an empty array, a sealed object with its keys in
// another order, more than 24 string values, anything malformed or
// invalid. Strings of the result never alias data. It is safe for
// concurrent use.
func DecodeStored(typ string, schema uint16, data []byte) (Payload, error) {
	if schema == fastSchema && len(data) <= MaxPayloadBytes && utf8.Valid(data) {
		if p := decodeCanonical(typ, data); p != nil {
			return p, nil
		}
	}
	return DecodePayload(typ, schema, data)
}

// fastSchema is the schema version the canonical readers know; a test
// checks that it is the catalogue's version of every type they read.
const fastSchema = 1

// decodeCanonical reads data as the canonical payload of typ, or returns
// nil when data is not canonical enough to read without encoding/json, or
// the payload does not validate: the caller then takes the strict path.
// data is valid UTF-8 and within MaxPayloadBytes.
func decodeCanonical(typ string, data []byte) Payload {
	s := scanner{data: data}
	var p Payload
	switch typ {
	case TypeCaseReported:
		p = s.caseReported()
	case TypeCaseDispatched:
		p = s.caseDispatched()
	case TypeCaseReturned:
		p = s.caseReturned()
	case TypeCaseAccepted:
		p = s.caseAccepted()
	case TypeCaseContacted:
		p = s.caseContacted()
	case TypeCaseExtended:
		p = s.caseExtended()
	case TypeCaseResolved:
		p = s.caseResolved()
	case TypeCaseReopened:
		p = s.caseReopened()
	case TypeCaseRated:
		p = s.caseRated()
	case TypeCaseMerged:
		p = s.caseMerged()
	case TypeCaseClosed:
		p = s.caseClosed()
	case TypeBallotCast:
		p = s.ballotCast()
	case TypeActivityRecorded:
		p = s.activityRecorded()
	}
	if p == nil || !valid(p) {
		return nil
	}
	return p
}

// scanner reads the canonical JSON of one payload: no whitespace, keys in
// declaration order, strings without escapes. Any other input sets bad,
// after which every read returns a zero value and key reports the end.
// String values are not copied as they are read: the scanner notes where
// they are, and end copies them all into one string (one allocation) that
// the fields are sliced from, so that the payload does not keep data alive.
// The scanner holds no pointer into itself, so that it stays on the stack.
type scanner struct {
	data  []byte
	pos   int
	bad   bool
	key   []byte       // the key read last, a slice of data
	n     int          // values noted in vals
	vals  [24][2]int32 // string values: their bounds in data
	total int          // the length of the values, back to back
	all   string       // the values, once the object is read
}

// maxVals bounds the string values of one payload the scanner reads; a
// payload with more (a resolution with many pieces of evidence) takes the
// strict path.
const maxVals = len(scanner{}.vals)

// span is a string value: all[a:b].
type span struct{ a, b int }

// fail marks the input as not canonical.
func (s *scanner) fail() { s.bad = true }

// expect consumes c, or fails.
func (s *scanner) expect(c byte) {
	if s.bad || s.pos >= len(s.data) || s.data[s.pos] != c {
		s.bad = true
		return
	}
	s.pos++
}

// open consumes the '{' of an object.
func (s *scanner) open() { s.expect('{') }

// next reads the n-th key of an object (counting from 0) and its ':' into
// s.key and reports true, or consumes the closing '}' and reports false.
func (s *scanner) next(n int) bool {
	if s.bad || s.pos >= len(s.data) {
		s.bad = true
		return false
	}
	if s.data[s.pos] == '}' {
		s.pos++
		return false
	}
	if n > 0 {
		s.expect(',')
	}
	a, b := s.raw()
	s.expect(':')
	if s.bad {
		return false
	}
	s.key = s.data[a:b]
	return true
}

// order enforces declaration order: the field numbered i may follow only
// fields numbered below it, which also refuses a repeated key.
func (s *scanner) order(last *int, i int) {
	if i <= *last {
		s.bad = true
	}
	*last = i
}

// raw consumes a string without escapes or control characters and returns
// the bounds of its contents in data.
func (s *scanner) raw() (a, b int) {
	s.expect('"')
	if s.bad {
		return 0, 0
	}
	a = s.pos
	for i := a; i < len(s.data); i++ {
		if !plainByte[s.data[i]] {
			if s.data[i] != '"' {
				break // an escape or a control character
			}
			s.pos = i + 1
			return a, i
		}
	}
	s.bad = true
	return 0, 0
}

// plainByte says which bytes stand for themselves inside a JSON string: all
// but the quote, the backslash and the control characters.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str consumes a string value and notes it for end to copy.
func (s *scanner) str() span {
	a, b := s.raw()
	if s.bad || a == b {
		return span{}
	}
	if s.n == maxVals {
		s.bad = true
		return span{}
	}
	s.vals[s.n] = [2]int32{int32(a), int32(b)}
	s.n++
	s.total += b - a
	return span{s.total - (b - a), s.total}
}

// enum consumes a string that must be one of allowed and returns the
// constant, which costs no copy. Any other value fails: Validate would
// refuse it, and the strict path reports how.
func (s *scanner) enum(allowed ...string) string {
	a, b := s.raw()
	if s.bad {
		return ""
	}
	v := s.data[a:b]
	for _, c := range allowed {
		if string(v) == c {
			return c
		}
	}
	s.bad = true
	return ""
}

// boolean consumes true or false.
func (s *scanner) boolean() bool {
	d := s.data[min(s.pos, len(s.data)):]
	switch {
	case s.bad:
	case len(d) >= 4 && string(d[:4]) == "true":
		s.pos += 4
		return true
	case len(d) >= 5 && string(d[:5]) == "false":
		s.pos += 5
		return false
	default:
		s.bad = true
	}
	return false
}

// integer consumes a non-negative integer of at most 18 digits without
// leading zeros: the form encoding/json writes, which cannot overflow.
// What follows the digits is checked by the caller's next structural byte
// (a fraction or exponent fails there).
func (s *scanner) integer() int {
	if s.bad {
		return 0
	}
	i, v := s.pos, 0
	for ; i < len(s.data) && i-s.pos < 19; i++ {
		c := s.data[i]
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int(c-'0')
	}
	switch n := i - s.pos; {
	case n == 0 || n > 18, n > 1 && s.data[s.pos] == '0':
		s.bad = true
		return 0
	}
	s.pos = i
	return v
}

// number consumes a JSON number (RFC 8259 grammar) and converts it as
// encoding/json does for a float64; a value out of range fails.
func (s *scanner) number() *float64 {
	if s.bad {
		return nil
	}
	d, i := s.data, s.pos
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		s.bad = true
		return nil
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			s.bad = true
			return nil
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			s.bad = true
			return nil
		}
	}
	f, err := strconv.ParseFloat(string(d[s.pos:i]), 64)
	if err != nil {
		s.bad = true
		return nil
	}
	s.pos = i
	return &f
}

// timestamp consumes a string and parses it with time.Time's own
// UnmarshalJSON, which is what encoding/json calls.
func (s *scanner) timestamp() time.Time {
	var t time.Time
	a, b := s.raw()
	if s.bad {
		return t
	}
	if err := t.UnmarshalJSON(s.data[a-1 : b+1]); err != nil {
		s.bad = true
	}
	return t
}

// strs consumes a non-empty array of strings. (An empty array
// decodes to an empty, non-nil slice; the strict path handles it.)
func (s *scanner) strs(into []span) []span {
	s.expect('[')
	for n := 0; !s.bad; n++ {
		if n > 0 {
			if s.pos < len(s.data) && s.data[s.pos] == ']' {
				s.pos++
				return into
			}
			s.expect(',')
		}
		into = append(into, s.str())
	}
	return nil
}

// personal is a Personal value being read: plain text, or a subject and
// the decoded box of a sealed form.
type personal struct {
	text, subject span
	sealed        bool
	box           []byte
}

// personal consumes a Personal field: a string, or the sealed object with
// exactly the keys "subject" and "sealed", in that order, and canonical
// base64, as Personal.UnmarshalJSON requires.
func (s *scanner) personal() personal {
	var p personal
	if s.pos < len(s.data) && s.data[s.pos] == '"' {
		p.text = s.str()
		return p
	}
	s.open()
	if !s.next(0) || string(s.key) != "subject" {
		s.fail()
		return p
	}
	p.subject = s.str()
	if !s.next(1) || string(s.key) != "sealed" {
		s.fail()
		return p
	}
	a, b := s.raw()
	if s.next(2) || s.bad {
		s.fail()
		return p
	}
	enc := s.data[a:b]
	if len(enc) > base64.StdEncoding.EncodedLen(MaxSealedBytes) {
		s.fail()
		return p
	}
	box := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	n, err := base64.StdEncoding.Strict().Decode(box, enc)
	if err != nil {
		s.fail()
		return p
	}
	p.sealed, p.box = true, box[:n]
	return p
}

// end reports whether the whole input was read without a failure; if so,
// it makes the one string the fields are sliced from.
func (s *scanner) end() bool {
	if s.bad || s.pos != len(s.data) {
		return false
	}
	if s.total > 0 {
		var b strings.Builder
		b.Grow(s.total)
		for _, v := range s.vals[:s.n] {
			b.Write(s.data[v[0]:v[1]])
		}
		s.all = b.String()
	}
	return true
}

// get returns the string value of sp (valid after end).
func (s *scanner) get(sp span) string {
	if sp.a == sp.b {
		return ""
	}
	return s.all[sp.a:sp.b]
}

// getPersonal returns the Personal value of p (valid after end).
func (s *scanner) getPersonal(p personal) Personal {
	if !p.sealed {
		return Personal{Text: s.get(p.text)}
	}
	return Personal{Sealed: &Sealed{Subject: s.get(p.subject), Box: p.box}}
}
