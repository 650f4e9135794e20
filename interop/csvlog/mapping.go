package csvlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
)

// ErrMapping marks a mapping that cannot be used: malformed JSON, an
// unknown key, a required column left out, a channel that is not one of
// events.Channels, a zone the host does not know.
var ErrMapping = errors.New("csvlog: bad mapping")

// Columns names the CSV column that holds each field. An empty name means
// the field is not in the file. ID and Created are required; every other
// column is optional. Every column named must be in the header.
type Columns struct {
	// ID is the request's unique key; it names the case.
	ID string `json:"id"`
	// Created is when the request was received.
	Created string `json:"created"`
	// Closed is when it was closed; read only when the status is closed.
	Closed string `json:"closed,omitempty"`
	// Agency is the unit that answers the request (a dispatch centre).
	Agency string `json:"agency,omitempty"`
	// AgencyName is the agency's display name.
	AgencyName string `json:"agency_name,omitempty"`
	// Category is the complaint type.
	Category string `json:"category,omitempty"`
	// Status is the request's status; see Mapping.ClosedStatus.
	Status string `json:"status,omitempty"`
	// Channel is how the request came in; see Mapping.Channels.
	Channel string `json:"channel,omitempty"`
	// Street, Community and Grid are the unit ids of the request's place
	// (a borough, a community board, a precinct...).
	Street    string `json:"street,omitempty"`
	Community string `json:"community,omitempty"`
	Grid      string `json:"grid,omitempty"`
	// Address is the incident address, imported only when
	// Mapping.KeepAddress is set.
	Address string `json:"address,omitempty"`
	// Lat and Lon are the coordinates, used when both parse and are in
	// range.
	Lat string `json:"lat,omitempty"`
	Lon string `json:"lon,omitempty"`
	// Resolution is the resolution text, the resolution's summary.
	Resolution string `json:"resolution,omitempty"`
}

// Mapping says how a CSV file maps to cases. The zero value of every field
// but Columns selects its documented default; Columns.ID and
// Columns.Created are required. A Mapping is validated by NewReader and
// Write, once.
type Mapping struct {
	// Columns names the column of each field.
	Columns Columns `json:"columns"`
	// ClosedStatus lists the status values that mean closed, matched
	// case-insensitively after trimming spaces. Default ["Closed"]. The
	// exporter writes the first one for a closed case and "Open" for the
	// others. Without a status column, a row with a closed date is closed.
	ClosedStatus []string `json:"closed_status,omitempty"`
	// TimeLayouts are the Go time layouts tried in order on the created
	// and closed dates. Default DefaultTimeLayouts. The exporter writes
	// times in the first layout.
	TimeLayouts []string `json:"time_layouts,omitempty"`
	// Zone is the IANA zone of times written without an offset, and the
	// zone the exporter writes times in. Default "UTC".
	Zone string `json:"zone,omitempty"`
	// Channels translates source channel values to events.Channels,
	// matched case-insensitively after trimming spaces. A value not
	// listed is kept when it already is one of events.Channels, else it
	// is "other". The exporter writes, for each channel, the smallest
	// source value that translates to it, or the channel itself.
	Channels map[string]string `json:"channels,omitempty"`
	// DeadlinePolicy is the deadline_policy of imported reports. Default
	// "standard-5wd".
	DeadlinePolicy string `json:"deadline_policy,omitempty"`
	// DefaultStreet is the street unit of a row without a street (no
	// street column, or an empty cell). Default "imported".
	DefaultStreet string `json:"default_street,omitempty"`
	// KeepAddress imports the address column as the location's address
	// (a plain personal field) and lets the exporter write plain
	// addresses. Default false: addresses are neither imported nor
	// exported.
	KeepAddress bool `json:"keep_address,omitempty"`
}

// Defaults of the Mapping fields.
const (
	DefaultClosedStatus   = "Closed"
	DefaultZone           = "UTC"
	DefaultDeadlinePolicy = "standard-5wd"
	DefaultStreet         = "imported"
	// OpenStatus is the status the exporter writes for an open case.
	OpenStatus = "Open"
)

// DefaultTimeLayouts returns the layouts used when Mapping.TimeLayouts is
// empty: NYC 311's "01/02/2006 03:04:05 PM", RFC 3339, "2006-01-02
// 15:04:05" and "2006-01-02T15:04:05". (Go accepts fractional seconds
// after the seconds of any layout when parsing.)
func DefaultTimeLayouts() []string {
	return []string{"01/02/2006 03:04:05 PM", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"}
}

// DefaultMapping returns the mapping of NYC's "311 Service Requests"
// export: Unique Key, Created Date, Closed Date, Agency, Agency Name,
// Complaint Type, Status, Open Data Channel Type, Borough (the street),
// Community Board (the community), Incident Address (not kept), Latitude,
// Longitude and Resolution Description, with NYC's channel values.
func DefaultMapping() Mapping {
	return Mapping{
		Columns: Columns{
			ID:         "Unique Key",
			Created:    "Created Date",
			Closed:     "Closed Date",
			Agency:     "Agency",
			AgencyName: "Agency Name",
			Category:   "Complaint Type",
			Status:     "Status",
			Channel:    "Open Data Channel Type",
			Street:     "Borough",
			Community:  "Community Board",
			Address:    "Incident Address",
			Lat:        "Latitude",
			Lon:        "Longitude",
			Resolution: "Resolution Description",
		},
		ClosedStatus:   []string{DefaultClosedStatus},
		TimeLayouts:    DefaultTimeLayouts(),
		Zone:           DefaultZone,
		Channels:       map[string]string{"PHONE": events.ChannelHotline, "ONLINE": events.ChannelApp, "MOBILE": events.ChannelApp, "OTHER": events.ChannelOther, "UNKNOWN": events.ChannelOther},
		DeadlinePolicy: DefaultDeadlinePolicy,
		DefaultStreet:  DefaultStreet,
	}
}

// LoadMapping reads a mapping from JSON (the format is in the package
// documentation). It is strict: an unknown key, a value of the wrong type
// or trailing data is an error, which names the key. Fields left out take
// their defaults; columns left out are not mapped. The result is
// validated; errors wrap ErrMapping.
func LoadMapping(r io.Reader) (Mapping, error) {
	var m Mapping
	b, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return Mapping{}, fmt.Errorf("%w: read: %w", ErrMapping, err)
	}
	if len(b) > 1<<20 {
		return Mapping{}, fmt.Errorf("%w: larger than 1 MiB", ErrMapping)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Mapping{}, fmt.Errorf("%w: %w", ErrMapping, err)
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return Mapping{}, fmt.Errorf("%w: trailing data after the JSON object", ErrMapping)
	}
	if _, err := m.compile(); err != nil {
		return Mapping{}, err
	}
	return m, nil
}

// field is one mapped field of a compiled mapping.
type field int

const (
	fID field = iota
	fCreated
	fClosed
	fAgency
	fAgencyName
	fCategory
	fStatus
	fChannel
	fStreet
	fCommunity
	fGrid
	fAddress
	fLat
	fLon
	fResolution
	nFields
)

// names returns the column names in field order (the export's column
// order).
func (c *Columns) names() [nFields]string {
	return [nFields]string{c.ID, c.Created, c.Closed, c.Agency, c.AgencyName, c.Category, c.Status, c.Channel, c.Street, c.Community, c.Grid, c.Address, c.Lat, c.Lon, c.Resolution}
}

var fieldKeys = [nFields]string{"id", "created", "closed", "agency", "agency_name", "category", "status", "channel", "street", "community", "grid", "address", "lat", "lon", "resolution"}

// compiled is a validated mapping, ready to use.
type compiled struct {
	cols        [nFields]string
	closed      map[string]bool // normalised status values
	closedOut   string          // status written for a closed case
	layouts     []string
	zone        *time.Location
	channels    map[string]string // normalised source value -> channel
	channelOut  map[string]string // channel -> source value
	policy      string
	street      string
	keepAddress bool
}

// norm is how values and column names are compared loosely.
func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (m *Mapping) compile() (*compiled, error) {
	c := &compiled{
		cols:        m.Columns.names(),
		closed:      map[string]bool{},
		layouts:     m.TimeLayouts,
		policy:      m.DeadlinePolicy,
		street:      m.DefaultStreet,
		keepAddress: m.KeepAddress,
		channels:    map[string]string{},
		channelOut:  map[string]string{},
	}
	if c.cols[fID] == "" || c.cols[fCreated] == "" {
		return nil, fmt.Errorf("%w: columns.id and columns.created are required", ErrMapping)
	}
	seen := map[string]string{}
	for f, name := range c.cols {
		if name == "" {
			continue
		}
		if strings.TrimSpace(name) == "" || !validText(name) {
			return nil, fmt.Errorf("%w: columns.%s: %q is not a column name", ErrMapping, fieldKeys[f], name)
		}
		if other, ok := seen[norm(name)]; ok {
			return nil, fmt.Errorf("%w: columns.%s and columns.%s name the same column %q", ErrMapping, other, fieldKeys[f], name)
		}
		seen[norm(name)] = fieldKeys[f]
	}
	statuses := m.ClosedStatus
	if len(statuses) == 0 {
		statuses = []string{DefaultClosedStatus}
	}
	for _, s := range statuses {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("%w: closed_status: empty value", ErrMapping)
		}
		if norm(s) == norm(OpenStatus) {
			return nil, fmt.Errorf("%w: closed_status: %q is the open status", ErrMapping, s)
		}
		c.closed[norm(s)] = true
	}
	c.closedOut = strings.TrimSpace(statuses[0])
	if len(c.layouts) == 0 {
		c.layouts = DefaultTimeLayouts()
	}
	for _, l := range c.layouts {
		if strings.TrimSpace(l) == "" {
			return nil, fmt.Errorf("%w: time_layouts: empty layout", ErrMapping)
		}
	}
	zone := m.Zone
	if zone == "" {
		zone = DefaultZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("%w: zone: %w", ErrMapping, err)
	}
	c.zone = loc
	keys := make([]string, 0, len(m.Channels))
	for k := range m.Channels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m.Channels[k]
		if !slices.Contains(events.Channels, v) {
			return nil, fmt.Errorf("%w: channels[%q]: %q is not one of %v", ErrMapping, k, v, events.Channels)
		}
		if strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%w: channels: empty source value", ErrMapping)
		}
		if slices.Contains(events.Channels, norm(k)) && norm(k) != v {
			return nil, fmt.Errorf("%w: channels[%q]: the channel name %q cannot translate to %q (exports would not import back)", ErrMapping, k, norm(k), v)
		}
		if prev, ok := c.channels[norm(k)]; ok && prev != v {
			return nil, fmt.Errorf("%w: channels[%q]: translated to both %q and %q", ErrMapping, k, prev, v)
		}
		c.channels[norm(k)] = v
		if _, ok := c.channelOut[v]; !ok {
			c.channelOut[v] = strings.TrimSpace(k) // smallest, keys are sorted
		}
	}
	if c.policy == "" {
		c.policy = DefaultDeadlinePolicy
	}
	if !validID(c.policy) {
		return nil, fmt.Errorf("%w: deadline_policy: %q is not an id", ErrMapping, c.policy)
	}
	if c.street == "" {
		c.street = DefaultStreet
	}
	if !validID(c.street) || cleanID(c.street) != c.street {
		return nil, fmt.Errorf("%w: default_street: %q is not an id", ErrMapping, c.street)
	}
	return c, nil
}

// channel translates a source channel value.
func (c *compiled) channel(v string) string {
	if ch, ok := c.channels[norm(v)]; ok {
		return ch
	}
	v = strings.TrimSpace(v)
	if slices.Contains(events.Channels, v) {
		return v
	}
	return events.ChannelOther
}

// sourceChannel is the value the exporter writes for a channel.
func (c *compiled) sourceChannel(ch string) string {
	if v, ok := c.channelOut[ch]; ok {
		return v
	}
	return ch
}
