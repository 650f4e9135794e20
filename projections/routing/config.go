package routing

import "github.com/govledger/govledger/projections"

var _ projections.Configured = (*Projection)(nil)

// ConfigFingerprint implements projections.Configured: the zone.
func (p *Projection) ConfigFingerprint() string { return "zone=" + p.loc.String() }
