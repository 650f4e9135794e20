package process

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/govledger/govledger/projections"
)

var _ projections.Configured = (*Projection)(nil)

// ConfigFingerprint implements projections.Configured: the zone, the
// activity table and whether topics are included. encoding/json sorts the
// table's keys, so equal configurations give equal fingerprints.
func (p *Projection) ConfigFingerprint() string {
	b, _ := json.Marshal(struct {
		Zone       string            `json:"zone"`
		Activities map[string]string `json:"activities"`
		Topics     bool              `json:"topics"`
	}{p.loc.String(), p.cfg.Activities, p.cfg.Topics})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
