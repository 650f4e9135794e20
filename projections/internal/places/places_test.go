package places

import (
	"bytes"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections/stats"
)

func TestInternAndRoundTrip(t *testing.T) {
	var tab Table
	tab.Reset()
	a := tab.Loc(events.Location{Street: "st-1", Community: "cm-1", Grid: "g-1"}, "hotline")
	b := tab.Loc(events.Location{Street: "st-1", Community: "cm-1", Grid: "g-1"}, "hotline")
	c := tab.Loc(events.Location{Street: "st-2"}, "app")
	if a != b || a == c || tab.Name("") != 0 || tab.Names[tab.Name("st-2")] != "st-2" {
		t.Fatalf("interning: %d %d %d %v", a, b, c, tab.Names)
	}
	if l := tab.Locs[c]; tab.Names[l.Street] != "st-2" || l.Community != 0 || tab.Names[l.Channel] != "app" {
		t.Fatalf("location %+v", l)
	}
	bin := tab.AppendBinary(nil)
	var back Table
	d := stats.Decoder{B: bin}
	if err := back.Decode(&d); err != nil || len(d.B) != 0 {
		t.Fatalf("decode: %v, %d bytes left", err, len(d.B))
	}
	if !bytes.Equal(back.AppendBinary(nil), bin) || back.Loc(events.Location{Street: "st-2"}, "app") != c {
		t.Fatal("the table does not round-trip")
	}
}

func TestDecodeRefusesCorruptTables(t *testing.T) {
	var good Table
	good.Reset()
	good.Loc(events.Location{Street: "st-1"}, "hotline")
	bin := good.AppendBinary(nil)
	for name, b := range map[string][]byte{
		"empty":           {},
		"no names":        {0},
		"first not empty": append([]byte{1}, stats.AppendString(nil, "x")...),
		"name twice":      append(append([]byte{3}, stats.AppendString(stats.AppendString(nil, ""), "a")...), stats.AppendString(nil, "a")...),
		"id out of range": append(stats.AppendString([]byte{1}, ""), 1, 5, 0, 0, 0),
		"location twice":  append(stats.AppendString([]byte{1}, ""), 2, 0, 0, 0, 0, 0, 0, 0, 0),
		"truncated":       bin[:len(bin)-1],
	} {
		var tab Table
		if err := tab.Decode(&stats.Decoder{B: b}); err == nil {
			t.Errorf("%s: decoded without an error", name)
		}
	}
}

func TestDimension(t *testing.T) {
	var tab Table
	tab.Reset()
	loc := tab.Loc(events.Location{Street: "st-1", Community: "cm-1", Grid: "g-1"}, "app")
	for by, want := range map[string]string{"street": "st-1", "community": "cm-1", "grid": "g-1", "channel": "app"} {
		if id, ok := tab.Dimension(loc, by); !ok || tab.Names[id] != want {
			t.Errorf("Dimension(%s) = %q %v, want %q", by, tab.Names[id], ok, want)
		}
	}
	if _, ok := tab.Dimension(loc, "unit"); ok {
		t.Error("unit is not a location dimension")
	}
}
