package disclosure

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/govledger/govledger/projections/stats"
)

const stateVersion = 1

// MarshalState serializes the state: the unit registry (sorted by unit),
// the street and category names in id order, the cells in index order,
// the open cases sorted by case id, the closed resolved cases in the order
// they closed, the as-of time and the topic state of package ballots.
func (p *Projection) MarshalState() ([]byte, error) {
	b := []byte{stateVersion}
	b = binary.AppendUvarint(b, uint64(len(p.units)))
	for _, id := range slices.Sorted(maps.Keys(p.units)) {
		u := p.units[id]
		b = stats.AppendString(b, id)
		b = stats.AppendString(b, u.parent)
		b = append(b, boolByte(u.street))
	}
	for _, in := range []*interner{&p.streets, &p.cats} {
		b = binary.AppendUvarint(b, uint64(len(in.names)))
		for _, s := range in.names {
			b = stats.AppendString(b, s)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(p.cells)))
	for _, c := range p.cells {
		b = binary.AppendUvarint(b, uint64(c.key.street))
		b = binary.AppendUvarint(b, uint64(c.key.cat))
		b = binary.AppendVarint(b, int64(c.key.day))
		b = binary.AppendUvarint(b, uint64(c.reported))
		b = binary.AppendUvarint(b, uint64(c.valid))
		b = binary.AppendUvarint(b, uint64(c.satisfied))
	}
	b = binary.AppendUvarint(b, uint64(len(p.live)))
	for _, id := range slices.Sorted(maps.Keys(p.live)) {
		lc := p.live[id]
		b = stats.AppendString(b, id)
		b = binary.AppendUvarint(b, uint64(lc.cell))
		b = binary.AppendVarint(b, lc.reported)
		b = append(b, boolByte(lc.resolved))
		if lc.resolved {
			b = binary.AppendVarint(b, lc.resolvedAt)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(p.done)))
	for _, d := range p.done {
		b = binary.AppendUvarint(b, uint64(d.cell))
		b = binary.AppendUvarint(b, uint64(d.hours)<<1|uint64(boolByte(d.sameDay)))
	}
	b = append(b, boolByte(p.seen))
	if p.seen {
		b = binary.AppendVarint(b, p.asOf)
	}
	topics, err := p.topics.MarshalState()
	if err != nil {
		return nil, fmt.Errorf("disclosure: topics: %w", err)
	}
	b = binary.AppendUvarint(b, uint64(len(topics)))
	return append(b, topics...), nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// UnmarshalState replaces the state with one MarshalState wrote, or
// returns an error wrapping ErrState for bytes that are truncated,
// trailing or inconsistent (an id out of range, a repeated name or cell).
func (p *Projection) UnmarshalState(data []byte) error {
	q, err := New(Config{K: p.k, Zone: p.loc})
	if err != nil {
		return err
	}
	if err := q.decode(data); err != nil {
		return err
	}
	*p = *q
	return nil
}

func (p *Projection) decode(data []byte) error {
	if len(data) == 0 || data[0] != stateVersion {
		return fmt.Errorf("%w: unknown version", ErrState)
	}
	r := &stats.Decoder{B: data[1:]}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrState}, args...)...)
	}
	readBool := func() bool {
		switch r.Byte() {
		case 0:
			return false
		case 1:
			return true
		}
		if r.Err == nil {
			r.Err = stats.ErrCorrupt
		}
		return false
	}
	n := r.Len()
	prev := ""
	for i := range n {
		id, parent := r.String(), r.String()
		street := readBool()
		if r.Err == nil && (id == "" || (i > 0 && id <= prev)) {
			return bad("units out of order at %q", id)
		}
		prev = id
		p.units[id] = unitRef{parent: parent, street: street}
	}
	for _, in := range []*interner{&p.streets, &p.cats} {
		n := r.Len()
		for range n {
			s := r.String()
			if _, dup := in.ids[s]; dup && r.Err == nil {
				return bad("name %q repeats", s)
			}
			in.id(s)
		}
	}
	n = r.Len()
	for range n {
		var c cell
		street, cat := r.Uvarint(), r.Uvarint()
		day := r.Varint()
		c.reported, c.valid, c.satisfied = int64(r.Uvarint()), int64(r.Uvarint()), int64(r.Uvarint())
		if r.Err != nil {
			break
		}
		if street >= uint64(len(p.streets.names)) || cat >= uint64(len(p.cats.names)) || day != int64(int32(day)) {
			return bad("cell %d: street %d, category %d or day %d out of range", len(p.cells), street, cat, day)
		}
		if c.reported < 1 || c.satisfied < 0 || c.valid < c.satisfied {
			return bad("cell %d: counts %d reported, %d valid, %d satisfied", len(p.cells), c.reported, c.valid, c.satisfied)
		}
		c.key = cellKey{int32(street), int32(cat), int32(day)}
		if _, dup := p.cellIdx[c.key]; dup {
			return bad("cell %d repeats", len(p.cells))
		}
		p.cellIdx[c.key] = int32(len(p.cells))
		p.cells = append(p.cells, c)
	}
	cellID := func(v uint64) int32 {
		if v >= uint64(len(p.cells)) {
			if r.Err == nil {
				r.Err = fmt.Errorf("%w: cell %d of %d", stats.ErrCorrupt, v, len(p.cells))
			}
			return 0
		}
		return int32(v)
	}
	n = r.Len()
	prev = ""
	for i := range n {
		id := r.String()
		lc := liveCase{cell: cellID(r.Uvarint()), reported: r.Varint(), resolved: readBool()}
		if lc.resolved {
			lc.resolvedAt = r.Varint()
		}
		if r.Err == nil && (id == "" || (i > 0 && id <= prev)) {
			return bad("open cases out of order at %q", id)
		}
		prev = id
		p.live[id] = lc
	}
	n = r.Len()
	p.done = make([]doneCase, 0, n)
	for range n {
		c := cellID(r.Uvarint())
		v := r.Uvarint()
		if v>>1 > 1<<31-1 {
			return bad("citizen clock of %d hours", v>>1)
		}
		p.done = append(p.done, doneCase{cell: c, hours: int32(v >> 1), sameDay: v&1 == 1})
	}
	if p.seen = readBool(); p.seen {
		p.asOf = r.Varint()
	}
	n = r.Len()
	if r.Err != nil {
		return fmt.Errorf("%w: %w", ErrState, r.Err)
	}
	topics := r.B[:n]
	if len(r.B) != n {
		return bad("%d trailing bytes", len(r.B)-n)
	}
	if err := p.topics.UnmarshalState(topics); err != nil {
		return fmt.Errorf("%w: topics: %w", ErrState, err)
	}
	return nil
}
