package process_test

import (
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/process"
	"github.com/govledger/govledger/projections/projectiontest"
	"github.com/oklog/ulid/v2"
)

// activityLog tells three imported traces of activity.recorded events:
// two finished alike, one still open, and one activity on a case stream.
func activityLog() []events.Draft {
	s := eventstest.New()
	var out []events.Draft
	add := func(stream string, at time.Duration, p *events.ActivityRecorded) {
		out = append(out, events.Draft{ID: ulid.Make(), Stream: stream, OccurredAt: eventstest.Start.Add(at),
			Actor: events.Actor{Kind: events.ActorSystem, ID: "import"}, Payload: p})
	}
	for _, tr := range []string{"trace/A", "trace/B"} {
		add(tr, 0, &events.ActivityRecorded{Activity: "Register", Resource: "Pete", Trace: &events.TraceInfo{Name: tr}})
		add(tr, time.Hour, &events.ActivityRecorded{Activity: "Check", Group: "back-office"})
		add(tr, 3*time.Hour, &events.ActivityRecorded{Activity: "Decide", Group: "back-office", Last: true})
	}
	add("trace/C", 0, &events.ActivityRecorded{Activity: "Register", Trace: &events.TraceInfo{Name: "C"}})
	// A case with an unmapped activity between its lifecycle events.
	c := s.Case("C-1")
	c.Reported(events.ChannelHotline, "road.pothole")
	out = append(out, s.Drafts()...)
	add("case/C-1", 20*time.Minute, &events.ActivityRecorded{Activity: "Site visit", Group: eventstest.Roads})
	return out
}

func TestImportedActivities(t *testing.T) {
	p := newP(t, process.Config{})
	projectiontest.Apply(t, p, projectiontest.Events(t, activityLog()))
	r := result(t, p, projections.Query{})
	if r.Cases != 4 || r.Ended != 2 || r.Open != 2 || r.Events != 9 {
		t.Errorf("cases %d (ended %d, open %d), events %d; want 4 (2, 2), 9", r.Cases, r.Ended, r.Open, r.Events)
	}
	if len(r.Variants) == 0 || r.Variants[0].Text != "Register"+process.VariantSep+"Check"+process.VariantSep+"Decide" || r.Variants[0].Cases != 2 {
		t.Errorf("top variant %+v, want Register, Check, Decide for 2 cases", r.Variants)
	}
	if r.Duration.Cases != 2 || r.Duration.Max != int64(3*time.Hour/time.Second) {
		t.Errorf("duration %+v, want 2 ended cases of 3h", r.Duration)
	}
	found := false
	for _, a := range r.Activities {
		found = found || a.Name == "Site visit"
	}
	if !found {
		t.Errorf("activities %+v: the case's imported activity is missing", r.Activities)
	}
	if r.Handovers < 2 {
		t.Errorf("handovers %d: Pete to back-office in A and B", r.Handovers)
	}
	projectiontest.Run(t, func() projections.Projection { return newP(t, process.Config{}) }, projectiontest.Events(t, activityLog()))
}
