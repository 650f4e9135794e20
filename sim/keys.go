package sim

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// KeySource returns a deterministic stream of key bytes for the ledger's
// key store (privacy.NewPebbleKeys(st, sim.KeySource(seed))), so that a
// simulated ledger sealed under subject keys is byte-identical for a seed.
// The ledger creates keys in call order, so the same run draws the same
// keys. It is for simulations only: the keys are predictable.
func KeySource(seed uint64) io.Reader {
	var s [32]byte
	binary.BigEndian.PutUint64(s[:], seed)
	copy(s[8:], "govledger sim subject keys")
	return rand.NewChaCha8(s)
}
