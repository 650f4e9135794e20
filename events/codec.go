package events

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
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
	// At most one allocation: every length below is bounded by these
	// sizes. Growth is geometric, so that appending many bodies to one
	// buffer stays linear.
	dst = slices.Grow(dst, bodySize(e))
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

// The decoder is straight-line code over an offset: it runs once per event
// on every scan, so it avoids per-field method calls. p < 0 marks an error.

// uvar reads a uvarint at p; one-byte values (most lengths) take the
// inlined path.
func uvar(b []byte, p int) (uint64, int) {
	if p >= 0 && p < len(b) && b[p] < 0x80 {
		return uint64(b[p]), p + 1
	}
	return uvarSlow(b, p)
}

func uvarSlow(b []byte, p int) (uint64, int) {
	if p < 0 || p >= len(b) {
		return 0, -1
	}
	v, n := binary.Uvarint(b[p:])
	if n <= 0 || n > 1 && b[p+n-1] == 0 { // a zero last byte is a non-minimal, non-canonical encoding
		return 0, -1
	}
	return v, p + n
}

func svar(b []byte, p int) (int64, int) {
	if p < 0 || p >= len(b) {
		return 0, -1
	}
	v, n := binary.Varint(b[p:])
	if n <= 0 || n > 1 && b[p+n-1] == 0 {
		return 0, -1
	}
	return v, p + n
}

// field reads a length-prefixed field of at most max bytes at p.
func field(b []byte, p, max int) ([]byte, int) {
	n, p := uvar(b, p)
	if p < 0 || n > uint64(max) || uint64(len(b)-p) < n {
		return nil, -1
	}
	return b[p : p+int(n) : p+int(n)], p + int(n)
}

// fixed reads n bytes at p.
func fixed(b []byte, p, n int) ([]byte, int) {
	if p < 0 || len(b)-p < n {
		return nil, -1
	}
	return b[p : p+n : p+n], p + n
}

func malformed(what string) error {
	return fmt.Errorf("%w: truncated or malformed %s", ErrCorrupt, what)
}

// RecordView is a stored record parsed without decoding: byte slices
// into the record, for verifiers that need only the chain fields.
type RecordView struct {
	Stream   []byte
	Version  uint64
	PrevHash Hash
	Hash     Hash
	// Body is the hashed part of the record (everything but Hash).
	Body []byte
}

// ParseRecordView checks the whole structure of a stored record, exactly
// as DecodeRecord does, and fills v with slices into rec, allocating
// nothing. It returns the same errors as DecodeRecord.
func ParseRecordView(rec []byte, v *RecordView) error {
	var f recordFields
	if err := parseRecord(rec, &f); err != nil {
		return err
	}
	v.Stream, v.Version, v.Body = f.stream, f.version, rec[:len(rec)-32]
	copy(v.PrevHash[:], f.prev)
	copy(v.Hash[:], f.hash)
	return nil
}

// recordFields are the fields of a record, as slices into it. parseRecord
// walks the same layout as decodeRecord, which keeps its own straight-line
// copy: sharing this one cost it a third of its speed.
type recordFields struct {
	id, stream, typ, occ, recd, kind, actorID, actorUnit, data, prev, hash []byte
	version, schema                                                        uint64
	off                                                                    int64
}

func parseRecord(rec []byte, f *recordFields) error {
	if len(rec) < 1 {
		return malformed("format")
	}
	if rec[0] != formatV1 {
		return fmt.Errorf("%w: unknown format byte %d", ErrCorrupt, rec[0])
	}
	var p int
	f.id, p = fixed(rec, 1, 16)
	if p < 0 {
		return malformed("id")
	}
	f.stream, p = field(rec, p, MaxStreamBytes)
	if p < 0 {
		return malformed("stream")
	}
	f.version, p = uvar(rec, p)
	if p < 0 {
		return malformed("version")
	}
	f.typ, p = field(rec, p, 64)
	if p < 0 {
		return malformed("type")
	}
	f.schema, p = uvar(rec, p)
	if p < 0 || f.schema > 0xffff {
		return malformed("schema")
	}
	f.occ, p = fixed(rec, p, 8)
	if p < 0 {
		return malformed("occurred_at")
	}
	f.off, p = svar(rec, p)
	if p < 0 || f.off < -maxZoneOffset || f.off > maxZoneOffset {
		return malformed("zone offset")
	}
	f.recd, p = fixed(rec, p, 8)
	if p < 0 {
		return malformed("recorded_at")
	}
	f.kind, p = field(rec, p, 16)
	if p < 0 {
		return malformed("actor kind")
	}
	f.actorID, p = field(rec, p, MaxIDBytes)
	if p < 0 {
		return malformed("actor id")
	}
	f.actorUnit, p = field(rec, p, MaxIDBytes)
	if p < 0 {
		return malformed("actor unit")
	}
	f.data, p = field(rec, p, MaxPayloadBytes)
	if p < 0 {
		return malformed("data")
	}
	f.prev, p = fixed(rec, p, 32)
	if p < 0 {
		return malformed("prev_hash")
	}
	f.hash, p = fixed(rec, p, 32)
	if p < 0 {
		return malformed("hash")
	}
	if p != len(rec) {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(rec)-p)
	}
	return nil
}

func decodeRecord(rec []byte, e *Event, copyData bool) error {
	if len(rec) < 1 {
		return malformed("format")
	}
	if rec[0] != formatV1 {
		return fmt.Errorf("%w: unknown format byte %d", ErrCorrupt, rec[0])
	}
	id, p := fixed(rec, 1, 16)
	if p < 0 {
		return malformed("id")
	}
	stream, p := field(rec, p, MaxStreamBytes)
	if p < 0 {
		return malformed("stream")
	}
	version, p := uvar(rec, p)
	if p < 0 {
		return malformed("version")
	}
	typ, p := field(rec, p, 64)
	if p < 0 {
		return malformed("type")
	}
	schema, p := uvar(rec, p)
	if p < 0 || schema > 0xffff {
		return malformed("schema")
	}
	occ, p := fixed(rec, p, 8)
	if p < 0 {
		return malformed("occurred_at")
	}
	off, p := svar(rec, p)
	if p < 0 || off < -maxZoneOffset || off > maxZoneOffset {
		return malformed("zone offset")
	}
	recd, p := fixed(rec, p, 8)
	if p < 0 {
		return malformed("recorded_at")
	}
	kind, p := field(rec, p, 16)
	if p < 0 {
		return malformed("actor kind")
	}
	actorID, p := field(rec, p, MaxIDBytes)
	if p < 0 {
		return malformed("actor id")
	}
	actorUnit, p := field(rec, p, MaxIDBytes)
	if p < 0 {
		return malformed("actor unit")
	}
	data, p := field(rec, p, MaxPayloadBytes)
	if p < 0 {
		return malformed("data")
	}
	prev, p := fixed(rec, p, 32)
	if p < 0 {
		return malformed("prev_hash")
	}
	hash, p := fixed(rec, p, 32)
	if p < 0 {
		return malformed("hash")
	}
	if p != len(rec) {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(rec)-p)
	}
	copy(e.ID[:], id)
	e.Version = version
	e.Schema = uint16(schema)
	copy(e.PrevHash[:], prev)
	copy(e.Hash[:], hash)
	// Type and actor kind are catalogue constants; the three free strings
	// share one allocation.
	e.Type = internType(typ)
	e.Actor.Kind = internKind(kind)
	var buf [MaxStreamBytes + 2*MaxIDBytes]byte
	n := copy(buf[:], stream)
	n += copy(buf[n:], actorID)
	n += copy(buf[n:], actorUnit)
	all := string(buf[:n])
	e.Stream = all[:len(stream)]
	e.Actor.ID = all[len(stream) : len(stream)+len(actorID)]
	e.Actor.Unit = all[len(stream)+len(actorID):]
	if copyData {
		e.Data = append([]byte(nil), data...)
	} else {
		e.Data = data
	}
	e.OccurredAt = time.Unix(0, int64(binary.BigEndian.Uint64(occ))).In(zoneFor(int(off)))
	e.RecordedAt = time.Unix(0, int64(binary.BigEndian.Uint64(recd))).UTC()
	return nil
}

// internType returns the catalogue's own string for a known type name, so
// decoding a known type allocates nothing.
func internType(b []byte) string {
	switch string(b) {
	case TypeCaseReported:
		return TypeCaseReported
	case TypeCaseDispatched:
		return TypeCaseDispatched
	case TypeCaseReturned:
		return TypeCaseReturned
	case TypeCaseAccepted:
		return TypeCaseAccepted
	case TypeCaseContacted:
		return TypeCaseContacted
	case TypeCaseExtended:
		return TypeCaseExtended
	case TypeCaseResolved:
		return TypeCaseResolved
	case TypeCaseReopened:
		return TypeCaseReopened
	case TypeCaseRated:
		return TypeCaseRated
	case TypeCaseMerged:
		return TypeCaseMerged
	case TypeCaseClosed:
		return TypeCaseClosed
	case TypeTopicOpened:
		return TypeTopicOpened
	case TypeBallotCast:
		return TypeBallotCast
	case TypeTopicClosed:
		return TypeTopicClosed
	case TypeUnitRegistered:
		return TypeUnitRegistered
	case TypeRespPublished:
		return TypeRespPublished
	case TypeSubjectErased:
		return TypeSubjectErased
	case TypeActivityRecorded:
		return TypeActivityRecorded
	case TypeImportRecorded:
		return TypeImportRecorded
	}
	return string(b)
}

// internKind is internType for actor kinds.
func internKind(b []byte) ActorKind {
	switch string(b) {
	case string(ActorCitizen):
		return ActorCitizen
	case string(ActorStaff):
		return ActorStaff
	case string(ActorUnit):
		return ActorUnit
	case string(ActorSystem):
		return ActorSystem
	}
	return ActorKind(b)
}

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
