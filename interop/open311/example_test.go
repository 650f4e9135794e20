package open311_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/open311"
)

// A GeoReport v2 requests array becomes one trace per request; a request
// that cannot become a case is skipped with a reason and the reader goes on.
func ExampleNewReader() {
	in := `[
	  {"service_request_id":"638344","status":"closed","status_notes":"Pothole filled.",
	   "service_code":"road.pothole","agency_responsible":"dept-roads",
	   "requested_datetime":"2026-11-02T09:00:00+08:00","updated_datetime":"2026-11-03T15:30:00+08:00"},
	  {"service_request_id":"638345","service_code":"road.pothole"},
	  {"service_request_id":"638346","service_code":"water.leak","requested_datetime":"2026-11-02T10:00:00+08:00"}
	]`
	r, err := open311.NewReader(strings.NewReader(in), open311.ReaderConfig{Channel: events.ChannelHotline})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		var skip *interop.SkipError
		if errors.As(err, &skip) {
			fmt.Println("skipped:", skip)
			continue
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, e := range tr.Events {
			fmt.Println(tr.Name, e.Time.Format("2006-01-02 15:04 -07:00"), e.Payload.EventType(), e.Actor.ID)
		}
	}
	// Output:
	// 638344 2026-11-02 09:00 +08:00 case.reported open311
	// 638344 2026-11-03 15:30 +08:00 case.resolved dept-roads
	// 638344 2026-11-03 15:30 +08:00 case.closed dept-roads
	// skipped: missing requested_datetime: request "638345"
	// 638346 2026-11-02 10:00 +08:00 case.reported open311
}
