package main

import (
	"io"

	"github.com/govledger/govledger/projections"
)

func writeHTML(w io.Writer, reports []*projections.Report) error {
	return nil
}
