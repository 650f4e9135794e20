package main

import (
	"context"
	"io"
	"strings"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/ocel"
	"github.com/govledger/govledger/interop/open311"
)

// importFormats lists the formats govledger import reads.
func importFormats() map[string]importFormat {
	return map[string]importFormat{
		"open311": {format: events.FormatOpen311, open: func(in io.Reader, mapping []byte) (traceReader, *interop.Mapping, error) {
			if mapping != nil {
				return nil, nil, usageErr("import open311 takes no --mapping")
			}
			r, err := open311.NewReader(in, open311.ReaderConfig{})
			return r, nil, err
		}},
	}
}

// exportFormats lists the formats govledger export writes.
func exportFormats() map[string]exportFormat {
	return map[string]exportFormat{
		"ocel": {write: func(ctx context.Context, w io.Writer, src interop.Source, _ []byte, _ map[string]io.Writer) error {
			_, err := ocel.Write(ctx, w, src, ocel.Config{})
			return err
		}},
		"open311": {
			write: func(ctx context.Context, w io.Writer, src interop.Source, _ []byte, extra map[string]io.Writer) error {
				if _, err := open311.WriteRequests(ctx, w, src, open311.Config{}); err != nil {
					return err
				}
				_, err := open311.WriteHistory(ctx, extra["history"], src, open311.Config{})
				return err
			},
			extra: map[string]func(string) string{"history": func(out string) string {
				return strings.TrimSuffix(out, ".json") + ".history.json"
			}},
		},
	}
}
