package bundle

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/store"
)

// Members of a line, as bits of a set.
const (
	fPosition = 1 << iota
	fID
	fStream
	fVersion
	fType
	fSchema
	fOccurred
	fRecorded
	fActor
	fData
	fDataB64
	fPrevHash
	fHash

	fRequired = fPosition | fID | fStream | fVersion | fType | fSchema | fOccurred | fRecorded | fActor | fPrevHash | fHash
)

var memberNames = [...]string{"position", "id", "stream", "version", "type", "schema", "occurred_at",
	"recorded_at", "actor", "data", "data_b64", "prev_hash", "hash"}

// lineDecoder decodes events-file lines into a record it reuses. Its
// buffers grow to the largest line seen and are kept. It is not safe for
// concurrent use.
type lineDecoder struct {
	scratch []byte // unescaped text of the string being read
	strs    []byte // stream, actor id and actor unit, made one string at the end
	data    []byte // decoded data_b64
	owned   bool   // the last line's data is in data, not in the line
}

// decode parses one line (without its newline) into rec. rec.Event.Data
// aliases line or the decoder's buffer: it is valid until the next call.
// Errors are *fieldError, or plain errors for the line's JSON syntax.
func (d *lineDecoder) decode(line []byte, rec *store.Record) error {
	*rec = store.Record{}
	e := &rec.Event
	d.strs, d.owned = d.strs[:0], false
	var streamEnd, actorIDEnd, actorUnitEnd, seen int
	streamStart, actorIDStart, actorUnitStart := -1, -1, -1
	p := skipSpace(line, 0)
	if p == len(line) {
		return errors.New("empty line")
	}
	if line[p] != '{' {
		return fmt.Errorf("want a JSON object, found %q at offset %d", line[p], p)
	}
	p = skipSpace(line, p+1)
	if p < len(line) && line[p] == '}' {
		return &fieldError{"position", errors.New("missing")}
	}
	for {
		key, q, err := parseString(line, p, &d.scratch)
		if err != nil {
			return fmt.Errorf("member name at offset %d: %w", p, err)
		}
		bit, name := member(key)
		if bit == 0 {
			return fieldErr(string(key), "unknown field")
		}
		if seen&bit != 0 {
			return fieldErr(name, "appears twice")
		}
		seen |= bit
		p = skipSpace(line, q)
		if p >= len(line) || line[p] != ':' {
			return fmt.Errorf("want ':' after %q at offset %d", name, p)
		}
		p = skipSpace(line, p+1)
		switch bit {
		case fPosition:
			rec.Position, p, err = parseUint(line, p, 1<<64-1)
			if err == nil && rec.Position == 0 {
				err = errors.New("positions start at 1")
			}
		case fVersion:
			e.Version, p, err = parseUint(line, p, 1<<64-1)
		case fSchema:
			var v uint64
			v, p, err = parseUint(line, p, 1<<16-1)
			e.Schema = uint16(v)
		case fID:
			var s []byte
			if s, p, err = parseString(line, p, &d.scratch); err == nil {
				err = parseULID(s, e)
			}
		case fStream:
			streamStart, streamEnd, p, err = d.keep(line, p, events.MaxStreamBytes)
		case fType:
			var s []byte
			if s, p, err = parseString(line, p, &d.scratch); err == nil {
				if len(s) > maxTypeBytes {
					err = fmt.Errorf("%d bytes, more than %d", len(s), maxTypeBytes)
				}
				e.Type = internType(s)
			}
		case fOccurred, fRecorded:
			var s []byte
			if s, p, err = parseString(line, p, &d.scratch); err == nil {
				if bit == fOccurred {
					e.OccurredAt, err = parseTime(s, false)
				} else {
					e.RecordedAt, err = parseTime(s, true)
				}
			}
		case fActor:
			var ferr error
			p, actorIDStart, actorIDEnd, actorUnitStart, actorUnitEnd, ferr = d.actor(line, p, e)
			if ferr != nil {
				return ferr
			}
		case fData:
			start := p
			if p, err = scanValue(line, p, false); err == nil {
				e.Data = line[start:p:p]
				if len(e.Data) > events.MaxPayloadBytes {
					err = fmt.Errorf("%d bytes, more than %d", len(e.Data), events.MaxPayloadBytes)
				}
			}
		case fDataB64:
			var s []byte
			if s, p, err = parseString(line, p, &d.scratch); err == nil {
				e.Data, err = d.decodeB64(s)
				d.owned = true
			}
		case fPrevHash:
			err = d.hash(line, &p, e.PrevHash[:])
		case fHash:
			err = d.hash(line, &p, e.Hash[:])
		}
		if err != nil {
			return &fieldError{name, err}
		}
		p = skipSpace(line, p)
		if p < len(line) && line[p] == ',' {
			p = skipSpace(line, p+1)
			continue
		}
		if p < len(line) && line[p] == '}' {
			p++
			break
		}
		return fmt.Errorf("want ',' or '}' after %q at offset %d", name, p)
	}
	if p = skipSpace(line, p); p != len(line) {
		return fmt.Errorf("text after the object at offset %d", p)
	}
	if seen&(fData|fDataB64) == fData|fDataB64 {
		return fieldErr("data_b64", "data and data_b64 are both given")
	}
	if seen&(fData|fDataB64) == 0 {
		return fieldErr("data", "missing (data or data_b64)")
	}
	if missing := fRequired &^ seen; missing != 0 {
		for i, n := range memberNames {
			if missing&(1<<i) != 0 {
				return fieldErr(n, "missing")
			}
		}
	}
	// One allocation for the three free strings, as the store's decoder.
	all := string(d.strs)
	e.Stream = all[streamStart:streamEnd]
	e.Actor.ID = all[actorIDStart:actorIDEnd]
	e.Actor.Unit = all[actorUnitStart:actorUnitEnd]
	return nil
}

// member returns the bit and the name of a member key, or 0.
func member(key []byte) (int, string) {
	switch string(key) {
	case "position":
		return fPosition, "position"
	case "id":
		return fID, "id"
	case "stream":
		return fStream, "stream"
	case "version":
		return fVersion, "version"
	case "type":
		return fType, "type"
	case "schema":
		return fSchema, "schema"
	case "occurred_at":
		return fOccurred, "occurred_at"
	case "recorded_at":
		return fRecorded, "recorded_at"
	case "actor":
		return fActor, "actor"
	case "data":
		return fData, "data"
	case "data_b64":
		return fDataB64, "data_b64"
	case "prev_hash":
		return fPrevHash, "prev_hash"
	case "hash":
		return fHash, "hash"
	}
	return 0, ""
}

// keep reads a string of at most max bytes into d.strs and returns where
// it lies there.
func (d *lineDecoder) keep(line []byte, p, max int) (start, end, next int, err error) {
	s, next, err := parseString(line, p, &d.scratch)
	if err != nil {
		return 0, 0, next, err
	}
	if len(s) > max {
		return 0, 0, next, fmt.Errorf("%d bytes, more than %d", len(s), max)
	}
	start = len(d.strs)
	d.strs = append(d.strs, s...)
	return start, len(d.strs), next, nil
}

// actor reads the actor object: kind, id and unit, all required.
func (d *lineDecoder) actor(line []byte, p int, e *events.Event) (next, idStart, idEnd, unitStart, unitEnd int, err error) {
	fail := func(field string, err error) (int, int, int, int, int, error) {
		return p, 0, 0, 0, 0, &fieldError{"actor." + field, err}
	}
	if p >= len(line) || line[p] != '{' {
		return p, 0, 0, 0, 0, fieldErr("actor", "want an object {kind, id, unit}")
	}
	p = skipSpace(line, p+1)
	seen := 0
	if p < len(line) && line[p] == '}' {
		return fail("kind", errors.New("missing"))
	}
	for {
		key, q, err := parseString(line, p, &d.scratch)
		if err != nil {
			return p, 0, 0, 0, 0, fieldErr("actor", "member name at offset %d: %v", p, err)
		}
		var bit int
		var name string
		switch string(key) {
		case "kind":
			bit, name = 1, "kind"
		case "id":
			bit, name = 2, "id"
		case "unit":
			bit, name = 4, "unit"
		default:
			return fail(string(key), errors.New("unknown field"))
		}
		if seen&bit != 0 {
			return fail(name, errors.New("appears twice"))
		}
		seen |= bit
		p = skipSpace(line, q)
		if p >= len(line) || line[p] != ':' {
			return fail(name, fmt.Errorf("want ':' at offset %d", p))
		}
		p = skipSpace(line, p+1)
		switch bit {
		case 1:
			var s []byte
			if s, p, err = parseString(line, p, &d.scratch); err == nil && len(s) > maxKindBytes {
				err = fmt.Errorf("%d bytes, more than %d", len(s), maxKindBytes)
			}
			e.Actor.Kind = internKind(s)
		case 2:
			idStart, idEnd, p, err = d.keep(line, p, events.MaxIDBytes)
		case 4:
			unitStart, unitEnd, p, err = d.keep(line, p, events.MaxIDBytes)
		}
		if err != nil {
			return fail(name, err)
		}
		p = skipSpace(line, p)
		if p < len(line) && line[p] == ',' {
			p = skipSpace(line, p+1)
			continue
		}
		if p < len(line) && line[p] == '}' {
			p++
			break
		}
		return fail(name, fmt.Errorf("want ',' or '}' at offset %d", p))
	}
	for i, n := range [...]string{"kind", "id", "unit"} {
		if seen&(1<<i) == 0 {
			return fail(n, errors.New("missing"))
		}
	}
	return p, idStart, idEnd, unitStart, unitEnd, nil
}

// parseUint reads a decimal integer (no sign, no leading zero, no
// fraction) of at most max.
func parseUint(b []byte, p int, max uint64) (uint64, int, error) {
	start := p
	for p < len(b) && b[p] >= '0' && b[p] <= '9' {
		p++
	}
	if p == start || p < len(b) && (b[p] == '.' || b[p] == 'e' || b[p] == 'E') {
		return 0, p, errors.New("want a decimal integer")
	}
	if b[start] == '0' && p-start > 1 {
		return 0, p, errors.New("leading zero")
	}
	var v uint64
	for _, c := range b[start:p] {
		d := uint64(c - '0')
		if v > (max-d)/10 {
			return 0, p, fmt.Errorf("%s is larger than %d", b[start:p], max)
		}
		v = v*10 + d
	}
	return v, p, nil
}

// crockford marks the characters of ULID text (Crockford base32).
var crockford = func() (t [256]bool) {
	for _, c := range "0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz" {
		t[c] = true
	}
	return t
}()

func parseULID(s []byte, e *events.Event) error {
	if len(s) != 26 {
		return fmt.Errorf("want a 26-character ULID, found %d characters", len(s))
	}
	for _, c := range s {
		if !crockford[c] {
			return fmt.Errorf("%q is not a ULID (Crockford base32)", s)
		}
	}
	if s[0] > '7' {
		return fmt.Errorf("%q is larger than the largest ULID", s)
	}
	return e.ID.UnmarshalText(s)
}

// hash reads a 64-hex-digit string into h.
func (d *lineDecoder) hash(line []byte, p *int, h []byte) error {
	s, next, err := parseString(line, *p, &d.scratch)
	*p = next
	if err != nil {
		return err
	}
	if len(s) != 64 {
		return fmt.Errorf("want 64 hex digits, found %d characters", len(s))
	}
	if _, err := hex.Decode(h, s); err != nil {
		return fmt.Errorf("not hex: %v", err)
	}
	return nil
}

var strictB64 = base64.StdEncoding.Strict()

// decodeB64 decodes standard base64 (with padding) into d.data.
func (d *lineDecoder) decodeB64(s []byte) ([]byte, error) {
	n := base64.StdEncoding.DecodedLen(len(s))
	if n > events.MaxPayloadBytes+3 {
		return nil, fmt.Errorf("more than %d bytes", events.MaxPayloadBytes)
	}
	out, err := strictB64.AppendDecode(d.data[:0], s)
	if err != nil || base64.StdEncoding.EncodedLen(len(out)) != len(s) {
		return nil, fmt.Errorf("not standard base64: %v", err)
	}
	if len(out) > events.MaxPayloadBytes {
		return nil, fmt.Errorf("%d bytes, more than %d", len(out), events.MaxPayloadBytes)
	}
	d.data = out
	return out[:len(out):len(out)], nil
}

// Known type names and actor kinds, so that reading them allocates nothing.
var (
	knownTypes = func() map[string]string {
		m := map[string]string{}
		for _, t := range events.Types() {
			m[t] = t
		}
		return m
	}()
	knownKinds = map[string]events.ActorKind{
		string(events.ActorCitizen): events.ActorCitizen, string(events.ActorStaff): events.ActorStaff,
		string(events.ActorUnit): events.ActorUnit, string(events.ActorSystem): events.ActorSystem,
	}
)

func internType(b []byte) string {
	if t, ok := knownTypes[string(b)]; ok {
		return t
	}
	return string(b)
}

func internKind(b []byte) events.ActorKind {
	if k, ok := knownKinds[string(b)]; ok {
		return k
	}
	return events.ActorKind(b)
}
