package csvlog

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
)

// cleanID trims s and collapses every run of white space (spaces, tabs,
// line breaks) into one space.
func cleanID(s string) string {
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		sp := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		if sp && (prevSpace || c != ' ') || c >= utf8.RuneSelf {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace || s == "" {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// validID reports whether s passes the events id rules: non-empty, at most
// events.MaxIDBytes, UTF-8, no control character.
func validID(s string) bool {
	if s == "" || len(s) > events.MaxIDBytes || !utf8.ValidString(s) {
		return false
	}
	return !hasControl(s)
}

// validText reports whether s passes the events text rules.
func validText(s string) bool {
	return len(s) <= events.MaxTextBytes && utf8.ValidString(s)
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Spreadsheet formula injection: a cell whose text starts with one of
// these characters may be run as a formula by a spreadsheet.
func formulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// escapeCell prefixes a cell that a spreadsheet could take for a formula
// with a single quote. A cell that already starts with a quote followed by
// such a character or another quote is prefixed too, so that unescapeCell
// gives back the original. Plain decimal numbers ("-73.96") are left
// alone: a spreadsheet reads them as numbers, never as formulas.
func escapeCell(s string) string {
	if s == "" {
		return s
	}
	switch {
	case formulaStart(s[0]) && !plainNumber(s):
	case s[0] == '\'' && len(s) > 1 && (formulaStart(s[1]) || s[1] == '\''):
	default:
		return s
	}
	return "'" + s
}

// unescapeCell undoes escapeCell: a leading single quote followed by a
// formula character or another quote is dropped.
func unescapeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && (formulaStart(s[1]) || s[1] == '\'') {
		return s[1:]
	}
	return s
}

// plainNumber reports whether s is an optionally signed decimal number
// with digits only ("-73.96", "+1", "40.7").
func plainNumber(s string) bool {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// parseCoord parses a latitude or longitude; ok is false for anything but
// a finite number within ±limit.
func parseCoord(s string, limit float64) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != v || v < -limit || v > limit {
		return 0, false
	}
	return v, true
}

// errRowTooLarge is returned by rowLimiter once a row exceeds its bound.
var errRowTooLarge = errors.New("row too large")

// rowLimiter passes reads through until more than limit bytes have been
// read past base, the offset where the current row starts; then it fails
// with errRowTooLarge. It bounds what encoding/csv, which has no limit of
// its own, may buffer for one row.
type rowLimiter struct {
	r     io.Reader
	n     int64 // bytes delivered
	base  int64 // offset of the current row's start
	limit int64
}

func (l *rowLimiter) Read(p []byte) (int, error) {
	allowed := l.base + l.limit - l.n
	if allowed <= 0 {
		return 0, errRowTooLarge
	}
	if int64(len(p)) > allowed {
		p = p[:allowed]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}
