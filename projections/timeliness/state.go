package timeliness

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/govledger/govledger/projections/stats"
)

// ErrState is returned by UnmarshalState for bytes it cannot read.
var ErrState = errors.New("timeliness: corrupt state")

const stateVersion = 1

// MarshalState serializes the state in a compact, deterministic binary
// form: a version byte, the latest time, the unknown-policy count, the
// interned strings in id order, the case records, the hops, and the live
// cases sorted by case id.
func (p *Projection) MarshalState() ([]byte, error) {
	b := make([]byte, 0, 64+len(p.recs)*24+len(p.hops)*6+len(p.live)*24)
	b = append(b, stateVersion)
	b = binary.AppendVarint(b, p.latest)
	b = binary.AppendUvarint(b, uint64(p.unknownPolicy))
	b = binary.AppendUvarint(b, uint64(len(p.strs.s)-1))
	for _, s := range p.strs.s[1:] {
		b = stats.AppendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(p.recs)))
	prev := int64(0)
	for i := range p.recs {
		r := &p.recs[i]
		b = binary.AppendVarint(b, r.reported-prev) // mostly small deltas
		prev = r.reported
		for _, o := range [...]int32{r.intake, r.accepted, r.resolved, r.deadline, r.dwell} {
			b = binary.AppendVarint(b, int64(o))
		}
		for _, u := range [...]uint32{r.unit, r.category, r.channel, r.street, r.comm, r.grid} {
			b = binary.AppendUvarint(b, uint64(u))
		}
		b = append(b, r.state)
	}
	b = binary.AppendUvarint(b, uint64(len(p.hops)))
	for _, h := range p.hops {
		b = binary.AppendUvarint(b, uint64(h.rec))
		b = binary.AppendUvarint(b, uint64(h.unit))
		b = binary.AppendVarint(b, int64(h.dwell))
	}
	ids := make([]string, 0, len(p.live))
	for id := range p.live {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		l := p.live[id]
		b = stats.AppendString(b, id)
		b = binary.AppendUvarint(b, uint64(l.idx))
		b = binary.AppendUvarint(b, uint64(l.lastDisp))
		b = binary.AppendUvarint(b, uint64(l.pendUnit))
		b = binary.AppendVarint(b, l.pendAt)
	}
	return b, nil
}

// UnmarshalState replaces the state with a serialized one. It refuses
// corrupt or truncated input with an error wrapping ErrState.
func (p *Projection) UnmarshalState(b []byte) (err error) {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrState, what) }
	if len(b) == 0 || b[0] != stateVersion {
		return bad("unknown version")
	}
	d := &stats.Decoder{B: b[1:]}
	latest := d.Varint()
	unknown := d.Uvarint()
	n := d.Len()
	strs := newInterner()
	for range n {
		s := d.String()
		if d.Err != nil {
			break
		}
		if _, dup := strs.m[s]; dup {
			return bad("duplicate string")
		}
		strs.id(s)
	}
	nstr := uint64(len(strs.s))
	str := func() uint32 {
		v := d.Uvarint()
		if v >= nstr {
			d.Err = errors.Join(d.Err, errors.New("string id out of range"))
		}
		return uint32(v)
	}
	i32 := func() int32 {
		v := d.Varint()
		if v < int64(none) || v > 1<<31-1 {
			d.Err = errors.Join(d.Err, errors.New("offset out of range"))
		}
		return int32(v)
	}
	n = d.Len()
	recs := make([]rec, 0, n)
	prev := int64(0)
	for range n {
		if d.Err != nil {
			break
		}
		var r rec
		prev += d.Varint()
		r.reported = prev
		r.intake, r.accepted, r.resolved, r.deadline, r.dwell = i32(), i32(), i32(), i32(), i32()
		r.unit, r.category, r.channel, r.street, r.comm, r.grid = str(), str(), str(), str(), str(), str()
		r.state = d.Byte()
		if r.state&stateMask > stClosed || r.state&^(stateMask|sameDayBit) != 0 {
			return bad("case state")
		}
		recs = append(recs, r)
	}
	n = d.Len()
	hops := make([]hop, 0, n)
	for range n {
		if d.Err != nil {
			break
		}
		h := hop{rec: uint32(d.Uvarint()), unit: str(), dwell: i32()}
		if uint64(h.rec) >= uint64(len(recs)) {
			return bad("hop of an unknown case")
		}
		hops = append(hops, h)
	}
	n = d.Len()
	lv := make(map[string]*live, n)
	last := ""
	for i := range n {
		if d.Err != nil {
			break
		}
		id := d.String()
		l := live{idx: uint32(d.Uvarint()), lastDisp: str(), pendUnit: str(), pendAt: d.Varint()}
		if i > 0 && strings.Compare(id, last) <= 0 {
			return bad("live cases out of order")
		}
		if uint64(l.idx) >= uint64(len(recs)) {
			return bad("live case of an unknown record")
		}
		last = id
		lv[id] = &l
	}
	if d.Err != nil {
		return fmt.Errorf("%w: %w", ErrState, d.Err)
	}
	if len(d.B) != 0 {
		return bad("trailing bytes")
	}
	p.latest, p.unknownPolicy, p.strs, p.recs, p.hops, p.live = latest, int64(unknown), strs, recs, hops, lv
	return nil
}
