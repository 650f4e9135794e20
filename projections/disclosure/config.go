package disclosure

import (
	"strconv"

	"github.com/govledger/govledger/projections"
)

var _ projections.Configured = (*Projection)(nil)

// ConfigFingerprint implements projections.Configured: the zone and k.
func (p *Projection) ConfigFingerprint() string {
	return "zone=" + p.loc.String() + ";k=" + strconv.Itoa(p.k)
}
