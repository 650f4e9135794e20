package events

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// formatV1 is the first byte of every canonical encoding. A future layout
// gets a new format byte; decoders keep reading the old ones.
const formatV1 = 1

// Canonical layout (format 1), all integers big-endian or uvarint:
//
//	format        1 byte (= 1)
//	id            16 bytes (ULID)
//	stream        uvarint length + bytes
//	version       uvarint
//	type          uvarint length + bytes
//	schema        uvarint
//	occurred_at   8 bytes unix nanoseconds (UTC) + varint zone offset seconds
//	recorded_at   8 bytes unix nanoseconds (UTC)
//	actor         kind, id, unit: each uvarint length + bytes
//	data          uvarint length + bytes
//	prev_hash     32 bytes
//
// The body is hashed; a stored record is the body followed by the 32-byte hash.

// AppendBody appends e's canonical body (everything hashed, PrevHash last)
// to dst and returns the extended slice.
func AppendBody(dst []byte, e *Event) []byte {
	// One allocation: every length below is bounded by these sizes.
	if need := bodySize(e); cap(dst)-len(dst) < need {
		dst = append(make([]byte, 0, len(dst)+need+32), dst...)
	}
	dst = append(dst, formatV1)
	dst = append(dst, e.ID[:]...)
	dst = appendString(dst, e.Stream)
	dst = binary.AppendUvarint(dst, e.Version)
	dst = appendString(dst, e.Type)
	dst = binary.AppendUvarint(dst, uint64(e.Schema))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.OccurredAt.UnixNano()))
	dst = binary.AppendVarint(dst, int64(offset(e.OccurredAt)))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.RecordedAt.UnixNano()))
	dst = appendString(dst, string(e.Actor.Kind))
	dst = appendString(dst, e.Actor.ID)
	dst = appendString(dst, e.Actor.Unit)
	dst = binary.AppendUvarint(dst, uint64(len(e.Data)))
	dst = append(dst, e.Data...)
	dst = append(dst, e.PrevHash[:]...)
	return dst
}

// bodySize bounds the length of e's canonical body.
func bodySize(e *Event) int {
	const varints = 7 * binary.MaxVarintLen64
	return 1 + 16 + 8 + 8 + 32 + varints + len(e.Stream) + len(e.Type) +
		len(e.Actor.Kind) + len(e.Actor.ID) + len(e.Actor.Unit) + len(e.Data) + binary.MaxVarintLen64
}

// HashBody returns SHA-256 of a canonical body.
func HashBody(body []byte) Hash { return sha256.Sum256(body) }

// AppendRecord appends the stored record of a sealed event (body || hash).
func AppendRecord(dst []byte, e *Event) []byte {
	dst = AppendBody(dst, e)
	return append(dst, e.Hash[:]...)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeRecord decodes a stored record (body || hash) into e. e.Data is a
// copy; the record may be reused afterwards. It does not check the hash; use
// VerifyRecord for that.
func DecodeRecord(rec []byte, e *Event) error {
	return decodeRecord(rec, e, true)
}

// DecodeRecordNoCopy is DecodeRecord with e.Data aliasing rec: the caller
// must not use e.Data after rec is reused. It saves one copy per event on
// scans that fold and discard.
func DecodeRecordNoCopy(rec []byte, e *Event) error {
	return decodeRecord(rec, e, false)
}

// VerifyRecord checks that the stored hash equals SHA-256 of the body and
// returns the computed hash.
func VerifyRecord(rec []byte) (stored, computed Hash, err error) {
	if len(rec) < 1+16+32+32 {
		return stored, computed, fmt.Errorf("%w: record of %d bytes is too short", ErrCorrupt, len(rec))
	}
	body := rec[:len(rec)-32]
	copy(stored[:], rec[len(rec)-32:])
	computed = HashBody(body)
	if stored != computed {
		return stored, computed, ErrHashMismatch
	}
	return stored, computed, nil
}

// RecordBody returns the hashed part of a stored record.
func RecordBody(rec []byte) []byte {
	if len(rec) < 32 {
		return nil
	}
	return rec[:len(rec)-32]
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated or malformed %s", ErrCorrupt, what)
	}
}

func (d *decoder) bytes(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail(what)
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n > 1 && d.b[n-1] == 0 { // a zero last byte is a non-minimal, non-canonical encoding
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 || n > 1 && d.b[n-1] == 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) lenBytes(what string, max int) []byte {
	n := d.uvarint(what)
	if n > uint64(max) {
		d.fail(what)
		return nil
	}
	return d.bytes(int(n), what)
}

func (d *decoder) u64(what string) uint64 {
	b := d.bytes(8, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func decodeRecord(rec []byte, e *Event, copyData bool) error {
	d := decoder{b: rec}
	f := d.bytes(1, "format")
	if d.err == nil && f[0] != formatV1 {
		return fmt.Errorf("%w: unknown format byte %d", ErrCorrupt, f[0])
	}
	copy(e.ID[:], d.bytes(16, "id"))
	e.Stream = internString(d.lenBytes("stream", MaxStreamBytes))
	e.Version = d.uvarint("version")
	e.Type = internType(d.lenBytes("type", 64))
	schema := d.uvarint("schema")
	if schema > 0xffff {
		d.fail("schema")
	}
	e.Schema = uint16(schema)
	occ := int64(d.u64("occurred_at"))
	off := d.varint("zone offset")
	if off < -maxZoneOffset || off > maxZoneOffset {
		d.fail("zone offset")
	}
	rec64 := int64(d.u64("recorded_at"))
	e.Actor.Kind = ActorKind(internType(d.lenBytes("actor kind", 16)))
	e.Actor.ID = string(d.lenBytes("actor id", MaxIDBytes))
	e.Actor.Unit = string(d.lenBytes("actor unit", MaxIDBytes))
	data := d.lenBytes("data", MaxPayloadBytes)
	copy(e.PrevHash[:], d.bytes(32, "prev_hash"))
	copy(e.Hash[:], d.bytes(32, "hash"))
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(d.b))
	}
	if copyData {
		e.Data = append([]byte(nil), data...)
	} else {
		e.Data = data
	}
	e.OccurredAt = time.Unix(0, occ).In(zoneFor(int(off)))
	e.RecordedAt = time.Unix(0, rec64).UTC()
	return nil
}

func internString(b []byte) string { return string(b) }

// internType returns the catalogue's own string for known type names and
// actor kinds, so decoding a known type allocates nothing.
func internType(b []byte) string {
	if s, ok := interned[string(b)]; ok {
		return s
	}
	return string(b)
}

var interned = func() map[string]string {
	m := map[string]string{}
	for t := range catalogue {
		m[t] = t
	}
	for _, k := range []ActorKind{ActorCitizen, ActorStaff, ActorUnit, ActorSystem} {
		m[string(k)] = string(k)
	}
	return m
}()

// zoneFor returns a fixed zone for an offset, shared for common offsets.
func zoneFor(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if off%900 == 0 && off >= -14*3600 && off <= 14*3600 {
		return zones[(off+14*3600)/900]
	}
	return time.FixedZone("", off)
}

var zones = func() []*time.Location {
	z := make([]*time.Location, 2*14*4+1)
	for i := range z {
		z[i] = time.FixedZone("", i*900-14*3600)
	}
	return z
}()
