package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Digest returns the hex SHA-256 of p's serialized state, the projection's
// fingerprint at its position, or "" if p is not Stateful.
func Digest(p Projection) (string, error) {
	s, ok := p.(Stateful)
	if !ok {
		return "", nil
	}
	b, err := s.MarshalState()
	if err != nil {
		return "", fmt.Errorf("projections: %s: marshal state: %w", p.Name(), err)
	}
	return DigestBytes(b), nil
}

// DigestBytes returns the hex SHA-256 of a serialized state.
func DigestBytes(state []byte) string {
	sum := sha256.Sum256(state)
	return hex.EncodeToString(sum[:])
}
