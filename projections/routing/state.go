package routing

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
var ErrState = errors.New("routing: corrupt state")

// stateMagic starts every serialized state; the last byte is the format.
const stateMagic = "routing/v1\x00\x01"

// MarshalState serializes the state in a compact binary form. The same
// state always gives the same bytes.
func (p *Projection) MarshalState() ([]byte, error) {
	b := make([]byte, 0, 64+len(p.cases)*24+len(p.hops)*10)
	b = append(b, stateMagic...)
	b = p.tab.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(len(p.lists)))
	for _, l := range p.lists {
		b = binary.AppendUvarint(b, uint64(l.version))
		b = binary.AppendVarint(b, l.from)
		b = uv(b, l.fallback, uint32(len(l.rules)))
		for _, r := range l.rules {
			b = uv(b, r.id, r.cat, r.street, r.unit)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(p.cases)))
	for i := range p.cases {
		c := &p.cases[i]
		b = binary.AppendVarint(b, c.reported)
		b = uv(b, c.rest, c.cat, c.loc, c.resolvedUnit, c.lastTo, c.lastHop, c.hops)
		b = append(b, c.firstMode, c.flags)
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
	b = binary.AppendUvarint(b, uint64(len(p.hops)))
	for i := range p.hops {
		h := &p.hops[i]
		b = uv(b, h.caseIdx, h.from, h.to, h.prev, h.dwell)
		b = append(b, h.mode, h.flags)
	}
	b = binary.AppendUvarint(b, uint64(len(p.rets)))
	for _, r := range p.rets {
		b = uv(b, r.caseIdx, r.unit, r.reason)
	}
	b = binary.AppendUvarint(b, uint64(len(p.contra)))
	for _, k := range p.contra {
		b = uv(b, k.hop)
		b = binary.AppendVarint(b, k.at)
		b = uv(b, k.cited, k.inForce, k.expected)
	}
	named := make([]uint32, 0, len(p.named))
	for ci := range p.named {
		named = append(named, ci)
	}
	slices.Sort(named)
	b = binary.AppendUvarint(b, uint64(len(named)))
	for _, ci := range named {
		b = uv(b, ci)
		b = stats.AppendString(b, p.named[ci])
	}
	return b, nil
}

func uv(b []byte, xs ...uint32) []byte {
	for _, x := range xs {
		b = binary.AppendUvarint(b, uint64(x))
	}
	return b
}

// reader wraps stats.Decoder with bounds checks on ids.
type reader struct {
	stats.Decoder
}

// id reads a uvarint that must be below n.
func (r *reader) id(n int, what string) uint32 {
	v := r.Uvarint()
	if r.Err == nil && v >= uint64(n) {
		r.Err = fmt.Errorf("%s %d out of range [0,%d)", what, v, n)
	}
	return uint32(v)
}

// u32 reads a uvarint that must fit in 32 bits.
func (r *reader) u32(what string) uint32 {
	v := r.Uvarint()
	if r.Err == nil && v > 1<<32-1 {
		r.Err = fmt.Errorf("%s %d overflows", what, v)
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
		return errors.New("not a routing/v1 state")
	}
	p.reset()
	r := &reader{stats.Decoder{B: b[len(stateMagic):]}}

	if err := p.tab.Decode(&r.Decoder); err != nil {
		return err
	}
	nn := len(p.tab.Names)
	var n int

	n = r.Len()
	for range n {
		l := list{version: r.u32("list version"), from: r.Varint(), fallback: r.id(nn, "fallback")}
		k := r.Len()
		if r.Err != nil {
			break
		}
		l.rules = make([]rule, k)
		for j := range l.rules {
			l.rules[j] = rule{r.id(nn, "rule id"), r.id(nn, "category"), r.id(nn, "street"), r.id(nn, "unit")}
		}
		if r.Err != nil {
			break
		}
		if l.version == 0 || slices.ContainsFunc(p.lists, func(o list) bool { return o.version == l.version }) {
			return fmt.Errorf("list version %d is 0 or repeats", l.version)
		}
		l.buildIndex()
		p.lists = append(p.lists, l)
	}

	n = r.Len()
	if r.Err != nil {
		return r.Err
	}
	p.cases = make([]caseRec, n)
	for i := range p.cases {
		c := &p.cases[i]
		c.reported, c.rest = r.Varint(), r.u32("rest")
		c.cat, c.loc = r.id(nn, "category"), r.id(len(p.tab.Locs), "location")
		c.resolvedUnit, c.lastTo = r.id(nn, "unit"), r.id(nn, "unit")
		c.lastHop, c.hops = r.u32("last hop"), r.u32("hops")
		c.firstMode, c.flags = r.Byte(), r.Byte()
		if r.Err != nil {
			return r.Err
		}
		if c.firstMode > modeForced || c.flags&^cFlagsAll != 0 || (c.flags&cDispatched != 0) != (c.hops > 0) {
			return fmt.Errorf("case %d: bad mode, flags or hops", i)
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
	p.hops = make([]hop, n)
	for i := range p.hops {
		h := &p.hops[i]
		h.caseIdx = r.id(len(p.cases), "case")
		h.from, h.to = r.id(nn, "unit"), r.id(nn, "unit")
		h.prev = r.id(i+1, "previous hop") // strictly earlier: chains end
		h.dwell = r.u32("dwell")
		h.mode, h.flags = r.Byte(), r.Byte()
		if r.Err != nil {
			return r.Err
		}
		if h.mode > modeForced || h.flags&^hFlagsAll != 0 {
			return fmt.Errorf("hop %d: bad mode or flags", i)
		}
	}
	for i := range p.cases {
		if p.cases[i].lastHop > uint32(len(p.hops)) {
			return fmt.Errorf("case %d: last hop out of range", i)
		}
	}

	n = r.Len()
	if r.Err != nil {
		return r.Err
	}
	p.rets = make([]ret, n)
	for i := range p.rets {
		p.rets[i] = ret{r.id(len(p.cases), "case"), r.id(nn, "unit"), r.id(nn, "reason")}
	}

	n = r.Len()
	if r.Err != nil {
		return r.Err
	}
	p.contra = make([]contradiction, n)
	for i := range p.contra {
		k := &p.contra[i]
		k.hop = r.id(len(p.hops), "hop")
		k.at = r.Varint()
		k.cited, k.inForce, k.expected = r.u32("version"), r.u32("version"), r.id(nn, "unit")
	}

	n = r.Len()
	for range n {
		ci := r.id(len(p.cases), "case")
		id := r.String()
		if r.Err != nil {
			break
		}
		if _, dup := p.named[ci]; dup {
			return fmt.Errorf("case %d named twice", ci)
		}
		p.named[ci] = id
	}
	if r.Err != nil {
		return r.Err
	}
	if len(r.B) != 0 {
		return fmt.Errorf("%d trailing bytes", len(r.B))
	}
	return nil
}
