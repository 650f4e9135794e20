package events

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// ErrUnsealed is returned by EncodePayload for a personal field that names
// a subject but holds plain text: such text must be sealed under the
// subject's key (package privacy) before it is stored.
var ErrUnsealed = errors.New("events: personal field of a subject is not sealed")

// Personal is a free-text field that may hold a citizen's personal data
// (a description, an address, a comment). Producers send it as a plain
// JSON string. When the field has a subject (see PersonalFields), the
// ledger seals it before it is stored, and its canonical form is an object:
//
//	{"subject":"S-1","sealed":"<base64 of nonce || AES-256-GCM ciphertext>"}
//
// Both keys are required, no other key is accepted, the subject is an id
// (MaxIDBytes) and the sealed bytes are at most MaxSealedBytes. A field
// without a subject (a patrol report without reporter) stays a string.
// A producer may also send the sealed object (re-importing an export); the
// ledger stores it as it is, and EncodePayload checks that its subject is
// the payload's.
// The zero value is the empty field, which is omitted from payloads.
type Personal struct {
	// Text is the plain text; empty when the field is sealed.
	Text string `json:"-"`
	// Sealed is the sealed form, nil when the field is plain.
	Sealed *Sealed `json:"-"`
}

// Sealed is the stored form of a sealed personal field.
type Sealed struct {
	// Subject is the subject whose key sealed the text.
	Subject string
	// Box is the 12-byte nonce followed by the ciphertext and its tag.
	Box []byte
}

// MaxSealedBytes bounds a sealed field's bytes: the text limit plus the
// nonce and the authentication tag.
const MaxSealedBytes = MaxTextBytes + 12 + 16

// Plain returns a plain personal field holding s.
func Plain(s string) Personal { return Personal{Text: s} }

// IsZero reports whether the field is empty (neither text nor sealed).
func (p Personal) IsZero() bool { return p.Text == "" && p.Sealed == nil }

// IsSealed reports whether the field is sealed.
func (p Personal) IsSealed() bool { return p.Sealed != nil }

// String returns the plain text, or "[sealed]" for a sealed field.
func (p Personal) String() string {
	if p.Sealed != nil {
		return "[sealed]"
	}
	return p.Text
}

// Validate checks the field: the text limits on plain text, the id and
// size limits on a sealed form. Text and Sealed are exclusive.
func (p Personal) Validate(field string) error {
	if p.Sealed == nil {
		return checkText(field, p.Text, false)
	}
	if p.Text != "" {
		return invalid(field, "has both text and a sealed form")
	}
	if err := checkID(field+".subject", p.Sealed.Subject, true); err != nil {
		return err
	}
	if n := len(p.Sealed.Box); n < 12+16 || n > MaxSealedBytes {
		return invalid(field+".sealed", fmt.Sprintf("is %d bytes, want %d..%d", n, 12+16, MaxSealedBytes))
	}
	return nil
}

type sealedJSON struct {
	Subject string `json:"subject"`
	Sealed  string `json:"sealed"`
}

// MarshalJSON encodes a plain field as a string, a sealed one as an object.
func (p Personal) MarshalJSON() ([]byte, error) {
	if p.Sealed == nil {
		return marshalNoEscape(p.Text)
	}
	return marshalNoEscape(sealedJSON{Subject: p.Sealed.Subject, Sealed: base64.StdEncoding.EncodeToString(p.Sealed.Box)})
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON accepts a string (plain) or the sealed object, strictly:
// exactly the keys "subject" and "sealed", spelled so, and canonical base64.
func (p *Personal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = Personal{Text: s}
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("personal field must be a string or a sealed object: %w", err)
	}
	var sj sealedJSON
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same input always gives the same error
	for _, k := range keys {
		v := m[k]
		var dst *string
		switch k {
		case "subject":
			dst = &sj.Subject
		case "sealed":
			dst = &sj.Sealed
		default:
			return fmt.Errorf("sealed field has unknown key %q", k)
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("sealed field key %q: %w", k, err)
		}
	}
	if len(m) != 2 {
		return errors.New("sealed field needs exactly the keys \"subject\" and \"sealed\"")
	}
	if len(sj.Sealed) > base64.StdEncoding.EncodedLen(MaxSealedBytes) {
		return fmt.Errorf("sealed field is longer than %d bytes", MaxSealedBytes)
	}
	box, err := base64.StdEncoding.Strict().DecodeString(sj.Sealed)
	if err != nil {
		return fmt.Errorf("sealed field is not base64: %w", err)
	}
	*p = Personal{Sealed: &Sealed{Subject: sj.Subject, Box: box}}
	return nil
}

// PersonalField names one personal field of a payload and its subject.
type PersonalField struct {
	// Name is the field's JSON path, e.g. "description", "location.address".
	Name string
	// Subject is the citizen the text is about; empty: the field stays plain.
	Subject string
	// Value is the field's value.
	Value Personal
}

// PersonalFields returns the personal fields of p, in declaration order;
// nil for payloads without any.
func PersonalFields(p Payload) []PersonalField {
	switch p := p.(type) {
	case *CaseReported:
		return []PersonalField{
			{Name: "location.address", Subject: p.Reporter, Value: p.Location.Address},
			{Name: "description", Subject: p.Reporter, Value: p.Description},
		}
	case *CaseRated:
		return []PersonalField{{Name: "comment", Subject: p.Respondent, Value: p.Comment}}
	}
	return nil
}

// MapPersonal returns a copy of p whose personal fields are replaced by
// fn's results, in PersonalFields order; p itself is not changed. A payload
// without personal fields is returned as is.
func MapPersonal(p Payload, fn func(PersonalField) (Personal, error)) (Payload, error) {
	fields := PersonalFields(p)
	if fields == nil {
		return p, nil
	}
	out := make([]Personal, len(fields))
	for i, f := range fields {
		v, err := fn(f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	switch p := p.(type) {
	case *CaseReported:
		c := *p
		c.Location.Address, c.Description = out[0], out[1]
		return &c, nil
	case *CaseRated:
		c := *p
		c.Comment = out[0]
		return &c, nil
	}
	return p, nil
}

// checkSealed refuses a personal field that names a subject and holds
// plain text, and a sealed field sealed for another subject.
func checkSealed(p Payload) error {
	for _, f := range PersonalFields(p) {
		switch {
		case f.Value.Sealed == nil && f.Value.Text != "" && f.Subject != "":
			return fmt.Errorf("%w: %w: %s %s names subject %q and must be sealed (configure the ledger's key store)", ErrInvalid, ErrUnsealed, p.EventType(), f.Name, f.Subject)
		case f.Value.Sealed != nil && f.Value.Sealed.Subject != f.Subject:
			return invalid(f.Name, fmt.Sprintf("is sealed for subject %q, the payload names %q", f.Value.Sealed.Subject, f.Subject))
		}
	}
	return nil
}
