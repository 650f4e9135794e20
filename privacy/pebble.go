package privacy

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/govledger/govledger/store/pebblestore"
)

// maxCached bounds the keys PebbleKeys keeps in memory.
const maxCached = 1 << 16

// PebbleKeys keeps subject keys in the pebblestore side keyspace
// pebblestore.SideKeys, next to the events but outside the hashed event
// log. Every write is synced, so a key exists durably before any event
// sealed under it is appended. It caches keys in memory and is safe for
// concurrent use within one process; Delete also drops the cached key. A
// key deleted by another process may stay cached here until this process
// opens the store again (the ledger's registry of erased subjects is
// likewise loaded by ledger.New), so erase through the process that writes.
type PebbleKeys struct {
	mu    sync.Mutex // makes Create a get-or-create; guards cache
	side  *pebblestore.Side
	rand  io.Reader
	cache map[string][]byte
}

// NewPebbleKeys returns the key store of s, drawing new keys from r
// (crypto/rand.Reader when nil; the simulator passes a seeded source). It
// is for a ledger over the same store s: new keys become durable with that
// store's next append (see CreateMany).
func NewPebbleKeys(s *pebblestore.Store, r io.Reader) (*PebbleKeys, error) {
	side, err := s.Side(pebblestore.SideKeys)
	if err != nil {
		return nil, fmt.Errorf("privacy: %w", err)
	}
	return &PebbleKeys{side: side, rand: r, cache: map[string][]byte{}}, nil
}

// Get returns the subject's key; ok is false when there is none.
func (p *PebbleKeys) Get(ctx context.Context, subject string) ([]byte, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.getLocked(ctx, subject)
}

func (p *PebbleKeys) getLocked(ctx context.Context, subject string) ([]byte, bool, error) {
	if k, ok := p.cache[subject]; ok {
		return k, true, nil
	}
	k, ok, err := p.side.Get(ctx, []byte(subject))
	if err != nil {
		return nil, false, fmt.Errorf("privacy: get key: %w", err)
	}
	if ok && len(k) != KeySize {
		return nil, false, fmt.Errorf("%w: stored key of %s is %d bytes", ErrKey, subject, len(k))
	}
	if ok {
		p.remember(subject, k)
	}
	return k, ok, nil
}

func (p *PebbleKeys) remember(subject string, k []byte) {
	if len(p.cache) >= maxCached {
		clear(p.cache)
	}
	p.cache[subject] = k
}

// Create returns the subject's key, creating and durably storing it when
// there is none.
func (p *PebbleKeys) Create(ctx context.Context, subject string) ([]byte, error) {
	keys, err := p.CreateMany(ctx, []string{subject})
	if err != nil {
		return nil, err
	}
	return keys[subject], nil
}

// CreateMany returns the keys of subjects, creating the missing ones in
// the order given and storing them in one write that is durable no later
// than the next append to the store returns (the store's write-ahead log
// is ordered): an event sealed under a new key is never acknowledged
// without its key, and a crash before that append loses only keys nothing
// uses yet.
func (p *PebbleKeys) CreateMany(ctx context.Context, subjects []string) (map[string][]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string][]byte, len(subjects))
	var names, values [][]byte
	for _, s := range subjects {
		if _, ok := out[s]; ok {
			continue
		}
		k, ok, err := p.getLocked(ctx, s)
		if err != nil {
			return nil, err
		}
		if !ok {
			if k, err = newKey(p.rand); err != nil {
				return nil, err
			}
			names, values = append(names, []byte(s)), append(values, k)
		}
		out[s] = k
	}
	if len(names) == 0 {
		return out, nil
	}
	if err := p.side.PutManyWithNextAppend(ctx, names, values); err != nil {
		return nil, fmt.Errorf("privacy: store keys: %w", err)
	}
	for i := range names {
		p.remember(string(names[i]), values[i])
	}
	return out, nil
}

// Delete removes the subject's key durably; a missing key is no error.
func (p *PebbleKeys) Delete(ctx context.Context, subject string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.cache, subject)
	if err := p.side.Delete(ctx, []byte(subject)); err != nil {
		return fmt.Errorf("privacy: delete key: %w", err)
	}
	return nil
}
