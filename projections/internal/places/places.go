// Package places interns what a projection keeps per case as small
// integers: names (units, categories, streets, communities, grids,
// channels) and locations (a street, community, grid and channel), and
// serializes them deterministically, in the order they were first seen.
package places

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/stats"
)

// Location is an interned (street, community, grid, channel).
type Location struct{ Street, Community, Grid, Channel uint32 }

// Table is a name and location table. The zero Table is not ready: call
// Reset. Name 0 is always "".
type Table struct {
	Names  []string // by id
	Locs   []Location
	ids    map[string]uint32
	locIDs map[Location]uint32
}

// Reset empties the table.
func (t *Table) Reset() {
	t.Names = []string{""}
	t.ids = map[string]uint32{"": 0}
	t.Locs = nil
	t.locIDs = map[Location]uint32{}
}

// Name returns the id of s, interning a copy of it if new.
func (t *Table) Name(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := t.ids[s]; ok {
		return id
	}
	s = strings.Clone(s)
	id := uint32(len(t.Names))
	t.Names = append(t.Names, s)
	t.ids[s] = id
	return id
}

// Loc returns the id of a case's location and channel, interning it if new.
func (t *Table) Loc(l events.Location, channel string) uint32 {
	k := Location{t.Name(l.Street), t.Name(l.Community), t.Name(l.Grid), t.Name(channel)}
	if id, ok := t.locIDs[k]; ok {
		return id
	}
	id := uint32(len(t.Locs))
	t.Locs = append(t.Locs, k)
	t.locIDs[k] = id
	return id
}

// Dimension returns the name id of location loc in a location dimension
// (projections.ByStreet, ByCommunity, ByGrid, ByChannel), and false for
// any other dimension.
func (t *Table) Dimension(loc uint32, by string) (uint32, bool) {
	l := t.Locs[loc]
	switch by {
	case projections.ByStreet:
		return l.Street, true
	case projections.ByCommunity:
		return l.Community, true
	case projections.ByGrid:
		return l.Grid, true
	case projections.ByChannel:
		return l.Channel, true
	}
	return 0, false
}

// AppendBinary appends the table: the names, then the locations.
func (t *Table) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(t.Names)))
	for _, s := range t.Names {
		b = stats.AppendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(t.Locs)))
	for _, l := range t.Locs {
		for _, x := range [4]uint32{l.Street, l.Community, l.Grid, l.Channel} {
			b = binary.AppendUvarint(b, uint64(x))
		}
	}
	return b
}

// Decode replaces the table with one AppendBinary wrote. It refuses a
// table whose first name is not "", a name or location given twice, and a
// location naming an id out of range.
func (t *Table) Decode(d *stats.Decoder) error {
	t.Reset()
	n := d.Len()
	if d.Err == nil && n == 0 {
		return errors.New("no names")
	}
	t.Names = make([]string, 0, n)
	t.ids = make(map[string]uint32, n)
	for i := range n {
		s := d.String()
		if d.Err != nil {
			return d.Err
		}
		if _, dup := t.ids[s]; dup || i == 0 && s != "" {
			return fmt.Errorf("name %d %q repeats", i, s)
		}
		t.ids[s] = uint32(i)
		t.Names = append(t.Names, s)
	}
	id := func(what string) uint32 {
		v := d.Uvarint()
		if d.Err == nil && v >= uint64(len(t.Names)) {
			d.Err = fmt.Errorf("%s %d out of range [0,%d)", what, v, len(t.Names))
		}
		return uint32(v)
	}
	n = d.Len()
	for range n {
		l := Location{id("street"), id("community"), id("grid"), id("channel")}
		if d.Err != nil {
			return d.Err
		}
		if _, dup := t.locIDs[l]; dup {
			return errors.New("location repeats")
		}
		t.locIDs[l] = uint32(len(t.Locs))
		t.Locs = append(t.Locs, l)
	}
	return d.Err
}
