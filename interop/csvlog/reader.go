package csvlog

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
)

// MaxRowBytes bounds one CSV row (the header included), quoted line breaks
// and all: a larger row is an error wrapping interop.ErrInput, detected
// before it is read whole.
const MaxRowBytes = 1 << 20

// Skip reasons: the Reason of every *interop.SkipError the Reader returns.
const (
	ReasonColumnCount     = "wrong column count"
	ReasonQuoting         = "malformed quoting"
	ReasonMissingID       = "missing id"
	ReasonMissingCreated  = "missing created date"
	ReasonBadCreated      = "unparseable created date"
	ReasonBadClosed       = "unparseable closed date"
	ReasonClosedFirst     = "closed before created"
	ReasonMissingCategory = "missing category"
	ReasonUTF8            = "invalid UTF-8"
	ReasonTooLong         = "field too long"
	ReasonTimeRange       = "timestamp out of range"
	ReasonInvalidID       = "invalid id"
)

// Notes: what the Reader and Write count in Stats.Notes, for rows and
// cases that are imported or exported with a field left out.
const (
	// NoteClosedNoDate counts rows with a closed status and no closed
	// date, imported as open.
	NoteClosedNoDate = "closed status without closed date"
	// NoteClosedNoAgency counts closed rows without an agency, imported
	// as open (a resolution needs a unit).
	NoteClosedNoAgency = "closed status without agency"
	// NoteCoordinates counts rows whose latitude and longitude do not
	// both parse within range; they are kept as attributes only.
	NoteCoordinates = "coordinates left out"
	// NoteTruncated counts resolution texts cut to events.MaxTextBytes.
	NoteTruncated = "resolution truncated"
	// NoteNoReport counts cases without case.reported, not exported.
	NoteNoReport = "case without report"
	// NoteAddress counts sealed addresses left out of an export that
	// keeps addresses.
	NoteAddress = "address left out"
)

// Activity names of the events the Reader produces.
const (
	ActivityReported = "reported"
	ActivityResolved = "resolved"
	ActivityClosed   = "closed"
)

// Stats counts what a Reader read or Write wrote.
type Stats struct {
	// Rows is the number of data rows read (header excluded) or written.
	Rows int
	// Cases is the number of traces returned or cases exported.
	Cases int
	// Skipped counts skipped rows by reason.
	Skipped map[string]int
	// Notes counts imported or exported rows by note (the Note constants).
	Notes map[string]int
}

func (s *Stats) note(n string) {
	if s.Notes == nil {
		s.Notes = map[string]int{}
	}
	s.Notes[n]++
}

func (s Stats) clone() Stats {
	s.Skipped = maps.Clone(s.Skipped)
	s.Notes = maps.Clone(s.Notes)
	return s
}

// Reader reads a 311-style CSV export as traces, one per row. A Reader is
// not safe for concurrent use.
type Reader struct {
	m     *compiled
	lim   *rowLimiter
	bom   int64
	cr    *csv.Reader
	width int            // header columns
	col   [nFields]int   // column index of each field, -1 if absent
	keys  []string       // attribute key of each column
	role  []field        // field of each column, nFields if unmapped
	stats Stats          //
	err   error          // sticky: the input cannot be read further
	line  int            // line of the last row read
	units []interop.Unit // scratch
}

// NewReader reads the header of a CSV export and returns a Reader for its
// rows. It handles a UTF-8 byte order mark, CRLF line ends and quoted
// fields holding commas, quotes and line breaks. An empty input, a header
// that cannot be parsed, lacks a mapped column or has one twice is an
// error wrapping interop.ErrInput that names the column; a bad mapping
// wraps ErrMapping.
func NewReader(r io.Reader, m Mapping) (*Reader, error) {
	c, err := m.compile()
	if err != nil {
		return nil, err
	}
	lim := &rowLimiter{r: r, limit: MaxRowBytes + bufSize}
	br := bufio.NewReaderSize(lim, bufSize)
	rd := &Reader{m: c, lim: lim}
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
		rd.bom = 3
	}
	rd.cr = csv.NewReader(br)
	rd.cr.FieldsPerRecord = -1
	rd.cr.ReuseRecord = true
	header, err := rd.cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("csvlog: %w: empty input, no header", interop.ErrInput)
	case errors.Is(err, errRowTooLarge) || err == nil && rd.cr.InputOffset() > MaxRowBytes:
		return nil, fmt.Errorf("csvlog: %w: header is larger than %d bytes", interop.ErrInput, MaxRowBytes)
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("csvlog: %w: header: %w", interop.ErrInput, err)
		}
		return nil, fmt.Errorf("csvlog: read header: %w", err)
	}
	if err := rd.header(header); err != nil {
		return nil, err
	}
	rd.lim.base = rd.bom + rd.cr.InputOffset()
	rd.line, _ = rd.cr.FieldPos(0)
	return rd, nil
}

// bufSize is the read buffer's size; the limiter lets it read this far
// ahead of a row.
const bufSize = 64 << 10

func (rd *Reader) header(h []string) error {
	if len(h) > events.MaxAttrs {
		return fmt.Errorf("csvlog: %w: header has %d columns, limit %d", interop.ErrInput, len(h), events.MaxAttrs)
	}
	rd.width = len(h)
	rd.keys = make([]string, len(h))
	rd.role = make([]field, len(h))
	for i, name := range h {
		if !utf8.ValidString(name) {
			return fmt.Errorf("csvlog: %w: header column %d is not valid UTF-8", interop.ErrInput, i+1)
		}
		name = unescapeCell(name)
		if len(name) > events.MaxTextBytes {
			return fmt.Errorf("csvlog: %w: header column %d is longer than %d bytes", interop.ErrInput, i+1, events.MaxTextBytes)
		}
		rd.keys[i] = name
		if strings.TrimSpace(name) == "" {
			rd.keys[i] = fmt.Sprintf("column %d", i+1)
		}
		rd.role[i] = nFields
	}
	for f, want := range rd.m.cols {
		rd.col[f] = -1
		if want == "" {
			continue
		}
		idx, err := match(h, rd.keys, want)
		if err != nil {
			return err
		}
		if idx < 0 {
			return fmt.Errorf("csvlog: %w: header has no column %q (columns.%s)", interop.ErrInput, want, fieldKeys[f])
		}
		rd.col[f] = idx
		rd.role[idx] = field(f)
	}
	return nil
}

// match finds the column named want: exactly, else case-insensitively
// ignoring surrounding spaces. -1 if there is none; two matches are an
// error.
func match(raw, names []string, want string) (int, error) {
	for _, loose := range []bool{false, true} {
		idx := -1
		for i, n := range names {
			if i < len(raw) && raw[i] == "" {
				continue
			}
			if n == want || loose && norm(n) == norm(want) {
				if idx >= 0 {
					return -1, fmt.Errorf("csvlog: %w: header has column %q twice (columns %d and %d)", interop.ErrInput, want, idx+1, i+1)
				}
				idx = i
			}
		}
		if idx >= 0 {
			return idx, nil
		}
	}
	return -1, nil
}

// Stats returns the counts so far.
func (rd *Reader) Stats() Stats { return rd.stats.clone() }

// Next returns the next row's trace, or io.EOF after the last row. A row
// that cannot be imported is a *interop.SkipError (its Reason is one of
// the Reason constants, its Detail names the line and the id); the caller
// may call Next again. Any other error wraps interop.ErrInput (a row
// larger than MaxRowBytes) or is a read error, and is returned again by
// every later call.
func (rd *Reader) Next() (*interop.Trace, error) {
	if rd.err != nil {
		return nil, rd.err
	}
	rec, err := rd.cr.Read()
	if err == nil && rd.bom+rd.cr.InputOffset()-rd.lim.base > MaxRowBytes {
		err = errRowTooLarge
	}
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		case errors.Is(err, errRowTooLarge):
			rd.err = fmt.Errorf("csvlog: %w: the row after the one at line %d is larger than %d bytes", interop.ErrInput, rd.line, MaxRowBytes)
		case errors.As(err, &pe):
			rd.lim.base = rd.bom + rd.cr.InputOffset()
			rd.line = pe.Line
			rd.stats.Rows++
			return nil, rd.skip(interop.Skip(ReasonQuoting, "line %d: %v", pe.StartLine, pe.Err))
		default:
			rd.err = fmt.Errorf("csvlog: read: %w", err)
		}
		return nil, rd.err
	}
	rd.lim.base = rd.bom + rd.cr.InputOffset()
	rd.line, _ = rd.cr.FieldPos(0)
	rd.stats.Rows++
	tr, skip := rd.row(rec)
	if skip != nil {
		return nil, rd.skip(skip)
	}
	rd.stats.Cases++
	return tr, nil
}

func (rd *Reader) skip(s *interop.SkipError) error {
	if rd.stats.Skipped == nil {
		rd.stats.Skipped = map[string]int{}
	}
	rd.stats.Skipped[s.Reason]++
	return s
}

// row turns one record into a trace.
func (rd *Reader) row(rec []string) (*interop.Trace, *interop.SkipError) {
	line := rd.line
	rawID := ""
	if i := rd.col[fID]; i < len(rec) && utf8.ValidString(rec[i]) {
		rawID = cleanID(unescapeCell(rec[i]))
	}
	if len(rec) != rd.width {
		return nil, interop.Skip(ReasonColumnCount, "%s", place{line, rawID}.where("%d fields, the header has %d", len(rec), rd.width))
	}
	for i := range rec {
		if !utf8.ValidString(rec[i]) {
			return nil, interop.Skip(ReasonUTF8, "%s", place{line, rawID}.where("column %q", rd.keys[i]))
		}
		rec[i] = unescapeCell(rec[i])
	}
	m := rd.m
	get := func(f field) string {
		if i := rd.col[f]; i >= 0 {
			return rec[i]
		}
		return ""
	}
	id := cleanID(get(fID))
	if id == "" {
		return nil, interop.Skip(ReasonMissingID, "line %d", line)
	}
	where := place{line, id}.where
	if s := checkID(id, rd.keys[rd.col[fID]], where); s != nil {
		return nil, s
	}
	created, s := rd.time(get(fCreated), ReasonMissingCreated, ReasonBadCreated, where)
	if s != nil {
		return nil, s
	}
	category := cleanID(get(fCategory))
	if category == "" {
		return nil, interop.Skip(ReasonMissingCategory, "%s", where("column %q", m.cols[fCategory]))
	}
	if s := checkID(category, m.cols[fCategory], where); s != nil {
		return nil, s
	}

	// Notes count imported rows: they are kept until the row is.
	var notes [4]string
	nn := 0
	note := func(n string) { notes[nn] = n; nn++ }

	// Closed: a closed status with a closed date and an agency.
	var closed time.Time
	agency := cleanID(get(fAgency))
	isClosed := false
	if rd.col[fStatus] >= 0 {
		isClosed = m.closed[norm(get(fStatus))]
	} else {
		isClosed = strings.TrimSpace(get(fClosed)) != ""
	}
	if isClosed {
		if strings.TrimSpace(get(fClosed)) == "" {
			isClosed = false
			note(NoteClosedNoDate)
		} else {
			closed, s = rd.time(get(fClosed), ReasonBadClosed, ReasonBadClosed, where)
			if s != nil {
				return nil, s
			}
			if closed.Before(created) {
				return nil, interop.Skip(ReasonClosedFirst, "%s", where("closed %s, created %s", closed.Format(time.RFC3339), created.Format(time.RFC3339)))
			}
			if agency == "" {
				isClosed = false
				note(NoteClosedNoAgency)
			}
		}
	}

	// Units.
	units := rd.units[:0]
	add := func(u interop.Unit) {
		for i := range units {
			if units[i].ID == u.ID {
				if units[i].Name == "" {
					units[i].Name = u.Name
				}
				return
			}
		}
		units = append(units, u)
	}
	loc := events.Location{Street: cleanID(get(fStreet)), Community: cleanID(get(fCommunity)), Grid: cleanID(get(fGrid))}
	if loc.Street == "" {
		loc.Street = m.street
	}
	for _, u := range []struct {
		id, kind, parent string
		f                field
	}{
		{loc.Street, events.UnitStreet, "", fStreet},
		{loc.Community, events.UnitCommunity, loc.Street, fCommunity},
		{loc.Grid, events.UnitGrid, first(loc.Community, loc.Street), fGrid},
	} {
		if u.id == "" {
			continue
		}
		if s := checkID(u.id, m.cols[u.f], where); s != nil {
			return nil, s
		}
		add(interop.Unit{ID: u.id, Kind: u.kind, Parent: u.parent})
	}
	if agency != "" {
		// The agency is a dispatch centre, unless it is also the row's
		// street, community or grid; then it keeps that kind.
		if s := checkID(agency, m.cols[fAgency], where); s != nil {
			return nil, s
		}
		name := strings.TrimSpace(get(fAgencyName))
		if len(name) > events.MaxTextBytes {
			return nil, interop.Skip(ReasonTooLong, "%s", where("column %q", m.cols[fAgencyName]))
		}
		add(interop.Unit{ID: agency, Name: name, Kind: events.UnitCenter})
	}
	coords := false
	if rd.col[fLat] >= 0 && rd.col[fLon] >= 0 {
		lat, ok1 := parseCoord(get(fLat), 90)
		lon, ok2 := parseCoord(get(fLon), 180)
		switch {
		case ok1 && ok2:
			loc.Lat, loc.Lon, coords = &lat, &lon, true
		case strings.TrimSpace(get(fLat)) != "" || strings.TrimSpace(get(fLon)) != "":
			note(NoteCoordinates)
		}
	}
	if m.keepAddress {
		a := strings.TrimSpace(get(fAddress))
		if len(a) > events.MaxTextBytes {
			return nil, interop.Skip(ReasonTooLong, "%s", where("column %q", m.cols[fAddress]))
		}
		loc.Address = events.Plain(a)
	}

	// Every other value becomes an attribute of the report.
	keep := func(i int, v string) bool {
		if strings.TrimSpace(v) == "" {
			return false
		}
		switch rd.role[i] {
		case fID, fCreated, fCategory, fStreet, fCommunity, fGrid, fAddress:
			return false
		case fAgency, fClosed, fResolution:
			return !isClosed
		case fAgencyName:
			return agency == ""
		case fLat, fLon:
			return !coords
		case fChannel:
			return m.channel(v) != v
		}
		return true
	}
	n := 0
	for i, v := range rec {
		if keep(i, v) {
			if len(v) > events.MaxTextBytes {
				return nil, interop.Skip(ReasonTooLong, "%s", where("column %q", rd.keys[i]))
			}
			n++
		}
	}
	var attrs []events.Attribute
	if n > 0 {
		attrs = make([]events.Attribute, 0, n)
		for i, v := range rec {
			if keep(i, v) {
				attrs = append(attrs, events.Attribute{Key: rd.keys[i], Type: events.AttrString, Value: v})
			}
		}
	}

	rep := &events.CaseReported{
		Channel:        m.channel(get(fChannel)),
		Category:       category,
		Location:       loc,
		DeadlinePolicy: m.policy,
	}
	tr := &interop.Trace{
		Name:   id,
		Line:   line,
		Events: make([]interop.Event, 1, 3),
	}
	tr.Events[0] = interop.Event{Activity: ActivityReported, Lifecycle: "complete", Time: created, Attributes: attrs, Payload: rep}
	if isClosed {
		summary := strings.TrimSpace(get(fResolution))
		if len(summary) > events.MaxTextBytes {
			summary = truncate(summary, events.MaxTextBytes)
			note(NoteTruncated)
		}
		tr.Events = append(tr.Events, interop.Event{
			Activity: ActivityResolved, Lifecycle: "complete", Time: closed,
			Payload: &events.CaseResolved{Unit: agency, Outcome: events.OutcomeFixed, Summary: summary},
			Actor:   events.Actor{Kind: events.ActorUnit, ID: agency, Unit: agency},
		}, interop.Event{
			// A closed request takes no further updates: the case is
			// archived, so that process mining sees it end.
			Activity: ActivityClosed, Lifecycle: "complete", Time: closed,
			Payload: &events.CaseClosed{},
			Actor:   events.Actor{Kind: events.ActorUnit, ID: agency, Unit: agency},
		})
	}
	tr.Units = append([]interop.Unit(nil), units...)
	rd.units = units
	for _, n := range notes[:nn] {
		rd.stats.note(n)
	}
	return tr, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// place is a row's line and id, for skip details.
type place struct {
	line int
	id   string
}

func (p place) where(format string, args ...any) string {
	s := fmt.Sprintf("line %d, id %q", p.line, truncate(p.id, 64))
	if format == "" {
		return s
	}
	return s + ": " + fmt.Sprintf(format, args...)
}

// checkID checks a cleaned id from column col.
func checkID(v, col string, where func(string, ...any) string) *interop.SkipError {
	switch {
	case len(v) > events.MaxIDBytes:
		return interop.Skip(ReasonTooLong, "%s", where("column %q is %d bytes, limit %d", col, len(v), events.MaxIDBytes))
	case hasControl(v):
		return interop.Skip(ReasonInvalidID, "%s", where("column %q has a control character", col))
	}
	return nil
}

// time parses a created or closed date with the mapping's layouts, in its
// zone.
func (rd *Reader) time(v, missing, bad string, where func(string, ...any) string) (time.Time, *interop.SkipError) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, interop.Skip(missing, "%s", where(""))
	}
	for _, l := range rd.m.layouts {
		t, err := time.ParseInLocation(l, v, rd.m.zone)
		if err != nil {
			continue
		}
		if events.CheckTime("time", t, true) != nil {
			return time.Time{}, interop.Skip(ReasonTimeRange, "%s", where("%q", truncate(v, 64)))
		}
		return t, nil
	}
	return time.Time{}, interop.Skip(bad, "%s", where("%q", truncate(v, 64)))
}
