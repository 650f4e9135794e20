// Package privacy seals citizens' personal text under per-subject keys
// (DESIGN §6). Erasing a subject deletes its key: the sealed bytes stay in
// the hash-chained ledger, which still verifies, but can never be opened
// again (crypto-shredding).
//
// A field is sealed with AES-256-GCM under the subject's 32-byte key. The
// nonce is the first 12 bytes of HMAC-SHA256(key, eventID || field || 0 ||
// text), so sealing the same text of the same event twice gives the same
// bytes (an idempotent re-send is byte-identical) and different text never
// shares a nonce; the associated data is eventID || field, so a sealed
// field cannot be moved to another event or field unnoticed.
package privacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/oklog/ulid/v2"
)

// KeySize is the size of a subject key in bytes.
const KeySize = 32

// NonceSize is the size of the nonce in front of every sealed box.
const NonceSize = 12

var (
	// ErrErased is returned when a sealed field's subject key is gone.
	ErrErased = errors.New("privacy: subject erased, key deleted")
	// ErrOpen is returned when a sealed box does not authenticate (it was
	// tampered with, or belongs to another event, field or key).
	ErrOpen = errors.New("privacy: sealed field does not open")
	// ErrKey is returned for a key of the wrong size.
	ErrKey = errors.New("privacy: key must be 32 bytes")
)

func aead(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w, got %d", ErrKey, len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("privacy: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("privacy: %w", err)
	}
	return g, nil
}

// binding returns eventID || field, the nonce input and associated data.
func binding(id ulid.ULID, field string) []byte {
	out := make([]byte, 0, len(id)+len(field))
	out = append(out, id[:]...)
	return append(out, field...)
}

// Seal returns nonce || ciphertext of text, bound to event id and field.
// It is deterministic: the same key, id, field and text give the same bytes.
func Seal(key []byte, id ulid.ULID, field, text string) ([]byte, error) {
	g, err := aead(key)
	if err != nil {
		return nil, err
	}
	ad := binding(id, field)
	// A synthetic nonce (as in SIV): it depends on the text too, so the
	// same event and field sealed with other text (a conflicting re-send,
	// refused, but sealed before the refusal) never reuses a nonce.
	mac := hmac.New(sha256.New, key)
	mac.Write(ad)
	mac.Write([]byte{0})
	mac.Write([]byte(text))
	nonce := mac.Sum(nil)[:NonceSize]
	return g.Seal(nonce, nonce, []byte(text), ad), nil
}

// Open returns the text sealed in box for event id and field.
func Open(key []byte, id ulid.ULID, field string, box []byte) (string, error) {
	g, err := aead(key)
	if err != nil {
		return "", err
	}
	if len(box) < NonceSize+g.Overhead() {
		return "", fmt.Errorf("%w: %s of %s is %d bytes", ErrOpen, field, id, len(box))
	}
	plain, err := g.Open(nil, box[:NonceSize], box[NonceSize:], binding(id, field))
	if err != nil {
		return "", fmt.Errorf("%w: %s of %s", ErrOpen, field, id)
	}
	return string(plain), nil
}
