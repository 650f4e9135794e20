package csvlog

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// exportCase is what the exporter keeps of one case while it reads the
// ledger.
type exportCase struct {
	id       string
	reported bool
	created  int64 // Unix nanoseconds; times are written in the mapping's zone
	category string
	channel  string
	street   string
	comm     string
	grid     string
	address  string // plain address, kept only with Mapping.KeepAddress
	sealed   bool   // the address is sealed
	coords   bool
	lat, lon float64
	resolved int64  // the current resolution, 0 when open
	resolver string // unit of the last resolution
	summary  string // summary of the last resolution
	dispatch string // unit last dispatched to
	closed   int64  // case.closed, 0 if not closed
	closer   string // unit of the actor that closed the case
}

// Write exports the cases of src as CSV in the mapping's columns (with
// DefaultMapping, NYC 311's header names), one row per case, in the order
// in which the cases first appear in src, so that an export imports again
// with the same case ids, categories, channels, places, created and closed
// instants (to the precision of the first time layout) and statuses.
//
// The columns are: id; created, the report's time; closed, the time of the
// final resolution of a resolved or closed case (or of case.closed for a
// case closed without resolution), empty for an open case; agency, the
// unit of the last resolution, else the unit last dispatched to, else the
// unit that closed the case; agency name from unit.registered; category;
// status, Mapping.ClosedStatus[0] or "Open"; channel, translated back
// through Mapping.Channels; street, community and grid from the report's
// location; lat and lon; resolution, the last resolution's summary.
// Personal text is never written: not the description, not a sealed
// address, and a plain address only with Mapping.KeepAddress (the address
// column is empty otherwise). Unmapped columns are left out. Times are written in the first layout, in the mapping's zone.
//
// A cell that a spreadsheet could run as a formula (starting with = + - @,
// a tab or a carriage return) is written with a leading single quote,
// which the Reader strips again; plain numbers such as "-73.96" are left
// as they are.
//
// Write reads src once and keeps a small struct per case; rows are written
// after the last record.
func Write(ctx context.Context, w io.Writer, src interop.Source, m Mapping) (Stats, error) {
	c, err := m.compile()
	if err != nil {
		return Stats{}, err
	}
	var st Stats
	index := map[string]int{}
	var cases []*exportCase
	names := map[string]string{}
	// Categories, units, channels and summaries repeat: one copy each.
	pool := map[string]string{}
	intern := func(s string) string {
		if v, ok := pool[s]; ok {
			return v
		}
		pool[s] = s
		return s
	}
	err = src.Records(ctx, func(r interop.Record) error {
		if u, ok := r.Payload.(*events.UnitRegistered); ok {
			names[u.Unit] = u.Name
			return nil
		}
		id := r.Event.CaseID()
		if id == "" {
			return nil
		}
		i, ok := index[id]
		if !ok {
			i = len(cases)
			index[id] = i
			cases = append(cases, &exportCase{id: id})
		}
		ec := cases[i]
		switch p := r.Payload.(type) {
		case *events.CaseReported:
			if !ec.reported {
				ec.reported, ec.created = true, r.Event.OccurredAt.UnixNano()
				ec.category, ec.channel = intern(p.Category), intern(p.Channel)
				l := &p.Location
				ec.street, ec.comm, ec.grid = intern(l.Street), intern(l.Community), intern(l.Grid)
				if l.Lat != nil && l.Lon != nil {
					ec.coords, ec.lat, ec.lon = true, *l.Lat, *l.Lon
				}
				ec.sealed = l.Address.IsSealed()
				if c.keepAddress {
					ec.address = l.Address.Text
				}
			}
		case *events.CaseDispatched:
			ec.dispatch = intern(p.ToUnit)
		case *events.CaseResolved:
			ec.resolved, ec.resolver, ec.summary = r.Event.OccurredAt.UnixNano(), intern(p.Unit), intern(p.Summary)
		case *events.CaseReopened:
			ec.resolved = 0
		case *events.CaseClosed:
			ec.closed, ec.closer = r.Event.OccurredAt.UnixNano(), intern(r.Event.Actor.Unit)
			if ec.closer == "" && r.Event.Actor.Kind == events.ActorUnit {
				ec.closer = intern(r.Event.Actor.ID)
			}
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("csvlog: read ledger: %w", err)
	}

	cw := csv.NewWriter(w)
	var cols []field
	header := make([]string, 0, nFields)
	for f, name := range c.cols {
		if name == "" {
			continue
		}
		cols = append(cols, field(f))
		header = append(header, escapeCell(name))
	}
	if err := cw.Write(header); err != nil {
		return st, fmt.Errorf("csvlog: write: %w", err)
	}
	row := make([]string, len(cols))
	for n, ec := range cases {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return st, fmt.Errorf("csvlog: write: %w", err)
			}
		}
		if !ec.reported {
			st.note(NoteNoReport)
			continue
		}
		for i, f := range cols {
			row[i] = escapeCell(c.cell(ec, f, names, &st))
		}
		if err := cw.Write(row); err != nil {
			return st, fmt.Errorf("csvlog: write: %w", err)
		}
		st.Rows++
		st.Cases++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return st, fmt.Errorf("csvlog: write: %w", err)
	}
	return st, nil
}

// cell is the value of one column of a case's row.
func (c *compiled) cell(ec *exportCase, f field, names map[string]string, st *Stats) string {
	closedAt := ec.resolved
	if closedAt == 0 {
		closedAt = ec.closed
	}
	switch f {
	case fID:
		return ec.id
	case fCreated:
		return time.Unix(0, ec.created).In(c.zone).Format(c.layouts[0])
	case fClosed:
		if closedAt == 0 {
			return ""
		}
		return time.Unix(0, closedAt).In(c.zone).Format(c.layouts[0])
	case fAgency:
		return ec.agency()
	case fAgencyName:
		return names[ec.agency()]
	case fCategory:
		return ec.category
	case fStatus:
		if closedAt == 0 {
			return OpenStatus
		}
		return c.closedOut
	case fChannel:
		return c.sourceChannel(ec.channel)
	case fStreet:
		return ec.street
	case fCommunity:
		return ec.comm
	case fGrid:
		return ec.grid
	case fAddress:
		if ec.sealed && c.keepAddress {
			st.note(NoteAddress)
		}
		return ec.address
	case fLat:
		if !ec.coords {
			return ""
		}
		return strconv.FormatFloat(ec.lat, 'f', -1, 64)
	case fLon:
		if !ec.coords {
			return ""
		}
		return strconv.FormatFloat(ec.lon, 'f', -1, 64)
	case fResolution:
		if ec.resolved == 0 {
			return ""
		}
		return ec.summary
	}
	return ""
}

// agency is the unit a case's row names: the unit of the last resolution
// if the case is resolved, else the unit last dispatched to, else the unit
// of the last resolution (reopened, not dispatched again), else the unit
// that closed it.
func (ec *exportCase) agency() string {
	switch {
	case ec.resolved != 0:
		return ec.resolver
	case ec.dispatch != "":
		return ec.dispatch
	case ec.resolver != "":
		return ec.resolver
	}
	return ec.closer
}
