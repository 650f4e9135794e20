// Package policy is the configuration every time-efficiency projection
// shares, so that they all judge a case by the same rules: the zone in
// which calendar days are counted (default Asia/Shanghai), the deadline
// policies a case.reported names (calendar hours or working days), the
// working-day calendar with holidays and make-up workdays (调休), and the
// weights of the three rates (三率).
//
// A deadline is computed from the time a case was reported:
//
//   - a calendar-hour policy adds its hours ("urgent-24h": reported + 24h);
//   - a working-day policy gives the same local clock time N working days
//     later, stepping one day at a time and counting only working days
//     (Monday to Friday, minus holidays, plus make-up workdays). Without
//     holidays this is exactly the simulator's rule, so the defaults
//     reproduce sim.Policies().
//
// An extension (case.extended new_deadline) replaces the deadline; that is
// the projections' business, not this package's. A policy name the table
// does not know falls back to the default policy (standard-5wd unless
// configured) and Deadline says so, so that reports can count such cases.
//
// Rules are read-only once built and safe for concurrent use; nothing in
// this package reads a clock.
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
)

var (
	// ErrConfig is wrapped by every configuration error.
	ErrConfig = errors.New("policy: invalid config")
	// ErrCalendar is wrapped by every calendar file error.
	ErrCalendar = errors.New("policy: invalid calendar")
)

// DefaultZone is the default zone name.
const DefaultZone = "Asia/Shanghai"

// Default deadline policy names (the simulator's, sim.Policies()).
const (
	Urgent24h   = "urgent-24h"
	Standard5wd = "standard-5wd"
	Long10wd    = "standard-10wd"
	Complex15wd = "complex-15wd"
)

// DefaultPolicy is the policy an unknown policy name falls back to.
const DefaultPolicy = Standard5wd

// Default three-rate weights and the weight of a "basically satisfied"
// answer (DESIGN §5).
const (
	DefaultResponseWeight     = 0.1
	DefaultResolutionWeight   = 0.5
	DefaultSatisfactionWeight = 0.4
	DefaultBasicallyFactor    = 0.9
)

// Policy is a deadline policy: a case must be resolved within Hours
// calendar hours or WorkingDays working days of its report. Exactly one
// of Hours and WorkingDays is positive.
type Policy struct {
	Name        string `json:"name"`
	Hours       int    `json:"hours,omitempty"`
	WorkingDays int    `json:"working_days,omitempty"`
}

// String describes the policy: "urgent-24h (24 calendar hours)".
func (p Policy) String() string {
	if p.Hours > 0 {
		return fmt.Sprintf("%s (%d calendar hours)", p.Name, p.Hours)
	}
	return fmt.Sprintf("%s (%d working days)", p.Name, p.WorkingDays)
}

func (p Policy) check() error {
	if p.Name == "" {
		return fmt.Errorf("%w: a policy has no name", ErrConfig)
	}
	if (p.Hours > 0) == (p.WorkingDays > 0) || p.Hours < 0 || p.WorkingDays < 0 {
		return fmt.Errorf("%w: policy %q needs exactly one of hours and working_days, positive", ErrConfig, p.Name)
	}
	if p.Hours > 24*3660 || p.WorkingDays > 2600 {
		return fmt.Errorf("%w: policy %q is longer than ten years", ErrConfig, p.Name)
	}
	return nil
}

// Defaults returns the default policy table, the same as sim.Policies():
// urgent-24h = 24 calendar hours, standard-5wd, standard-10wd and
// complex-15wd = 5, 10 and 15 working days.
func Defaults() []Policy {
	return []Policy{
		{Name: Urgent24h, Hours: 24},
		{Name: Standard5wd, WorkingDays: 5},
		{Name: Long10wd, WorkingDays: 10},
		{Name: Complex15wd, WorkingDays: 15},
	}
}

// Weights are the three-rate weights of the composite score: composite =
// Response x response rate + Resolution x resolution rate + Satisfaction x
// satisfaction rate. The zero Weights means the defaults 0.1/0.5/0.4.
type Weights struct {
	Response     float64 `json:"response"`
	Resolution   float64 `json:"resolution"`
	Satisfaction float64 `json:"satisfaction"`
}

// Config is the whole policy, as Go values or JSON. Every zero value is
// the documented default. Its JSON form:
//
//	{
//	  "zone": "Asia/Shanghai",
//	  "default_policy": "standard-5wd",
//	  "policies": [{"name": "urgent-24h", "hours": 24},
//	               {"name": "standard-5wd", "working_days": 5}],
//	  "calendar_file": "holidays-2026.txt",
//	  "weights": {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4},
//	  "basically_factor": 0.9
//	}
type Config struct {
	// Zone is the IANA zone in which calendar days are counted. Default
	// Asia/Shanghai (a fixed +08:00 zone of that name if the host has no
	// tz database).
	Zone string `json:"zone,omitempty"`
	// Policies override or add to the Defaults(), by name.
	Policies []Policy `json:"policies,omitempty"`
	// DefaultPolicy names the policy an unknown policy name falls back
	// to. Default "standard-5wd"; it must be in the table.
	DefaultPolicy string `json:"default_policy,omitempty"`
	// CalendarFile is a calendar file (see ParseCalendar). Default none:
	// Monday to Friday, no holidays. A relative path in a JSON file read
	// by Load is relative to that file's directory.
	CalendarFile string `json:"calendar_file,omitempty"`
	// Calendar, if set, is used instead of CalendarFile (Go use only).
	Calendar *Calendar `json:"-"`
	// Weights are the three-rate weights; each in [0,1], summing to 1.
	// Default 0.1/0.5/0.4.
	Weights Weights `json:"weights,omitzero"`
	// BasicallyFactor is the weight of a "basically satisfied" answer in
	// the satisfaction rate, in (0,1]. Default 0.9.
	BasicallyFactor float64 `json:"basically_factor,omitempty"`
}

// Rules is a validated policy: use New, Load or Default to get one.
type Rules struct {
	loc       *time.Location
	table     map[string]Policy
	names     []string
	def       Policy
	cal       *Calendar
	weights   Weights
	basically float64
}

// shanghai returns Asia/Shanghai, or a fixed +08:00 zone of that name if
// the host has no tz database.
func shanghai() *time.Location {
	if loc, err := time.LoadLocation(DefaultZone); err == nil {
		return loc
	}
	return time.FixedZone(DefaultZone, 8*3600)
}

// Default returns the default rules: Asia/Shanghai, Defaults(), no
// holidays, weights 0.1/0.5/0.4, basically factor 0.9.
func Default() *Rules {
	r, err := New(Config{})
	if err != nil {
		panic(err) // the defaults are valid
	}
	return r
}

// New validates cfg and builds the rules. It reads cfg.CalendarFile if set
// (and cfg.Calendar is nil).
func New(cfg Config) (*Rules, error) {
	r := &Rules{table: map[string]Policy{}}
	switch cfg.Zone {
	case "", DefaultZone:
		r.loc = shanghai()
	default:
		loc, err := time.LoadLocation(cfg.Zone)
		if err != nil {
			return nil, fmt.Errorf("%w: zone %q: %w", ErrConfig, cfg.Zone, err)
		}
		r.loc = loc
	}
	for _, p := range append(Defaults(), cfg.Policies...) {
		if err := p.check(); err != nil {
			return nil, err
		}
		r.table[p.Name] = p
	}
	for n := range r.table {
		r.names = append(r.names, n)
	}
	slices.Sort(r.names)
	def := cmpOr(cfg.DefaultPolicy, DefaultPolicy)
	p, ok := r.table[def]
	if !ok {
		return nil, fmt.Errorf("%w: default_policy %q is not in the policy table", ErrConfig, def)
	}
	r.def = p
	r.cal = cfg.Calendar
	if r.cal == nil && cfg.CalendarFile != "" {
		c, err := LoadCalendar(cfg.CalendarFile)
		if err != nil {
			return nil, err
		}
		r.cal = c
	}
	if r.cal == nil {
		r.cal = &Calendar{}
	}
	r.weights = cfg.Weights
	if r.weights == (Weights{}) {
		r.weights = Weights{DefaultResponseWeight, DefaultResolutionWeight, DefaultSatisfactionWeight}
	}
	w := r.weights
	for _, x := range []float64{w.Response, w.Resolution, w.Satisfaction} {
		if x < 0 || x > 1 || math.IsNaN(x) {
			return nil, fmt.Errorf("%w: weights must be in [0,1], got %+v", ErrConfig, w)
		}
	}
	if s := w.Response + w.Resolution + w.Satisfaction; math.Abs(s-1) > 1e-9 {
		return nil, fmt.Errorf("%w: weights sum to %g, want 1", ErrConfig, s)
	}
	r.basically = cfg.BasicallyFactor
	if r.basically == 0 {
		r.basically = DefaultBasicallyFactor
	}
	if !(r.basically > 0 && r.basically <= 1) {
		return nil, fmt.Errorf("%w: basically_factor %g is not in (0,1]", ErrConfig, r.basically)
	}
	return r, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ParseConfig reads a JSON policy config. Unknown keys are refused.
func ParseConfig(r io.Reader) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("%w: more than one JSON value", ErrConfig)
	}
	return cfg, nil
}

// Load reads a JSON policy config file and builds the rules; a relative
// calendar_file is read relative to the config file's directory.
func Load(path string) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	cfg, err := ParseConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.CalendarFile != "" && !filepath.IsAbs(cfg.CalendarFile) {
		cfg.CalendarFile = filepath.Join(filepath.Dir(path), cfg.CalendarFile)
	}
	return New(cfg)
}

// Location is the zone calendar days are counted in.
func (r *Rules) Location() *time.Location { return r.loc }

// Calendar is the working-day calendar.
func (r *Rules) Calendar() *Calendar { return r.cal }

// Weights are the three-rate weights.
func (r *Rules) Weights() Weights { return r.weights }

// BasicallyFactor is the weight of a "basically satisfied" answer.
func (r *Rules) BasicallyFactor() float64 { return r.basically }

// Default is the policy an unknown name falls back to.
func (r *Rules) Default() Policy { return r.def }

// Policies returns the policy table sorted by name.
func (r *Rules) Policies() []Policy {
	out := make([]Policy, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, r.table[n])
	}
	return out
}

// Lookup returns the policy called name, or the default policy and false
// if the table has no such name.
func (r *Rules) Lookup(name string) (Policy, bool) {
	if p, ok := r.table[name]; ok {
		return p, true
	}
	return r.def, false
}

// Deadline returns the deadline of a case reported at reported under the
// policy called name, and whether the name was known (false: the default
// policy was used).
func (r *Rules) Deadline(reported time.Time, name string) (time.Time, bool) {
	p, ok := r.Lookup(name)
	return r.DeadlineOf(reported, p), ok
}

// DeadlineOf returns the deadline of a case reported at reported under p.
func (r *Rules) DeadlineOf(reported time.Time, p Policy) time.Time {
	if p.Hours > 0 {
		return reported.Add(time.Duration(p.Hours) * time.Hour)
	}
	return r.cal.AddWorkdays(reported, p.WorkingDays, r.loc)
}

// Satisfaction returns the weighted satisfaction count: satisfied +
// BasicallyFactor x basically.
func (r *Rules) Satisfaction(satisfied, basically int64) float64 {
	return float64(satisfied) + r.basically*float64(basically)
}

// Composite returns the composite score of three rates.
func (r *Rules) Composite(response, resolution, satisfaction float64) float64 {
	return r.weights.Response*response + r.weights.Resolution*resolution + r.weights.Satisfaction*satisfaction
}
