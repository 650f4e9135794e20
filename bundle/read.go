package bundle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
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
	r.line++
	var err error
	switch {
	case tooLong:
		err = fmt.Errorf("longer than %d bytes", MaxLineBytes)
	default:
		err = r.dec.decode(l, rec)
	}
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
	lr := lineReader{head: head, prev: start.prev, line: start.line}
	offset := start.offset
	var rec store.Record
	for {
		l, err := br.ReadSlice('\n')
		offset += int64(len(l))
		tooLong := false
		for errors.Is(err, bufio.ErrBufferFull) {
			tooLong = true
			l, err = br.ReadSlice('\n')
			offset += int64(len(l))
		}
		if err != nil && err != io.EOF {
			return lr.prev, fmt.Errorf("bundle: read %s: %w", EventsFile, err)
		}
		if err == io.EOF && len(l) == 0 && !tooLong {
			return lr.prev, nil
		}
		l = bytes.TrimSuffix(l, []byte{'\n'})
		if lerr := lr.next(l, tooLong, &rec); lerr != nil {
			if lr.prev < from {
				continue // a bad line before from: read past it
			}
			b.resume.add(resumePoint{offset: offset, line: lr.line, prev: lr.prev})
			return lr.prev, lerr
		}
		if rec.Position >= from {
			if err := fn(rec); err != nil {
				return lr.prev, err
			}
		}
		if lr.line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return lr.prev, err
			}
		}
		if err == io.EOF {
			return lr.prev, nil
		}
	}
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
