package xes_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/govledger/govledger/interop"
	"github.com/govledger/govledger/interop/xes"
)

func ExampleReader() {
	const log = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016">
  <trace>
    <string key="concept:name" value="C-1"/>
    <event>
      <string key="concept:name" value="register"/>
      <date key="time:timestamp" value="2024-06-03T09:15:00.000+08:00"/>
      <int key="priority" value="2"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="C-2"/>
  </trace>
</log>`
	r, err := xes.NewReader(strings.NewReader(log), xes.ReaderConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		tr, err := r.Next()
		var skip *interop.SkipError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &skip):
			fmt.Println("skipped:", skip.Reason)
			continue
		case err != nil:
			fmt.Println(err)
			return
		}
		for _, e := range tr.Events {
			fmt.Println(tr.Name, e.Activity, e.Time.Format("2006-01-02 15:04 -07:00"), e.Attributes[0].Key, e.Attributes[0].Value)
		}
	}
	// Output:
	// C-1 register 2024-06-03 09:15 +08:00 priority 2
	// skipped: trace without events
}
