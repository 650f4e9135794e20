package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govledger/govledger/integrity"
	"github.com/govledger/govledger/ledger"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
	"github.com/oklog/ulid/v2"
)

// The ledger directory keeps its checkpoint signing key beside the data.
const (
	signerKeyFile   = "checkpoint.key" // the signed-note signer key, mode 0600
	verifierKeyFile = "checkpoint.pub" // its verifier key, to publish
)

// errNoKey is returned when a ledger has no checkpoint key yet.
var errNoKey = errors.New("the ledger has no checkpoint key yet (govledger checkpoint creates it)")

// ensureKey creates the ledger's checkpoint key pair if it has none and
// returns the verifier key. The origin (the log's name, also the key's
// name) is "govledger/" and a ULID, unique to the ledger.
func ensureKey(dir string) (verifier string, err error) {
	dir = localDir(dir)
	if _, v, err := ledgerKey(dir); err == nil {
		return v, nil
	} else if !errors.Is(err, errNoKey) {
		return "", err
	}
	origin := "govledger/" + strings.ToLower(ulid.MustNew(ulid.Now(), rand.Reader).String())
	skey, vkey, err := integrity.GenerateKey(origin)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// The verifier first: a signer without its verifier is never left.
	if err := writeFileAtomic(filepath.Join(dir, verifierKeyFile), []byte(vkey+"\n"), 0o644); err != nil {
		return "", err
	}
	f, err := os.OpenFile(filepath.Join(dir, signerKeyFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create the checkpoint key: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return vkey, nil
}

// ledgerKey reads the ledger's signer and verifier keys. It refuses a
// signer key file that others can read.
func ledgerKey(dir string) (signer, verifier string, err error) {
	dir = localDir(dir)
	v, err := os.ReadFile(filepath.Join(dir, verifierKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", errNoKey
	}
	if err != nil {
		return "", "", err
	}
	path := filepath.Join(dir, signerKeyFile)
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("%s exists but the signer key %s is missing", verifierKeyFile, path)
	}
	if err != nil {
		return "", "", err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", "", fmt.Errorf("the checkpoint signer key %s is readable by others (mode %v): chmod 600 it", path, st.Mode().Perm())
	}
	s, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	return strings.TrimSpace(string(s)), strings.TrimSpace(string(v)), nil
}

// readVerifier returns a verifier key given as a flag: the key itself
// ("origin+hash+key") or a file holding one.
func readVerifier(arg string) (string, error) {
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		b, err := os.ReadFile(arg)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	if strings.Count(arg, "+") < 2 {
		return "", usageErr("--key %q is neither a readable file nor a verifier key (origin+hash+key)", arg)
	}
	return arg, nil
}

// writeFileAtomic writes a file through a temporary one and a rename.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Signed checkpoints are kept in the Merkle side keyspace under 'c' and
// the tree size (8 bytes, big-endian), oldest first in key order.
func checkpointKey(size uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{'c'}, size)
}

func merkleSide(s store.Store) (*pebblestore.Side, error) {
	ps := sidesOf(s)
	if ps == nil {
		return nil, fmt.Errorf("checkpoints and the Merkle log need an embedded ledger or a cluster node's state")
	}
	return ps.Side(pebblestore.SideMerkle)
}

// storedCheckpoints returns the signed checkpoint notes the ledger keeps,
// by tree size.
func storedCheckpoints(ctx context.Context, s store.Store) ([][]byte, error) {
	side, err := merkleSide(s)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	err = side.Scan(ctx, []byte{'c'}, func(key, value []byte) error {
		if len(key) != 9 || key[0] != 'c' {
			return errStopScan
		}
		out = append(out, bytes.Clone(value))
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, err
	}
	return out, nil
}

var errStopScan = errors.New("stop")

// saveCheckpoint keeps a signed checkpoint note, durably.
func saveCheckpoint(ctx context.Context, s store.Store, c integrity.Checkpoint, note []byte) error {
	side, err := merkleSide(s)
	if err != nil {
		return err
	}
	return side.Put(ctx, checkpointKey(c.Size), note)
}

// startMerkle opens the ledger's Merkle log and brings it to the head.
// A log that does not lead to the events (it covers more events than the
// ledger holds, or its nodes disagree with them: events were dropped or
// cut) is an exitTampered error. The caller closes the keeper before the
// store.
func startMerkle(ctx context.Context, s store.Store) (*ledger.MerkleKeeper, error) {
	side, err := merkleSide(s)
	if err != nil {
		return nil, err
	}
	cfg := ledger.MerkleConfig{}
	if _, ok := unwrapStore(s).(*clusterStore); ok {
		// Each look at a cluster's head is a read of $all: once a second
		// while the command runs (Close catches up at the end anyway).
		cfg.Poll = time.Second
	}
	k, err := ledger.StartMerkle(ctx, unwrapStore(s), side.Unsynced(), cfg)
	if errors.Is(err, integrity.ErrTreeSize) || errors.Is(err, integrity.ErrMerkleStore) {
		return nil, withCode(exitTampered, fmt.Errorf("merkle log does not match the events: %w", err))
	}
	if err != nil {
		return nil, fmt.Errorf("merkle log: %w", err)
	}
	return k, nil
}

// parseCheckpoints parses signed notes with a verifier key; a refused one
// is an exitCheckpoint error naming where it came from.
func parseCheckpoints(notes [][]byte, names []string, verifier string) ([]integrity.Checkpoint, error) {
	out := make([]integrity.Checkpoint, 0, len(notes))
	for i, n := range notes {
		c, err := integrity.ParseCheckpoint(n, verifier)
		if err != nil {
			return nil, withCode(exitCheckpoint, fmt.Errorf("checkpoint %s refused: %w", names[i], err))
		}
		out = append(out, c)
	}
	return out, nil
}
