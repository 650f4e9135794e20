package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// Fingerprint identifies the rules: the hex SHA-256 of their canonical
// JSON (zone, policies by name, default policy, calendar exceptions by
// date, weights, basically factor). Equal rules give equal fingerprints;
// a projection checkpoint made under other rules is rebuilt
// (projections.Configured). Notes in the calendar do not count.
func (r *Rules) Fingerprint() string {
	type day struct {
		Date string  `json:"date"`
		Kind DayKind `json:"kind"`
	}
	canon := struct {
		Zone      string   `json:"zone"`
		Policies  []Policy `json:"policies"`
		Default   string   `json:"default"`
		Calendar  []day    `json:"calendar"`
		Weights   Weights  `json:"weights"`
		Basically float64  `json:"basically"`
	}{Zone: r.loc.String(), Default: r.def.Name, Weights: r.weights, Basically: r.basically}
	for _, p := range r.table {
		canon.Policies = append(canon.Policies, p)
	}
	sort.Slice(canon.Policies, func(i, j int) bool { return canon.Policies[i].Name < canon.Policies[j].Name })
	if r.cal != nil {
		for _, e := range r.cal.Entries() {
			canon.Calendar = append(canon.Calendar, day{e.Date.Format("2006-01-02"), e.Kind})
		}
		sort.Slice(canon.Calendar, func(i, j int) bool { return canon.Calendar[i].Date < canon.Calendar[j].Date })
	}
	b, _ := json.Marshal(canon) // plain values: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
