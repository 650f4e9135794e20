package privacy

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/govledger/govledger/store/pebblestore"
)

// PebbleKeys keeps subject keys in the pebblestore side keyspace
// pebblestore.SideKeys,
// next to the events but outside the hashed event log. Every write is
// synced, so a key exists durably before any event sealed under it is
// appended. It is safe for concurrent use within one process.
type PebbleKeys struct {
	mu   sync.Mutex // makes Create a get-or-create
	side *pebblestore.Side
	rand io.Reader
}

// NewPebbleKeys returns the key store of s, drawing new keys from r
// (crypto/rand.Reader when nil; the simulator passes a seeded source).
func NewPebbleKeys(s *pebblestore.Store, r io.Reader) (*PebbleKeys, error) {
	side, err := s.Side(pebblestore.SideKeys)
	if err != nil {
		return nil, fmt.Errorf("privacy: %w", err)
	}
	return &PebbleKeys{side: side, rand: r}, nil
}

// Get returns the subject's key; ok is false when there is none.
func (p *PebbleKeys) Get(ctx context.Context, subject string) ([]byte, bool, error) {
	k, ok, err := p.side.Get(ctx, []byte(subject))
	if err != nil {
		return nil, false, fmt.Errorf("privacy: get key: %w", err)
	}
	if ok && len(k) != KeySize {
		return nil, false, fmt.Errorf("%w: stored key of %s is %d bytes", ErrKey, subject, len(k))
	}
	return k, ok, nil
}

// Create returns the subject's key, creating and durably storing it when
// there is none.
func (p *PebbleKeys) Create(ctx context.Context, subject string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k, ok, err := p.Get(ctx, subject); err != nil || ok {
		return k, err
	}
	k, err := newKey(p.rand)
	if err != nil {
		return nil, err
	}
	if err := p.side.Put(ctx, []byte(subject), k); err != nil {
		return nil, fmt.Errorf("privacy: store key: %w", err)
	}
	return k, nil
}

// Delete removes the subject's key durably; a missing key is no error.
func (p *PebbleKeys) Delete(ctx context.Context, subject string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.side.Delete(ctx, []byte(subject)); err != nil {
		return fmt.Errorf("privacy: delete key: %w", err)
	}
	return nil
}
