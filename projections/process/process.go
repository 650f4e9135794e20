package process

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/stats"
)

// Name is the projection's name and version.
const Name = "process/v1"

// Config configures the projection. The zero Config is the documented
// default: activities are event type names, topics are left out, days in
// Asia/Shanghai.
type Config struct {
	// Zone is the business time zone of the calendar days that From/To
	// and Period refer to. nil means Asia/Shanghai.
	Zone *time.Location
	// Activities replaces the default activity of an event (its type
	// name). A key is an event type ("case.extended") or a type and a
	// detail ("case.dispatched/rule"); the more specific key wins. A
	// value "" drops the event from the traces (not allowed for the
	// opening events case.reported and topic.opened). The details are:
	// case.reported/<channel>, case.dispatched/<mode>,
	// case.returned/<reason>, case.contacted/<means>,
	// case.resolved/<outcome>, case.reopened/<by>, and
	// case.rated/<satisfaction> or case.rated/invalid. Refined returns a
	// ready-made table. nil keeps type names.
	Activities map[string]string
	// Topics includes community topic streams (topic.opened, ballot.cast,
	// topic.closed) as cases of their own, keyed by their stream name. By
	// default they are left out.
	Topics bool
}

// Refined returns an activity table (for Config.Activities) that splits
// dispatches by mode ("dispatch:rule", "dispatch:manual",
// "dispatch:fallback", "dispatch:forced"), returns by reason
// ("return:wrong_area", ...) and resolutions by outcome
// ("resolve:fixed", ...); every other event keeps its type name.
func Refined() map[string]string {
	m := map[string]string{}
	for _, d := range []struct {
		typ, prefix string
		details     []string
	}{
		{events.TypeCaseDispatched, "dispatch:", dispatchModes},
		{events.TypeCaseReturned, "return:", events.ReturnReasons},
		{events.TypeCaseResolved, "resolve:", outcomes},
	} {
		for _, x := range d.details {
			m[d.typ+"/"+x] = d.prefix + x
		}
	}
	return m
}

var (
	dispatchModes = []string{events.ModeRule, events.ModeManual, events.ModeFallback, events.ModeForced}
	outcomes      = []string{events.OutcomeFixed, events.OutcomeExplained, events.OutcomeNoAction, events.OutcomeDuplicate, events.OutcomeNotOurDuty}
)

// details lists, per type read, the details a Config key may name.
func details(typ string) ([]string, bool) {
	switch typ {
	case events.TypeCaseReported:
		return events.Channels, true
	case events.TypeCaseDispatched:
		return dispatchModes, true
	case events.TypeCaseReturned:
		return events.ReturnReasons, true
	case events.TypeCaseContacted:
		return []string{events.MeansPhone, events.MeansVisit, events.MeansSMS, events.MeansApp, events.MeansOther}, true
	case events.TypeCaseResolved:
		return outcomes, true
	case events.TypeCaseReopened:
		return []string{events.ReopenByCitizen, events.ReopenByHotline, events.ReopenBySupervisor}, true
	case events.TypeCaseRated:
		return []string{events.Satisfied, events.Basically, events.Unsatisfied, "invalid"}, true
	case events.TypeCaseAccepted, events.TypeCaseExtended, events.TypeCaseMerged, events.TypeCaseClosed,
		events.TypeTopicOpened, events.TypeBallotCast, events.TypeTopicClosed:
		return nil, true
	}
	return nil, false
}

var caseTypes = []string{
	events.TypeCaseReported, events.TypeCaseDispatched, events.TypeCaseReturned, events.TypeCaseAccepted,
	events.TypeCaseContacted, events.TypeCaseExtended, events.TypeCaseResolved, events.TypeCaseReopened,
	events.TypeCaseRated, events.TypeCaseMerged, events.TypeCaseClosed,
}

var topicTypes = []string{events.TypeTopicOpened, events.TypeBallotCast, events.TypeTopicClosed}

// spec is the activity mapping of one event type.
type spec struct {
	name   string            // activity of the type ("": dropped)
	detail map[string]string // detail -> activity, overriding name
}

// Projection mines the case lifecycle as a process: each case stream is a
// case, each event an activity (by default its type name) performed by a
// resource (the unit involved). It folds into a Log and reports its
// figures. See the package documentation.
type Projection struct {
	cfg      Config
	loc      *time.Location
	log      *Log
	specs    map[string]*spec
	channels map[string]string // channel -> "channel:<channel>"
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Stateful   = (*Projection)(nil)
	_ projections.Filter     = (*Projection)(nil)
	_ projections.Reporter   = (*Projection)(nil)
)

// New returns an empty projection, or an error wrapping ErrConfig when
// cfg.Activities names a type or detail the projection does not read or
// drops an opening event.
func New(cfg Config) (*Projection, error) {
	p := &Projection{cfg: cfg, loc: cfg.Zone, specs: map[string]*spec{}, channels: map[string]string{}}
	if p.loc == nil {
		p.loc = shanghai()
	}
	types := p.Types()
	for _, t := range types {
		p.specs[t] = &spec{name: t}
	}
	keys := make([]string, 0, len(cfg.Activities))
	for k := range cfg.Activities {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := cfg.Activities[k]
		typ, detail, hasDetail := strings.Cut(k, "/")
		ok := slices.Contains(types, typ)
		valid, _ := details(typ)
		if !ok || hasDetail && !slices.Contains(valid, detail) {
			return nil, fmt.Errorf("%w: activity key %q: no such event type or detail", ErrConfig, k)
		}
		if v == "" && (typ == events.TypeCaseReported || typ == events.TypeTopicOpened) {
			return nil, fmt.Errorf("%w: activity key %q: the opening event cannot be dropped", ErrConfig, k)
		}
		s := p.specs[typ]
		if !hasDetail {
			s.name = v
			continue
		}
		if s.detail == nil {
			s.detail = map[string]string{}
		}
		s.detail[detail] = v
	}
	p.log = NewLog(LogConfig{Bucket: p.day})
	return p, nil
}

// shanghai returns Asia/Shanghai, or a fixed +08:00 zone of that name
// where the tz database is missing.
func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}

// day is the bucket of a case: its first event's local date as yyyymmdd.
func (p *Projection) day(t time.Time) int32 {
	y, m, d := t.In(p.loc).Date()
	return int32(y*10000 + int(m)*100 + d)
}

// dayTime returns noon of a yyyymmdd bucket in the zone.
func (p *Projection) dayTime(key int32) time.Time {
	return time.Date(int(key/10000), time.Month(key/100%100), int(key%100), 12, 0, 0, 0, p.loc)
}

// Name returns "process/v1".
func (p *Projection) Name() string { return Name }

// Types returns the case lifecycle types, and the topic types when
// Config.Topics is set.
func (p *Projection) Types() []string {
	t := append(slices.Clone(caseTypes), events.TypeActivityRecorded)
	if p.cfg.Topics {
		t = append(t, topicTypes...)
	}
	return t
}

// Apply adds the event to its case's trace; case.closed (topic.closed)
// also ends the case. Events for a case that was never reported are
// ignored.
func (p *Projection) Apply(_ uint64, e *events.Event, payload events.Payload) error {
	var res, detail string
	create, end, topic := false, false, false
	actor := e.Actor.Unit
	if actor == "" {
		actor = string(e.Actor.Kind)
	}
	switch x := payload.(type) {
	case *events.CaseReported:
		res, detail, create = p.channel(x.Channel), x.Channel, true
	case *events.CaseDispatched:
		res, detail = x.ToUnit, x.Mode
	case *events.CaseReturned:
		res, detail = x.Unit, x.Reason
	case *events.CaseAccepted:
		res = x.Unit
	case *events.CaseContacted:
		res, detail = x.Unit, x.Means
	case *events.CaseResolved:
		res, detail = x.Unit, x.Outcome
	case *events.CaseReopened:
		res, detail = actor, x.By
	case *events.CaseRated:
		res, detail = actor, x.Satisfaction
		if !x.Valid {
			detail = "invalid"
		}
	case *events.CaseExtended, *events.CaseMerged:
		res = actor
	case *events.CaseClosed:
		res, end = actor, true
	case *events.TopicOpened:
		res, create, topic = actor, true, true
	case *events.BallotCast:
		res, topic = actor, true
	case *events.TopicClosed:
		res, end, topic = actor, true, true
	case *events.ActivityRecorded:
		return p.activity(e, x, actor)
	default:
		return nil
	}
	kind, _ := events.SplitStream(e.Stream)
	if topic && (!p.cfg.Topics || kind != events.StreamTopic) || !topic && kind != events.StreamCase {
		return nil
	}
	s := p.specs[e.Type]
	if s == nil {
		return nil
	}
	act := s.name
	if s.detail != nil {
		if a, ok := s.detail[detail]; ok {
			act = a
		}
	}
	if act != "" {
		if err := p.log.add(e.Stream, act, res, e.OccurredAt, create); err != nil {
			return err
		}
	}
	if end {
		p.log.End(e.Stream)
	}
	return nil
}

// activity adds an imported activity: on a trace stream the first event
// opens the case and the one marked Last ends it; on a case stream it
// joins the case's trace. Its resource is the org:group (the unit, as for
// lifecycle events), else the org:resource, else the actor.
func (p *Projection) activity(e *events.Event, x *events.ActivityRecorded, actor string) error {
	kind, _ := events.SplitStream(e.Stream)
	if kind != events.StreamTrace && kind != events.StreamCase {
		return nil
	}
	res := x.Group
	if res == "" {
		res = x.Resource
	}
	if res == "" {
		res = actor
	}
	trace := kind == events.StreamTrace
	if err := p.log.add(e.Stream, x.Activity, res, e.OccurredAt, trace && e.Version == 0); err != nil {
		return err
	}
	if trace && x.Last {
		p.log.End(e.Stream)
	}
	return nil
}

// channel returns the resource of a report through channel c.
func (p *Projection) channel(c string) string {
	if r, ok := p.channels[c]; ok {
		return r
	}
	r := "channel:" + c
	p.channels[strings.Clone(c)] = r
	return r
}

// MarshalState returns the Log's deterministic serialization.
func (p *Projection) MarshalState() ([]byte, error) { return p.log.AppendBinary(nil), nil }

// UnmarshalState replaces the state with a serialized one; corrupt input
// gives an error wrapping stats.ErrCorrupt.
func (p *Projection) UnmarshalState(b []byte) error {
	l, err := UnmarshalLog(b, LogConfig{Bucket: p.day})
	if err != nil {
		return err
	}
	p.log = l
	return nil
}

// Results returns the typed figures for q: one Result per period (one
// Result with Period "" when q.Period is empty), over the cases reported
// on local days in [q.From, q.To). It refuses any q.By and a From or To
// that is not a local midnight (figures are kept per day), with an error
// wrapping projections.ErrQuery.
func (p *Projection) Results(q projections.Query) ([]*Result, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	var lo, hi int32
	for _, b := range []struct {
		name string
		t    time.Time
		day  *int32
	}{{"--from", q.From, &lo}, {"--to", q.To, &hi}} {
		if b.t.IsZero() {
			continue
		}
		t := b.t.In(p.loc)
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
			return nil, fmt.Errorf("%w: %s %s: process figures are kept per day; give a midnight in %s",
				projections.ErrQuery, b.name, b.t.Format(time.RFC3339), p.loc)
		}
		*b.day = p.day(t)
	}
	var keep func(int32) bool
	if lo != 0 || hi != 0 {
		keep = func(k int32) bool { return (lo == 0 || k >= lo) && (hi == 0 || k < hi) }
	}
	if q.Period == "" {
		return p.log.Results(keep, nil), nil
	}
	return p.log.Results(keep, func(k int32) string { return stats.Period(p.dayTime(k), q.Period, p.loc) }), nil
}
