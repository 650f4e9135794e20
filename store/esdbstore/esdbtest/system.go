package esdbtest

import (
	"crypto/rand"
	"encoding/json"
	"time"
)

// writeStartupEvents writes what a fresh node has in $all before any client
// writes: metadata for its scavenge and stats streams and a first stats
// record. Readers of $all must filter them out.
func (s *Server) writeStartupEvents() {
	s.writeSystem("$$$scavenges", "$metadata", map[string]any{"$maxAge": 2592000})
	s.writeSystem("$$"+s.statsStream(), "$metadata", map[string]any{"$maxAge": 86400})
	s.WriteStats()
}

func (s *Server) statsStream() string { return "$stats-" + s.addr }

// WriteStats appends a $statsCollected event to the server's $stats stream,
// as the real server does periodically.
func (s *Server) WriteStats() {
	s.writeSystem(s.statsStream(), "$statsCollected", map[string]any{
		"proc-startTime": s.cfg.Now().UTC().Format(time.RFC3339Nano),
		"proc-id":        1,
	})
}

func (s *Server) writeSystem(stream, eventType string, body map[string]any) {
	data, err := json.Marshal(body)
	if err != nil {
		panic(err) // the bodies above always marshal
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	s.log.append(stream, expectation{kind: expectAny}, []proposed{{
		id: id, eventType: eventType, contentType: "application/json", data: data,
	}}, ticks(s.cfg.Now()))
}

func (s *Server) statsLoop() {
	defer s.statsWG.Done()
	t := time.NewTicker(s.cfg.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-s.statsDone:
			return
		case <-t.C:
			s.WriteStats()
		}
	}
}

// ticks is t as .NET ticks (100 ns) since the Unix epoch, the unit of the
// "created" metadata the server sends.
func ticks(t time.Time) int64 { return t.UnixNano() / 100 }
