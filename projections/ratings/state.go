package ratings

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/govledger/govledger/projections/stats"
)

// ErrState is returned by UnmarshalState for bytes that are not a state
// this version wrote.
var ErrState = errors.New("ratings: corrupt state")

// stateMagic starts every serialized state; the last byte is the format.
const stateMagic = "ratings/v1\x00\x01"

// MarshalState serializes the state in a compact binary form. The same
// state always gives the same bytes. The configuration (zone, weights,
// credit) is not part of the state: it only shapes reports.
func (p *Projection) MarshalState() ([]byte, error) {
	b := make([]byte, 0, 64+len(p.cases)*20)
	b = append(b, stateMagic...)
	b = p.tab.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(len(p.cases)))
	for i := range p.cases {
		c := &p.cases[i]
		b = binary.AppendVarint(b, c.reported)
		b = uv(b, c.cat, c.loc, c.resolvedUnit, c.lastTo)
		b = append(b, c.flags)
		if c.flags&cRated != 0 {
			b = binary.AppendVarint(b, c.ratedAt)
			b = uv(b, c.ratedUnit, uint32(c.superseded))
			b = append(b, c.answer)
		}
	}
	ids := make([]string, 0, len(p.live))
	for id := range p.live {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = stats.AppendString(b, id)
		b = uv(b, p.live[id])
	}
	b = binary.AppendUvarint(b, uint64(len(p.invalid)))
	for _, r := range p.invalid {
		b = binary.AppendVarint(b, r.at)
		b = uv(b, r.caseIdx, r.unit, r.reason)
	}
	return b, nil
}

func uv(b []byte, xs ...uint32) []byte {
	for _, x := range xs {
		b = binary.AppendUvarint(b, uint64(x))
	}
	return b
}

type reader struct{ stats.Decoder }

// id reads a uvarint that must be below n.
func (r *reader) id(n int, what string) uint32 {
	v := r.Uvarint()
	if r.Err == nil && v >= uint64(n) {
		r.Err = fmt.Errorf("%s %d out of range [0,%d)", what, v, n)
	}
	return uint32(v)
}

// UnmarshalState replaces the state with one MarshalState wrote. Corrupt
// or truncated bytes give an error wrapping ErrState and leave the
// projection empty.
func (p *Projection) UnmarshalState(b []byte) error {
	if err := p.unmarshal(b); err != nil {
		p.reset()
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	return nil
}

func (p *Projection) unmarshal(b []byte) error {
	if !strings.HasPrefix(string(b), stateMagic) {
		return errors.New("not a ratings/v1 state")
	}
	p.reset()
	r := &reader{stats.Decoder{B: b[len(stateMagic):]}}

	if err := p.tab.Decode(&r.Decoder); err != nil {
		return err
	}
	nn := len(p.tab.Names)
	var n int

	n = r.Len()
	if r.Err != nil {
		return r.Err
	}
	p.cases = make([]caseRec, n)
	for i := range p.cases {
		c := &p.cases[i]
		c.reported = r.Varint()
		c.cat, c.loc = r.id(nn, "category"), r.id(len(p.tab.Locs), "location")
		c.resolvedUnit, c.lastTo = r.id(nn, "unit"), r.id(nn, "unit")
		c.flags = r.Byte()
		if r.Err == nil && c.flags&^cFlagsAll != 0 {
			return fmt.Errorf("case %d: bad flags", i)
		}
		if c.flags&cRated != 0 {
			c.ratedAt = r.Varint()
			c.ratedUnit = r.id(nn, "unit")
			c.superseded = uint16(r.id(1<<16, "superseded"))
			c.answer = r.Byte()
			if r.Err == nil && c.answer&^aAll != 0 {
				return fmt.Errorf("case %d: bad answer", i)
			}
		}
		if r.Err != nil {
			return r.Err
		}
	}

	n = r.Len()
	for range n {
		id := r.String()
		ci := r.id(len(p.cases), "case")
		if r.Err != nil {
			break
		}
		if _, dup := p.live[id]; dup || id == "" {
			return fmt.Errorf("live case %q repeats", id)
		}
		p.live[id] = ci
	}

	n = r.Len()
	if r.Err != nil {
		return r.Err
	}
	p.invalid = make([]invalidRating, n)
	for i := range p.invalid {
		x := &p.invalid[i]
		x.at = r.Varint()
		x.caseIdx, x.unit, x.reason = r.id(len(p.cases), "case"), r.id(nn, "unit"), r.id(nn, "reason")
	}
	if r.Err != nil {
		return r.Err
	}
	if len(r.B) != 0 {
		return fmt.Errorf("%d trailing bytes", len(r.B))
	}
	return nil
}
