package interop_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// FuzzMapping: any mapping file either loads or is refused with ErrInput;
// a loaded mapping applied to a trace whose attributes hold any text either
// changes nothing and says why (a SkipError), or gives payloads that
// validate and units for every unit they name.
func FuzzMapping(f *testing.F) {
	f.Add(fineMapping, "collections", "35.0")
	f.Add(`{"activities":{"Create Fine":{"type":"case.reported","data":{"channel":"{amount}","category":"x","location":{"street":"{org:group}"},"deadline_policy":"p"}}}}`, "st-1", "hotline")
	f.Add(`{"activities":{"a":{"type":"case.closed"}}}`, "", "")
	f.Add(`{"activities":{"Create Fine":{"type":"case.reported","data":{"location":{"lat":"{amount}"}}}}}`, "{", "}")
	f.Fuzz(func(t *testing.T, mapping, group, amount string) {
		m, err := interop.LoadMapping(strings.NewReader(mapping))
		if err != nil {
			if !errors.Is(err, interop.ErrInput) {
				t.Fatalf("LoadMapping: %v does not wrap ErrInput", err)
			}
			return
		}
		tr := fineTrace("F-1", "Create Fine", "Send Fine", "Accept", "Payment")
		for i := range tr.Events {
			tr.Events[i].Group = group
			tr.Events[i].Attributes = append(tr.Events[i].Attributes, events.Attribute{Key: "amount", Type: events.AttrString, Value: amount})
		}
		err = m.Apply(tr)
		var se *interop.SkipError
		if err != nil {
			if !errors.As(err, &se) {
				t.Fatalf("Apply: %v is not a SkipError", err)
			}
			for _, e := range tr.Events {
				if e.Payload != nil {
					t.Fatal("a failed Apply set a payload")
				}
			}
			return
		}
		units := map[string]bool{}
		for _, u := range tr.Units {
			units[u.ID] = true
		}
		for _, e := range tr.Events {
			if e.Payload == nil {
				continue
			}
			if err := e.Payload.Validate(); err != nil {
				t.Fatalf("payload %s does not validate: %v", e.Payload.EventType(), err)
			}
			if r, ok := e.Payload.(*events.CaseResolved); ok && r.Unit != "" && !units[r.Unit] {
				t.Fatalf("resolving unit %q not among the trace's units %v", r.Unit, tr.Units)
			}
		}
	})
}
