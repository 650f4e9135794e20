package projections

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// A checkpoint is kept in two parts. Its header, under "projection/<base>":
//
//	"GLCP" 0x02 | uvarint len(name) | name | uvarint len(config) | config |
//	uvarint position | sha256(state) | uvarint generation | uvarint chunks
//
// and its state, cut into chunks of at most ChunkBytes, under
// "projection/<base>/<generation>/<i>" (both as 16 hex digits). The chunks
// are written first and the header last, so a checkpoint is replaced only
// once its new state is durable; the previous generation's chunks are then
// deleted when the keyspace can (Deleter). Cutting a state of hundreds of
// megabytes into chunks keeps the store from holding it in memory as one
// write. name carries the version and config the configuration
// fingerprint: a checkpoint of another version or configuration is not
// resumed, the projection is rebuilt from position 0.
var checkpointMagic = []byte("GLCP\x02")

// ChunkBytes is the largest chunk of a checkpoint's state.
const ChunkBytes = 4 << 20

func checkpointKey(base string) []byte { return []byte("projection/" + base) }

func chunkKey(base string, gen, i uint64) []byte {
	return fmt.Appendf(nil, "projection/%s/%016x/%016x", base, gen, i)
}

// Checkpoint is a decoded checkpoint.
type Checkpoint struct {
	Name       string // with version
	Config     string // configuration fingerprint ("" if not Configured)
	Position   uint64
	Digest     string // hex SHA-256 of State
	Generation uint64 // which chunks hold the state (1, 2, ...)
	Chunks     uint64 // how many
	State      []byte // nil in a header read by DecodeCheckpoint
}

// Deleter is the optional capability of a Checkpoints to delete a key;
// without it a replaced checkpoint's chunks stay behind.
type Deleter interface {
	Delete(ctx context.Context, key []byte) error
}

func appendHeader(b, magic []byte, name, config string, position uint64, sum [32]byte) []byte {
	b = append(b, magic...)
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	b = binary.AppendUvarint(b, uint64(len(config)))
	b = append(b, config...)
	b = binary.AppendUvarint(b, position)
	return append(b, sum[:]...)
}

// DecodeCheckpoint reads a checkpoint header; State is nil
// (ReadCheckpoint assembles the state from its chunks and checks it).
func DecodeCheckpoint(b []byte) (Checkpoint, error) {
	if !bytes.HasPrefix(b, checkpointMagic) {
		return Checkpoint{}, fmt.Errorf("%w: no GLCP header", ErrCheckpoint)
	}
	b = b[len(checkpointMagic):]
	field := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		v := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return v, true
	}
	name, ok := field()
	if !ok {
		return Checkpoint{}, fmt.Errorf("%w: bad name length", ErrCheckpoint)
	}
	config, ok := field()
	if !ok {
		return Checkpoint{}, fmt.Errorf("%w: bad config length", ErrCheckpoint)
	}
	pos, k := binary.Uvarint(b)
	if k <= 0 || len(b)-k < 32 {
		return Checkpoint{}, fmt.Errorf("%w: bad position or digest", ErrCheckpoint)
	}
	b = b[k:]
	var sum [32]byte
	copy(sum[:], b)
	b = b[32:]
	cp := Checkpoint{Name: name, Config: config, Position: pos, Digest: hex.EncodeToString(sum[:])}
	gen, k1 := binary.Uvarint(b)
	if k1 > 0 {
		b = b[k1:]
	}
	chunks, k2 := binary.Uvarint(b)
	if k1 <= 0 || k2 <= 0 || len(b) != k2 || gen == 0 {
		return Checkpoint{}, fmt.Errorf("%w: bad chunk list", ErrCheckpoint)
	}
	cp.Generation, cp.Chunks = gen, chunks
	return cp, nil
}

// ReadCheckpoint reads the checkpoint of the projection with base name
// base, with its state, checked against its digest.
func ReadCheckpoint(ctx context.Context, cps Checkpoints, base string) (Checkpoint, bool, error) {
	raw, ok, err := cps.Get(ctx, checkpointKey(base))
	if err != nil || !ok {
		return Checkpoint{}, ok, err
	}
	cp, err := DecodeCheckpoint(raw)
	if err != nil {
		return cp, true, err
	}
	var state []byte
	for i := range cp.Chunks {
		part, ok, err := cps.Get(ctx, chunkKey(base, cp.Generation, i))
		if err != nil {
			return cp, true, err
		}
		if !ok {
			return cp, true, fmt.Errorf("%w: chunk %d of %d is missing", ErrCheckpoint, i, cp.Chunks)
		}
		if state == nil {
			state = make([]byte, 0, uint64(len(part))*cp.Chunks)
		}
		state = append(state, part...)
	}
	if state == nil {
		state = []byte{}
	}
	if sum := sha256.Sum256(state); hex.EncodeToString(sum[:]) != cp.Digest {
		return cp, true, fmt.Errorf("%w: state does not match its digest", ErrCheckpoint)
	}
	cp.State = state
	return cp, true, nil
}

// writeCheckpoint writes a checkpoint of generation gen in chunks, the
// header last, and deletes the chunks of generation old (which held
// oldChunks).
func writeCheckpoint(ctx context.Context, cps Checkpoints, base, name, config string, position uint64, state []byte, gen, old, oldChunks uint64) (string, error) {
	sum := sha256.Sum256(state)
	chunks := uint64(0)
	for at := 0; at < len(state); at += ChunkBytes {
		end := min(at+ChunkBytes, len(state))
		if err := cps.Put(ctx, chunkKey(base, gen, chunks), state[at:end]); err != nil {
			return "", err
		}
		chunks++
	}
	h := appendHeader(nil, checkpointMagic, name, config, position, sum)
	h = binary.AppendUvarint(h, gen)
	h = binary.AppendUvarint(h, chunks)
	if err := cps.Put(ctx, checkpointKey(base), h); err != nil {
		return "", err
	}
	if d, ok := cps.(Deleter); ok && old != 0 && old != gen {
		for i := range oldChunks {
			if err := d.Delete(ctx, chunkKey(base, old, i)); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(sum[:]), nil
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
		hdr, err := DecodeCheckpoint(raw)
		if err != nil {
			s.rebuilt = "checkpoint unreadable: " + err.Error()
			continue
		}
		s.gen, s.chunks = hdr.Generation, hdr.Chunks // replaced by the next checkpoint
		if hdr.Name != s.p.Name() {
			s.rebuilt = "version changed from " + hdr.Name
			continue
		}
		if hdr.Config != s.config {
			s.rebuilt = "configuration changed"
			continue
		}
		if r.cutoff != 0 && hdr.Position > r.cutoff {
			s.rebuilt = fmt.Sprintf("checkpoint at %d is past the cutoff %d", hdr.Position, r.cutoff)
			continue
		}
		cp, _, err := ReadCheckpoint(ctx, r.cfg.Checkpoints, s.base)
		if err != nil {
			if !errors.Is(err, ErrCheckpoint) {
				return fmt.Errorf("projections: read checkpoint of %s: %w", s.p.Name(), err)
			}
			s.rebuilt = "checkpoint unreadable: " + err.Error()
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
// last checkpoint, one at a time: a large state is serialized, written
// and dropped before the next, so that the peak memory is one state.
func (r *Runner) checkpoint(ctx context.Context) error {
	if r.cfg.Checkpoints == nil {
		return nil
	}
	for _, s := range r.slots {
		if s.stateful == nil || s.err != nil || s.pos <= s.saved {
			continue
		}
		state, err := s.stateful.MarshalState()
		if err != nil {
			return fmt.Errorf("projections: %s: marshal state: %w", s.p.Name(), err)
		}
		gen := s.gen + 1
		digest, err := writeCheckpoint(ctx, r.cfg.Checkpoints, s.base, s.p.Name(), s.config, s.pos, state, gen, s.gen, s.chunks)
		if err != nil {
			return fmt.Errorf("projections: write checkpoint of %s: %w", s.p.Name(), err)
		}
		s.gen, s.chunks = gen, (uint64(len(state))+ChunkBytes-1)/ChunkBytes
		s.saved, s.digest = s.pos, digest
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

// Delete implements Deleter.
func (m *MemCheckpoints) Delete(_ context.Context, key []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, string(key))
	return nil
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
