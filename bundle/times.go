package bundle

import (
	"errors"
	"fmt"
	"time"
)

// Times are written in RFC 3339 with as many fraction digits as the
// nanoseconds need (none for a whole second) and the zone as an offset:
// "Z" for UTC, "+08:00", "-03:30". An offset with seconds, which RFC 3339
// cannot express, is written "+hh:mm:ss" so that it survives the round
// trip. Years run 0000..9999.

// appendTime appends t in the bundle's time format.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	_, off := t.Zone()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return dst, fmt.Errorf("year %d is outside 0000..9999", year)
	}
	if off <= -100*3600 || off >= 100*3600 {
		return dst, fmt.Errorf("zone offset of %d seconds is too large", off)
	}
	hour, min, sec := t.Clock()
	dst = append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	dst = append2(dst, int(month), '-')
	dst = append2(dst, day, 'T')
	dst = append2(dst, hour, ':')
	dst = append2(dst, min, ':')
	dst = append2(dst, sec, 0)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	if off == 0 {
		return append(dst, 'Z'), nil
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign)
	dst = append2(dst, off/3600, ':')
	if off%60 == 0 {
		return append2(dst, off/60%60, 0), nil
	}
	dst = append2(dst, off/60%60, ':')
	return append2(dst, off%60, 0), nil
}

// append2 appends v as two digits, then sep unless it is 0.
func append2(dst []byte, v int, sep byte) []byte {
	dst = append(dst, byte('0'+v/10), byte('0'+v%10))
	if sep != 0 {
		dst = append(dst, sep)
	}
	return dst
}

var errTime = errors.New(`want RFC 3339 with the zone, like "2026-06-01T09:00:00.5+08:00"`)

// parseTime parses the bundle's time format. utc converts the result to
// UTC (recorded_at); otherwise the time keeps its offset (occurred_at).
func parseTime(b []byte, utc bool) (time.Time, error) {
	// YYYY-MM-DDTHH:MM:SS, then a fraction, then Z or an offset.
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, errTime
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	min, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, errTime
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("%s is not a calendar date and time", b[:19])
	}
	p, ns := 19, 0
	if b[p] == '.' {
		p++
		q := p
		for p < len(b) && p-q < 9 && b[p] >= '0' && b[p] <= '9' {
			ns = ns*10 + int(b[p]-'0')
			p++
		}
		if p == q || p < len(b) && b[p] >= '0' && b[p] <= '9' {
			return time.Time{}, errors.New("the fraction of a second must have 1 to 9 digits")
		}
		for i := p - q; i < 9; i++ {
			ns *= 10
		}
	}
	off := 0
	switch rest := b[p:]; {
	case len(rest) == 1 && rest[0] == 'Z':
	case (len(rest) == 6 || len(rest) == 9) && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, okh := digits(rest[1:3])
		m, okm := digits(rest[4:6])
		s, oks := 0, true
		if len(rest) == 9 {
			if rest[6] != ':' {
				return time.Time{}, errTime
			}
			s, oks = digits(rest[7:9])
		}
		if !okh || !okm || !oks || m > 59 || s > 59 {
			return time.Time{}, errTime
		}
		off = h*3600 + m*60 + s
		if rest[0] == '-' {
			off = -off
		}
	default:
		return time.Time{}, errTime
	}
	if utc {
		return time.Date(year, time.Month(month), day, hour, min, sec, ns, time.UTC).Add(-time.Duration(off) * time.Second), nil
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, ns, zoneFor(off)), nil
}

// digits parses a run of decimal digits.
func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// zoneFor returns a fixed zone for an offset, shared for the offsets in
// use (quarter hours within ±18:00), so that reading allocates no zone.
func zoneFor(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if off%900 == 0 && off >= -maxOffset && off <= maxOffset {
		return zones[(off+maxOffset)/900]
	}
	return time.FixedZone("", off)
}

const maxOffset = 18 * 3600

var zones = func() []*time.Location {
	z := make([]*time.Location, 2*maxOffset/900+1)
	for i := range z {
		z[i] = time.FixedZone("", i*900-maxOffset)
	}
	return z
}()
