package events

import (
	"strings"
	"testing"
)

// TestCanonicalValidators: the allocation-free validators of the canonical
// readers give Validate's verdict on every combination of typical and edge
// field values (valid UTF-8, as the readers' strings always are).
func TestCanonicalValidators(t *testing.T) {
	ids := []string{"", "u", "center", strings.Repeat("u", MaxIDBytes), strings.Repeat("u", MaxIDBytes+1), "a\x7fb", "a\x01b", "单位"}
	texts := []string{"", "t", "a\x01\n", strings.Repeat("x", MaxTextBytes), strings.Repeat("x", MaxTextBytes+1), "说明"}
	box := make([]byte, MaxSealedBytes+1)
	personals := []Personal{{}, Plain("c"), Plain(strings.Repeat("x", MaxTextBytes+1)),
		{Sealed: &Sealed{Subject: "S-1", Box: box[:40]}}, {Sealed: &Sealed{Subject: "", Box: box[:40]}},
		{Sealed: &Sealed{Subject: "S\x7f", Box: box[:40]}}, {Sealed: &Sealed{Subject: "S-1", Box: box[:27]}},
		{Sealed: &Sealed{Subject: "S-1", Box: box[:28]}}, {Sealed: &Sealed{Subject: "S-1", Box: box[:MaxSealedBytes]}},
		{Sealed: &Sealed{Subject: "S-1", Box: box}}, {Text: "t", Sealed: &Sealed{Subject: "S-1", Box: box[:40]}}}
	coords := []float64{-181, -180, -90.5, -90, 0, 90, 90.5, 180, 181}
	many := func(n int) []string { return strings.Split(strings.Repeat("e,", n)[:2*n-1], ",") }
	evidence := [][]string{nil, {}, {"a"}, {"a", ""}, {"a", strings.Repeat("x", MaxTextBytes+1)}, many(64), many(65)}

	check := func(p Payload) {
		t.Helper()
		err := p.Validate()
		if valid(p) != (err == nil) {
			t.Fatalf("%#v: canonical validator says %v, Validate says %v", p, valid(p), err)
		}
	}
	for _, channel := range []string{"", ChannelHotline, ChannelOther, "fax"} {
		for _, id := range ids {
			for _, place := range [][3]string{{}, {id, "", ""}, {"", id, ""}, {"", "", id}, {"st-1", "cm-1", id}} {
				for _, pers := range personals {
					check(&CaseReported{Channel: channel, Category: id, Location: Location{Street: place[0], Community: place[1], Grid: place[2], Address: pers},
						Reporter: id, Description: pers, DeadlinePolicy: id})
					check(&CaseReported{Channel: channel, Category: "c", Location: Location{Grid: "g"}, Description: pers, DeadlinePolicy: "p"})
				}
			}
		}
		one := 1.0
		for _, l := range []Location{{Grid: "g", Lat: &one}, {Grid: "g", Lon: &one}} {
			check(&CaseReported{Channel: channel, Category: "c", Location: l, DeadlinePolicy: "p"})
		}
		for _, lat := range coords {
			for _, lon := range coords {
				check(&CaseReported{Channel: channel, Category: "c", Location: Location{Grid: "g", Lat: &lat, Lon: &lon}, DeadlinePolicy: "p"})
			}
		}
	}
	for _, from := range ids {
		for _, to := range ids {
			for _, mode := range []string{"", ModeRule, ModeManual, ModeFallback, ModeForced, "auto"} {
				for _, rule := range []string{"", "r", "u", strings.Repeat("r", MaxIDBytes+1)} {
					for _, lv := range []int{-1, 0, 1} {
						for _, note := range texts {
							check(&CaseDispatched{FromUnit: from, ToUnit: to, Mode: mode, RuleID: rule, ListVersion: lv, Note: note})
						}
					}
				}
			}
		}
	}
	for _, unit := range ids {
		for _, means := range []string{"", MeansPhone, MeansVisit, MeansSMS, MeansApp, MeansOther, "pigeon"} {
			check(&CaseContacted{Unit: unit, Means: means})
		}
		for _, outcome := range []string{"", OutcomeFixed, OutcomeExplained, OutcomeNoAction, OutcomeDuplicate, OutcomeNotOurDuty, "done"} {
			for _, dup := range ids {
				for _, ev := range evidence {
					for _, summary := range texts {
						check(&CaseResolved{Unit: unit, Outcome: outcome, DuplicateOf: dup, Evidence: ev, Summary: summary})
					}
				}
			}
		}
	}
	for _, reason := range texts {
		for _, by := range []string{"", ReopenByCitizen, ReopenByHotline, ReopenBySupervisor, "mayor"} {
			check(&CaseReopened{Reason: reason, By: by})
		}
		for bits := range 8 {
			for _, sat := range []string{"", Satisfied, Basically, Unsatisfied, "meh"} {
				for _, comment := range personals {
					for _, resp := range ids {
						check(&CaseRated{Contacted: bits&1 != 0, Solved: bits&2 != 0, Valid: bits&4 != 0, Satisfaction: sat,
							InvalidReason: reason, Comment: comment, Respondent: resp})
					}
				}
			}
		}
	}
}
