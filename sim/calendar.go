package sim

import "time"

// calendar does office-hours arithmetic in the simulation's zone. Units
// work Monday to Friday, 08:30-12:00 and 13:30-17:30 (7.5 hours a day).
// Public holidays are not modelled.
type calendar struct{ loc *time.Location }

// Office hours as offsets from local midnight.
var windows = [...][2]time.Duration{
	{8*time.Hour + 30*time.Minute, 12 * time.Hour},
	{13*time.Hour + 30*time.Minute, 17*time.Hour + 30*time.Minute},
}

// workingDay is the length of one working day.
const workingDay = 7*time.Hour + 30*time.Minute

func (c calendar) midnight(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

func (c calendar) nextMidnight(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
}

func isWeekend(t time.Time) bool {
	wd := t.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// addWorking returns the time d of office hours after t. A t outside
// office hours starts counting at the next opening.
func (c calendar) addWorking(t time.Time, d time.Duration) time.Time {
	t = t.In(c.loc)
	for {
		day := c.midnight(t)
		if !isWeekend(day) {
			for _, w := range windows {
				y, m, dd := day.Date()
				start := time.Date(y, m, dd, 0, 0, 0, 0, c.loc).Add(w[0])
				end := time.Date(y, m, dd, 0, 0, 0, 0, c.loc).Add(w[1])
				if !t.Before(end) {
					continue
				}
				if t.Before(start) {
					t = start
				}
				rem := end.Sub(t)
				if d <= rem {
					return t.Add(d)
				}
				d -= rem
				t = end
			}
		}
		t = c.nextMidnight(t)
	}
}

// addWorkdays returns the time n working days after t, at the same clock
// time (end of office hours if t is outside them on its day).
func (c calendar) addWorkdays(t time.Time, n int) time.Time {
	t = t.In(c.loc)
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if !isWeekend(t) {
			n--
		}
	}
	return t
}

// inOfficeHours reports whether t falls inside office hours.
func (c calendar) inOfficeHours(t time.Time) bool {
	t = t.In(c.loc)
	if isWeekend(t) {
		return false
	}
	off := t.Sub(c.midnight(t))
	for _, w := range windows {
		if off >= w[0] && off < w[1] {
			return true
		}
	}
	return false
}
