package main

import (
	"fmt"
	"io"

	"github.com/govledger/govledger/htmlreport"
	"github.com/govledger/govledger/projections"
)

// writeHTML writes the reports as one self-contained HTML file. The
// subtitle names the ledger position the figures stand at; no wall-clock
// time is written, so the same ledger gives the same file.
func writeHTML(w io.Writer, reports []*projections.Report) error {
	doc := htmlreport.Document{Title: "govledger report", Reports: reports}
	if len(reports) > 0 {
		doc.Subtitle = fmt.Sprintf("Figures replayed from the ledger up to position %d. Every figure can be reproduced with govledger report.", reports[0].Position)
	}
	return htmlreport.Write(w, doc)
}
