// Package csvlog imports and exports 311-style CSV case exports, such as
// NYC's "311 Service Requests" (Unique Key, Created Date, Closed Date,
// Agency, Agency Name, Complaint Type, Descriptor, Status, Borough,
// Incident Address, Latitude, Longitude, Open Data Channel Type,
// Resolution Description, ...).
//
// # Import
//
// NewReader reads the header and Next returns one interop.Trace per row,
// named by the id column, with Line the row's line number:
//
//   - event "reported" at the created date: a *events.CaseReported whose
//     channel is translated through the mapping, whose category is the
//     complaint type (required) and whose location names the street,
//     community and grid unit ids of the row (trimmed, runs of spaces
//     collapsed; the mapping's default street when there is none), the
//     coordinates when both parse and are in range, and the address only
//     when the mapping keeps addresses. Its actor is left to the importing
//     system. Every column the payloads do not hold (unmapped columns, the
//     raw status and channel values, the agency and closed date of an open
//     row, ...) is a string attribute of this event; empty cells are left
//     out.
//   - when the status is closed, the closed date parses and the row names
//     an agency: event "resolved" at the closed date, a *events.CaseResolved
//     by the agency (outcome events.OutcomeFixed, summary the resolution
//     text cut to events.MaxTextBytes), with the agency as actor, then
//     event "closed" at the same time, a *events.CaseClosed: a closed
//     request takes no further updates, and process mining sees it end.
//
// The case vocabulary has no place for the attributes of the "reported"
// event: an import (interop.Sink) lists their keys in its summary instead
// of storing them, and records the file's SHA-256 so that the ledger can
// be matched to the source that holds them.
//
// Trace.Units lists the street (parent: the import's district), the
// community (parent: the street), the grid (parent: the community, else
// the street) and the agency as a dispatch centre (events.UnitCenter,
// named by the agency name column), which may resolve a case no unit was
// dispatched. An agency that is also the row's street, community or grid
// is listed once, with that kind and the agency name. A unit the ledger
// already has keeps its kind and name.
//
// The agency of an open row has no event to go on: it is kept as an
// attribute, so an export of the imported case leaves it out.
//
// A row that cannot be imported is a *interop.SkipError with one of the
// Reason constants; the caller counts it and calls Next again. A closed
// status without a closed date or without an agency imports as open and is
// counted in Stats.Notes. Input that cannot be read at all (empty, no
// usable header, a mapped column missing or twice, a row larger than
// MaxRowBytes) is an error wrapping interop.ErrInput. Whatever the input,
// the Reader holds a few times MaxRowBytes at most: a row is never read
// whole once it is too large.
//
// # Export
//
// Write streams a ledger's cases as CSV in the mapping's columns, so that
// an export imports again unchanged (see Write for each column). Cells a
// spreadsheet could run as a formula (starting with =, +, -, @, a tab or a
// carriage return, except plain numbers) get a leading single quote; the
// Reader strips it again.
//
// # Mapping
//
// A Mapping says which column holds each field. LoadMapping reads it from
// JSON, strictly (an unknown key is an error naming it); every key but
// columns.id and columns.created is optional. This is DefaultMapping, the
// mapping of NYC 311 (also in testdata/mapping-nyc311.json):
//
//	{
//	  "columns": {
//	    "id": "Unique Key",
//	    "created": "Created Date",
//	    "closed": "Closed Date",
//	    "agency": "Agency",
//	    "agency_name": "Agency Name",
//	    "category": "Complaint Type",
//	    "status": "Status",
//	    "channel": "Open Data Channel Type",
//	    "street": "Borough",
//	    "community": "Community Board",
//	    "grid": "",
//	    "address": "Incident Address",
//	    "lat": "Latitude",
//	    "lon": "Longitude",
//	    "resolution": "Resolution Description"
//	  },
//	  "closed_status": ["Closed"],
//	  "time_layouts": ["01/02/2006 03:04:05 PM", "2006-01-02T15:04:05Z07:00",
//	    "2006-01-02 15:04:05", "2006-01-02T15:04:05"],
//	  "zone": "UTC",
//	  "channels": {"PHONE": "hotline", "ONLINE": "app", "MOBILE": "app",
//	    "OTHER": "other", "UNKNOWN": "other"},
//	  "deadline_policy": "standard-5wd",
//	  "default_street": "imported",
//	  "keep_address": false
//	}
//
// Column names are matched exactly, then case-insensitively ignoring
// surrounding spaces. Every column the mapping names must be in the
// header (an error naming the column otherwise): for an export with fewer
// columns, map fewer. closed_status values and channel values are
// matched case-insensitively; a channel value not listed is kept if it is
// one of events.Channels, else it becomes "other". time_layouts are Go
// layouts tried in order; times without an offset are in zone (an IANA
// name): NYC's export is in New York local time, so set "zone":
// "America/New_York" to import its instants right. Without a status
// column, a row with a closed date is closed.
//
// Times are exported in the first layout: with the NYC layout, to the
// second. In a zone with daylight saving time, a local time of the hour
// repeated in autumn is ambiguous without an offset; use UTC or a layout
// with an offset to keep every instant.
package csvlog
