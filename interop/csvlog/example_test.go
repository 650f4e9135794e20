package csvlog_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/csvlog"
)

func ExampleNewReader() {
	in := "\ufeffUnique Key,Created Date,Closed Date,Agency,Complaint Type,Status,Borough\r\n" +
		"59000001,11/03/2026 09:15:00 AM,11/03/2026 02:30:00 PM,NYPD,Noise - Residential,Closed,BROOKLYN\r\n" +
		"59000002,11/03/2026 10:00:00 AM,,DOT,Street Condition,Open,QUEENS\r\n" +
		"59000003,not a date,,DOT,Street Condition,Open,QUEENS\r\n"
	m, err := csvlog.LoadMapping(strings.NewReader(`{
		"columns": {"id": "Unique Key", "created": "Created Date", "closed": "Closed Date",
			"agency": "Agency", "category": "Complaint Type", "status": "Status", "street": "Borough"},
		"zone": "America/New_York"
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	rd, err := csvlog.NewReader(strings.NewReader(in), m)
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		tr, err := rd.Next()
		var skip *interop.SkipError
		switch {
		case errors.Is(err, io.EOF):
			fmt.Println("skipped:", rd.Stats().Skipped)
			return
		case errors.As(err, &skip):
			continue // counted in rd.Stats().Skipped
		case err != nil:
			fmt.Println(err)
			return
		}
		rep := tr.Events[0].Payload.(*events.CaseReported)
		fmt.Printf("case %s line %d: %s in %s at %s, %d events\n", tr.Name, tr.Line, rep.Category, rep.Location.Street, tr.Events[0].Time.UTC().Format(time.RFC3339), len(tr.Events))
	}
	// Output:
	// case 59000001 line 2: Noise - Residential in BROOKLYN at 2026-11-03T14:15:00Z, 3 events
	// case 59000002 line 3: Street Condition in QUEENS at 2026-11-03T15:00:00Z, 1 events
	// skipped: map[unparseable created date:1]
}
