package casetrace

import "github.com/govledger/govledger/projections"

var _ projections.Configured = (*Projection)(nil)

// ConfigFingerprint implements projections.Configured: a checkpoint made
// under other deadline rules or another zone is rebuilt.
func (p *Projection) ConfigFingerprint() string { return p.rules.Fingerprint() }
