package htmlreport

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/govledger/govledger/projections"
)

// nullText is what an undefined figure (a JSON null) prints as.
const nullText = "—"

// cell is one formatted table cell.
type cell struct {
	Text  string
	Class string // "n" for a number, "null" for an undefined figure, "" for text
}

// formatCell formats v for a column of the given kind: rates as
// percentages with one decimal, hours with one decimal, counts as grouped
// integers, other numbers with dec decimals (see decimals), nulls as an em
// dash.
func formatCell(kind string, dec int, v any) cell {
	if v == nil {
		return cell{Text: nullText, Class: "null"}
	}
	var x float64
	switch t := v.(type) {
	case string:
		return cell{Text: clean(t)}
	case bool:
		if t {
			return cell{Text: "yes"}
		}
		return cell{Text: "no"}
	case int:
		x = float64(t)
	case int32:
		x = float64(t)
	case int64:
		if kind == projections.KindCount || kind == projections.KindNumber || kind == projections.KindText {
			return cell{Text: group(strconv.FormatInt(t, 10)), Class: "n"}
		}
		x = float64(t)
	case uint32:
		x = float64(t)
	case uint64:
		if kind == projections.KindCount || kind == projections.KindNumber || kind == projections.KindText {
			return cell{Text: group(strconv.FormatUint(t, 10)), Class: "n"}
		}
		x = float64(t)
	case float32:
		x = float64(t)
	case float64:
		x = t
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return cell{Text: clean(t.String())}
		}
		x = f
	default:
		return cell{Text: clean(fmt.Sprint(v))}
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return cell{Text: nullText, Class: "null"}
	}
	switch kind {
	case projections.KindRate:
		return cell{Text: fixed(x*100, 1) + "%", Class: "n"}
	case projections.KindHours:
		return cell{Text: fixed(x, 1), Class: "n"}
	case projections.KindCount:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return cell{Text: fixed(x, 0), Class: "n"}
		}
	}
	return cell{Text: fixed(x, dec), Class: "n"}
}

// decimals returns how many decimals the numbers of column j print with,
// the same for every row so that they line up: none if every value is a
// whole number, else 2, or 4 if a value is so small that 2 would hide it.
func decimals(rows [][]any, j int) int {
	dec := 0
	for _, row := range rows {
		if j >= len(row) {
			continue
		}
		var x float64
		switch t := row[j].(type) {
		case float64:
			x = t
		case float32:
			x = float64(t)
		case json.Number:
			x, _ = t.Float64()
		default:
			continue
		}
		if !finite(x) || x == math.Trunc(x) {
			continue
		}
		dec = max(dec, 2)
		if math.Abs(x) < 0.05 {
			dec = 4
		}
	}
	return dec
}

// fixed formats x with dec decimals, rounding halves away from zero (as a
// reader rounds: 30.25 h is 30.3 h), with grouped thousands, never "-0".
func fixed(x float64, dec int) string {
	if p := math.Pow(10, float64(dec)); math.Abs(x*p) < 1<<52 {
		x = math.Round(x*p) / p
	}
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.TrimLeft(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return group(s)
}

// group inserts thousands separators into the integer part of a decimal
// number ("-1234567.5" -> "-1,234,567.5").
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if len(intPart) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	lead := len(intPart) % 3
	if lead > 0 {
		b.WriteString(intPart[:lead])
	}
	for i := lead; i < len(intPart); i += 3 {
		if b.Len() > len(sign) {
			b.WriteByte(',')
		}
		b.WriteString(intPart[i : i+3])
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// short formats a chart value label compactly: integers grouped, other
// values with 0 to 2 decimals depending on their size.
func short(x float64) string {
	ax := math.Abs(x)
	switch {
	case x == math.Trunc(x) && ax < 1e15:
		return fixed(x, 0)
	case ax >= 100:
		return fixed(x, 0)
	case ax >= 10:
		return trimZeros(fixed(x, 1))
	default:
		return trimZeros(fixed(x, 2))
	}
}

// trimZeros drops trailing zeros after a decimal point ("2.50" -> "2.5").
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// clean makes s valid UTF-8, so that a broken ledger string cannot break
// the page's encoding.
func clean(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// esc escapes s for HTML text and double-quoted attribute values.
func esc(s string) string { return html.EscapeString(clean(s)) }

// textWidth estimates the rendered width of s in pixels at font size fs:
// wide (CJK) characters take a full em, others a little over half.
func textWidth(s string, fs float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case isWide(r):
			w += 1.0
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == 'i' || r == 'l' || r == 'j' || r == '|' || r == '\'':
			w += 0.3
		case r >= 'A' && r <= 'Z' || r == 'm' || r == 'w' || r == 'M' || r == 'W':
			w += 0.68
		default:
			w += 0.56
		}
	}
	return w * fs
}

// isWide reports whether r is an East Asian wide character.
func isWide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
		r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 ||
		r >= 0xffe0 && r <= 0xffe6 || r >= 0x20000 && r <= 0x3fffd)
}

// truncate shortens s with an ellipsis so that it fits in max pixels at
// font size fs.
func truncate(s string, max, fs float64) string {
	s = clean(s)
	if textWidth(s, fs) <= max {
		return s
	}
	budget := max - textWidth("…", fs)
	w := 0.0
	for i, r := range s {
		w += textWidth(string(r), fs)
		if w > budget {
			return s[:i] + "…"
		}
	}
	return s
}

// queryText describes a report's query for a reader ("by unit · per week ·
// reported 2026-11-01 to 2026-12-01").
func queryText(q projections.Query) string {
	var parts []string
	if q.By != "" {
		parts = append(parts, "by "+q.By)
	}
	if q.Period != "" {
		parts = append(parts, "per "+q.Period)
	}
	switch {
	case !q.From.IsZero() && !q.To.IsZero():
		parts = append(parts, "from "+timeText(q.From)+" to "+timeText(q.To))
	case !q.From.IsZero():
		parts = append(parts, "from "+timeText(q.From))
	case !q.To.IsZero():
		parts = append(parts, "before "+timeText(q.To))
	}
	return strings.Join(parts, " · ")
}

// timeText prints a date for a midnight and the full RFC 3339 time
// otherwise.
func timeText(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339)
}
