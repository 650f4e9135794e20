package privacy

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"

	"github.com/govledger/govledger/events"
	"github.com/oklog/ulid/v2"
)

// KeyGetter reads subject keys; it is all Unseal needs.
type KeyGetter interface {
	// Get returns the subject's key; ok is false when there is none.
	Get(ctx context.Context, subject string) (key []byte, ok bool, err error)
}

// newKey reads a fresh key from r (crypto/rand.Reader when nil).
func newKey(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(r, k); err != nil {
		return nil, fmt.Errorf("privacy: new key: %w", err)
	}
	return k, nil
}

// Unseal returns the plain text of a personal field of event id: the text
// itself when it is plain, the opened text when it is sealed and the key
// exists, ErrErased when the key is gone, ErrOpen when it does not
// authenticate.
func Unseal(ctx context.Context, keys KeyGetter, id ulid.ULID, f events.PersonalField) (string, error) {
	if !f.Value.IsSealed() {
		return f.Value.Text, nil
	}
	key, ok, err := keys.Get(ctx, f.Value.Sealed.Subject)
	if err != nil {
		return "", fmt.Errorf("privacy: key of %s: %w", f.Value.Sealed.Subject, err)
	}
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrErased, f.Value.Sealed.Subject)
	}
	return Open(key, id, f.Name, f.Value.Sealed.Box)
}

// MemKeys is an in-memory key store for tests. The zero value is not
// usable; create one with NewMemKeys. It is safe for concurrent use.
type MemKeys struct {
	mu   sync.Mutex
	rand io.Reader
	keys map[string][]byte
}

// NewMemKeys returns an empty in-memory key store drawing keys from r
// (crypto/rand.Reader when nil).
func NewMemKeys(r io.Reader) *MemKeys { return &MemKeys{rand: r, keys: map[string][]byte{}} }

// Get implements the key store.
func (m *MemKeys) Get(_ context.Context, subject string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[subject]
	return k, ok, nil
}

// Create returns the subject's key, creating it when there is none.
func (m *MemKeys) Create(_ context.Context, subject string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[subject]; ok {
		return k, nil
	}
	k, err := newKey(m.rand)
	if err != nil {
		return nil, err
	}
	m.keys[subject] = k
	return k, nil
}

// Delete removes the subject's key; deleting a missing key is no error.
func (m *MemKeys) Delete(_ context.Context, subject string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, subject)
	return nil
}
