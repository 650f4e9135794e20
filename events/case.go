package events

import (
	"fmt"
	"time"
)

// Case lifecycle type names.
const (
	TypeCaseReported   = "case.reported"
	TypeCaseDispatched = "case.dispatched"
	TypeCaseReturned   = "case.returned"
	TypeCaseAccepted   = "case.accepted"
	TypeCaseContacted  = "case.contacted"
	TypeCaseExtended   = "case.extended"
	TypeCaseResolved   = "case.resolved"
	TypeCaseReopened   = "case.reopened"
	TypeCaseRated      = "case.rated"
	TypeCaseMerged     = "case.merged"
	TypeCaseClosed     = "case.closed"
)

// Intake channels.
const (
	ChannelHotline    = "hotline"     // 12345 hotline call
	ChannelApp        = "app"         // mini-program / app photo
	ChannelGridPatrol = "grid_patrol" // grid worker patrol finding
	ChannelSuperior   = "superior"    // assigned by a superior office
	ChannelEnterprise = "enterprise"  // enterprise service request
	ChannelOther      = "other"
)

// Channels lists every intake channel.
var Channels = []string{ChannelHotline, ChannelApp, ChannelGridPatrol, ChannelSuperior, ChannelEnterprise, ChannelOther}

// Location places a case in the unit hierarchy. Street, community and grid
// are unit ids from the registry. Address and coordinates are optional.
type Location struct {
	Street    string   `json:"street,omitempty"`
	Community string   `json:"community,omitempty"`
	Grid      string   `json:"grid,omitempty"`
	Address   Personal `json:"address,omitzero"`
	Lat       *float64 `json:"lat,omitempty"`
	Lon       *float64 `json:"lon,omitempty"`
}

func (l Location) validate() error {
	if l.Street == "" && l.Community == "" && l.Grid == "" {
		return invalid("location", "needs at least one of street, community, grid")
	}
	for _, f := range []struct{ n, v string }{{"location.street", l.Street}, {"location.community", l.Community}, {"location.grid", l.Grid}} {
		if err := checkID(f.n, f.v, false); err != nil {
			return err
		}
	}
	if err := l.Address.Validate("location.address"); err != nil {
		return err
	}
	if (l.Lat == nil) != (l.Lon == nil) {
		return invalid("location", "lat and lon go together")
	}
	if l.Lat != nil && (*l.Lat < -90 || *l.Lat > 90 || *l.Lon < -180 || *l.Lon > 180) {
		return invalid("location", "lat/lon out of range")
	}
	return nil
}

// CaseReported is a request received (上报/受理). It opens a case stream.
type CaseReported struct {
	Channel  string   `json:"channel"`
	Category string   `json:"category"`
	Location Location `json:"location"`
	// Reporter is the pseudonymous subject id of the citizen, empty for
	// patrol findings and superior assignments.
	Reporter string `json:"reporter,omitempty"`
	// Description is personal: sealed under the reporter's key when there
	// is a reporter.
	Description Personal `json:"description,omitzero"`
	// DeadlinePolicy names the deadline rule (e.g. "urgent-24h",
	// "standard-5wd"); projections resolve it through their policy table.
	DeadlinePolicy string `json:"deadline_policy"`
}

// EventType implements Payload.
func (*CaseReported) EventType() string { return TypeCaseReported }

// Validate implements Payload.
func (p *CaseReported) Validate() error {
	if err := checkEnum("channel", p.Channel, Channels...); err != nil {
		return err
	}
	if err := checkID("category", p.Category, true); err != nil {
		return err
	}
	if err := p.Location.validate(); err != nil {
		return err
	}
	if err := checkID("reporter", p.Reporter, false); err != nil {
		return err
	}
	if err := p.Description.Validate("description"); err != nil {
		return err
	}
	return checkID("deadline_policy", p.DeadlinePolicy, true)
}

// Dispatch modes.
const (
	ModeRule     = "rule"     // automatic, by the responsibility list
	ModeManual   = "manual"   // a dispatcher chose the unit
	ModeFallback = "fallback" // district fallback (兜底)
	ModeForced   = "forced"   // forced ruling after a dispute
)

// CaseDispatched sends a case to a unit (派单/转办).
type CaseDispatched struct {
	FromUnit string `json:"from_unit"`
	ToUnit   string `json:"to_unit"`
	Mode     string `json:"mode"`
	// RuleID and ListVersion identify the responsibility-list rule used;
	// required for mode "rule".
	RuleID      string `json:"rule_id,omitempty"`
	ListVersion int    `json:"list_version,omitempty"`
	Note        string `json:"note,omitempty"`
}

// EventType implements Payload.
func (*CaseDispatched) EventType() string { return TypeCaseDispatched }

// Validate implements Payload.
func (p *CaseDispatched) Validate() error {
	if err := checkID("from_unit", p.FromUnit, true); err != nil {
		return err
	}
	if err := checkID("to_unit", p.ToUnit, true); err != nil {
		return err
	}
	if p.FromUnit == p.ToUnit {
		return invalid("to_unit", "equals from_unit")
	}
	if err := checkEnum("mode", p.Mode, ModeRule, ModeManual, ModeFallback, ModeForced); err != nil {
		return err
	}
	if p.Mode == ModeRule {
		if p.RuleID == "" || p.ListVersion <= 0 {
			return invalid("rule_id", "and list_version are required for mode \"rule\"")
		}
	}
	if p.ListVersion < 0 {
		return invalid("list_version", "is negative")
	}
	if err := checkID("rule_id", p.RuleID, false); err != nil {
		return err
	}
	return checkText("note", p.Note, false)
}

// Return reason codes.
const (
	ReasonWrongArea         = "wrong_area"
	ReasonUnclearOwnership  = "unclear_ownership"
	ReasonOverlappingDuties = "overlapping_duties"
	ReasonOther             = "other"
)

// ReturnReasons lists every return reason code.
var ReturnReasons = []string{ReasonWrongArea, ReasonUnclearOwnership, ReasonOverlappingDuties, ReasonOther}

// CaseReturned is a unit refusing an order (退单).
type CaseReturned struct {
	Unit          string `json:"unit"`
	Reason        string `json:"reason"`
	SuggestedUnit string `json:"suggested_unit,omitempty"`
	Note          string `json:"note,omitempty"`
}

// EventType implements Payload.
func (*CaseReturned) EventType() string { return TypeCaseReturned }

// Validate implements Payload.
func (p *CaseReturned) Validate() error {
	if err := checkID("unit", p.Unit, true); err != nil {
		return err
	}
	if err := checkEnum("reason", p.Reason, ReturnReasons...); err != nil {
		return err
	}
	if err := checkID("suggested_unit", p.SuggestedUnit, false); err != nil {
		return err
	}
	return checkText("note", p.Note, false)
}

// CaseAccepted is a unit signing for an order (签收).
type CaseAccepted struct {
	Unit string `json:"unit"`
}

// EventType implements Payload.
func (*CaseAccepted) EventType() string { return TypeCaseAccepted }

// Validate implements Payload.
func (p *CaseAccepted) Validate() error { return checkID("unit", p.Unit, true) }

// Contact means.
const (
	MeansPhone = "phone"
	MeansVisit = "visit"
	MeansSMS   = "sms"
	MeansApp   = "app"
	MeansOther = "other"
)

// CaseContacted records that the handling unit contacted the citizen.
type CaseContacted struct {
	Unit  string `json:"unit"`
	Means string `json:"means"`
}

// EventType implements Payload.
func (*CaseContacted) EventType() string { return TypeCaseContacted }

// Validate implements Payload.
func (p *CaseContacted) Validate() error {
	if err := checkID("unit", p.Unit, true); err != nil {
		return err
	}
	return checkEnum("means", p.Means, MeansPhone, MeansVisit, MeansSMS, MeansApp, MeansOther)
}

// CaseExtended grants a deadline extension.
type CaseExtended struct {
	NewDeadline time.Time `json:"new_deadline"`
	Reason      string    `json:"reason"`
	ApprovedBy  string    `json:"approved_by,omitempty"`
}

// EventType implements Payload.
func (*CaseExtended) EventType() string { return TypeCaseExtended }

// Validate implements Payload.
func (p *CaseExtended) Validate() error {
	if err := CheckTime("new_deadline", p.NewDeadline, true); err != nil {
		return err
	}
	if err := checkText("reason", p.Reason, true); err != nil {
		return err
	}
	return checkID("approved_by", p.ApprovedBy, false)
}

// Resolution outcomes.
const (
	OutcomeFixed      = "fixed"
	OutcomeExplained  = "explained"
	OutcomeNoAction   = "no_action"
	OutcomeDuplicate  = "duplicate"
	OutcomeNotOurDuty = "not_our_duty"
)

// CaseResolved is a unit finishing a case (办结).
type CaseResolved struct {
	Unit        string   `json:"unit"`
	Outcome     string   `json:"outcome"`
	DuplicateOf string   `json:"duplicate_of,omitempty"`
	Evidence    []string `json:"evidence,omitempty"`
	Summary     string   `json:"summary,omitempty"`
}

// EventType implements Payload.
func (*CaseResolved) EventType() string { return TypeCaseResolved }

// Validate implements Payload.
func (p *CaseResolved) Validate() error {
	if err := checkID("unit", p.Unit, true); err != nil {
		return err
	}
	if err := checkEnum("outcome", p.Outcome, OutcomeFixed, OutcomeExplained, OutcomeNoAction, OutcomeDuplicate, OutcomeNotOurDuty); err != nil {
		return err
	}
	if (p.Outcome == OutcomeDuplicate) != (p.DuplicateOf != "") {
		return invalid("duplicate_of", "is required exactly when outcome is \"duplicate\"")
	}
	if err := checkID("duplicate_of", p.DuplicateOf, false); err != nil {
		return err
	}
	if len(p.Evidence) > 64 {
		return invalid("evidence", "has more than 64 references")
	}
	for i, r := range p.Evidence {
		if err := checkText(fmt.Sprintf("evidence[%d]", i), r, true); err != nil {
			return err
		}
	}
	return checkText("summary", p.Summary, false)
}

// Who may reopen a case.
const (
	ReopenByCitizen    = "citizen"
	ReopenByHotline    = "hotline"
	ReopenBySupervisor = "supervisor"
)

// CaseReopened reopens a resolved case (重办).
type CaseReopened struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// EventType implements Payload.
func (*CaseReopened) EventType() string { return TypeCaseReopened }

// Validate implements Payload.
func (p *CaseReopened) Validate() error {
	if err := checkText("reason", p.Reason, true); err != nil {
		return err
	}
	return checkEnum("by", p.By, ReopenByCitizen, ReopenByHotline, ReopenBySupervisor)
}

// Satisfaction answers.
const (
	Satisfied   = "satisfied"
	Basically   = "basically"
	Unsatisfied = "unsatisfied"
)

// CaseRated is the citizen's return-visit answer (回访评价). A rating that
// cannot be counted (unreachable, malicious, not the reporter) is recorded
// with Valid false and an InvalidReason; its satisfaction may then be
// empty (nothing was answered) and is never counted.
type CaseRated struct {
	Contacted     bool   `json:"contacted"`
	Solved        bool   `json:"solved"`
	Satisfaction  string `json:"satisfaction,omitempty"`
	Valid         bool   `json:"valid"`
	InvalidReason string `json:"invalid_reason,omitempty"`
	// Comment is personal: sealed under the respondent's key when there
	// is a respondent.
	Comment Personal `json:"comment,omitzero"`
	// Respondent is the pseudonymous subject id of the citizen who
	// answered, optional.
	Respondent string `json:"respondent,omitempty"`
}

// EventType implements Payload.
func (*CaseRated) EventType() string { return TypeCaseRated }

// Validate implements Payload.
func (p *CaseRated) Validate() error {
	if p.Valid || p.Satisfaction != "" {
		if err := checkEnum("satisfaction", p.Satisfaction, Satisfied, Basically, Unsatisfied); err != nil {
			return err
		}
	}
	if p.Valid && p.InvalidReason != "" {
		return invalid("invalid_reason", "is set on a valid rating")
	}
	if !p.Valid && p.InvalidReason == "" {
		return invalid("invalid_reason", "is required when valid is false")
	}
	if err := checkText("invalid_reason", p.InvalidReason, false); err != nil {
		return err
	}
	if err := checkID("respondent", p.Respondent, false); err != nil {
		return err
	}
	return p.Comment.Validate("comment")
}

// CaseMerged marks a case as a duplicate of a parent case.
type CaseMerged struct {
	Parent string `json:"parent"`
}

// EventType implements Payload.
func (*CaseMerged) EventType() string { return TypeCaseMerged }

// Validate implements Payload.
func (p *CaseMerged) Validate() error { return checkID("parent", p.Parent, true) }

// CaseClosed archives a case; no further events are accepted on it.
type CaseClosed struct {
	Note string `json:"note,omitempty"`
}

// EventType implements Payload.
func (*CaseClosed) EventType() string { return TypeCaseClosed }

// Validate implements Payload.
func (p *CaseClosed) Validate() error { return checkText("note", p.Note, false) }
