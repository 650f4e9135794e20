package sim

import (
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Start: DefaultStart, Days: 30, Cases: 60000, Streets: 18, CommunitiesPerStreet: 12,
		GridsPerCommunity: 9, Departments: 45, Topics: 40, BatchEvents: 1000}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
	if got := DefaultStart.Format(time.RFC3339); got != "2026-10-01T00:00:00+08:00" {
		t.Errorf("DefaultStart = %s", got)
	}
}

func TestCalendar(t *testing.T) {
	cal := calendar{Zone}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.In(Zone)
	}
	tests := []struct {
		name string
		from string
		d    time.Duration
		want string
	}{
		{"inside the morning", "2026-10-05T09:00:00+08:00", time.Hour, "2026-10-05T10:00:00+08:00"},
		{"over lunch", "2026-10-05T11:30:00+08:00", time.Hour, "2026-10-05T14:00:00+08:00"},
		{"from the night", "2026-10-05T02:00:00+08:00", 30 * time.Minute, "2026-10-05T09:00:00+08:00"},
		{"over the weekend", "2026-10-09T17:00:00+08:00", time.Hour, "2026-10-12T09:00:00+08:00"},
		{"a full working day", "2026-10-05T08:30:00+08:00", workingDay, "2026-10-05T17:30:00+08:00"},
		{"zero snaps to opening", "2026-10-10T12:00:00+08:00", 0, "2026-10-12T08:30:00+08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.addWorking(at(tt.from), tt.d); !got.Equal(at(tt.want)) {
				t.Errorf("addWorking(%s, %s) = %s, want %s", tt.from, tt.d, got.Format(time.RFC3339), tt.want)
			}
		})
	}
	if got := cal.addWorkdays(at("2026-10-09T10:00:00+08:00"), 5); !got.Equal(at("2026-10-16T10:00:00+08:00")) {
		t.Errorf("5 working days after Friday = %s", got.Format(time.RFC3339))
	}
}

func TestQueueOrder(t *testing.T) {
	var q queue
	for i, at := range []int64{5, 3, 5, 1, 3, 5} {
		q.push(action{at: at, kind: uint8(i)})
	}
	var got []uint8
	for q.len() > 0 {
		got = append(got, q.pop().kind)
	}
	want := []uint8{3, 1, 4, 0, 2, 5} // by time, then first pushed first
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pop order %v, want %v", got, want)
		}
	}
}

func TestSubjectIDsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for c := int32(0); c < 50; c++ {
		for n := 0; n < residents; n += 7 {
			s := subject(c, n)
			if seen[s] {
				t.Fatalf("subject(%d, %d) = %s repeats", c, n, s)
			}
			seen[s] = true
		}
	}
}
