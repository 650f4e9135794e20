package integrity_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
	"golang.org/x/mod/sumdb/note"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzParseCheckpoint")

const origin = "ledger.example.gov/log"

// fixedKey returns a signer and verifier key for name derived from seed,
// so that fuzz seeds stay valid from run to run.
func fixedKey(t testing.TB, name string, seed byte) (skey, vkey string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 32)), name)
	if err != nil {
		t.Fatal(err)
	}
	return skey, vkey
}

// signText signs an arbitrary note text with the given signer keys.
func signText(t testing.TB, text string, skeys ...string) []byte {
	t.Helper()
	var signers []note.Signer
	for _, k := range skeys {
		s, err := note.NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	msg, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

var root = events.Hash(sha256.Sum256([]byte("root")))

func TestCheckpointRoundTrip(t *testing.T) {
	skey, vkey, err := integrity.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vkey, origin+"+") || !strings.HasPrefix(skey, "PRIVATE+KEY+"+origin+"+") {
		t.Fatalf("keys %q, %q are not signed-note keys for %s", skey, vkey, origin)
	}
	for _, size := range []uint64{0, 1, 1 << 40, math.MaxUint64} {
		want := integrity.Checkpoint{Origin: origin, Size: size, Root: root}
		msg, err := integrity.SignCheckpoint(skey, want)
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("%s\n%d\n%s\n\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
		if !strings.HasPrefix(string(msg), body) {
			t.Fatalf("note %q does not start with the checkpoint body %q", msg, body)
		}
		got, err := integrity.ParseCheckpoint(msg, vkey)
		if err != nil || got != want {
			t.Fatalf("round trip of %+v gave %+v, %v", want, got, err)
		}
	}
}

func TestCheckpointCosignatureAllowed(t *testing.T) {
	skey, vkey := fixedKey(t, origin, 1)
	witness, _ := fixedKey(t, "witness.example", 2)
	msg := signText(t, integrity.Checkpoint{Origin: origin, Size: 9, Root: root}.String(), witness, skey)
	if c, err := integrity.ParseCheckpoint(msg, vkey); err != nil || c.Size != 9 {
		t.Fatalf("cosigned checkpoint: %+v, %v", c, err)
	}
}

func TestParseCheckpointRefuses(t *testing.T) {
	skey, vkey := fixedKey(t, origin, 1)
	otherSkey, otherVkey := fixedKey(t, origin, 3) // same origin, another key
	elsewhereSkey, _ := fixedKey(t, "other.example/log", 4)
	good := integrity.Checkpoint{Origin: origin, Size: 42, Root: root}.String()
	lines := strings.Split(good, "\n") // origin, size, root, ""
	valid := signText(t, good, skey)
	b64 := func(n int) string { return strings.Repeat("A", (n+2)/3*4-(3-n%3)%3) + strings.Repeat("=", (3-n%3)%3) }
	body := func(size, rootLine string) string { return lines[0] + "\n" + size + "\n" + rootLine + "\n" }

	type tc struct {
		msg  []byte
		vkey string
		want error
	}
	cases := map[string]tc{
		"signature byte changed":  {flipLast(valid), vkey, integrity.ErrBadSignature},
		"body byte changed":       {bytes.Replace(valid, []byte("\n42\n"), []byte("\n43\n"), 1), vkey, integrity.ErrBadSignature},
		"signed by another key":   {signText(t, good, otherSkey), vkey, integrity.ErrBadSignature},
		"verifier of another key": {valid, otherVkey, integrity.ErrBadSignature},
		"another origin's key":    {signText(t, strings.Replace(good, origin, "other.example/log", 1), elsewhereSkey), vkey, integrity.ErrBadSignature},
		"origin not the key's":    {signText(t, strings.Replace(good, origin, "other.example/log", 1), skey), vkey, integrity.ErrWrongOrigin},
		"unsigned":                {[]byte(good), vkey, integrity.ErrMalformedCheckpoint},
		"not a note":              {[]byte("hello"), vkey, integrity.ErrMalformedCheckpoint},
		"empty":                   {nil, vkey, integrity.ErrMalformedCheckpoint},
		"oversized":               {append(bytes.Repeat([]byte("x"), integrity.MaxCheckpointBytes), valid...), vkey, integrity.ErrMalformedCheckpoint},
		"bad verifier key":        {valid, "not a key", integrity.ErrBadKey},
		"two lines":               {signText(t, lines[0]+"\n"+lines[1]+"\n", skey), vkey, integrity.ErrMalformedCheckpoint},
		"extra line":              {signText(t, good+"extension\n", skey), vkey, integrity.ErrMalformedCheckpoint},
		"blank extra line":        {signText(t, good+"\n", skey), vkey, integrity.ErrMalformedCheckpoint},
		"empty origin":            {signText(t, "\n42\n"+lines[2]+"\n", skey), vkey, integrity.ErrMalformedCheckpoint},
		"size leading zero":       {signText(t, body("042", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size zero padded":        {signText(t, body("00", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size plus sign":          {signText(t, body("+42", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size negative":           {signText(t, body("-42", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size empty":              {signText(t, body("", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size hex":                {signText(t, body("0x2a", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size underscore":         {signText(t, body("4_2", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size space":              {signText(t, body(" 42", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"size over uint64":        {signText(t, body("18446744073709551616", lines[2]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"root 31 bytes":           {signText(t, body("42", b64(31)), skey), vkey, integrity.ErrMalformedCheckpoint},
		"root 33 bytes":           {signText(t, body("42", b64(33)), skey), vkey, integrity.ErrMalformedCheckpoint},
		"root unpadded":           {signText(t, body("42", strings.TrimRight(lines[2], "=")), skey), vkey, integrity.ErrMalformedCheckpoint},
		"root url alphabet":       {signText(t, body("42", "-_"+lines[2][2:]), skey), vkey, integrity.ErrMalformedCheckpoint},
		"root hex":                {signText(t, body("42", root.String()), skey), vkey, integrity.ErrMalformedCheckpoint},
		"root trailing space":     {signText(t, body("42", lines[2]+" "), skey), vkey, integrity.ErrMalformedCheckpoint},
		"root empty":              {signText(t, body("42", ""), skey), vkey, integrity.ErrMalformedCheckpoint},
		// note.Sign refuses control characters, so this one is altered by hand.
		"carriage return": {bytes.Replace(valid, []byte("42\n"), []byte("42\r\n"), 1), vkey, integrity.ErrMalformedCheckpoint},
	}
	if b64(32) != "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" || b64(33) != strings.Repeat("A", 44) {
		t.Fatalf("b64 helper: %q %q", b64(32), b64(33))
	}
	if c, err := integrity.ParseCheckpoint(valid, vkey); err != nil || c.Size != 42 {
		t.Fatalf("the unaltered note is refused: %v", err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := integrity.ParseCheckpoint(c.msg, c.vkey)
			var ce *integrity.CheckpointError
			if !errors.Is(err, c.want) || !errors.As(err, &ce) || ce.Reason == "" {
				t.Fatalf("got %+v, %v; want a CheckpointError unwrapping to %v", got, err, c.want)
			}
			if got != (integrity.Checkpoint{}) {
				t.Fatalf("a refused checkpoint came back non-zero: %+v", got)
			}
		})
	}
}

// flipLast changes a base64 character near the end of the last signature
// line (in its data bits, not its padding) while keeping it valid base64.
func flipLast(msg []byte) []byte {
	out := append([]byte(nil), msg...)
	i := len(out) - 10
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

func TestSignCheckpointRefuses(t *testing.T) {
	skey, _ := fixedKey(t, origin, 1)
	cases := map[string]struct {
		skey string
		c    integrity.Checkpoint
		want error
	}{
		"origin not the key's": {skey, integrity.Checkpoint{Origin: "other.example/log"}, integrity.ErrWrongOrigin},
		"origin with newline":  {skey, integrity.Checkpoint{Origin: origin + "\n1"}, integrity.ErrMalformedCheckpoint},
		"origin with space":    {skey, integrity.Checkpoint{Origin: "a b"}, integrity.ErrMalformedCheckpoint},
		"empty origin":         {skey, integrity.Checkpoint{}, integrity.ErrMalformedCheckpoint},
		"bad signer key":       {"PRIVATE+KEY+nope", integrity.Checkpoint{Origin: origin}, integrity.ErrBadKey},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if msg, err := integrity.SignCheckpoint(c.skey, c.c); !errors.Is(err, c.want) || msg != nil {
				t.Fatalf("got %q, %v; want %v", msg, err, c.want)
			}
		})
	}
	if _, _, err := integrity.GenerateKey("two words"); !errors.Is(err, integrity.ErrMalformedCheckpoint) {
		t.Fatalf("GenerateKey with a space in the origin: %v", err)
	}
}

// fuzzSeeds are the corpus of FuzzParseCheckpoint: the valid note, its
// cosigned form, and near misses of each kind ParseCheckpoint refuses.
func fuzzSeeds(t testing.TB) [][]byte {
	skey, _ := fixedKey(t, origin, 1)
	witness, _ := fixedKey(t, "witness.example", 2)
	good := integrity.Checkpoint{Origin: origin, Size: 42, Root: root}.String()
	valid := signText(t, good, skey)
	return [][]byte{
		valid,
		signText(t, good, skey, witness),
		signText(t, integrity.Checkpoint{Origin: origin, Root: integrity.EmptyRoot()}.String(), skey),
		flipLast(valid),
		signText(t, good+"extension\n", skey),
		signText(t, strings.Replace(good, "\n42\n", "\n042\n", 1), skey),
		signText(t, strings.Replace(good, "=\n", "\n", 1), skey),
		signText(t, strings.Replace(good, origin, "other.example/log", 1), skey),
		[]byte(good),
		[]byte(good + "\n\u2014 " + origin + " AAAA\n"),
	}
}

func TestWriteFuzzCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseCheckpoint")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, seed := range fuzzSeeds(t) {
		data := "go test fuzz v1\n[]byte(" + strconv.Quote(string(seed)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParseCheckpoint holds ParseCheckpoint to never panicking and to
// accepting only a note whose text is exactly the canonical body of what
// it returns and which carries the signature the log key makes over it.
func FuzzParseCheckpoint(f *testing.F) {
	skey, vkey := fixedKey(f, origin, 1)
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := integrity.ParseCheckpoint(msg, vkey)
		if err != nil {
			var ce *integrity.CheckpointError
			if !errors.As(err, &ce) {
				t.Fatalf("refusal is not a CheckpointError: %v", err)
			}
			return
		}
		signed, err := integrity.SignCheckpoint(skey, c)
		if err != nil {
			t.Fatalf("accepted %+v, which cannot be signed: %v", c, err)
		}
		// signed = body "\n" signature-line; ed25519 signatures are deterministic.
		body, sig, _ := bytes.Cut(signed, []byte("\n\n"))
		if !bytes.HasPrefix(msg, append(body, "\n\n"...)) || !bytes.Contains(msg, sig) {
			t.Fatalf("accepted %q as %+v, but that is not what the key signs", msg, c)
		}
	})
}
