package policy

import (
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	base := Default().Fingerprint()
	if Default().Fingerprint() != base {
		t.Fatal("the same rules gave two fingerprints")
	}
	cal, err := ParseCalendar(strings.NewReader("2026-10-01 holiday National Day\n"), "cal")
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"zone":     {Zone: "UTC"},
		"calendar": {Calendar: cal},
		"weights":  {Weights: Weights{Response: 0.2, Resolution: 0.4, Satisfaction: 0.4}},
		"policy":   {Policies: []Policy{{Name: "urgent-24h", Hours: 12}}},
	} {
		r, err := New(cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Fingerprint() == base {
			t.Errorf("changing the %s did not change the fingerprint", name)
		}
	}
}
