package bundle

import (
	"math/rand/v2"
	"testing"
)

// TestPlainRun: the word-at-a-time scan stops where the byte loop does,
// on strings mostly plain with any byte now and then.
func TestPlainRun(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300000; i++ {
		n := r.IntN(40)
		b := make([]byte, n)
		for j := range b {
			if r.IntN(10) == 0 {
				b[j] = byte(r.IntN(256))
			} else {
				b[j] = byte(0x20 + r.IntN(0x60))
			}
		}
		p := r.IntN(n + 1)
		want := p
		for want < len(b) && plain[b[want]] {
			want++
		}
		if got := plainRun(b, p); got != want {
			t.Fatalf("%q from %d: %d, want %d", b, p, got, want)
		}
	}
}
