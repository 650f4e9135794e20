package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

func holidayRules(t *testing.T) *Rules {
	t.Helper()
	r, err := New(Config{CalendarFile: "testdata/national-day-2026.txt"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDeadline(t *testing.T) {
	plain := Default()
	hol := holidayRules(t)
	tests := []struct {
		name     string
		r        *Rules
		reported string
		policy   string
		want     string
		known    bool
	}{
		// 24 calendar hours, holidays do not matter.
		{"urgent over a holiday", hol, "2026-09-30 10:00", Urgent24h, "2026-10-01 10:00", true},
		// Wed 09-30 + 5 wd, no holidays: Thu 1, Fri 2, (Sat, Sun), Mon 3, Tue 4, Wed 5.
		{"5wd no calendar", plain, "2026-09-30 10:00", Standard5wd, "2026-10-07 10:00", true},
		// Wed 09-30 + 5 wd with the calendar: 10-01/02 holidays, 03/04 weekend,
		// 05/06/07 holidays, Thu 10-08 1, Fri 10-09 2, Sat 10-10 make-up 3,
		// (Sun 10-11), Mon 10-12 4, Tue 10-13 5.
		{"5wd over a holiday and a make-up Saturday", hol, "2026-09-30 10:00", Standard5wd, "2026-10-13 10:00", true},
		// Fri 09-25 15:00 + 1 wd: Sat 09-26 is not, Sun 09-27 is a make-up workday.
		{"1 wd onto a make-up Sunday", hol, "2026-09-25 15:00", "one-wd", "2026-09-27 15:00", true},
		{"1 wd no calendar", plain, "2026-09-25 15:00", "one-wd", "2026-09-28 15:00", false},
		// Reported on a holiday (Thu 10-01 09:00): the same count as above from 10-02.
		{"5wd reported on a holiday", hol, "2026-10-01 09:00", Standard5wd, "2026-10-13 09:00", true},
		// Unknown name: the default standard-5wd. Mon 11-02 + 5 wd = Mon 11-09.
		{"unknown policy falls back", plain, "2026-11-02 09:00", "no-such-policy", "2026-11-09 09:00", false},
		// Sat 10-31 + 10 wd: Mon 11-02 .. Fri 11-06 (5), Mon 11-09 .. Fri 11-13 (10).
		{"10wd from a Saturday", plain, "2026-10-31 23:30", Long10wd, "2026-11-13 23:30", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			if tc.policy == "one-wd" && tc.known {
				var err error
				r, err = New(Config{CalendarFile: "testdata/national-day-2026.txt", Policies: []Policy{{Name: "one-wd", WorkingDays: 1}}})
				if err != nil {
					t.Fatal(err)
				}
			} else if tc.policy == "one-wd" {
				// Unknown in the default table: use DeadlineOf directly.
				got := r.DeadlineOf(at(tc.reported), Policy{Name: "one-wd", WorkingDays: 1})
				if !got.Equal(at(tc.want)) {
					t.Fatalf("got %s, want %s", got.In(cst), tc.want)
				}
				return
			}
			got, known := r.Deadline(at(tc.reported), tc.policy)
			if !got.Equal(at(tc.want)) || known != tc.known {
				t.Fatalf("Deadline(%s, %s) = %s, %v; want %s, %v", tc.reported, tc.policy, got.In(cst), known, tc.want, tc.known)
			}
		})
	}
}

// simAddWorkdays is the simulator's rule (sim/calendar.go addWorkdays).
func simAddWorkdays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

func TestMatchesSimulatorWithoutHolidays(t *testing.T) {
	r := Default()
	start := at("2026-01-01 00:00")
	for h := 0; h < 24*400; h += 7 {
		rep := start.Add(time.Duration(h)*time.Hour + 13*time.Minute).In(r.Location())
		for _, p := range Defaults() {
			got, _ := r.Deadline(rep, p.Name)
			want := rep.Add(time.Duration(p.Hours) * time.Hour)
			if p.WorkingDays > 0 {
				want = simAddWorkdays(rep.In(cst), p.WorkingDays)
			}
			if !got.Equal(want) {
				t.Fatalf("%s from %s: got %s, sim %s", p.Name, rep, got, want)
			}
		}
	}
}

func TestDefaultsMatchSimulatorTable(t *testing.T) {
	want := map[string][2]int{Urgent24h: {24, 0}, Standard5wd: {0, 5}, Long10wd: {0, 10}, Complex15wd: {0, 15}}
	got := Default().Policies()
	if len(got) != len(want) {
		t.Fatalf("got %d policies, want %d", len(got), len(want))
	}
	for _, p := range got {
		if w, ok := want[p.Name]; !ok || w != [2]int{p.Hours, p.WorkingDays} {
			t.Errorf("policy %v, want %v", p, w)
		}
	}
	if Default().Default().Name != Standard5wd {
		t.Errorf("default policy %s", Default().Default().Name)
	}
	if Default().Location().String() != DefaultZone {
		t.Errorf("zone %s", Default().Location())
	}
}

func TestCalendarRefusesMalformedLines(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"bad date", "# ok\n2026-13-01 holiday x\n", "cal.txt:2: date \"2026-13-01\""},
		{"no kind", "2026-10-01\n", "cal.txt:1: want"},
		{"unknown kind", "\n\n2026-10-01 vacation\n", "cal.txt:3: kind \"vacation\""},
		{"weekday make-up", "2026-10-01 workday\n", "cal.txt:1: 2026-10-01 is a Thursday, already a working day"},
		{"duplicate", "2026-10-01 holiday\n2026-10-01 holiday again\n", "cal.txt:2: 2026-10-01 is already listed on line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCalendar(strings.NewReader(tc.text), "cal.txt")
			if !errors.Is(err, ErrCalendar) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCalendarFile(t *testing.T) {
	c, err := LoadCalendar("testdata/national-day-2026.txt")
	if err != nil {
		t.Fatal(err)
	}
	es := c.Entries()
	if len(es) != 7 || es[0].Kind != Workday || es[0].Note != "make-up (Sunday)" || es[3].Note != "National Day" {
		t.Fatalf("entries %+v", es)
	}
	for _, tc := range []struct {
		day  string
		want bool
	}{{"2026-09-26 12:00", false}, {"2026-09-27 12:00", true}, {"2026-10-01 12:00", false}, {"2026-10-08 12:00", true}, {"2026-10-10 12:00", true}, {"2026-10-11 12:00", false}} {
		if got := c.IsWorkday(at(tc.day), cst); got != tc.want {
			t.Errorf("IsWorkday(%s) = %v", tc.day, got)
		}
	}
	if _, err := LoadCalendar("testdata/missing.txt"); !errors.Is(err, ErrCalendar) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	r, err := Load("testdata/policy.json")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := r.Lookup("urgent-4h"); !ok || p.Hours != 4 {
		t.Errorf("urgent-4h: %v %v", p, ok)
	}
	if p, ok := r.Lookup("nope"); ok || p.Name != Long10wd {
		t.Errorf("fallback: %v %v", p, ok)
	}
	if w := r.Weights(); w != (Weights{0.2, 0.4, 0.4}) || r.BasicallyFactor() != 0.8 {
		t.Errorf("weights %+v %g", w, r.BasicallyFactor())
	}
	// The calendar file was found relative to the config file.
	if got, _ := r.Deadline(at("2026-09-30 10:00"), Standard5wd); !got.Equal(at("2026-10-13 10:00")) {
		t.Errorf("deadline %s", got)
	}
	if got := r.Satisfaction(3, 5); got != 7 { // 3 + 0.8 x 5
		t.Errorf("satisfaction %g", got)
	}
	if got := r.Composite(1, 0.5, 0.25); got != 0.5 { // 0.2 + 0.2 + 0.1
		t.Errorf("composite %g", got)
	}
	d := Default()
	if d.Weights() != (Weights{0.1, 0.5, 0.4}) || d.BasicallyFactor() != 0.9 {
		t.Errorf("default weights %+v %g", d.Weights(), d.BasicallyFactor())
	}
}

func TestConfigRefused(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"bad zone", Config{Zone: "Mars/Olympus"}},
		{"both units", Config{Policies: []Policy{{Name: "x", Hours: 1, WorkingDays: 1}}}},
		{"neither unit", Config{Policies: []Policy{{Name: "x"}}}},
		{"no name", Config{Policies: []Policy{{Hours: 3}}}},
		{"unknown default", Config{DefaultPolicy: "x"}},
		{"weights sum", Config{Weights: Weights{0.5, 0.5, 0.5}}},
		{"negative weight", Config{Weights: Weights{-0.5, 1, 0.5}}},
		{"basically", Config{BasicallyFactor: 1.5}},
		{"calendar file", Config{CalendarFile: "testdata/missing.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := ParseConfig(strings.NewReader(`{"zone":"UTC","holidays":[]}`)); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown key: %v", err)
	}
}
