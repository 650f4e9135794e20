package integrity

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
	"golang.org/x/mod/sumdb/note"
)

// MaxCheckpointBytes bounds the signed note ParseCheckpoint reads.
const MaxCheckpointBytes = 16 << 10

// Checkpoint errors. Every CheckpointError unwraps to one of them.
var (
	// ErrBadSignature: the note carries no valid signature by the
	// expected key (a forged or altered note, or one signed by another key).
	ErrBadSignature = errors.New("integrity: checkpoint signature does not verify")
	// ErrMalformedCheckpoint: the note or its body is not a checkpoint
	// (wrong line count, a size or root that does not parse, too large).
	ErrMalformedCheckpoint = errors.New("integrity: malformed checkpoint")
	// ErrWrongOrigin: the checkpoint is signed by the expected key but
	// names another log as its origin.
	ErrWrongOrigin = errors.New("integrity: checkpoint is for another origin")
	// ErrBadKey: a signer or verifier key string does not parse.
	ErrBadKey = errors.New("integrity: bad checkpoint key")
)

// CheckpointError says why a checkpoint was refused. It unwraps to one of
// ErrBadSignature, ErrMalformedCheckpoint, ErrWrongOrigin or ErrBadKey.
type CheckpointError struct {
	Err    error  // the sentinel
	Reason string // what exactly is wrong
}

func (e *CheckpointError) Error() string { return e.Err.Error() + ": " + e.Reason }

// Unwrap returns the sentinel.
func (e *CheckpointError) Unwrap() error { return e.Err }

func refuse(sentinel error, format string, args ...any) error {
	return &CheckpointError{Err: sentinel, Reason: fmt.Sprintf(format, args...)}
}

// Checkpoint is a signed statement of a log's size and root, in the
// transparency-log checkpoint format: the body of a signed note (see
// golang.org/x/mod/sumdb/note) reading "<origin>\n<size>\n<base64 root>\n".
type Checkpoint struct {
	// Origin names the log; it is also the name of the key that signs it.
	Origin string
	// Size is the number of leaves (events) the root covers.
	Size uint64
	// Root is the RFC 6962 root of the first Size leaves.
	Root events.Hash
}

// String returns the checkpoint body (the text that is signed).
func (c Checkpoint) String() string {
	return c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root[:]) + "\n"
}

// GenerateKey returns a new ed25519 signer key and its verifier key for
// the log named origin, in the signed-note key formats
// ("PRIVATE+KEY+<origin>+..." and "<origin>+<hash>+<key>"). The signer key
// is a secret.
func GenerateKey(origin string) (signerKey, verifierKey string, err error) {
	if err := checkOrigin(origin); err != nil {
		return "", "", err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", refuse(ErrBadKey, "generate a key for %q: %v", origin, err)
	}
	return skey, vkey, nil
}

// checkOrigin accepts what is a valid key name (non-empty UTF-8, no
// spaces, no '+') and holds no control character.
func checkOrigin(origin string) error {
	bad := func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '+' }
	if origin == "" || !utf8.ValidString(origin) || strings.IndexFunc(origin, bad) >= 0 {
		return refuse(ErrMalformedCheckpoint, "origin %q must be non-empty UTF-8 without spaces, control characters or '+'", origin)
	}
	return nil
}

// SignCheckpoint returns the checkpoint as a note signed with signerKey,
// whose name MUST be the checkpoint's origin.
func SignCheckpoint(signerKey string, c Checkpoint) ([]byte, error) {
	if err := checkOrigin(c.Origin); err != nil {
		return nil, err
	}
	s, err := note.NewSigner(signerKey)
	if err != nil {
		return nil, refuse(ErrBadKey, "signer key does not parse: %v", err)
	}
	if s.Name() != c.Origin {
		return nil, refuse(ErrWrongOrigin, "signer key is for %q, checkpoint origin is %q", s.Name(), c.Origin)
	}
	msg, err := note.Sign(&note.Note{Text: c.String()}, s)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return msg, nil
}

// ParseCheckpoint verifies a signed checkpoint note against verifierKey and
// returns the checkpoint. It refuses, with a *CheckpointError, a note over
// MaxCheckpointBytes, a note without a valid signature by that key, a body
// that is not exactly three lines (origin, size as a decimal without
// leading zeros, root as the standard base64 of 32 bytes), and an origin
// other than the key's name. Signatures by other keys (cosignatures) are
// allowed beside the expected one. It is pure and safe for concurrent use.
func ParseCheckpoint(msg []byte, verifierKey string) (Checkpoint, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, refuse(ErrBadKey, "verifier key does not parse: %v", err)
	}
	if len(msg) > MaxCheckpointBytes {
		return Checkpoint{}, refuse(ErrMalformedCheckpoint, "note of %d bytes is over the %d-byte limit", len(msg), MaxCheckpointBytes)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &invalid):
			return Checkpoint{}, refuse(ErrBadSignature, "signature by %s does not verify", invalid.Name)
		case errors.As(err, &unverified):
			return Checkpoint{}, refuse(ErrBadSignature, "no signature by %s", v.Name())
		}
		return Checkpoint{}, refuse(ErrMalformedCheckpoint, "not a signed note: %v", err)
	}
	c, err := parseBody(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, refuse(ErrWrongOrigin, "checkpoint origin %q signed by the key of %q", c.Origin, v.Name())
	}
	return c, nil
}

func parseBody(text string) (Checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return Checkpoint{}, refuse(ErrMalformedCheckpoint, "body does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 3 {
		return Checkpoint{}, refuse(ErrMalformedCheckpoint, "body has %d lines, want 3 (origin, size, root)", len(lines))
	}
	if err := checkOrigin(lines[0]); err != nil {
		return Checkpoint{}, err
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return Checkpoint{}, err
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != 32 || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return Checkpoint{}, refuse(ErrMalformedCheckpoint, "root %q is not the base64 of 32 bytes", lines[2])
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: events.Hash(root)}, nil
}

// parseSize accepts only the canonical decimal form of a uint64.
func parseSize(s string) (uint64, error) {
	size, err := strconv.ParseUint(s, 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != s {
		return 0, refuse(ErrMalformedCheckpoint, "size %q is not a decimal uint64 without leading zeros", s)
	}
	return size, nil
}
