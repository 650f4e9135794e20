package policy

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// DayKind says what a calendar entry makes of its date.
type DayKind uint8

// Calendar entry kinds.
const (
	// Holiday is a Monday-Friday (or any) date that is not a working day.
	Holiday DayKind = 1
	// Workday is a Saturday or Sunday that is a working day (调休, a
	// make-up workday).
	Workday DayKind = 2
)

// String returns "holiday" or "workday".
func (k DayKind) String() string {
	switch k {
	case Holiday:
		return "holiday"
	case Workday:
		return "workday"
	}
	return fmt.Sprintf("DayKind(%d)", uint8(k))
}

// Entry is one line of a calendar file: a local date, what it is, and an
// optional note ("National Day", "make-up").
type Entry struct {
	Date time.Time // its civil date (in its own location) is the date; Entries gives midnight UTC
	Kind DayKind
	Note string
}

// Calendar is the working-day calendar: Monday to Friday are working
// days, except the holidays it lists, and Saturdays and Sundays are not,
// except the make-up workdays it lists. The zero Calendar (and a nil
// *Calendar) is plain Monday to Friday. A Calendar is read-only after it
// is built and safe for concurrent use.
type Calendar struct {
	entries []Entry
	days    map[int32]DayKind // civil day number -> exception
	lo, hi  int32             // range of the exceptions
}

// The calendar file format, one entry per line:
//
//	# comment lines and blank lines are ignored; '#' also ends a line
//	2026-10-01 holiday National Day
//	2026-10-02 holiday National Day
//	2026-09-28 workday make-up for National Day
//
// A line is a date (YYYY-MM-DD, the local civil date), the word "holiday"
// or "workday", and an optional note (the rest of the line). A holiday is
// a date that is not a working day; a workday is a Saturday or Sunday that
// is (a make-up workday, 调休). A workday on a Monday-Friday date and a
// date listed twice are refused, as are unknown words and bad dates; the
// error names the file, the line and the problem.

// ParseCalendar reads a calendar in the file format from r. name is used
// in error messages (usually the file name).
func ParseCalendar(r io.Reader, name string) (*Calendar, error) {
	var es []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	seen := map[int32]int{}
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s:%d: %s", ErrCalendar, name, ln, fmt.Sprintf(format, args...))
		}
		if len(fields) < 2 {
			return nil, bad("want \"YYYY-MM-DD holiday|workday [note]\", got %q", strings.TrimSpace(line))
		}
		d, err := time.Parse("2006-01-02", fields[0])
		if err != nil {
			return nil, bad("date %q is not YYYY-MM-DD", fields[0])
		}
		var k DayKind
		switch strings.ToLower(fields[1]) {
		case "holiday":
			k = Holiday
		case "workday":
			k = Workday
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return nil, bad("%s is a %s, already a working day: a make-up workday is a Saturday or Sunday", fields[0], wd)
			}
		default:
			return nil, bad("kind %q is not holiday or workday", fields[1])
		}
		day := dayNumber(d.Year(), d.Month(), d.Day())
		if prev, dup := seen[day]; dup {
			return nil, bad("%s is already listed on line %d", fields[0], prev)
		}
		seen[day] = ln
		es = append(es, Entry{Date: d, Kind: k, Note: strings.Join(fields[2:], " ")})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCalendar, name, err)
	}
	return NewCalendar(es...)
}

// LoadCalendar reads a calendar file (see ParseCalendar for the format).
func LoadCalendar(path string) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCalendar, err)
	}
	defer f.Close()
	return ParseCalendar(f, path)
}

// NewCalendar builds a calendar from entries. It refuses a date listed
// twice and a make-up workday that is not a Saturday or Sunday.
func NewCalendar(entries ...Entry) (*Calendar, error) {
	c := &Calendar{days: make(map[int32]DayKind, len(entries))}
	for _, e := range entries {
		y, m, d := e.Date.Date()
		day := dayNumber(y, m, d)
		if _, dup := c.days[day]; dup {
			return nil, fmt.Errorf("%w: %s listed twice", ErrCalendar, e.Date.Format("2006-01-02"))
		}
		switch e.Kind {
		case Holiday:
		case Workday:
			if weekday(day) != time.Saturday && weekday(day) != time.Sunday {
				return nil, fmt.Errorf("%w: make-up workday %s is not a Saturday or Sunday", ErrCalendar, e.Date.Format("2006-01-02"))
			}
		default:
			return nil, fmt.Errorf("%w: %s: bad kind %d", ErrCalendar, e.Date.Format("2006-01-02"), e.Kind)
		}
		if len(c.days) == 0 || day < c.lo {
			c.lo = day
		}
		if len(c.days) == 0 || day > c.hi {
			c.hi = day
		}
		c.days[day] = e.Kind
		c.entries = append(c.entries, Entry{Date: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Kind: e.Kind, Note: e.Note})
	}
	slices.SortFunc(c.entries, func(a, b Entry) int { return a.Date.Compare(b.Date) })
	return c, nil
}

// Entries returns the calendar's entries in date order.
func (c *Calendar) Entries() []Entry {
	if c == nil {
		return nil
	}
	return slices.Clone(c.entries)
}

// dayNumber is the civil date's day number: days since 1970-01-01.
func dayNumber(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// weekday of a day number (1970-01-01 was a Thursday).
func weekday(day int32) time.Weekday {
	w := (int(day) + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

func (c *Calendar) working(day int32) bool {
	if c != nil && len(c.days) > 0 && day >= c.lo && day <= c.hi {
		switch c.days[day] {
		case Holiday:
			return false
		case Workday:
			return true
		}
	}
	wd := weekday(day)
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkday reports whether the local civil date of t in loc is a working
// day.
func (c *Calendar) IsWorkday(t time.Time, loc *time.Location) bool {
	y, m, d := t.In(loc).Date()
	return c.working(dayNumber(y, m, d))
}

// AddWorkdays returns the same local clock time (in loc) n working days
// after t: it steps one calendar day at a time and counts the days that
// are working days (weekends and holidays skipped, make-up workdays
// counted). Without holidays it equals the simulator's rule. n <= 0
// returns t.
func (c *Calendar) AddWorkdays(t time.Time, n int, loc *time.Location) time.Time {
	if n <= 0 {
		return t
	}
	lt := t.In(loc)
	y, m, d := lt.Date()
	day := dayNumber(y, m, d)
	k := 0
	for n > 0 {
		day++
		k++
		if c.working(day) {
			n--
		}
	}
	return time.Date(y, m, d+k, lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), loc)
}
