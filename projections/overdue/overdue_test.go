package overdue_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/events/eventstest"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/overdue"
	"github.com/govledger/govledger/projections/projectiontest"
)

// at is a time on the story's calendar: Monday 2026-11-02 is day 0.
func at(day, hour int) time.Time {
	return time.Date(2026, 11, 2+day, hour, 0, 0, 0, eventstest.Zone)
}

func report(c *eventstest.Case, street, policy string) events.Draft {
	return c.ReportedWith(&events.CaseReported{Channel: events.ChannelHotline, Category: eventstest.Pothole,
		Location: events.Location{Street: street}, DeadlinePolicy: policy})
}

// story: five cases on three streets, told on Monday, read on Wednesday 10:00.
func story() *eventstest.Story {
	s := eventstest.New()
	s.Step = 0 // every time below is set with At
	c1, c2, c3, c4, c5 := s.Case("C-1"), s.Case("C-2"), s.Case("C-3"), s.Case("C-4"), s.Case("C-5")
	s.At(at(0, 9))
	report(c1, "st-1", "standard-5wd") // deadline Monday 11-09 09:00
	report(c2, "st-1", "urgent-24h")   // deadline Tuesday 09:00
	report(c3, "st-2", "urgent-24h")   // deadline Tuesday 09:00 ...
	report(c4, "st-2", "urgent-24h")
	report(c5, "st-3", "urgent-24h")
	s.At(at(0, 10))
	c2.Resolved(eventstest.Center, events.OutcomeExplained)
	s.At(at(0, 11))
	c2.Reopened() // ... C-2 is open again, with its old deadline
	s.At(at(0, 12))
	c3.Extended(48 * time.Hour) // ... C-3 until Wednesday 12:00
	s.At(at(0, 15))
	c4.Resolved(eventstest.Center, events.OutcomeExplained)
	c5.Resolved(eventstest.Center, events.OutcomeExplained)
	c4.Closed() // forgotten
	s.At(at(2, 10))
	c5.Closed() // the latest event: Wednesday 10:00
	return s
}

func TestKit(t *testing.T) {
	projectiontest.Run(t, func() projections.Projection { return overdue.New(overdue.Config{}) },
		projectiontest.Events(t, story().Drafts()))
}

func TestStreets(t *testing.T) {
	p := overdue.New(overdue.Config{})
	projectiontest.Apply(t, p, projectiontest.Events(t, story().Drafts()))
	// Wednesday 10:00. st-1: C-1 (due 11-09) and C-2 (reopened, due Tuesday
	// 09:00: 25 h late) are open. st-2: C-3 is open, extended to Wednesday
	// 12:00: not late; C-4 is closed. st-3: C-5 is resolved: no row.
	want := []overdue.Street{
		{Street: "st-1", Open: 2, Overdue: 1, Oldest: 25 * 3600},
		{Street: "st-2", Open: 1, Overdue: 0, Oldest: 0},
	}
	if got := p.Streets(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Streets() =\n%+v\nwant\n%+v", got, want)
	}
	r, err := p.Report(projections.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Rows[0]; !reflect.DeepEqual(got, []any{"st-1", int64(2), int64(1), 0.5, 25.0}) {
		t.Errorf("first row %v", got)
	}
}

func TestReportRefusesWhatItCannotAnswer(t *testing.T) {
	p := overdue.New(overdue.Config{})
	for name, q := range map[string]projections.Query{
		"by unit":  {By: projections.ByUnit},
		"a period": {Period: projections.PeriodWeek},
		"a window": {From: at(0, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := p.Report(q); !errors.Is(err, projections.ErrQuery) {
				t.Errorf("Report(%+v) = %v, want ErrQuery", q, err)
			}
		})
	}
}

func TestCorruptStateIsRefused(t *testing.T) {
	for _, b := range []string{"", "{", `{"cases":null}`, `{"cases":{"C-1":null}}`} {
		if err := overdue.New(overdue.Config{}).UnmarshalState([]byte(b)); !errors.Is(err, overdue.ErrState) {
			t.Errorf("UnmarshalState(%q) = %v, want ErrState", b, err)
		}
	}
}
