package xes

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/govledger/govledger/events"
)

func attr(typ, k, v string, children ...events.Attribute) events.Attribute {
	return events.Attribute{Key: k, Type: typ, Value: v, Children: children}
}

func TestDataAttrs(t *testing.T) {
	tests := []struct {
		name, data string
		want       []events.Attribute
	}{
		{"scalars in order", `{"z":"a\"b\u00e9","a":3,"f":-1.5e3,"b":true,"n":null,"big":12345678901234567890}`, []events.Attribute{
			attr("string", "data:z", "a\"bé"), attr("int", "data:a", "3"), attr("float", "data:f", "-1.5e3"),
			attr("boolean", "data:b", "true"), attr("float", "data:big", "12345678901234567890")}},
		{"nested", `{"loc":{"street":"st-1","lat":31.2},"ev":["x","y"],"e":[]}`, []events.Attribute{
			attr("container", "data:loc", "", attr("string", "street", "st-1"), attr("float", "lat", "31.2")),
			attr("list", "data:ev", "", attr("string", "0", "x"), attr("string", "1", "y")),
			attr("list", "data:e", "")}},
		{"sealed omitted", `{"description":{"subject":"S-1","sealed":"AAAA"},"location":{"address":{"sealed":"AAAA","subject":"S-1"},"grid":"g-1"}}`, []events.Attribute{
			attr("container", "data:location", "", attr("string", "grid", "g-1"))}},
		{"plain personal kept", `{"description":"pothole"}`, []events.Attribute{attr("string", "data:description", "pothole")}},
		{"empty", ``, nil},
		{"empty object", ` { } `, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []events.Attribute
			if err := dataAttrs([]byte(tc.data), func(a events.Attribute) { got = append(got, a) }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("\n got %+v\nwant %+v", got, tc.want)
			}
			for i := range got {
				if err := got[i].Validate("data"); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	for _, bad := range []string{`[1]`, `{"a":}`, `{"a":1,}`, `{"a":tru}`, `{"a":"x}`, `{"a":1} x`, `{"a":01}`, `{"a" 1}`} {
		t.Run(bad, func(t *testing.T) {
			if err := dataAttrs([]byte(bad), func(events.Attribute) {}); err == nil {
				t.Fatalf("%s accepted", bad)
			}
		})
	}
}

// FuzzDataAttrs checks that every JSON object is walked without error and
// gives valid attributes, and that nothing panics.
func FuzzDataAttrs(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}],"c":"\u4e2d"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int
		err := dataAttrs(data, func(a events.Attribute) {
			n++
			if err := a.Validate("data"); err != nil {
				t.Fatal(err)
			}
		})
		trimmed := bytes.TrimSpace(data)
		isObject := json.Valid(data) && len(trimmed) > 0 && trimmed[0] == '{'
		if isObject && err != nil {
			t.Fatalf("valid object %q: %v", data, err)
		}
	})
}
