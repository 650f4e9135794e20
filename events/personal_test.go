package events_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/govledger/govledger/events"
)

func TestEncodeRefusesUnsealedPersonalText(t *testing.T) {
	p := &events.CaseReported{Channel: "hotline", Category: "c", Location: events.Location{Grid: "g-1"},
		Reporter: "S-1", Description: events.Plain("secret text"), DeadlinePolicy: "p"}
	_, err := events.EncodePayload(p)
	if !errors.Is(err, events.ErrUnsealed) || !strings.Contains(err.Error(), "description") {
		t.Fatalf("err = %v, want ErrUnsealed naming description", err)
	}
	p.Reporter = "" // no subject: the text stays plain
	data, err := events.EncodePayload(p)
	if err != nil || !strings.Contains(string(data), `"description":"secret text"`) {
		t.Fatalf("plain without subject: %s, %v", data, err)
	}
	r := &events.CaseRated{Contacted: true, Solved: true, Satisfaction: "satisfied", Valid: true,
		Respondent: "S-2", Comment: events.Plain("my phone is 123")}
	if _, err := events.EncodePayload(r); !errors.Is(err, events.ErrUnsealed) {
		t.Fatalf("rated comment: err = %v, want ErrUnsealed", err)
	}
}

func TestSealedFieldIsStrict(t *testing.T) {
	box := `"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="`
	base := `{"channel":"hotline","category":"c","location":{"grid":"g-1"},"reporter":"S-1","description":%s,"deadline_policy":"p"}`
	for _, tc := range []struct{ name, field string }{
		{"unknown key", `{"subject":"S-1","sealed":` + box + `,"key":1}`},
		{"missing subject", `{"sealed":` + box + `}`},
		{"key spelt in capitals", `{"SUBJECT":"S-1","sealed":` + box + `}`},
		{"key given twice", `{"subject":"S-1","subject":"S-1","sealed":` + box + `}`},
		{"not base64", `{"subject":"S-1","sealed":"!!"}`},
		{"too short", `{"subject":"S-1","sealed":"AAEC"}`},
		{"other subject", `{"subject":"S-9","sealed":` + box + `}`},
		{"number", `12`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(base, "%s", tc.field, 1)
			p, err := events.DecodePayload(events.TypeCaseReported, 1, []byte(data))
			if err == nil {
				_, err = events.EncodePayload(p)
			}
			if !errors.Is(err, events.ErrInvalid) {
				t.Fatalf("accepted %s (err %v)", data, err)
			}
		})
	}
	data := strings.Replace(base, "%s", `{"subject":"S-1","sealed":`+box+`}`, 1)
	p, err := events.DecodePayload(events.TypeCaseReported, 1, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	again, err := events.EncodePayload(p)
	if err != nil || string(again) != data {
		t.Fatalf("round trip: %s, %v", again, err)
	}
}
