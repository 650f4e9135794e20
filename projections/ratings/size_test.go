package ratings

import (
	"testing"
	"unsafe"
)

// TestRecordSizes guards the per-case footprint the scale targets rely on.
func TestRecordSizes(t *testing.T) {
	if n := unsafe.Sizeof(caseRec{}); n != 40 {
		t.Errorf("caseRec is %d bytes, want 40", n)
	}
}
