package xes

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The scanner is a streaming, non-validating XML 1.0 tokenizer for what
// XES needs. It reads its input through one buffer that grows up to
// maxToken bytes (one token — a tag, a text run, a comment — must fit) and
// reports start and end elements; text, comments, processing instructions
// and CDATA are checked and dropped. Token data (names, attribute values)
// points into the buffer and is valid until the next call to next.
//
// It checks well-formedness: matching end tags, exactly one root element,
// names, quoted attribute values, no duplicate attributes, the five
// predefined entities and character references only, XML characters in
// valid UTF-8, no "--" in comments, no "]]>" in text. It differs from
// encoding/xml deliberately in being stricter where encoding/xml is lenient
// (see the package documentation) and in refusing a DOCTYPE with an internal
// subset.

// Scanner limits.
const (
	// defaultMaxToken is the largest token (tag, text run, comment) read
	// when ReaderConfig.MaxTokenBytes is zero.
	defaultMaxToken = 1 << 20
	// maxElementDepth bounds element nesting.
	maxElementDepth = 256
	// maxTagAttrs bounds the attributes of one element.
	maxTagAttrs = 256
	minBuffer   = 64 << 10
)

type tokKind uint8

const (
	tokStart tokKind = iota + 1
	tokEnd
)

type rawAttr struct {
	name, value []byte
	// off, n locate value in scratch when it was unescaped.
	off, n    int
	unescaped bool
}

// syntaxError is a well-formedness error at a line.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// errMore means the token does not end within the buffer.
var errMore = errors.New("need more input")

type scanner struct {
	src    io.Reader
	buf    []byte
	pos    int
	end    int
	eof    bool
	maxTok int
	line   int // line of buf[pos]

	// The current token.
	kind    tokKind
	name    []byte
	attrs   []rawAttr
	tokLine int

	pendingEnd bool
	scratch    []byte
	stack      []byte // open element names, each followed by its length
	stackLen   []int
	rootSeen   bool
	rootDone   bool
	started    bool
}

func newScanner(src io.Reader, maxTok int) *scanner {
	if maxTok <= 0 {
		maxTok = defaultMaxToken
	}
	n := minBuffer
	if n > maxTok {
		n = maxTok
	}
	return &scanner{src: src, buf: make([]byte, n), maxTok: maxTok, line: 1}
}

func (s *scanner) errorf(line int, format string, args ...any) error {
	return &syntaxError{line: line, msg: fmt.Sprintf(format, args...)}
}

// depth is the number of open elements.
func (s *scanner) depth() int { return len(s.stackLen) }

// fill moves the unread part of the buffer to its front and reads more.
func (s *scanner) fill() error {
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxTok {
			return s.errorf(s.line, "token longer than %d bytes", s.maxTok)
		}
		n := 2 * len(s.buf)
		if n > s.maxTok {
			n = s.maxTok
		}
		nb := make([]byte, n)
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	// Fill the buffer whole, so that a source returning small reads does
	// not make the scan of a long token quadratic.
	for s.end < len(s.buf) {
		n, err := s.src.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("line %d: read: %w", s.line, err)
		}
	}
	return nil
}

// next reads the next start or end element; io.EOF after the root
// element's end and the end of the input.
func (s *scanner) next() error {
	if s.pendingEnd {
		s.pendingEnd = false
		s.kind = tokEnd
		s.attrs = s.attrs[:0]
		s.pop()
		return nil
	}
	if !s.started {
		s.started = true
		if err := s.skipBOM(); err != nil {
			return err
		}
	}
	for {
		err := s.token()
		if err == errMore {
			if s.eof {
				return s.atEOF()
			}
			if err := s.fill(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if s.kind != 0 {
			return nil
		}
	}
}

func (s *scanner) skipBOM() error {
	for s.end-s.pos < 3 && !s.eof {
		if err := s.fill(); err != nil {
			return err
		}
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xef\xbb\xbf")) {
		s.pos += 3
	}
	if b := s.buf[s.pos:s.end]; bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff")) {
		return s.errorf(1, "UTF-16 input is not supported (convert it to UTF-8)")
	}
	return nil
}

// atEOF handles the end of input: trailing text must be well formed and
// the root element closed.
func (s *scanner) atEOF() error {
	text := s.buf[s.pos:s.end]
	if i := bytes.IndexByte(text, '<'); i >= 0 {
		return s.errorf(s.line+bytes.Count(text[:i], nl), "unexpected end of input in markup")
	}
	if _, err := s.checkText(text, s.line); err != nil {
		return err
	}
	s.line += bytes.Count(text, nl)
	s.pos = s.end
	switch {
	case s.depth() > 0:
		return s.errorf(s.line, "unexpected end of input: <%s> not closed", s.top())
	case !s.rootSeen:
		return s.errorf(s.line, "no root element")
	}
	return io.EOF
}

var nl = []byte{'\n'}

// token scans text and then one markup item from s.pos. It sets s.kind
// to 0 for an item that is not an element (comment, PI, ...). It returns
// errMore, leaving s.pos unchanged, when the item is not complete within
// the buffer.
func (s *scanner) token() error {
	s.kind = 0
	i := bytes.IndexByte(s.buf[s.pos:s.end], '<')
	if i < 0 {
		return errMore
	}
	text := s.buf[s.pos : s.pos+i]
	line := s.line
	if len(text) > 0 {
		n, err := s.checkText(text, line)
		if err != nil {
			return err
		}
		line += n
	}
	p := s.pos + i
	if p+1 >= s.end {
		return errMore
	}
	var q int
	var err error
	switch s.buf[p+1] {
	case '/':
		q, err = s.endTag(p, line)
	case '?':
		q, err = s.procInst(p, line)
	case '!':
		q, err = s.bang(p, line)
	default:
		q, err = s.startTag(p, line)
	}
	if err != nil {
		return err
	}
	s.tokLine = line
	s.line = line + bytes.Count(s.buf[p:q], nl)
	s.pos = q
	switch s.kind {
	case tokStart:
		if s.depth() == 0 {
			if s.rootDone {
				return s.errorf(line, "more than one root element")
			}
			s.rootSeen = true
		}
		if s.depth() >= maxElementDepth {
			return s.errorf(line, "elements nest deeper than %d", maxElementDepth)
		}
		s.stack = append(s.stack, s.name...)
		s.stackLen = append(s.stackLen, len(s.name))
	case tokEnd:
		if s.depth() == 0 {
			return s.errorf(line, "unexpected end element </%s>", s.name)
		}
		if top := s.top(); !bytes.Equal(top, s.name) {
			return s.errorf(line, "element <%s> closed by </%s>", top, s.name)
		}
		s.pop()
	}
	return nil
}

func (s *scanner) top() []byte {
	n := s.stackLen[len(s.stackLen)-1]
	return s.stack[len(s.stack)-n:]
}

func (s *scanner) pop() {
	n := s.stackLen[len(s.stackLen)-1]
	s.stack = s.stack[:len(s.stack)-n]
	s.stackLen = s.stackLen[:len(s.stackLen)-1]
	if len(s.stackLen) == 0 {
		s.rootDone = true
	}
}

// Byte classes.
const (
	cNameStart = 1 << iota
	cName
	cSpace
	cSpecial // needs a closer look in text and attribute values
)

var class = func() (c [256]uint8) {
	for b := 'a'; b <= 'z'; b++ {
		c[b] |= cNameStart | cName
		c[b-'a'+'A'] |= cNameStart | cName
	}
	for b := '0'; b <= '9'; b++ {
		c[b] |= cName
	}
	c['_'] |= cNameStart | cName
	c[':'] |= cNameStart | cName
	c['-'] |= cName
	c['.'] |= cName
	for b := 0x80; b < 0x100; b++ {
		c[b] |= cNameStart | cName | cSpecial
	}
	for _, b := range []byte{' ', '\t', '\n', '\r'} {
		c[b] |= cSpace
	}
	for b := 0; b < 0x20; b++ {
		if b != '\t' && b != '\n' {
			c[b] |= cSpecial
		}
	}
	c['&'] |= cSpecial
	c['<'] |= cSpecial
	c[']'] |= cSpecial
	return c
}()

// name scans a name at p; it returns the index after it.
func (s *scanner) scanName(p, line int) (int, error) {
	if p >= s.end {
		return 0, errMore
	}
	if class[s.buf[p]]&cNameStart == 0 {
		return 0, s.errorf(line, "invalid character %q where a name should start", rune(s.buf[p]))
	}
	q := p + 1
	ascii := s.buf[p] < 0x80
	for q < s.end && class[s.buf[q]]&cName != 0 {
		ascii = ascii && s.buf[q] < 0x80
		q++
	}
	if q >= s.end {
		return 0, errMore
	}
	if !ascii && !isXMLName(s.buf[p:q]) {
		return 0, s.errorf(line, "invalid name %q", s.buf[p:q])
	}
	return q, nil
}

// isXMLName checks a name with non-ASCII characters the way encoding/xml
// does, so that both agree on what a name is.
func isXMLName(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	d := xml.NewDecoder(strings.NewReader("<" + string(b) + "/>"))
	tok, err := d.RawToken()
	if err != nil {
		return false
	}
	se, ok := tok.(xml.StartElement)
	if !ok {
		return false
	}
	n := se.Name.Local
	if se.Name.Space != "" {
		n = se.Name.Space + ":" + n
	}
	return n == string(b)
}

func (s *scanner) skipSpace(p int) int {
	for p < s.end && class[s.buf[p]]&cSpace != 0 {
		p++
	}
	return p
}

// startTag scans <name attr="v" ...> or <name .../> at p.
func (s *scanner) startTag(p, line int) (int, error) {
	q, err := s.scanName(p+1, line)
	if err != nil {
		return 0, err
	}
	s.name = s.buf[p+1 : q]
	s.attrs = s.attrs[:0]
	s.scratch = s.scratch[:0]
	for {
		r := s.skipSpace(q)
		if r >= s.end {
			return 0, errMore
		}
		switch s.buf[r] {
		case '>':
			s.kind = tokStart
			s.fixScratch()
			return r + 1, nil
		case '/':
			if r+1 >= s.end {
				return 0, errMore
			}
			if s.buf[r+1] != '>' {
				return 0, s.errorf(line, "expected /> in element <%s>", s.name)
			}
			s.kind = tokStart
			s.pendingEnd = true
			s.fixScratch()
			return r + 2, nil
		}
		if r == q {
			return 0, s.errorf(line, "expected whitespace, > or /> in element <%s>", s.name)
		}
		// An attribute.
		ne, err := s.scanName(r, line)
		if err != nil {
			return 0, err
		}
		a := rawAttr{name: s.buf[r:ne]}
		e := s.skipSpace(ne)
		if e >= s.end {
			return 0, errMore
		}
		if s.buf[e] != '=' {
			return 0, s.errorf(line, "attribute %s of <%s> without value", a.name, s.name)
		}
		e = s.skipSpace(e + 1)
		if e >= s.end {
			return 0, errMore
		}
		quote := s.buf[e]
		if quote != '"' && quote != '\'' {
			return 0, s.errorf(line, "unquoted value of attribute %s of <%s>", a.name, s.name)
		}
		vs := e + 1
		i := bytes.IndexByte(s.buf[vs:s.end], quote)
		if i < 0 {
			return 0, errMore
		}
		v := s.buf[vs : vs+i]
		if err := s.attrValue(&a, v, line); err != nil {
			return 0, err
		}
		for j := range s.attrs {
			if bytes.Equal(s.attrs[j].name, a.name) {
				return 0, s.errorf(line, "duplicate attribute %s in <%s>", a.name, s.name)
			}
		}
		if len(s.attrs) >= maxTagAttrs {
			return 0, s.errorf(line, "element <%s> has more than %d attributes", s.name, maxTagAttrs)
		}
		s.attrs = append(s.attrs, a)
		q = vs + i + 1
	}
}

// fixScratch points unescaped values into scratch, now that it no longer
// grows.
func (s *scanner) fixScratch() {
	for i := range s.attrs {
		if a := &s.attrs[i]; a.unescaped {
			a.value = s.scratch[a.off : a.off+a.n]
		}
	}
}

// attrValue checks an attribute value and unescapes it into scratch when
// it holds references or line ends to normalise.
func (s *scanner) attrValue(a *rawAttr, v []byte, line int) error {
	clean := true
	for _, b := range v {
		if class[b]&cSpecial != 0 && b != ']' {
			clean = false
			break
		}
	}
	if clean {
		a.value = v
		return nil
	}
	off := len(s.scratch)
	out, err := s.unescape(s.scratch, v, line, true)
	if err != nil {
		return err
	}
	s.scratch = out
	a.off, a.n, a.unescaped = off, len(out)-off, true
	return nil
}

// unescape appends v with references replaced and line ends normalised to
// dst, checking every character.
func (s *scanner) unescape(dst, v []byte, line int, inAttr bool) ([]byte, error) {
	for i := 0; i < len(v); {
		b := v[i]
		switch {
		case b == '&':
			j := bytes.IndexByte(v[i:], ';')
			if j < 0 {
				return nil, s.errorf(line, "unterminated reference %.10q", v[i:])
			}
			r, ok := entity(v[i+1 : i+j])
			if !ok {
				return nil, s.errorf(line, "undefined entity &%s;", v[i+1:i+j])
			}
			dst = utf8.AppendRune(dst, r)
			i += j + 1
		case b == '<':
			if inAttr {
				return nil, s.errorf(line, "unescaped < in attribute value")
			}
			return nil, s.errorf(line, "unescaped <")
		case b == '\r':
			dst = append(dst, '\n')
			i++
			if i < len(v) && v[i] == '\n' {
				i++
			}
		case b == ']' && !inAttr && i+2 < len(v) && v[i+1] == ']' && v[i+2] == '>':
			return nil, s.errorf(line, "unescaped ]]> not in CDATA section")
		case b < 0x80:
			if b < 0x20 && b != '\t' && b != '\n' {
				return nil, s.errorf(line, "illegal character code U+%04X", b)
			}
			dst = append(dst, b)
			i++
		default:
			r, n := utf8.DecodeRune(v[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, s.errorf(line, "invalid UTF-8")
			}
			if !isChar(r) {
				return nil, s.errorf(line, "illegal character code %U", r)
			}
			dst = append(dst, v[i:i+n]...)
			i += n
		}
	}
	return dst, nil
}

// entity resolves the name of a reference (between & and ;).
func entity(name []byte) (rune, bool) {
	switch string(name) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	var n rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		n = n*rune(base) + d
	}
	if !isChar(n) {
		return 0, false
	}
	return n, true
}

// isChar reports whether r is an XML 1.0 Char.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// checkText checks a text run and returns its newlines. Text outside the
// root element must be whitespace.
func (s *scanner) checkText(text []byte, line int) (int, error) {
	n := 0
	for _, b := range text {
		if class[b]&cSpace == 0 {
			return s.checkTextSlow(text, line)
		}
		if b == '\n' {
			n++
		}
	}
	return n, nil
}

func (s *scanner) checkTextSlow(text []byte, line int) (int, error) {
	if s.depth() == 0 {
		return 0, s.errorf(line, "text outside the root element")
	}
	if _, err := s.unescape(s.scratch[:0], text, line, false); err != nil {
		return 0, err
	}
	return bytes.Count(text, nl), nil
}

// endTag scans </name> at p.
func (s *scanner) endTag(p, line int) (int, error) {
	q, err := s.scanName(p+2, line)
	if err != nil {
		return 0, err
	}
	s.name = s.buf[p+2 : q]
	s.attrs = s.attrs[:0]
	r := s.skipSpace(q)
	if r >= s.end {
		return 0, errMore
	}
	if s.buf[r] != '>' {
		return 0, s.errorf(line, "invalid characters in end element </%s>", s.name)
	}
	s.kind = tokEnd
	return r + 1, nil
}

// procInst scans <?target ...?> at p; for the XML declaration it checks
// the version and the encoding.
func (s *scanner) procInst(p, line int) (int, error) {
	q, err := s.scanName(p+2, line)
	if err != nil {
		return 0, err
	}
	target := s.buf[p+2 : q]
	i := bytes.Index(s.buf[q:s.end], []byte("?>"))
	if i < 0 {
		return 0, errMore
	}
	body := s.buf[q : q+i]
	if len(body) > 0 && class[body[0]]&cSpace == 0 {
		return 0, s.errorf(line, "invalid processing instruction <?%s", target)
	}
	if _, err := s.unescapeChars(body, line); err != nil {
		return 0, err
	}
	if string(target) == "xml" {
		if v := pseudoAttr(body, "version"); v != "" && v != "1.0" {
			return 0, s.errorf(line, "unsupported XML version %q", v)
		}
		if e := pseudoAttr(body, "encoding"); e != "" && !strings.EqualFold(e, "utf-8") {
			return 0, s.errorf(line, "unsupported encoding %q (want UTF-8)", e)
		}
	}
	return q + i + 2, nil
}

// unescapeChars checks that b holds XML characters in UTF-8.
func (s *scanner) unescapeChars(b []byte, line int) (int, error) {
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return 0, s.errorf(line, "illegal character code U+%04X", c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return 0, s.errorf(line, "invalid UTF-8")
		}
		if !isChar(r) {
			return 0, s.errorf(line, "illegal character code %U", r)
		}
		i += n
	}
	return len(b), nil
}

// pseudoAttr returns the value of name="..." in an XML declaration.
func pseudoAttr(body []byte, name string) string {
	s := string(body)
	for {
		i := strings.Index(s, name)
		if i < 0 {
			return ""
		}
		s = s[i+len(name):]
		t := strings.TrimLeft(s, " \t\r\n")
		if !strings.HasPrefix(t, "=") {
			continue
		}
		t = strings.TrimLeft(t[1:], " \t\r\n")
		if t == "" || t[0] != '"' && t[0] != '\'' {
			return ""
		}
		j := strings.IndexByte(t[1:], t[0])
		if j < 0 {
			return ""
		}
		return t[1 : 1+j]
	}
}

// bang scans <!-- -->, <![CDATA[ ]]> and <!DOCTYPE ...> at p.
func (s *scanner) bang(p, line int) (int, error) {
	rest := s.buf[p:s.end]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		i := bytes.Index(rest[4:], []byte("--"))
		if i < 0 {
			return 0, errMore
		}
		if 4+i+2 >= len(rest) {
			return 0, errMore
		}
		if rest[4+i+2] != '>' {
			return 0, s.errorf(line, `invalid sequence "--" in a comment`)
		}
		if _, err := s.unescapeChars(rest[4:4+i], line); err != nil {
			return 0, err
		}
		return p + 4 + i + 3, nil
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		i := bytes.Index(rest[9:], []byte("]]>"))
		if i < 0 {
			return 0, errMore
		}
		if s.depth() == 0 {
			return 0, s.errorf(line, "CDATA outside the root element")
		}
		if _, err := s.unescapeChars(rest[9:9+i], line); err != nil {
			return 0, err
		}
		return p + 9 + i + 3, nil
	case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
		if s.rootSeen {
			return 0, s.errorf(line, "DOCTYPE after the root element")
		}
		var quote byte
		for i := 9; i < len(rest); i++ {
			c := rest[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '[':
				return 0, s.errorf(line, "DOCTYPE with an internal subset (entity declarations) is not accepted")
			case c == '>':
				if _, err := s.unescapeChars(rest[:i], line); err != nil {
					return 0, err
				}
				return p + i + 1, nil
			}
		}
		return 0, errMore
	}
	if len(rest) < 9 {
		return 0, errMore
	}
	return 0, s.errorf(line, "unsupported markup %.9q", rest)
}
