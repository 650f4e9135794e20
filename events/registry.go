package events

import (
	"fmt"
	"time"
)

// Registry type names.
const (
	TypeUnitRegistered = "unit.registered"
	TypeRespPublished  = "responsibility.published"
	TypeSubjectErased  = "subject.erased"
)

// Unit kinds, from the top of the hierarchy down.
const (
	UnitDistrict   = "district"
	UnitStreet     = "street"     // 街道/乡镇
	UnitCommunity  = "community"  // 社区/村
	UnitGrid       = "grid"       // 网格
	UnitDepartment = "department" // 职能部门
	UnitCenter     = "center"     // dispatch centre (12345, 网格中心)
)

// UnitKinds lists every unit kind.
var UnitKinds = []string{UnitDistrict, UnitStreet, UnitCommunity, UnitGrid, UnitDepartment, UnitCenter}

// UnitRegistered registers a unit and its parent in the hierarchy. A
// district has no parent; every other unit's parent must be registered.
type UnitRegistered struct {
	Unit   string `json:"unit"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Parent string `json:"parent,omitempty"`
}

// EventType implements Payload.
func (*UnitRegistered) EventType() string { return TypeUnitRegistered }

// Validate implements Payload.
func (p *UnitRegistered) Validate() error {
	if err := checkID("unit", p.Unit, true); err != nil {
		return err
	}
	if err := checkText("name", p.Name, true); err != nil {
		return err
	}
	if err := checkEnum("kind", p.Kind, UnitKinds...); err != nil {
		return err
	}
	if p.Kind == UnitDistrict && p.Parent != "" {
		return invalid("parent", "must be empty for a district")
	}
	if p.Kind != UnitDistrict && p.Parent == "" {
		return invalid("parent", "is required for a "+p.Kind)
	}
	if p.Parent == p.Unit && p.Parent != "" {
		return invalid("parent", "is the unit itself")
	}
	return checkID("parent", p.Parent, false)
}

// Rule maps a category (optionally within one street) to the unit that
// must handle it.
type Rule struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Street   string `json:"street,omitempty"`
	Unit     string `json:"unit"`
}

// MaxRules bounds one responsibility list.
const MaxRules = 1000

// ResponsibilityPublished publishes a version of the responsibility list
// (职责清单/派单目录). Versions start at 1 and increase by one.
type ResponsibilityPublished struct {
	ListVersion   int       `json:"list_version"`
	EffectiveFrom time.Time `json:"effective_from"`
	Fallback      string    `json:"fallback"`
	Rules         []Rule    `json:"rules"`
}

// EventType implements Payload.
func (*ResponsibilityPublished) EventType() string { return TypeRespPublished }

// Validate implements Payload.
func (p *ResponsibilityPublished) Validate() error {
	if p.ListVersion < 1 {
		return invalid("list_version", "must be 1 or more")
	}
	if err := CheckTime("effective_from", p.EffectiveFrom, true); err != nil {
		return err
	}
	if err := checkID("fallback", p.Fallback, true); err != nil {
		return err
	}
	if len(p.Rules) == 0 || len(p.Rules) > MaxRules {
		return invalid("rules", fmt.Sprintf("has %d rules, need 1..%d", len(p.Rules), MaxRules))
	}
	ids := map[string]bool{}
	scopes := map[[2]string]bool{}
	for i, r := range p.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		if err := checkID(f+".id", r.ID, true); err != nil {
			return err
		}
		if err := checkID(f+".category", r.Category, true); err != nil {
			return err
		}
		if err := checkID(f+".street", r.Street, false); err != nil {
			return err
		}
		if err := checkID(f+".unit", r.Unit, true); err != nil {
			return err
		}
		if ids[r.ID] {
			return invalid(f+".id", fmt.Sprintf("%q repeats", r.ID))
		}
		ids[r.ID] = true
		scope := [2]string{r.Category, r.Street}
		if scopes[scope] {
			return invalid(f, fmt.Sprintf("category %q in street %q has two rules", r.Category, r.Street))
		}
		scopes[scope] = true
	}
	return nil
}

// Route returns the rule for a category in a street: the street-specific
// rule if there is one, else the district-wide rule.
func (p *ResponsibilityPublished) Route(category, street string) (Rule, bool) {
	var general *Rule
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Category != category {
			continue
		}
		if r.Street == street && street != "" {
			return *r, true
		}
		if r.Street == "" {
			general = r
		}
	}
	if general != nil {
		return *general, true
	}
	return Rule{}, false
}

// SubjectErased records that a citizen's personal data was crypto-shredded.
type SubjectErased struct {
	Subject string `json:"subject"`
	Reason  string `json:"reason"`
}

// EventType implements Payload.
func (*SubjectErased) EventType() string { return TypeSubjectErased }

// Validate implements Payload.
func (p *SubjectErased) Validate() error {
	if err := checkID("subject", p.Subject, true); err != nil {
		return err
	}
	return checkText("reason", p.Reason, true)
}
