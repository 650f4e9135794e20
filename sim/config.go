package sim

import (
	"errors"
	"fmt"
	"time"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("sim: invalid config")

// Zone is the default zone of simulated times: China Standard Time, +08:00
// (Asia/Shanghai has no daylight saving time since 1991). A fixed zone is
// used so that the output does not depend on the host's tz database.
var Zone = time.FixedZone("CST", 8*3600)

// DefaultStart is the default start of the simulated period: 2026-10-01
// 00:00 +08:00.
var DefaultStart = time.Date(2026, 10, 1, 0, 0, 0, 0, Zone)

// Config configures a simulation. The zero value of every field selects
// the documented default; negative values are errors. The same Config
// always produces the same events, byte for byte.
type Config struct {
	// Seed selects the random stream. Different seeds give different
	// districts, cases and votes; seed 0 is a seed like any other.
	Seed uint64
	// Start is the start of the simulated period; its location is the
	// zone of every event time. Default DefaultStart (2026-10-01 00:00
	// +08:00).
	Start time.Time
	// Days is the length of the simulated period in days. Default 30.
	Days int
	// Cases is the number of cases reported over the period, exactly.
	// Default 60000, about a month of work orders for one urban district.
	// Memory grows with the number of cases open at once, not with Cases.
	Cases int
	// Streets is the number of streets (街道). Default 18.
	Streets int
	// CommunitiesPerStreet is the mean number of communities per street;
	// each street gets this number ±2 (at least 1). Default 12.
	CommunitiesPerStreet int
	// GridsPerCommunity is the mean number of grids per community; each
	// community gets this number ±3 (at least 1). Default 9.
	GridsPerCommunity int
	// Departments is the number of functional departments. Default 45;
	// beyond the 45 named departments, extra ones are numbered.
	Departments int
	// Topics is the number of community topics put to a vote. Default 40.
	Topics int
	// BatchEvents is the number of events per AppendAtomic call in Run.
	// Default 1000.
	BatchEvents int
}

// Defaults of the Config fields, used when a field is zero.
const (
	DefaultDays                 = 30
	DefaultCases                = 60000
	DefaultStreets              = 18
	DefaultCommunitiesPerStreet = 12
	DefaultGridsPerCommunity    = 9
	DefaultDepartments          = 45
	DefaultTopics               = 40
	DefaultBatchEvents          = 1000
)

// Limits that keep one run inside what the ledger accepts.
const (
	// MaxDays bounds the simulated period.
	MaxDays = 3660
	// MaxBatchEvents bounds the events of one AppendAtomic call.
	MaxBatchEvents = 100000
	// MaxTopics bounds the topics of one run (each open topic holds its
	// voter list, up to events.MaxVoters subjects).
	MaxTopics = 10000
	// MaxStreets bounds streets so that the street-specific rules of the
	// territorial categories (one rule per category and street) fit one
	// responsibility.published payload (events.MaxPayloadBytes).
	MaxStreets = 80
	// MaxGrids bounds the grids of the district (streets x communities x
	// grids, at the largest draw): the registry is emitted up front.
	MaxGrids = 1 << 20
)

// withDefaults returns cfg with defaults filled in, or an error wrapping
// ErrConfig.
func (cfg Config) withDefaults() (Config, error) {
	fields := []struct {
		name string
		v    *int
		def  int
		max  int
	}{
		{"Days", &cfg.Days, DefaultDays, MaxDays},
		{"Cases", &cfg.Cases, DefaultCases, 1 << 40},
		{"Streets", &cfg.Streets, DefaultStreets, MaxStreets},
		{"CommunitiesPerStreet", &cfg.CommunitiesPerStreet, DefaultCommunitiesPerStreet, 500},
		{"GridsPerCommunity", &cfg.GridsPerCommunity, DefaultGridsPerCommunity, 500},
		{"Departments", &cfg.Departments, DefaultDepartments, 500},
		{"Topics", &cfg.Topics, DefaultTopics, MaxTopics},
		{"BatchEvents", &cfg.BatchEvents, DefaultBatchEvents, MaxBatchEvents},
	}
	for _, f := range fields {
		switch {
		case *f.v < 0:
			return cfg, fmt.Errorf("%w: %s is %d, must not be negative", ErrConfig, f.name, *f.v)
		case *f.v == 0:
			*f.v = f.def
		case *f.v > f.max:
			return cfg, fmt.Errorf("%w: %s is %d, limit %d", ErrConfig, f.name, *f.v, f.max)
		}
	}
	if g := cfg.Streets * (cfg.CommunitiesPerStreet + 2) * (cfg.GridsPerCommunity + 3); g > MaxGrids {
		return cfg, fmt.Errorf("%w: up to %d grids, limit %d", ErrConfig, g, MaxGrids)
	}
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart
	}
	if cfg.Start.Year() < 2000 || cfg.Start.Year() > 2150 {
		return cfg, fmt.Errorf("%w: Start %s is outside 2000..2150", ErrConfig, cfg.Start.Format(time.RFC3339))
	}
	// Event times are kept in milliseconds (the ULID resolution).
	cfg.Start = cfg.Start.Truncate(time.Millisecond)
	return cfg, nil
}
