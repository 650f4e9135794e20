package csvlog_test

import (
	"testing"

	"github.com/govledger/govledger/interop/csvlog"
)

func TestCleanID(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"clean", "03 BROOKLYN", "03 BROOKLYN"},
		{"surrounding spaces", "  QUEENS ", "QUEENS"},
		{"inner runs", "STATEN   ISLAND", "STATEN ISLAND"},
		{"tabs and line breaks", "a\t\r\nb", "a b"},
		{"only spaces", " \t ", ""},
		{"non-ASCII space", "a\u00a0\u00a0b", "a b"},
		{"non-ASCII clean", "城南街道", "城南街道"},
		{"control kept", "a\x01b", "a\x01b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := csvlog.CleanID(tc.in); got != tc.want {
				t.Errorf("cleanID(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
