package bundle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The small JSON toolkit of the events file: a validator that also finds
// the end of a value (for data written verbatim), and the string
// escaping and unescaping of the envelope's text fields. It works on byte
// offsets and allocates nothing on the paths every line takes.

// maxNesting bounds how deeply a verbatim data value may nest arrays and
// objects. Deeper payloads are written as data_b64.
const maxNesting = 512

// plain marks the bytes a JSON string holds as they are: printable ASCII
// other than '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun returns the offset of the first byte at or after p that is
// not plain. It tests eight bytes at a time while none of them can be
// (a word holding one goes to the byte loop, which finds it).
func plainRun(b []byte, p int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b)-p >= 8 {
		x := binary.LittleEndian.Uint64(b[p:])
		q, bs := x^(ones*'"'), x^(ones*'\\')
		// The high bit of a byte marks one that is >= 0x80 (x), below
		// 0x20, '"' or '\\' (a zero byte of q, bs); no marked byte is
		// missed.
		if (x|(x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
			break
		}
		p += 8
	}
	for p < len(b) && plain[b[p]] {
		p++
	}
	return p
}

// isSpace reports JSON insignificant whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// skipSpace returns the offset of the first non-whitespace byte at or after p.
func skipSpace(b []byte, p int) int {
	for p < len(b) && isSpace(b[p]) {
		p++
	}
	return p
}

// isCompactJSON reports whether b is exactly one JSON value, valid UTF-8,
// without whitespace outside strings, nested at most maxNesting deep: the
// payloads the writer can put in a line as they are.
func isCompactJSON(b []byte) bool {
	end, err := scanValue(b, 0, true)
	return err == nil && end == len(b)
}

// scanValue checks the JSON value starting at b[p] and returns the offset
// just after it. With compact set, whitespace between tokens is an error.
func scanValue(b []byte, p int, compact bool) (int, error) {
	ws := func(p int) int {
		if compact {
			return p
		}
		return skipSpace(b, p)
	}
	var stack [maxNesting]byte
	depth := 0
	var err error
	for {
		// A value starts at p.
		p = ws(p)
		if p >= len(b) {
			return p, errEnd
		}
		switch c := b[p]; {
		case c == '{' || c == '[':
			if depth == maxNesting {
				return p, fmt.Errorf("nested deeper than %d", maxNesting)
			}
			close := byte('}')
			if c == '[' {
				close = ']'
			}
			q := ws(p + 1)
			if q < len(b) && b[q] == close {
				p = q + 1
				break // an empty container is a complete value
			}
			stack[depth] = close
			depth++
			p = q
			if c == '{' {
				if p, err = scanMember(b, p, ws); err != nil {
					return p, err
				}
			}
			continue
		case c == '"':
			if p, err = scanString(b, p); err != nil {
				return p, err
			}
		case c == 't':
			p, err = literal(b, p, "true")
		case c == 'f':
			p, err = literal(b, p, "false")
		case c == 'n':
			p, err = literal(b, p, "null")
		default:
			p, err = scanNumber(b, p)
		}
		if err != nil {
			return p, err
		}
		// A value ended at p: close containers or move to the next element.
		for {
			if depth == 0 {
				return p, nil
			}
			p = ws(p)
			if p >= len(b) {
				return p, errEnd
			}
			if b[p] == stack[depth-1] {
				depth--
				p++
				continue
			}
			if b[p] != ',' {
				return p, fmt.Errorf("want ',' or %q at offset %d, found %q", stack[depth-1], p, b[p])
			}
			p++
			if stack[depth-1] == '}' {
				if p, err = scanMember(b, ws(p), ws); err != nil {
					return p, err
				}
			}
			break
		}
	}
}

var errEnd = errors.New("unexpected end of JSON")

// scanMember checks an object key and its colon at p and returns the
// offset of the member's value.
func scanMember(b []byte, p int, ws func(int) int) (int, error) {
	if p >= len(b) || b[p] != '"' {
		return p, fmt.Errorf("want an object key at offset %d", p)
	}
	p, err := scanString(b, p)
	if err != nil {
		return p, err
	}
	p = ws(p)
	if p >= len(b) || b[p] != ':' {
		return p, fmt.Errorf("want ':' at offset %d", p)
	}
	return p + 1, nil
}

func literal(b []byte, p int, word string) (int, error) {
	if len(b)-p < len(word) || string(b[p:p+len(word)]) != word {
		return p, fmt.Errorf("invalid literal at offset %d", p)
	}
	return p + len(word), nil
}

// scanNumber checks a JSON number at p.
func scanNumber(b []byte, p int) (int, error) {
	start := p
	bad := func() (int, error) { return p, fmt.Errorf("invalid number at offset %d", start) }
	if p < len(b) && b[p] == '-' {
		p++
	}
	switch {
	case p < len(b) && b[p] == '0':
		p++
	case p < len(b) && b[p] >= '1' && b[p] <= '9':
		for p < len(b) && b[p] >= '0' && b[p] <= '9' {
			p++
		}
	default:
		return bad()
	}
	if p < len(b) && b[p] == '.' {
		p++
		q := p
		for p < len(b) && b[p] >= '0' && b[p] <= '9' {
			p++
		}
		if p == q {
			return bad()
		}
	}
	if p < len(b) && (b[p] == 'e' || b[p] == 'E') {
		p++
		if p < len(b) && (b[p] == '+' || b[p] == '-') {
			p++
		}
		q := p
		for p < len(b) && b[p] >= '0' && b[p] <= '9' {
			p++
		}
		if p == q {
			return bad()
		}
	}
	return p, nil
}

// scanString checks the JSON string starting with the quote at b[p]:
// valid UTF-8, no control characters, valid escapes. It returns the offset
// after the closing quote.
func scanString(b []byte, p int) (int, error) {
	p++
	for {
		p = plainRun(b, p)
		if p >= len(b) {
			return p, errors.New("unterminated string")
		}
		switch c := b[p]; {
		case c == '"':
			return p + 1, nil
		case c == '\\':
			n, err := escapeLen(b, p)
			if err != nil {
				return p, err
			}
			p += n
		case c < 0x20:
			return p, fmt.Errorf("control character 0x%02x in a string at offset %d", c, p)
		default:
			r, n := utf8.DecodeRune(b[p:])
			if r == utf8.RuneError && n <= 1 {
				return p, fmt.Errorf("invalid UTF-8 at offset %d", p)
			}
			p += n
		}
	}
}

// escapeLen checks the escape at b[p] (a backslash) and returns its length.
func escapeLen(b []byte, p int) (int, error) {
	if p+1 >= len(b) {
		return 0, errors.New("unterminated string")
	}
	switch b[p+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		if _, ok := hex4(b, p+2); ok {
			return 6, nil
		}
	}
	return 0, fmt.Errorf("invalid escape at offset %d", p)
}

// hex4 decodes four hex digits at p.
func hex4(b []byte, p int) (rune, bool) {
	if len(b)-p < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[p : p+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// parseString reads the JSON string at b[p] and returns its text and the
// offset after it. The text aliases b when the string holds no escapes,
// and is decoded into *scratch otherwise. A string whose escapes encode a
// lone surrogate is refused: it has no UTF-8 form.
func parseString(b []byte, p int, scratch *[]byte) ([]byte, int, error) {
	if p >= len(b) || b[p] != '"' {
		return nil, p, errors.New("want a string")
	}
	start := p + 1
	p = plainRun(b, start)
	if p < len(b) && b[p] == '"' {
		return b[start:p], p + 1, nil // the common case: printable ASCII
	}
	out := append((*scratch)[:0], b[start:p]...)
	defer func() { *scratch = out[:0] }()
	for {
		for p < len(b) && plain[b[p]] {
			out = append(out, b[p])
			p++
		}
		if p >= len(b) {
			return nil, p, errors.New("unterminated string")
		}
		switch c := b[p]; {
		case c == '"':
			return out, p + 1, nil
		case c == '\\':
			n, err := escapeLen(b, p)
			if err != nil {
				return nil, p, err
			}
			switch e := b[p+1]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, _ := hex4(b, p+2)
				if utf16IsSurrogate(r) {
					r2, ok := hex4(b, p+8)
					if r >= 0xdc00 || !ok || p+7 >= len(b) || b[p+6] != '\\' || b[p+7] != 'u' || r2 < 0xdc00 || r2 > 0xdfff {
						return nil, p, fmt.Errorf("lone surrogate escape at offset %d", p)
					}
					r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
					n = 12
				}
				out = utf8.AppendRune(out, r)
			default: // '"', '\\', '/'
				out = append(out, e)
			}
			p += n
		case c < 0x20:
			return nil, p, fmt.Errorf("control character 0x%02x in a string at offset %d", c, p)
		default:
			r, n := utf8.DecodeRune(b[p:])
			if r == utf8.RuneError && n <= 1 {
				return nil, p, fmt.Errorf("invalid UTF-8 at offset %d", p)
			}
			out = append(out, b[p:p+n]...)
			p += n
		}
	}
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

// errNotUTF8 is returned by appendString for text JSON cannot hold.
var errNotUTF8 = errors.New("is not valid UTF-8")

// appendString appends s as a JSON string. Printable ASCII and valid
// UTF-8 are copied; '"', '\\' and control characters are escaped. Text
// that is not valid UTF-8 has no JSON form: it is refused.
func appendString(dst []byte, s string) ([]byte, error) {
	dst = append(dst, '"')
	i := 0
	for i < len(s) && plain[s[i]] {
		i++
	}
	if i == len(s) {
		dst = append(dst, s...)
		return append(dst, '"'), nil
	}
	dst = append(dst, s[:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case plain[c]:
			dst = append(dst, c)
			i++
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
			i++
		case c == '\n':
			dst = append(dst, '\\', 'n')
			i++
		case c == '\r':
			dst = append(dst, '\\', 'r')
			i++
		case c == '\t':
			dst = append(dst, '\\', 't')
			i++
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return dst, errNotUTF8
			}
			dst = append(dst, s[i:i+n]...)
			i += n
		}
	}
	return append(dst, '"'), nil
}

const hexDigits = "0123456789abcdef"
