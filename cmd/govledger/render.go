package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govledger/govledger/projections"
)

// cellText formats one report cell for a human: rates as percentages,
// hours with one decimal, null as "—".
func cellText(c projections.Column, v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case string:
		return v
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case float64:
		switch c.Kind {
		case projections.KindRate:
			return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
		case projections.KindHours:
			return strconv.FormatFloat(v, 'f', 1, 64)
		default:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	default:
		return fmt.Sprint(v)
	}
}

// cellCSV formats one cell for machines: the JSON value's text, "" for null.
func cellCSV(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// writeTable prints a report as an aligned text table with its notes.
func writeTable(w io.Writer, r *projections.Report) error {
	fmt.Fprintf(w, "%s  (%s at position %d)\n", r.Title, r.Projection, r.Position)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Title
	}
	rows := [][]string{head}
	for _, row := range r.Rows {
		cells := make([]string, len(r.Columns))
		for i := range r.Columns {
			if i < len(row) {
				cells[i] = cellText(r.Columns[i], row[i])
			}
		}
		rows = append(rows, cells)
	}
	writeAligned(w, r.Columns, rows)
	if len(r.Rows) == 0 {
		fmt.Fprintln(w, "  (no rows)")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  * %s\n", n)
	}
	if r.Digest != "" {
		fmt.Fprintf(w, "  state digest %s\n", r.Digest)
	}
	return nil
}

func writeAligned(w io.Writer, cols []projections.Column, rows [][]string) {
	widths := make([]int, len(cols))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		b.WriteString(" ")
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			b.WriteString(" ")
			if cols[i].Kind == projections.KindText || n == 0 && i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// writeCSV prints the table with the columns' stable keys as the header.
func writeCSV(w io.Writer, r *projections.Report) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Key
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range r.Rows {
		cells := make([]string, len(r.Columns))
		for i := range r.Columns {
			if i < len(row) {
				cells[i] = cellCSV(row[i])
			}
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON prints the report as indented JSON (docs/report-json.md).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
