package sim

// The fixed tables the simulated district is built from: departments,
// categories with their deadline policies and owners, and the category
// moves of responsibility list version 2. They are read-only; the exported
// accessors return copies.

// Policy is a deadline policy named in case.reported (deadline_policy): a
// case must be resolved within Hours calendar hours or WorkingDays working
// days (Monday to Friday) of its report.
type Policy struct {
	Name        string
	Hours       int
	WorkingDays int
}

// Deadline policy names used by the simulator.
const (
	PolicyUrgent24h   = "urgent-24h"
	PolicyStandard5wd = "standard-5wd"
	PolicyLong10wd    = "standard-10wd"
	PolicyComplex15wd = "complex-15wd"
)

var policies = []Policy{
	{Name: PolicyUrgent24h, Hours: 24},
	{Name: PolicyStandard5wd, WorkingDays: 5},
	{Name: PolicyLong10wd, WorkingDays: 10},
	{Name: PolicyComplex15wd, WorkingDays: 15},
}

// Policies returns the deadline policies the simulator assigns, so that a
// timeliness projection can be configured with the same table.
func Policies() []Policy { return append([]Policy(nil), policies...) }

func policyByName(name string) Policy {
	for _, p := range policies {
		if p.Name == name {
			return p
		}
	}
	return policies[1]
}

// department is one functional department: id suffix and English name.
type department struct{ slug, name string }

var departments = []department{
	{"urban-mgmt", "Urban Management Bureau"},
	{"housing", "Housing and Urban-Rural Development Bureau"},
	{"transport", "Transport Bureau"},
	{"traffic-police", "Traffic Police Brigade"},
	{"public-security", "Public Security Sub-bureau"},
	{"eco-env", "Ecology and Environment Bureau"},
	{"water", "Water Affairs Bureau"},
	{"landscaping", "Landscaping and Greening Bureau"},
	{"sanitation", "Environmental Sanitation Centre"},
	{"market", "Market Regulation Bureau"},
	{"health", "Health Commission"},
	{"education", "Education Bureau"},
	{"hr-social", "Human Resources and Social Security Bureau"},
	{"civil-affairs", "Civil Affairs Bureau"},
	{"emergency", "Emergency Management Bureau"},
	{"fire", "Fire and Rescue Brigade"},
	{"planning", "Planning and Natural Resources Bureau"},
	{"culture-tourism", "Culture and Tourism Bureau"},
	{"commerce", "Commerce Bureau"},
	{"drc", "Development and Reform Commission"},
	{"finance", "Finance Bureau"},
	{"tax", "Tax Bureau"},
	{"justice", "Justice Bureau"},
	{"petitions", "Letters and Visits Bureau"},
	{"veterans", "Veterans Affairs Bureau"},
	{"sports", "Sports Bureau"},
	{"medical-insurance", "Medical Security Bureau"},
	{"agriculture", "Agriculture and Rural Affairs Bureau"},
	{"power", "State Grid Power Supply Branch"},
	{"gas", "Gas Company"},
	{"heating", "Heating Company"},
	{"water-supply", "Water Supply Company"},
	{"telecom", "Telecom Operators Liaison Office"},
	{"property-mgmt", "Property Management Office"},
	{"expropriation", "Housing Expropriation Office"},
	{"statistics", "Statistics Bureau"},
	{"science-tech", "Science and Technology Bureau"},
	{"industry-it", "Industry and Information Technology Bureau"},
	{"ethnic-religious", "Ethnic and Religious Affairs Bureau"},
	{"audit", "Audit Bureau"},
	{"women", "Women's Federation"},
	{"disabled", "Disabled Persons' Federation"},
	{"youth-league", "Youth League Committee"},
	{"admin-approval", "Administrative Approval Bureau"},
	{"investment", "Investment Promotion Bureau"},
}

// Category traits.
const (
	traitPatrol     = 1 << iota // grid workers find it on patrol
	traitEnterprise             // typical of enterprise requests
	traitTerritory              // handled by the street of the location (属地)
	traitUrgent                 // worked round the clock, not in office hours
	traitVisit                  // handlers usually visit the site
)

// category is one request category.
type category struct {
	id     string
	policy string
	owner  string // department slug of the district-wide rule; "" = no rule (fallback)
	alt    string // department with overlapping duties, "" if none
	weight float64
	// work is the median handling time in working hours (calendar hours
	// for urgent categories).
	work   float64
	traits int
	desc   string
}

var categories = []category{
	{"road.pothole", PolicyStandard5wd, "transport", "", 3, 14, traitPatrol | traitVisit, "Pothole in the carriageway"},
	{"road.streetlight", PolicyStandard5wd, "urban-mgmt", "power", 2.5, 10, traitPatrol, "Street lights out along the road"},
	{"traffic.signal", PolicyUrgent24h, "traffic-police", "", 1, 4, traitUrgent, "Traffic signal not working at the junction"},
	{"traffic.parking", PolicyStandard5wd, "traffic-police", "urban-mgmt", 4, 6, traitPatrol, "Cars parked on the pavement blocking the way"},
	{"traffic.bus", PolicyLong10wd, "transport", "", 1.5, 20, 0, "Request to change a bus route or stop"},
	{"city.vendor", PolicyStandard5wd, "urban-mgmt", "market", 4, 5, traitPatrol | traitTerritory, "Unlicensed street vendors"},
	{"city.illegal-building", PolicyComplex15wd, "urban-mgmt", "planning", 3, 60, traitPatrol | traitTerritory | traitVisit, "Illegal construction on a rooftop"},
	{"city.signage", PolicyStandard5wd, "urban-mgmt", "", 1, 10, traitPatrol, "Damaged advertising sign"},
	{"city.garbage", PolicyStandard5wd, "sanitation", "", 5, 5, traitPatrol | traitTerritory, "Garbage not collected"},
	{"city.greening", PolicyStandard5wd, "landscaping", "", 2, 12, traitPatrol, "Trees need pruning"},
	{"city.manhole", PolicyUrgent24h, "water", "telecom", 1, 6, traitPatrol | traitUrgent, "Manhole cover missing"},
	{"env.construction-noise", PolicyUrgent24h, "eco-env", "urban-mgmt", 4, 5, traitUrgent, "Construction noise at night"},
	{"env.neighbour-noise", PolicyStandard5wd, "public-security", "", 3, 6, traitTerritory, "Noise from a neighbour"},
	{"env.air", PolicyStandard5wd, "eco-env", "", 1.5, 16, 0, "Smoke and smell from a factory"},
	{"env.water-pollution", PolicyStandard5wd, "eco-env", "water", 0.8, 20, traitPatrol | traitVisit, "Sewage discharged into the river"},
	{"env.cooking-fumes", PolicyStandard5wd, "urban-mgmt", "eco-env", 2, 12, traitVisit, "Cooking fumes from a restaurant"},
	{"housing.property", PolicyStandard5wd, "property-mgmt", "", 6, 12, traitTerritory, "Property management company not doing its job"},
	{"housing.elevator", PolicyUrgent24h, "market", "housing", 2, 8, traitUrgent | traitVisit, "Elevator broken down"},
	{"housing.leak", PolicyStandard5wd, "housing", "", 2.5, 18, traitVisit, "Water leaking through the ceiling"},
	{"housing.renovation", PolicyComplex15wd, "housing", "", 1.5, 50, traitVisit, "Old residential area renovation problems"},
	{"housing.fund", PolicyComplex15wd, "housing", "property-mgmt", 0.8, 40, 0, "Use of the housing maintenance fund"},
	{"housing.expropriation", PolicyComplex15wd, "expropriation", "", 0.5, 70, 0, "Compensation for housing expropriation"},
	{"utility.water-outage", PolicyUrgent24h, "water-supply", "", 3, 6, traitUrgent, "No running water"},
	{"utility.power-outage", PolicyUrgent24h, "power", "", 3, 5, traitUrgent, "Power cut in the building"},
	{"utility.gas", PolicyUrgent24h, "gas", "", 1, 3, traitUrgent | traitVisit, "Smell of gas in the corridor"},
	{"utility.heating", PolicyStandard5wd, "heating", "", 0.6, 10, 0, "Heating pipes not warm"},
	{"utility.telecom", PolicyStandard5wd, "telecom", "", 1, 10, 0, "Broadband and phone line problems"},
	{"market.consumer", PolicyStandard5wd, "market", "", 5, 16, traitEnterprise, "Consumer complaint about a shop"},
	{"market.food-safety", PolicyUrgent24h, "market", "health", 2, 8, traitUrgent | traitVisit, "Food safety problem at a restaurant"},
	{"market.price", PolicyStandard5wd, "market", "drc", 1, 12, traitEnterprise, "Prices not marked or overcharging"},
	{"labor.wages", PolicyComplex15wd, "hr-social", "", 4, 40, traitEnterprise, "Wages in arrears"},
	{"social.pension", PolicyStandard5wd, "hr-social", "medical-insurance", 1.5, 12, 0, "Pension payment question"},
	{"social.medical-insurance", PolicyStandard5wd, "medical-insurance", "", 1.5, 10, 0, "Medical insurance reimbursement"},
	{"social.assistance", PolicyLong10wd, "civil-affairs", "", 1, 24, traitTerritory, "Application for subsistence allowance"},
	{"edu.school", PolicyStandard5wd, "education", "", 2.5, 12, 0, "School enrolment question"},
	{"edu.training", PolicyStandard5wd, "education", "market", 1, 16, traitEnterprise, "Refund from a training institution"},
	{"health.hospital", PolicyStandard5wd, "health", "", 2, 14, 0, "Complaint about hospital service"},
	{"safety.fire-hazard", PolicyUrgent24h, "fire", "emergency", 1.5, 6, traitPatrol | traitUrgent | traitVisit, "Fire exits blocked"},
	{"safety.ebike-charging", PolicyStandard5wd, "fire", "urban-mgmt", 2, 8, traitPatrol | traitVisit, "E-bikes charged in the stairwell"},
	{"public.order", PolicyStandard5wd, "public-security", "", 1.5, 8, 0, "Public order problem"},
	{"neighbour.dispute", PolicyStandard5wd, "justice", "", 2, 20, traitTerritory | traitVisit, "Dispute between neighbours"},
	{"pets.dogs", PolicyStandard5wd, "public-security", "urban-mgmt", 1.5, 8, traitPatrol, "Dogs off the leash"},
	{"culture.entertainment", PolicyStandard5wd, "culture-tourism", "public-security", 1, 10, 0, "Noise from an entertainment venue"},
	{"enterprise.business-env", PolicyComplex15wd, "commerce", "admin-approval", 1.5, 40, traitEnterprise, "Business environment complaint"},
	{"enterprise.approval", PolicyStandard5wd, "admin-approval", "", 1, 14, traitEnterprise, "Delay in an administrative approval"},
	{"enterprise.tax", PolicyStandard5wd, "tax", "", 1, 10, traitEnterprise, "Tax refund question"},
	{"enterprise.policy", PolicyLong10wd, "drc", "investment", 1, 24, traitEnterprise, "Access to enterprise support policies"},
	{"other.general", PolicyStandard5wd, "", "", 2, 12, 0, "Other request"},
}

// Categories returns the category ids the simulator reports, in a fixed order.
func Categories() []string {
	out := make([]string, len(categories))
	for i, c := range categories {
		out[i] = c.id
	}
	return out
}

// moves lists the categories that responsibility list version 2 gives to a
// different department (from the old owner to the new one).
var moves = []struct{ category, to string }{
	{"safety.ebike-charging", "urban-mgmt"},
	{"env.cooking-fumes", "eco-env"},
	{"city.manhole", "urban-mgmt"},
	{"housing.elevator", "housing"},
}
