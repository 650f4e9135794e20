package bundle

import (
	"bufio"
	"context"
	"sync"

	"github.com/govledger/govledger/store"
)

// The pipeline of a long scan: one goroutine reads whole lines into
// chunks, in file order; workers parse chunks into records, each with a
// decoder of its own; the scanning goroutine takes the chunks back in
// file order and handles their lines exactly as it handles the lines it
// parses itself (lineReader.check, scanState.take). Parsing a line does
// not depend on the lines before it; everything that does (positions,
// line numbers, resume points, from) stays on the scanning goroutine.

// chunkBytes bounds the bytes of a chunk's lines, beyond the line that
// crosses it.
const chunkBytes = 1 << 20

// chunk is lines of the events file and what they parse to.
type chunk struct {
	buf   []byte // the lines, back to back, without newlines
	lines []chunkLine
	recs  []store.Record // by line; Data aliases buf or data
	data  []byte         // payloads decoded from data_b64
	err   error          // a read error after the lines
	done  chan struct{}  // receives once when the lines are parsed
}

type chunkLine struct {
	start, end int   // in buf
	tooLong    bool  // longer than MaxLineBytes (start == end)
	offset     int64 // in the file, just after the line
	err        error // what decoding it said
}

// fill reads up to n lines into c, adding the bytes read to *offset. It
// returns false at the end of the file or on a read error (c.err).
func (c *chunk) fill(br *bufio.Reader, offset *int64, n int) bool {
	c.buf, c.lines, c.data, c.err = c.buf[:0], c.lines[:0], c.data[:0], nil
	for len(c.lines) < n && len(c.buf) < chunkBytes {
		l, tooLong, ok, err := readLine(br, offset)
		if err != nil {
			c.err = err
			return false
		}
		if !ok {
			return false
		}
		start := len(c.buf)
		c.buf = append(c.buf, l...)
		c.lines = append(c.lines, chunkLine{start: start, end: len(c.buf), tooLong: tooLong, offset: *offset})
	}
	return true
}

// parse decodes c's lines with d. A payload d decoded into its own buffer
// is copied into c, so that every record stays valid until c is reused.
func (c *chunk) parse(d *lineDecoder) {
	if cap(c.recs) < len(c.lines) {
		c.recs = make([]store.Record, len(c.lines), cap(c.lines))
	}
	c.recs = c.recs[:len(c.lines)]
	for i := range c.lines {
		l, rec := &c.lines[i], &c.recs[i]
		l.err = decodeLine(d, c.buf[l.start:l.end], l.tooLong, rec)
		if l.err == nil && d.owned && len(rec.Event.Data) > 0 {
			start := len(c.data)
			c.data = append(c.data, rec.Event.Data...)
			rec.Event.Data = c.data[start:len(c.data):len(c.data)]
		}
	}
}

// pipeline scans the rest of the file, from br, with cfg.workers parsing
// workers. It returns once every goroutine it started has ended.
func (s *scanState) pipeline(ctx context.Context, br *bufio.Reader, cfg scanConfig) error {
	n := cfg.workers + 2 // chunks: one being taken, one being read, one per worker
	free := make(chan *chunk, n)
	for range n {
		free <- &chunk{done: make(chan struct{}, 1)}
	}
	// Every chunk is in at most one place at a time, so sends on work
	// and order never block.
	work := make(chan *chunk, n)
	order := make(chan *chunk, n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(work)
		offset := s.offset
		for {
			var c *chunk
			select {
			case c = <-free:
			case <-stop:
				return
			}
			more := c.fill(br, &offset, cfg.chunk)
			order <- c
			work <- c
			if !more {
				return
			}
		}
	}()
	for range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d lineDecoder
			for c := range work {
				c.parse(&d)
				c.done <- struct{}{}
			}
		}()
	}
	var err error
	stopped := false
	for c := range order {
		<-c.done
		if !stopped {
			stopped, err = s.takeChunk(ctx, c)
			if stopped {
				close(stop)
			}
		}
		free <- c
	}
	wg.Wait()
	return err
}

// takeChunk takes c's lines in order, as the scan takes each line.
func (s *scanState) takeChunk(ctx context.Context, c *chunk) (bool, error) {
	for i := range c.lines {
		l := &c.lines[i]
		if stop, err := s.take(ctx, &c.recs[i], l.err, l.offset); stop {
			return true, err
		}
	}
	if c.err != nil {
		return true, c.err
	}
	return false, nil
}
