package ratings

import (
	"strconv"

	"github.com/govledger/govledger/projections"
)

var _ projections.Configured = (*Projection)(nil)

// ConfigFingerprint implements projections.Configured: the zone, the
// weights, the basically-satisfied credit and the period rule.
func (p *Projection) ConfigFingerprint() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return "zone=" + p.loc.String() + ";w=" + f(p.w.Response) + "/" + f(p.w.Resolution) + "/" + f(p.w.Satisfaction) +
		";basically=" + f(p.basically) + ";period-of-report=" + strconv.FormatBool(p.periodOfReport)
}
