package xes

import (
	"time"

	"testing"

	"github.com/govledger/govledger/events"
)

// checkFastTime checks that the fast timestamp parser agrees with
// events.ParseXSDateTime wherever it accepts a value.
func checkFastTime(t *testing.T, v string) {
	t.Helper()
	r := &Reader{zones: map[int]*time.Location{}}
	got, ok := r.fastTime([]byte(v))
	if !ok {
		return
	}
	want, err := events.ParseXSDateTime(v)
	if err != nil {
		t.Fatalf("fastTime accepts %q, ParseXSDateTime does not: %v", v, err)
	}
	_, og := got.Zone()
	_, ow := want.Zone()
	if !got.Equal(want) || og != ow {
		t.Fatalf("%q: fastTime %v, ParseXSDateTime %v", v, got, want)
	}
}

func TestFastTime(t *testing.T) {
	accepted := []string{
		"2024-06-03T09:15:00.000+08:00", "2024-06-03T09:15:00Z", "2024-02-29T23:59:59.123456789-05:30",
		"2000-01-01T00:00:00.1+00:00", "2024-12-31T23:59:59-00:00",
	}
	for _, v := range accepted {
		t.Run(v, func(t *testing.T) {
			r := &Reader{zones: map[int]*time.Location{}}
			if _, ok := r.fastTime([]byte(v)); !ok {
				t.Fatalf("fastTime refuses %q", v)
			}
			checkFastTime(t, v)
		})
	}
	left := []string{
		"2023-02-29T00:00:00Z", "2024-06-03T24:00:00Z", "2024-06-03T09:15:00", "2024-06-03 09:15:00Z",
		"2024-06-03T09:15:00.Z", "2024-06-03T09:15:00.0000000001Z", "2024-06-03T09:15:00+0800", "+2024-06-03T09:15:00Z",
	}
	for _, v := range left {
		t.Run(v, func(t *testing.T) {
			r := &Reader{zones: map[int]*time.Location{}}
			if _, ok := r.fastTime([]byte(v)); ok {
				t.Fatalf("fastTime accepts %q, which it leaves to ParseXSDateTime", v)
			}
		})
	}
}

func FuzzFastTime(f *testing.F) {
	f.Add("2024-06-03T09:15:00.000+08:00")
	f.Add("2024-02-29T23:59:59.123456789-05:30")
	f.Fuzz(checkFastTime)
}
