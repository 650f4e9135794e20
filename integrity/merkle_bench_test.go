package integrity_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
)

// BenchmarkMerkleAppend appends 1M leaves to a log over an in-memory
// store, one call per leaf and in batches, and reports leaves/s. The
// "hash-only" case is the limit: the SHA-256 work of the same tree (one
// leaf hash and about one interior hash per leaf) with no store at all.
func BenchmarkMerkleAppend(b *testing.B) {
	const leaves = 1 << 20
	hs := make([]events.Hash, leaves)
	for i := range hs {
		hs[i] = eventHash(i)
	}
	b.Run("hash-only", func(b *testing.B) {
		for b.Loop() {
			var buf [65]byte
			for i := range hs {
				buf[0] = 0
				copy(buf[1:], hs[i][:])
				leaf := sha256.Sum256(buf[:33])
				buf[0] = 1
				copy(buf[33:], leaf[:])
				_ = sha256.Sum256(buf[:])
			}
		}
		b.ReportMetric(float64(leaves)*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
	})
	for _, batch := range []int{1, 1000} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				l, err := integrity.OpenLog(ctx, &integrity.MemNodeStore{})
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < leaves; i += batch {
					if err := l.Append(ctx, hs[i:min(i+batch, leaves)]...); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(leaves)*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
		})
	}
}
