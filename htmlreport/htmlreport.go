// Package htmlreport renders projection reports as one self-contained HTML
// file that a reviewer can open on an offline intranet: no scripts, no
// fonts, no images or style sheets from elsewhere. The style is inline and
// every chart is an inline SVG drawn here, in Go.
//
// Each report becomes a section: its title and query, its charts, its
// table (numbers right-aligned, undefined figures as "—", rates as
// percentages, hours with one decimal) with the definition of every
// column, and its notes. Charts use the Okabe–Ito palette, which stays
// readable under the common forms of colour blindness; lines are also
// dashed differently so that they survive grey print. A chart shows at most
// a readable number of bars, rows, series or links and says in its caption
// what it left out; the table always has every row.
//
// Every string from a report (titles, unit names, notes) is escaped: the
// ledger's strings are data, never markup. Output is deterministic: the
// same Document always gives byte-identical HTML, so a published report
// can be reproduced and compared; the only time in it is the one the
// caller passes as Document.GeneratedAt.
package htmlreport

import (
	"bufio"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/govledger/govledger/projections"
)

// ErrNilReport is returned by Write for a nil entry in Document.Reports.
var ErrNilReport = errors.New("htmlreport: nil report")

// Document is what Write renders: a title page header and the reports, in
// order.
type Document struct {
	// Title heads the page ("" means "govledger report").
	Title string
	// Subtitle is a line under the title, e.g. the ledger position and
	// digest the figures were computed at.
	Subtitle string
	// GeneratedAt, if not empty, is printed as the time of generation. It
	// is the caller's to supply (and to leave out for reproducible files).
	GeneratedAt string
	// Lang is the language of the page for the html lang attribute ("" means
	// "en"); it helps browsers choose fonts for unit names.
	Lang string
	// Reports are the sections of the page.
	Reports []*projections.Report
}

// Write renders doc as one HTML page to w. It returns ErrNilReport
// (wrapped) for a nil report and the writer's error, wrapped, if writing
// fails. The same doc always gives the same bytes.
func Write(w io.Writer, doc Document) error {
	v, err := view(doc)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if err := page.Execute(bw, v); err != nil {
		return fmt.Errorf("htmlreport: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("htmlreport: write: %w", err)
	}
	return nil
}

// pageView is what the page template reads.
type pageView struct {
	Title, Subtitle, GeneratedAt, Lang string
	Reports                            []reportView
}

type reportView struct {
	Anchor, Title, Projection, Query, Position, Digest string
	Figures                                            []figureView
	Columns                                            []columnView
	Rows                                               [][]cell
	Notes                                              []string
}

type figureView struct {
	Kind, ID, Title string
	SVG             template.HTML // built by svg, every string escaped
	Caption         []string
}

type columnView struct {
	Key, Title, Note string
	Num              bool
}

// view turns doc into the template's view, formatting every cell and
// drawing every chart.
func view(doc Document) (pageView, error) {
	v := pageView{Title: clean(doc.Title), Subtitle: clean(doc.Subtitle), GeneratedAt: clean(doc.GeneratedAt), Lang: clean(doc.Lang)}
	if v.Title == "" {
		v.Title = "govledger report"
	}
	if v.Lang == "" {
		v.Lang = "en"
	}
	for i, r := range doc.Reports {
		if r == nil {
			return pageView{}, fmt.Errorf("%w: Reports[%d]", ErrNilReport, i)
		}
		rv := reportView{
			Anchor:     "report-" + strconv.Itoa(i+1),
			Title:      clean(r.Title),
			Projection: clean(r.Projection),
			Query:      queryText(r.Query),
			Digest:     clean(r.Digest),
			Notes:      cleanAll(r.Notes),
		}
		if rv.Title == "" {
			rv.Title = rv.Projection
		}
		if r.Position > 0 {
			rv.Position = group(strconv.FormatUint(r.Position, 10))
		}
		for _, c := range r.Charts {
			d := drawChart(c)
			rv.Figures = append(rv.Figures, figureView{
				Kind: clean(c.Kind), ID: clean(c.ID), Title: clean(c.Title),
				SVG: template.HTML(d.svg), Caption: d.caption,
			})
		}
		for _, c := range r.Columns {
			rv.Columns = append(rv.Columns, columnView{Key: clean(c.Key), Title: clean(c.Title), Note: clean(c.Note),
				Num: c.Kind != projections.KindText})
		}
		width := len(r.Columns)
		for _, row := range r.Rows {
			width = max(width, len(row))
		}
		kinds, decs := make([]string, width), make([]int, width)
		for j := range kinds {
			kinds[j] = projections.KindNumber
			if j < len(r.Columns) {
				kinds[j] = r.Columns[j].Kind
			}
			decs[j] = decimals(r.Rows, j)
		}
		for _, row := range r.Rows {
			cells := make([]cell, width)
			for j := range cells {
				var x any
				if j < len(row) {
					x = row[j]
				}
				cells[j] = formatCell(kinds[j], decs[j], x)
			}
			rv.Rows = append(rv.Rows, cells)
		}
		v.Reports = append(v.Reports, rv)
	}
	return v, nil
}

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s)
	}
	return out
}
