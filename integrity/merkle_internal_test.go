package integrity

import (
	"context"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/govledger/govledger/events"
)

// The RFC 6962 test vectors (as kept by certificate-transparency and
// transparency-dev/merkle): eight leaves of various lengths, the roots of
// the trees of their first 1..8 leaves, and some inclusion and
// consistency proofs.
var (
	vectorLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	vectorRoots  = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // empty tree
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	vectorInclusion = []struct {
		index, size uint64
		proof       []string
	}{
		{0, 1, nil},
		{0, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{5, 8, []string{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 3, []string{"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
		{1, 5, []string{"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	}
	vectorConsistency = []struct {
		size1, size2 uint64
		proof        []string
	}{
		{1, 1, nil},
		{1, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 5, []string{"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
		{6, 7, []string{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	}
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexes(hs []events.Hash) []string {
	out := make([]string, len(hs))
	for i := range hs {
		out[i] = hs[i].String()
	}
	return out
}

// vectorLog returns a log holding the eight RFC 6962 vector leaves.
func vectorLog(t *testing.T) *Log {
	t.Helper()
	ctx := context.Background()
	l, err := OpenLog(ctx, &MemNodeStore{})
	if err != nil {
		t.Fatal(err)
	}
	for _, leaf := range vectorLeaves {
		if err := l.appendLeaves(ctx, [][]byte{hasher.HashLeaf(unhex(t, leaf))}); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestRFC6962Vectors(t *testing.T) {
	ctx := context.Background()
	l := vectorLog(t)
	t.Run("roots", func(t *testing.T) {
		for size, want := range vectorRoots {
			got, err := l.Root(ctx, uint64(size))
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("root of size %d = %s, want %s", size, got, want)
			}
		}
	})
	t.Run("inclusion", func(t *testing.T) {
		for _, v := range vectorInclusion {
			got, err := l.InclusionProof(ctx, v.index, v.size)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(hexes(got)) != fmt.Sprint(v.proof) && !(len(got) == 0 && len(v.proof) == 0) {
				t.Errorf("inclusion proof (%d, %d) = %v, want %v", v.index, v.size, hexes(got), v.proof)
			}
		}
	})
	t.Run("consistency", func(t *testing.T) {
		for _, v := range vectorConsistency {
			got, err := l.ConsistencyProof(ctx, v.size1, v.size2)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(hexes(got)) != fmt.Sprint(v.proof) && !(len(got) == 0 && len(v.proof) == 0) {
				t.Errorf("consistency proof (%d, %d) = %v, want %v", v.size1, v.size2, hexes(got), v.proof)
			}
		}
	})
}
