package disclosure

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govledger/govledger/projections"
)

// Report answers q. By "" (street x category), "street" or "category" give
// the case table, ordered street-first or category-first; By "community"
// gives the topic table. Suppressed rows keep their keys, have null
// figures and "suppressed" true.
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	if err := q.Check(projections.ByStreet, projections.ByCategory, projections.ByCommunity); err != nil {
		return nil, err
	}
	asOf := "nothing yet"
	if t := p.AsOf(); !t.IsZero() {
		asOf = t.Format("2006-01-02 15:04 -07:00")
	}
	rep := &projections.Report{Projection: Name, Query: q}
	if q.By == projections.ByCommunity {
		if err := p.topicReport(rep, asOf); err != nil {
			return nil, err
		}
	} else if err := p.caseReport(rep, asOf); err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes,
		"As of "+asOf+": the latest event time seen, rounded down to the hour.",
		"Aggregates only: no reporter, description, address, coordinates, comment, respondent, voter or staff id appears in this view (voters are read only to re-check ballots); location is no finer than the street, time no finer than the hour.",
		fmt.Sprintf("k-anonymity: a group of fewer than k = %d cases (case table) or ballots (topic table) is suppressed: its figures are null and suppressed is true.", p.k),
		"No totals are published, so that no total minus the cells shown can reveal a suppressed cell; By street or category only orders the rows.",
		"Tables of different period lengths are separate publications: a month minus its days can reveal a suppressed day, so release one period length only.",
	)
	return rep, nil
}

var suppressedColumn = projections.Column{Key: "suppressed", Title: "Suppressed", Kind: projections.KindText,
	Note: "true (JSON boolean) when the row's figures are withheld; they are then null"}

func (p *Projection) caseReport(rep *projections.Report, asOf string) error {
	q := rep.Query
	cells, err := p.Cells(q)
	if err != nil {
		return err
	}
	period := casePeriod(q)
	rep.Title = "Public disclosure: cases by street, category and " + period + ", as of " + asOf
	rep.Columns = []projections.Column{
		{Key: "street", Title: "Street", Kind: projections.KindText, Note: "street of the reported location (community and grid are placed in their street); " + UnknownStreet + " if none"},
		{Key: "category", Title: "Category", Kind: projections.KindText},
		{Key: "period", Title: "Period", Kind: projections.KindText, Note: "the " + period + " the cases were reported in, zone " + p.loc.String()},
		suppressedColumn,
		{Key: "cases_reported", Title: "Cases reported", Kind: projections.KindCount},
		{Key: "cases_resolved", Title: "Cases resolved", Kind: projections.KindCount, Note: "of those cases, the ones resolved and not reopened since"},
		{Key: "same_day_rate", Title: "Same-day closure", Kind: projections.KindRate, Note: "resolved on the local day reported (final resolution) / cases resolved"},
		{Key: "median_citizen_h", Title: "Median citizen clock (h)", Kind: projections.KindHours, Note: "nearest-rank median of reported -> final resolved over the resolved cases, in whole hours (rounded half up)"},
		{Key: "satisfied_share", Title: "Satisfied share", Kind: projections.KindRate, Note: "ratings \"satisfied\" / valid ratings of those cases (every valid case.rated)"},
	}
	rep.Rows = [][]any{}
	reported := map[string]*projections.Series{}
	var cats []string
	for _, c := range cells {
		row := []any{c.Street, c.Category, c.Period, c.Suppressed}
		row = append(row, cellValue(c.Reported), cellValue(c.Resolved), cellValue(c.SameDayRate), cellValue(c.MedianHours), cellValue(c.SatisfiedShare))
		rep.Rows = append(rep.Rows, row)
		if c.Suppressed {
			continue
		}
		s := reported[c.Category]
		if s == nil {
			s = &projections.Series{Name: c.Category}
			reported[c.Category] = s
			cats = append(cats, c.Category)
		}
		s.Points = append(s.Points, projections.Point{X: c.Street + " " + c.Period, Y: float64(*c.Reported)})
	}
	chart := projections.Chart{Kind: "bar", ID: "cases-reported", Title: "Cases reported (cells shown; suppressed cells left out)",
		XLabel: "street and " + period, YLabel: "cases"}
	slices.Sort(cats)
	for _, c := range cats {
		chart.Series = append(chart.Series, *reported[c])
	}
	rep.Charts = []projections.Chart{chart}
	rep.Notes = []string{
		"Rows are street x category x period cells for the cases reported there and then; From/To keep every period that overlaps [From, To), in full.",
		"Figures are grouped by where and what was reported, never by handling unit, so the unit attribution of the other projections does not apply here.",
	}
	return nil
}

func (p *Projection) topicReport(rep *projections.Report, asOf string) error {
	q := rep.Query
	tallies, err := p.Tallies(q)
	if err != nil {
		return err
	}
	rep.Title = "Public disclosure: community topics (社区议事), as of " + asOf
	rep.Columns = []projections.Column{
		{Key: "community", Title: "Community", Kind: projections.KindText},
		{Key: "topic", Title: "Topic", Kind: projections.KindText},
	}
	if q.Period != "" {
		rep.Columns = append(rep.Columns, projections.Column{Key: "period", Title: "Period", Kind: projections.KindText, Note: "the " + q.Period + " the topic was opened in"})
	}
	rep.Columns = append(rep.Columns,
		projections.Column{Key: "ballot", Title: "Ballot", Kind: projections.KindText, Note: "secret or open"},
		projections.Column{Key: "status", Title: "Status", Kind: projections.KindText, Note: "open (voting not closed) or closed"},
		suppressedColumn,
		projections.Column{Key: "eligible", Title: "Eligible voters", Kind: projections.KindCount},
		projections.Column{Key: "counted", Title: "Ballots counted", Kind: projections.KindCount, Note: "ballots that pass every check (package ballots)"},
		projections.Column{Key: "turnout", Title: "Turnout", Kind: projections.KindRate, Note: "counted / eligible"},
		projections.Column{Key: "tally", Title: "Tally", Kind: projections.KindText, Note: "counted ballots per option, \"option=votes\" separated by \"; \""},
	)
	rep.Rows = [][]any{}
	turnout := projections.Series{Name: "turnout"}
	var charts []projections.Chart
	for _, t := range tallies {
		row := []any{t.Community, t.Topic}
		if q.Period != "" {
			row = append(row, t.Period)
		}
		kind, status := "open", "open"
		if t.Secret {
			kind = "secret"
		}
		if t.Closed {
			status = "closed"
		}
		var tally any
		if t.Tally != nil {
			parts := make([]string, len(t.Tally))
			for i, c := range t.Tally {
				parts[i] = c.Option + "=" + strconv.FormatInt(c.Votes, 10)
			}
			tally = strings.Join(parts, "; ")
		}
		row = append(row, kind, status, t.Suppressed, t.Eligible, cellValue(t.Counted), cellValue(t.Turnout), tally)
		rep.Rows = append(rep.Rows, row)
		if t.Suppressed {
			continue
		}
		if t.Turnout != nil {
			turnout.Points = append(turnout.Points, projections.Point{X: t.Topic, Y: *t.Turnout})
		}
		s := projections.Series{Name: "votes"}
		for _, c := range t.Tally {
			s.Points = append(s.Points, projections.Point{X: c.Option, Y: float64(c.Votes)})
		}
		charts = append(charts, projections.Chart{Kind: "bar", ID: "tally-" + t.Topic, Title: "Tally: " + t.Topic + " (" + t.Community + ")",
			XLabel: "option", YLabel: "ballots counted", Series: []projections.Series{s}})
	}
	rep.Charts = append([]projections.Chart{{Kind: "bar", ID: "turnout", Title: "Turnout by topic (topics shown)",
		XLabel: "topic", YLabel: "counted / eligible", YKind: projections.KindRate, Series: []projections.Series{turnout}}}, charts...)
	rep.Notes = []string{
		"One row per community topic opened in [From, To); tallies are recomputed from the ballots, each re-checked, and a secret ballot is never linked to its voter.",
		"A tally is disclosed only once the topic is closed (a running tally read at successive times would reveal single ballots) and only if at least k ballots were counted.",
	}
	return nil
}

// cellValue turns a nil pointer into a JSON null and a value into a cell.
func cellValue[T int64 | float64](v *T) any {
	if v == nil {
		return nil
	}
	return *v
}
