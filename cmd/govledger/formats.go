package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/csvlog"
	"github.com/govledger/govledger/interop/ocel"
	"github.com/govledger/govledger/interop/open311"
	"github.com/govledger/govledger/interop/xes"
)

// importFormats lists the formats govledger import reads.
func importFormats() map[string]importFormat {
	return map[string]importFormat{
		"xes": {format: events.FormatXES, open: func(in io.Reader, mapping []byte) (traceReader, *interop.Mapping, error) {
			var m *interop.Mapping
			if mapping != nil {
				var err error
				if m, err = interop.LoadMapping(bytes.NewReader(mapping)); err != nil {
					return nil, nil, err
				}
			}
			r, err := xes.NewReader(in, xes.ReaderConfig{})
			return r, m, err
		}},
		"csv": {format: events.FormatCSV, open: func(in io.Reader, mapping []byte) (traceReader, *interop.Mapping, error) {
			m, err := csvMapping(mapping)
			if err != nil {
				return nil, nil, err
			}
			r, err := csvlog.NewReader(in, m)
			return r, nil, err
		}},
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
		"csv": {write: func(ctx context.Context, w io.Writer, src interop.Source, mapping []byte, _ map[string]io.Writer) error {
			m, err := csvMapping(mapping)
			if err != nil {
				return err
			}
			_, err = csvlog.Write(ctx, w, src, m)
			return err
		}},
		"xes": {write: func(ctx context.Context, w io.Writer, src interop.Source, _ []byte, _ map[string]io.Writer) error {
			_, err := xes.Write(ctx, w, src, xes.WriterConfig{})
			return err
		}},
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

// csvMapping is the --mapping file of a CSV import or export, or the
// NYC 311 default.
func csvMapping(b []byte) (csvlog.Mapping, error) {
	if b == nil {
		return csvlog.DefaultMapping(), nil
	}
	m, err := csvlog.LoadMapping(bytes.NewReader(b))
	if err != nil {
		return m, fmt.Errorf("%w: %w", interop.ErrInput, err)
	}
	return m, nil
}
