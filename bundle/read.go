package bundle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/govledger/govledger/store"
)

// lineReader turns lines into records and tracks the positions lines
// stand for: a line that reads as an event stands for its own position,
// which must be above the previous line's and at most the head; any other
// line stands for the position after the previous line's.
type lineReader struct {
	dec  lineDecoder
	head uint64
	prev uint64 // the position the previous line stands for
	line int    // the previous line's number
}

// next reads one line (without its newline; oversized lines are passed
// as nil with tooLong set) into rec, and returns a *LineError when it
// cannot.
func (r *lineReader) next(l []byte, tooLong bool, rec *store.Record) error {
	return r.check(rec, decodeLine(&r.dec, l, tooLong, rec))
}

// decodeLine decodes one line into rec: the part of reading a line that
// does not depend on the lines before it.
func decodeLine(d *lineDecoder, l []byte, tooLong bool, rec *store.Record) error {
	if tooLong {
		return fmt.Errorf("longer than %d bytes", MaxLineBytes)
	}
	return d.decode(l, rec)
}

// check takes the next line, which decoded into rec or failed with err,
// and returns a *LineError when it cannot be read as an event.
func (r *lineReader) check(rec *store.Record, err error) error {
	r.line++
	if err == nil && rec.Position <= r.prev {
		err = &fieldError{"position", fmt.Errorf("%d does not increase on the previous line's %d", rec.Position, r.prev)}
	}
	if err == nil && rec.Position > r.head {
		err = &fieldError{"position", fmt.Errorf("%d is beyond the head %d (the last line's position)", rec.Position, r.head)}
	}
	if err != nil {
		r.prev++
		le := &LineError{File: EventsFile, Line: r.line, Position: r.prev, Err: err}
		var fe *fieldError
		if errors.As(err, &fe) {
			le.Field, le.Err = fe.field, fe.err
		}
		return le
	}
	r.prev = rec.Position
	return nil
}

// resumePoints remembers where reads stopped on a bad line, so that the
// ReadAll that goes on after it starts there instead of at the top of
// the file: verifying a bundle with many bad lines stays one pass.
type resumePoints struct {
	mu     sync.Mutex
	points []resumePoint // by offset; few
}

type resumePoint struct {
	offset int64  // of the line after the bad one
	line   int    // the bad line's number
	prev   uint64 // the position it stands for
}

const maxResumePoints = 64

// best returns the furthest point from which a read from from may start.
func (rp *resumePoints) best(from uint64) resumePoint {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	var best resumePoint
	for _, p := range rp.points {
		if p.prev < from && p.offset > best.offset {
			best = p
		}
	}
	return best
}

func (rp *resumePoints) add(p resumePoint) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if len(rp.points) == maxResumePoints {
		rp.points = rp.points[1:]
	}
	rp.points = append(rp.points, p)
}

// read delivers the events at positions >= from, with head as the
// highest position a line may hold.
func (b *Bundle) read(ctx context.Context, from, head uint64, fn func(store.Record) error) error {
	_, err := b.scan(ctx, from, head, fn)
	return err
}

// scan is read, returning the position the last line read stands for.
func (b *Bundle) scan(ctx context.Context, from, head uint64, fn func(store.Record) error) (uint64, error) {
	return b.scanWith(ctx, from, head, defaultScanConfig(), fn)
}

// scanConfig says how a scan shares out the parsing of lines.
type scanConfig struct {
	serial  int // lines parsed on the scanning goroutine before the pipeline starts
	workers int // goroutines parsing chunks of lines; 0: no pipeline
	chunk   int // lines per chunk
}

// A scan parses its first serialLines lines itself, then hands chunks of
// chunkLines lines to parsing workers. The serial start bounds the work
// thrown away when a scan stops at a bad line (the chunks parsed ahead,
// at most workers+2 of them) by the work the scan did: a verifier that
// resumes after each of many bad lines does not parse the file many
// times over.
const (
	serialLines = 4096
	chunkLines  = 256
)

func defaultScanConfig() scanConfig {
	w := runtime.GOMAXPROCS(0)
	if w == 1 {
		w = 0 // a pipeline on one core only adds hand-overs
	}
	return scanConfig{serial: serialLines, workers: min(w, 4), chunk: chunkLines}
}

// scanWith is scan with the parsing shared out as cfg says.
func (b *Bundle) scanWith(ctx context.Context, from, head uint64, cfg scanConfig, fn func(store.Record) error) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	f, _, err := openRegular(b.dir, EventsFile, b.events)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := b.resume.best(from)
	if start.offset > 0 {
		if _, err := f.Seek(start.offset, io.SeekStart); err != nil {
			return 0, fmt.Errorf("bundle: read %s: %w", EventsFile, err)
		}
	}
	br := readers.Get().(*bufio.Reader)
	br.Reset(f)
	defer func() { br.Reset(nil); readers.Put(br) }()
	s := scanState{b: b, from: from, fn: fn, offset: start.offset,
		lr: lineReader{head: head, prev: start.prev, line: start.line}}
	var rec store.Record
	for n := 0; cfg.workers == 0 || n < cfg.serial; n++ {
		l, tooLong, ok, err := readLine(br, &s.offset)
		if err != nil || !ok {
			return s.lr.prev, err
		}
		if stop, err := s.take(ctx, &rec, decodeLine(&s.lr.dec, l, tooLong, &rec), s.offset); stop {
			return s.lr.prev, err
		}
	}
	err = s.pipeline(ctx, br, cfg)
	return s.lr.prev, err
}

// readLine reads the next line of br, without its newline (an oversized
// line as nil with tooLong set), adding the bytes read to *offset. ok is
// false at the end of the file.
func readLine(br *bufio.Reader, offset *int64) (l []byte, tooLong, ok bool, err error) {
	l, err = br.ReadSlice('\n')
	*offset += int64(len(l))
	for errors.Is(err, bufio.ErrBufferFull) {
		tooLong = true
		l, err = br.ReadSlice('\n')
		*offset += int64(len(l))
	}
	if err != nil && err != io.EOF {
		return nil, false, false, fmt.Errorf("bundle: read %s: %w", EventsFile, err)
	}
	if err == io.EOF && len(l) == 0 && !tooLong {
		return nil, false, false, nil
	}
	if tooLong {
		return nil, true, true, nil
	}
	return bytes.TrimSuffix(l, []byte{'\n'}), false, true, nil
}

// scanState is what a scan carries from line to line.
type scanState struct {
	b      *Bundle
	from   uint64
	fn     func(store.Record) error
	lr     lineReader
	offset int64 // just after the last line read
}

// take handles the next line in file order, decoded into rec or failed
// with err, ending at offset. It returns true when the scan stops there,
// with the error to return.
func (s *scanState) take(ctx context.Context, rec *store.Record, err error, offset int64) (bool, error) {
	if lerr := s.lr.check(rec, err); lerr != nil {
		if s.lr.prev < s.from {
			return false, nil // a bad line before from: read past it
		}
		s.b.resume.add(resumePoint{offset: offset, line: s.lr.line, prev: s.lr.prev})
		return true, lerr
	}
	if rec.Position >= s.from {
		if err := s.fn(*rec); err != nil {
			return true, err
		}
	}
	if s.lr.line%4096 == 0 {
		if err := ctx.Err(); err != nil {
			return true, err
		}
	}
	return false, nil
}

// readers keeps the 1 MiB line buffers between reads: a verifier resumes
// once per bad line.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, MaxLineBytes+1) }}

// tailWindow is how much of the end of the events file findHead reads.
const tailWindow = 4 << 20

// findHead finds the position the last line stands for. It reads the end
// of the file: the last line that reads as an event gives its position,
// plus one for each line after it. When no line in the last 4 MiB reads
// as an event, it reads the whole file.
func (b *Bundle) findHead() (uint64, error) {
	f, fi, err := openRegular(b.dir, EventsFile, b.events)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	size := fi.Size()
	if size == 0 {
		return 0, nil
	}
	off := max(0, size-tailWindow)
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return 0, fmt.Errorf("bundle: read %s: %w", EventsFile, err)
	}
	buf = bytes.TrimSuffix(buf, []byte{'\n'})
	var dec lineDecoder
	var rec store.Record
	var after uint64 // lines after the one being tried
	for {
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 && off > 0 {
			break // the window's first line may be cut: read it all
		}
		if l := buf[i+1:]; len(l) <= MaxLineBytes && dec.decode(l, &rec) == nil {
			return rec.Position + after, nil
		}
		after++
		if i < 0 {
			return after, nil // no line reads as an event
		}
		buf = buf[:i]
	}
	return b.scan(context.Background(), math.MaxUint64, math.MaxUint64, func(store.Record) error { return nil })
}
