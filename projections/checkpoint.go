package projections

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"
)

// A checkpoint is kept under "projection/<base>" as
//
//	"GLCP" 0x01 | uvarint len(name) | name | uvarint len(config) | config |
//	uvarint position | sha256(state) | state
//
// name carries the version and config the configuration fingerprint: a
// checkpoint of another version or configuration is not resumed, the
// projection is rebuilt from position 0.
var checkpointMagic = []byte("GLCP\x01")

func checkpointKey(base string) []byte { return []byte("projection/" + base) }

// Checkpoint is a decoded checkpoint record.
type Checkpoint struct {
	Name     string // with version
	Config   string // configuration fingerprint ("" if not Configured)
	Position uint64
	Digest   string // hex SHA-256 of State
	State    []byte
}

// EncodeCheckpoint returns the stored form of a checkpoint.
func EncodeCheckpoint(name, config string, position uint64, state []byte) []byte {
	return encodeCheckpoint(name, config, position, state, sha256.Sum256(state))
}

func encodeCheckpoint(name, config string, position uint64, state []byte, sum [32]byte) []byte {
	b := make([]byte, 0, len(checkpointMagic)+len(name)+len(config)+3*binary.MaxVarintLen64+32+len(state))
	b = append(b, checkpointMagic...)
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	b = binary.AppendUvarint(b, uint64(len(config)))
	b = append(b, config...)
	b = binary.AppendUvarint(b, position)
	b = append(b, sum[:]...)
	return append(b, state...)
}

// DecodeCheckpoint reads a stored checkpoint and checks its digest.
func DecodeCheckpoint(b []byte) (Checkpoint, error) {
	if !bytes.HasPrefix(b, checkpointMagic) {
		return Checkpoint{}, fmt.Errorf("%w: no GLCP header", ErrCheckpoint)
	}
	b = b[len(checkpointMagic):]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return Checkpoint{}, fmt.Errorf("%w: bad name length", ErrCheckpoint)
	}
	name := string(b[k : k+int(n)])
	b = b[k+int(n):]
	n, k = binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return Checkpoint{}, fmt.Errorf("%w: bad config length", ErrCheckpoint)
	}
	config := string(b[k : k+int(n)])
	b = b[k+int(n):]
	pos, k := binary.Uvarint(b)
	if k <= 0 || len(b)-k < 32 {
		return Checkpoint{}, fmt.Errorf("%w: bad position or digest", ErrCheckpoint)
	}
	b = b[k:]
	var sum [32]byte
	copy(sum[:], b)
	state := b[32:]
	if sha256.Sum256(state) != sum {
		return Checkpoint{}, fmt.Errorf("%w: state does not match its digest", ErrCheckpoint)
	}
	return Checkpoint{Name: name, Config: config, Position: pos, Digest: hex.EncodeToString(sum[:]), State: state}, nil
}

// load resumes every Stateful projection from its checkpoint, once per
// Runner. A checkpoint of another version, or one that cannot be read, is
// not resumed: the projection is rebuilt from position 0 and Status says
// why.
func (r *Runner) load(ctx context.Context) error {
	if r.loaded {
		return nil
	}
	r.loaded = true
	if r.cfg.Checkpoints == nil {
		return nil
	}
	for _, s := range r.slots {
		if s.stateful == nil {
			s.rebuilt = "not Stateful: replayed from position 0 on every run"
			continue
		}
		raw, ok, err := r.cfg.Checkpoints.Get(ctx, checkpointKey(s.base))
		if err != nil {
			return fmt.Errorf("projections: read checkpoint of %s: %w", s.p.Name(), err)
		}
		if !ok {
			continue
		}
		cp, err := DecodeCheckpoint(raw)
		if err != nil {
			s.rebuilt = "checkpoint unreadable: " + err.Error()
			continue
		}
		if cp.Name != s.p.Name() {
			s.rebuilt = "version changed from " + cp.Name
			continue
		}
		if cp.Config != s.config {
			s.rebuilt = "configuration changed"
			continue
		}
		if r.cutoff != 0 && cp.Position > r.cutoff {
			s.rebuilt = fmt.Sprintf("checkpoint at %d is past the cutoff %d", cp.Position, r.cutoff)
			continue
		}
		if err := s.stateful.UnmarshalState(cp.State); err != nil {
			s.rebuilt = "checkpoint state unreadable: " + err.Error()
			continue
		}
		s.pos, s.saved, s.digest = cp.Position, cp.Position, cp.Digest
	}
	return nil
}

// checkpoint saves every healthy Stateful projection that moved since its
// last checkpoint.
func (r *Runner) checkpoint(ctx context.Context) error {
	if r.cfg.Checkpoints == nil {
		return nil
	}
	var todo []*slot
	for _, s := range r.slots {
		if s.stateful != nil && s.err == nil && s.pos > s.saved {
			todo = append(todo, s)
		}
	}
	// One at a time: a large state is serialized, written and dropped
	// before the next, so that the peak memory is one state, not all.
	for _, s := range todo {
		state, err := s.stateful.MarshalState()
		if err != nil {
			return fmt.Errorf("projections: %s: marshal state: %w", s.p.Name(), err)
		}
		sum := sha256.Sum256(state)
		rec := encodeCheckpoint(s.p.Name(), s.config, s.pos, state, sum)
		if err := r.cfg.Checkpoints.Put(ctx, checkpointKey(s.base), rec); err != nil {
			return fmt.Errorf("projections: write checkpoint of %s: %w", s.p.Name(), err)
		}
		s.saved, s.digest = s.pos, hex.EncodeToString(sum[:])
	}
	return nil
}

// MemCheckpoints is an in-memory Checkpoints, for tests and one-off replays.
type MemCheckpoints struct {
	mu sync.Mutex
	m  map[string][]byte
}

// Get implements Checkpoints.
func (m *MemCheckpoints) Get(_ context.Context, key []byte) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[string(key)]
	return bytes.Clone(v), ok, nil
}

// Put implements Checkpoints.
func (m *MemCheckpoints) Put(_ context.Context, key, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[string(key)] = bytes.Clone(value)
	return nil
}
