package ballots

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/stats"
)

// Topic statuses in the report.
const (
	StatusOpen     = "open"     // opened, no result published yet
	StatusClosed   = "closed"   // result published
	StatusUnopened = "unopened" // ballots or a result on a topic never opened
)

// Result checks in the report.
const (
	CheckMatch    = "match"
	CheckMismatch = "mismatch"
)

// Unknown is the community of a topic that was never opened.
const Unknown = "(unknown)"

func refusedColumns() []projections.Column {
	notes := map[string]string{
		ReasonUnknownTopic:  "ballots on a topic stream with no topic.opened before them",
		ReasonAfterClose:    "ballots after the topic's topic.closed",
		ReasonOutsideWindow: "ballots cast before opens_at or at or after closes_at",
		ReasonIneligible:    "ballots from a voter not on the eligible list",
		ReasonRepeat:        "ballots from a voter who already has a counted ballot",
		ReasonUnknownOption: "ballots for a choice that is not one of the options",
	}
	cols := []projections.Column{{Key: "refused", Title: "Refused", Kind: projections.KindCount,
		Note: "ballots refused on re-checking, all reasons; non-zero in a verified ledger means the write side let them through"}}
	for _, r := range Reasons {
		cols = append(cols, projections.Column{Key: "refused_" + r, Title: "Refused: " + strings.ReplaceAll(r, "_", " "),
			Kind: projections.KindCount, Note: notes[r]})
	}
	return cols
}

// Report answers q with one row per topic (By "") or per community (By
// "community"), optionally split by the period of topic.opened; From and
// To keep the topics opened in [From, To). Rows are sorted by topic id (or
// community), then period.
func (p *Projection) Report(q projections.Query) (*projections.Report, error) {
	if err := q.Check(projections.ByCommunity); err != nil {
		return nil, err
	}
	var sel []Topic
	for _, t := range p.Topics() {
		if !t.Opened && (!q.From.IsZero() || !q.To.IsZero()) {
			continue // no opened time to filter on
		}
		if t.Opened && !q.In(t.OpenedAt) {
			continue
		}
		sel = append(sel, t)
	}
	period := func(t Topic) string {
		if !t.Opened {
			return Unknown
		}
		return stats.Period(t.OpenedAt, q.Period, p.loc)
	}
	rep := &projections.Report{Projection: Name, Query: q, Notes: notes(p.loc)}
	if q.By == projections.ByCommunity {
		p.byCommunity(rep, sel, period)
		return rep, nil
	}
	rep.Title = "Community topics (社区议事): tallies re-checked from the ballots"
	rep.Columns = []projections.Column{{Key: "topic", Title: "Topic", Kind: projections.KindText, Note: "topic id (stream topic/<id>)"}}
	if q.Period != "" {
		rep.Columns = append(rep.Columns, projections.Column{Key: "period", Title: "Period", Kind: projections.KindText, Note: "the " + q.Period + " the topic was opened in"})
	}
	rep.Columns = append(rep.Columns, []projections.Column{
		{Key: "community", Title: "Community", Kind: projections.KindText},
		{Key: "question", Title: "Question", Kind: projections.KindText},
		{Key: "options", Title: "Options", Kind: projections.KindText, Note: "the options on the ballot, in order, separated by \", \""},
		{Key: "ballot", Title: "Ballot", Kind: projections.KindText, Note: "secret or open (null for a topic never opened)"},
		{Key: "opens_at", Title: "Opens at", Kind: projections.KindText, Note: "start of the voting window (inclusive)"},
		{Key: "closes_at", Title: "Closes at", Kind: projections.KindText, Note: "end of the voting window (exclusive)"},
		{Key: "status", Title: "Status", Kind: projections.KindText, Note: "open, closed (result published) or unopened (ballots on a topic never opened)"},
		{Key: "eligible", Title: "Eligible voters", Kind: projections.KindCount},
		{Key: "counted", Title: "Ballots counted", Kind: projections.KindCount, Note: "ballots that passed every check; one per eligible voter at most"},
		{Key: "turnout", Title: "Turnout", Kind: projections.KindRate, Note: "counted / eligible"},
		{Key: "tally", Title: "Tally", Kind: projections.KindText, Note: "counted ballots per option, \"option=votes\" separated by \"; \""},
	}...)
	rep.Columns = append(rep.Columns, refusedColumns()...)
	rep.Columns = append(rep.Columns, []projections.Column{
		{Key: "published_turnout", Title: "Published turnout", Kind: projections.KindCount, Note: "turnout (ballots) published in topic.closed; null while open"},
		{Key: "published_tally", Title: "Published tally", Kind: projections.KindText, Note: "tally published in topic.closed, same form as tally; null while open"},
		{Key: "result_check", Title: "Result check", Kind: projections.KindText, Note: "match if the published turnout and every published count equal the recomputed ones, else mismatch; null while open"},
	}...)
	turnout := projections.Series{Name: "turnout"}
	for _, t := range sel {
		row := []any{t.ID}
		if q.Period != "" {
			row = append(row, period(t))
		}
		community, opens, closes, status := Unknown, any(nil), any(nil), StatusOpen
		if t.Opened {
			community = t.Community
			opens, closes = t.OpensAt.Format(time.RFC3339), t.ClosesAt.Format(time.RFC3339)
		} else {
			status = StatusUnopened
		}
		if t.Closed && t.Opened {
			status = StatusClosed
		}
		question, options, kind := any(nil), any(nil), any(nil)
		if t.Opened {
			question, options, kind = t.Question, strings.Join(t.Options, ", "), ballotKind(t.Secret)
		}
		row = append(row, community, question, options, kind, opens, closes, status, t.Eligible, t.Counted, projections.Rate(t.Counted, t.Eligible), nil)
		if t.Opened {
			row[len(row)-1] = tallyText(t.Tally)
		}
		row = appendRefused(row, t.Refused)
		if t.Published != nil {
			check := CheckMatch
			if t.Mismatch {
				check = CheckMismatch
			}
			row = append(row, t.Published.Turnout, tallyText(t.Published.Tally), check)
		} else {
			row = append(row, nil, nil, nil)
		}
		rep.Rows = append(rep.Rows, row)
		if !t.Opened {
			continue
		}
		if r := projections.Rate(t.Counted, t.Eligible); r != nil {
			turnout.Points = append(turnout.Points, projections.Point{X: t.ID, Y: r.(float64)})
		}
		tally := projections.Series{Name: "votes"}
		for _, c := range t.Tally {
			tally.Points = append(tally.Points, projections.Point{X: c.Option, Y: float64(c.Votes)})
		}
		rep.Charts = append(rep.Charts, projections.Chart{Kind: "bar", ID: "tally-" + t.ID,
			Title: "Tally: " + t.ID + " (" + t.Community + ")", XLabel: "option", YLabel: "ballots counted",
			Series: []projections.Series{tally}})
	}
	if rep.Rows == nil {
		rep.Rows = [][]any{}
	}
	rep.Charts = append([]projections.Chart{{Kind: "bar", ID: "turnout", Title: "Turnout by topic",
		XLabel: "topic", YLabel: "counted / eligible", YKind: projections.KindRate, Series: []projections.Series{turnout}}}, rep.Charts...)
	return rep, nil
}

func ballotKind(secret bool) string {
	if secret {
		return "secret"
	}
	return "open"
}

func appendRefused(row []any, r Refusals) []any {
	return append(row, r.Total(), r.UnknownTopic, r.AfterClose, r.OutsideWindow, r.Ineligible, r.Repeat, r.UnknownOption)
}

// communityRow sums the topics of one community (and period).
type communityRow struct {
	community, period        string
	topics, closed, mismatch int64
	eligible, counted        int64
	refused                  Refusals
}

func (p *Projection) byCommunity(rep *projections.Report, sel []Topic, period func(Topic) string) {
	rep.Title = "Community topics (社区议事) by community: ballots re-checked"
	rep.Columns = []projections.Column{{Key: "community", Title: "Community", Kind: projections.KindText}}
	if rep.Query.Period != "" {
		rep.Columns = append(rep.Columns, projections.Column{Key: "period", Title: "Period", Kind: projections.KindText, Note: "the " + rep.Query.Period + " the topics were opened in"})
	}
	rep.Columns = append(rep.Columns, []projections.Column{
		{Key: "topics", Title: "Topics", Kind: projections.KindCount},
		{Key: "closed_topics", Title: "Closed topics", Kind: projections.KindCount, Note: "topics with a published result"},
		{Key: "eligible", Title: "Eligible voters", Kind: projections.KindCount, Note: "sum over the topics (a voter eligible in two topics counts twice)"},
		{Key: "counted", Title: "Ballots counted", Kind: projections.KindCount},
		{Key: "turnout", Title: "Turnout", Kind: projections.KindRate, Note: "counted / eligible over the topics"},
	}...)
	rep.Columns = append(rep.Columns, refusedColumns()...)
	rep.Columns = append(rep.Columns, projections.Column{Key: "mismatched_topics", Title: "Mismatched results", Kind: projections.KindCount,
		Note: "closed topics whose published result differs from the recomputed one"})

	groups := map[[2]string]*communityRow{}
	for _, t := range sel {
		c := t.Community
		if !t.Opened {
			c = Unknown
		}
		per := ""
		if rep.Query.Period != "" {
			per = period(t)
		}
		g := groups[[2]string{c, per}]
		if g == nil {
			g = &communityRow{community: c, period: per}
			groups[[2]string{c, per}] = g
		}
		g.topics++
		if t.Closed {
			g.closed++
		}
		if t.Mismatch {
			g.mismatch++
		}
		g.eligible += t.Eligible
		g.counted += t.Counted
		r := &g.refused
		r.UnknownTopic += t.Refused.UnknownTopic
		r.AfterClose += t.Refused.AfterClose
		r.OutsideWindow += t.Refused.OutsideWindow
		r.Ineligible += t.Refused.Ineligible
		r.Repeat += t.Refused.Repeat
		r.UnknownOption += t.Refused.UnknownOption
	}
	rows := make([]*communityRow, 0, len(groups))
	for _, g := range groups {
		rows = append(rows, g)
	}
	slices.SortFunc(rows, func(a, b *communityRow) int {
		return cmp.Or(cmp.Compare(a.community, b.community), cmp.Compare(a.period, b.period))
	})
	turnout := projections.Series{Name: "turnout"}
	counted := projections.Series{Name: "ballots counted"}
	rep.Rows = [][]any{}
	for _, g := range rows {
		row := []any{g.community}
		label := g.community
		if rep.Query.Period != "" {
			row = append(row, g.period)
			label += " " + g.period
		}
		row = append(row, g.topics, g.closed, g.eligible, g.counted, projections.Rate(g.counted, g.eligible))
		row = appendRefused(row, g.refused)
		row = append(row, g.mismatch)
		rep.Rows = append(rep.Rows, row)
		if r := projections.Rate(g.counted, g.eligible); r != nil {
			turnout.Points = append(turnout.Points, projections.Point{X: label, Y: r.(float64)})
		}
		counted.Points = append(counted.Points, projections.Point{X: label, Y: float64(g.counted)})
	}
	rep.Charts = []projections.Chart{
		{Kind: "bar", ID: "turnout", Title: "Turnout by community", XLabel: "community", YLabel: "counted / eligible", Series: []projections.Series{turnout}},
		{Kind: "bar", ID: "counted", Title: "Ballots counted by community", XLabel: "community", YLabel: "ballots", Series: []projections.Series{counted}},
	}
}

func notes(loc *time.Location) []string {
	return []string{
		"Every ballot.cast is checked again against its topic; a ballot that fails is refused under the first failing reason, in the order unknown_topic, after_close, outside_window, ineligible, repeat, unknown_option, and is not tallied.",
		"The write side refuses such ballots, so a non-zero refused count in a verified ledger means the write side let something through.",
		"Voting window: a ballot counts if its occurred_at is in [opens_at, closes_at); one counted ballot per eligible voter, the first one.",
		"Turnout = ballots counted / eligible voters.",
		"Result check compares the result published in topic.closed (turnout and votes per option) with the tally recomputed from the counted ballots.",
		"Secret ballots: the projection keeps only who voted (to refuse repeats, until the topic closes) and the count per option, never which voter chose what; this report shows aggregates only for every topic.",
		"From/To keep the topics whose topic.opened occurred in [From, To); a period is the " + "day, week or month of topic.opened in zone " + loc.String() + "; topics never opened appear only without From/To.",
		"By community sums the topics of each community; there are no case figures here, so no unit attribution applies.",
	}
}
