package privacy_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/privacy"
	"github.com/govledger/govledger/store/pebblestore"
	"github.com/oklog/ulid/v2"
)

var (
	key1 = bytes.Repeat([]byte{1}, privacy.KeySize)
	key2 = bytes.Repeat([]byte{2}, privacy.KeySize)
	id1  = ulid.MustParse("01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA")
	id2  = ulid.MustParse("01JD3Q0Z7M3M7ZJ3V7Q9W8X5TB")
)

func TestSealOpenRoundTrip(t *testing.T) {
	const text = "路面坑洼 outside 12 Elm Rd, call 138-0000-0000"
	box, err := privacy.Seal(key1, id1, "description", text)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(box, []byte("Elm Rd")) {
		t.Fatal("sealed box holds the plain text")
	}
	again, _ := privacy.Seal(key1, id1, "description", text)
	if !bytes.Equal(box, again) {
		t.Fatal("sealing the same field of the same event twice gave different bytes")
	}
	other, _ := privacy.Seal(key1, id1, "location.address", text)
	if bytes.Equal(box[:privacy.NonceSize], other[:privacy.NonceSize]) {
		t.Fatal("two fields of one event share a nonce")
	}
	got, err := privacy.Open(key1, id1, "description", box)
	if err != nil || got != text {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	box, err := privacy.Seal(key1, id1, "comment", "quick and polite")
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(box)
	flipped[len(flipped)-1] ^= 1
	nonce := bytes.Clone(box)
	nonce[0] ^= 1
	for _, tc := range []struct {
		name  string
		key   []byte
		id    ulid.ULID
		field string
		box   []byte
		want  error
	}{
		{"tampered ciphertext", key1, id1, "comment", flipped, privacy.ErrOpen},
		{"tampered nonce", key1, id1, "comment", nonce, privacy.ErrOpen},
		{"another event", key1, id2, "comment", box, privacy.ErrOpen},
		{"another field", key1, id1, "description", box, privacy.ErrOpen},
		{"another key", key2, id1, "comment", box, privacy.ErrOpen},
		{"truncated", key1, id1, "comment", box[:20], privacy.ErrOpen},
		{"short key", key1[:16], id1, "comment", box, privacy.ErrKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := privacy.Open(tc.key, tc.id, tc.field, tc.box); !errors.Is(err, tc.want) {
				t.Fatalf("Open = %q, %v; want %v", got, err, tc.want)
			}
		})
	}
}

type keyStore interface {
	privacy.KeyGetter
	Create(ctx context.Context, subject string) ([]byte, error)
	Delete(ctx context.Context, subject string) error
}

func TestKeyStores(t *testing.T) {
	stores := map[string]func(t *testing.T) keyStore{
		"memory": func(*testing.T) keyStore { return privacy.NewMemKeys(nil) },
		"pebble": func(t *testing.T) keyStore {
			st, err := pebblestore.Open(t.TempDir(), pebblestore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			k, err := privacy.NewPebbleKeys(st, nil)
			if err != nil {
				t.Fatal(err)
			}
			return k
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ks := open(t)
			k1, err := ks.Create(ctx, "S-1")
			if err != nil || len(k1) != privacy.KeySize {
				t.Fatalf("Create = %x, %v", k1, err)
			}
			if again, _ := ks.Create(ctx, "S-1"); !bytes.Equal(again, k1) {
				t.Fatal("Create of an existing subject made a new key")
			}
			k2, _ := ks.Create(ctx, "S-2")
			if bytes.Equal(k1, k2) {
				t.Fatal("two subjects share a key")
			}
			box, err := privacy.Seal(k1, id1, "description", "hello")
			if err != nil {
				t.Fatal(err)
			}
			f := events.PersonalField{Name: "description", Subject: "S-1", Value: events.Personal{Sealed: &events.Sealed{Subject: "S-1", Box: box}}}
			if got, err := privacy.Unseal(ctx, ks, id1, f); err != nil || got != "hello" {
				t.Fatalf("Unseal = %q, %v", got, err)
			}
			if err := ks.Delete(ctx, "S-1"); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := ks.Get(ctx, "S-1"); ok {
				t.Fatal("key still there after Delete")
			}
			if got, err := privacy.Unseal(ctx, ks, id1, f); !errors.Is(err, privacy.ErrErased) {
				t.Fatalf("Unseal after Delete = %q, %v; want ErrErased", got, err)
			}
			if err := ks.Delete(ctx, "S-1"); err != nil {
				t.Fatalf("second Delete: %v", err)
			}
		})
	}
}

func TestSeededKeysAreReproducible(t *testing.T) {
	ctx := context.Background()
	a := privacy.NewMemKeys(bytes.NewReader(bytes.Repeat([]byte{7, 8}, 64)))
	b := privacy.NewMemKeys(bytes.NewReader(bytes.Repeat([]byte{7, 8}, 64)))
	ka, _ := a.Create(ctx, "S-1")
	kb, _ := b.Create(ctx, "S-1")
	if !bytes.Equal(ka, kb) {
		t.Fatal("the same key source gave different keys")
	}
	short := privacy.NewMemKeys(bytes.NewReader([]byte{1, 2, 3}))
	if _, err := short.Create(ctx, "S-1"); err == nil {
		t.Fatal("a key source running dry gave a key")
	}
}

func TestPebbleKeysAreDurable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := privacy.NewPebbleKeys(st, nil)
	keys, err := ks.CreateMany(ctx, []string{"S-1", "S-2", "S-1"})
	if err != nil || len(keys) != 2 {
		t.Fatalf("CreateMany = %v, %v", keys, err)
	}
	if err := ks.Delete(ctx, "S-2"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = pebblestore.Open(dir, pebblestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ks, _ = privacy.NewPebbleKeys(st, nil)
	if k, ok, err := ks.Get(ctx, "S-1"); err != nil || !ok || !bytes.Equal(k, keys["S-1"]) {
		t.Fatalf("S-1 after reopening: %x %v %v", k, ok, err)
	}
	if _, ok, _ := ks.Get(ctx, "S-2"); ok {
		t.Fatal("a deleted key came back after reopening")
	}
}
