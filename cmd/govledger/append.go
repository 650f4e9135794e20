package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/ledger"
)

const appendDoc = `
Appends events from JSON Lines, one event per line, read from FILE or from
standard input ("-" or no argument). Each line:

  {"id":"01JD3Q0Z7M3M7ZJ3V7Q9W8X5TA","stream":"case/C-1","type":"case.reported",
   "occurred_at":"2026-11-02T09:30:00+08:00","actor":{"kind":"citizen","id":"S-1"},
   "data":{...the payload...}}

optional: "schema" (payload schema version, default current) and
"expected_version" (the stream's version before this event; -1: the stream
must not exist). Blank lines are skipped.

Without --atomic each line stands alone: refused lines are reported with
their line number and the rule they broke, the others are appended. With
--atomic the file is all-or-nothing: if any line is refused, nothing is
written. A line whose id is already stored with the same content is
acknowledged again and written nothing (idempotent re-send).
Exit 3 when any line was refused.`

// appendChunkLines is how many lines are tried in one atomic commit before
// falling back to line by line.
const appendChunkLines = 512

func runAppend(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "append", "[FILE|-]", appendDoc)
	dir := dirFlag(fs)
	atomic := fs.Bool("atomic", false, "all lines or none")
	quiet := fs.Bool("quiet", false, "print only refusals and the summary")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageErr("append takes at most one FILE")
	}
	in := e.stdin
	name := "stdin"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	l, s, err := openLedger(ctx, *dir, ledger.Config{}, nil)
	if err != nil {
		return err
	}
	defer s.Close()

	a := &appender{ctx: ctx, e: e, l: l, name: name, quiet: *quiet}
	if err := a.read(in); err != nil {
		return err
	}
	if *atomic {
		err = a.appendAtomic()
	} else {
		err = a.appendEach()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "append: %d line(s): %d appended, %d already stored (idempotent), %d refused\n",
		a.lines, a.appended, a.duplicates, len(a.refused))
	if len(a.refused) > 0 {
		if *atomic {
			return withCode(exitRefused, fmt.Errorf("%d line(s) refused; --atomic: nothing was written", len(a.refused)))
		}
		return withCode(exitRefused, fmt.Errorf("%d line(s) refused; the others were appended", len(a.refused)))
	}
	return nil
}

type parsedLine struct {
	n    int // 1-based line number
	line events.Line
}

type appender struct {
	ctx   context.Context
	e     *env
	l     *ledger.Ledger
	name  string
	quiet bool

	parsed     []parsedLine
	lines      int
	appended   int
	duplicates int
	refused    []int
}

func (a *appender) refuse(n int, err error) {
	a.refused = append(a.refused, n)
	fmt.Fprintf(a.e.stderr, "%s:%d: refused: %v\n", a.name, n, err)
}

// read parses every line, reporting lines that do not parse.
func (a *appender) read(in io.Reader) error {
	r := bufio.NewReaderSize(in, 1<<16)
	for n := 1; ; n++ {
		line, err := readLine(r, events.MaxLineBytes)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, errLineTooLong) {
			a.lines++
			a.refuse(n, fmt.Errorf("%w: line longer than %d bytes", events.ErrTooLarge, events.MaxLineBytes))
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", a.name, err)
		}
		if len(trimSpace(line)) == 0 {
			continue
		}
		a.lines++
		pl, err := events.ParseLine(line)
		if err != nil {
			a.refuse(n, err)
			continue
		}
		a.parsed = append(a.parsed, parsedLine{n: n, line: pl})
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its newline; a line longer than max is
// consumed and reported as errLineTooLong, without holding it in memory.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var out []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(out)+len(chunk) > max+1 {
				tooLong, out = true, nil
			} else {
				out = append(out, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !(errors.Is(err, io.EOF) && (len(out) > 0 || tooLong)) {
			return nil, err
		}
		if tooLong {
			return nil, errLineTooLong
		}
		if n := len(out); n > 0 && out[n-1] == '\n' {
			out = out[:n-1]
		}
		return out, nil
	}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func expectOf(pl events.Line) ledger.Expect {
	if pl.Expected == nil {
		return ledger.Any
	}
	return ledger.ExpectVersion(*pl.Expected)
}

// batches groups lines into one batch per stream, in order of first
// appearance. ok is false when a later line's expected_version cannot be
// expressed in one atomic call (it is refused).
func (a *appender) batches(lines []parsedLine) ([]ledger.Batch, [][]int) {
	idx := map[string]int{}
	var out []ledger.Batch
	var nums [][]int
	for _, pl := range lines {
		d := pl.line.Draft
		i, ok := idx[d.Stream]
		if !ok {
			i = len(out)
			idx[d.Stream] = i
			out = append(out, ledger.Batch{Stream: d.Stream, Expect: expectOf(pl.line)})
			nums = append(nums, nil)
		}
		out[i].Drafts = append(out[i].Drafts, d)
		nums[i] = append(nums[i], pl.n)
	}
	return out, nums
}

// consistentExpectations reports lines whose expected_version is set on a
// stream's non-first line: atomic mode takes it only on the first line.
func (a *appender) consistentExpectations(lines []parsedLine) bool {
	first := map[string]bool{}
	ok := true
	for _, pl := range lines {
		s := pl.line.Draft.Stream
		if first[s] && pl.line.Expected != nil {
			a.refuse(pl.n, fmt.Errorf("expected_version on a later line of %s: in one atomic append only a stream's first line may carry it", s))
			ok = false
		}
		first[s] = true
	}
	return ok
}

func (a *appender) count(res []ledger.Result) {
	for _, r := range res {
		for i := range r.Positions {
			if r.Duplicate[i] {
				a.duplicates++
			} else {
				a.appended++
			}
		}
	}
}

func (a *appender) appendAtomic() error {
	if len(a.refused) > 0 || len(a.parsed) == 0 || !a.consistentExpectations(a.parsed) {
		return nil
	}
	bs, nums := a.batches(a.parsed)
	res, err := a.l.AppendAtomic(a.ctx, bs...)
	if err != nil {
		return a.refuseFromError(err, bs, nums)
	}
	a.count(res)
	return nil
}

// refuseFromError maps a refusal back to its input line, or returns an
// operational error as is.
func (a *appender) refuseFromError(err error, bs []ledger.Batch, nums [][]int) error {
	var re *ledger.RuleError
	if !errors.As(err, &re) {
		return err
	}
	for bi, b := range bs {
		if b.Stream == re.Stream {
			if re.Index < len(nums[bi]) {
				a.refuse(nums[bi][re.Index], err)
				return nil
			}
		}
	}
	a.refuse(0, err)
	return nil
}

// appendEach appends in chunks through a ledger.Importer (several chunks
// in flight); a chunk that is refused is retried line by line so that only
// the offending lines are refused.
func (a *appender) appendEach() error {
	// A call can also be refused after it was handed over (an ID that turns
	// out to be stored with other content): a chunk is then retried line
	// by line, a single line is refused.
	lines := map[*ledger.Batch][]parsedLine{}
	var retry [][]parsedLine
	im := a.l.NewImporter(ledger.ImporterConfig{OnDurable: a.count, OnRefused: func(bs []ledger.Batch, err error) {
		pls := lines[&bs[0]]
		if len(pls) == 1 {
			a.refuse(pls[0].n, err)
			return
		}
		retry = append(retry, pls)
	}})
	appendChunk := func(chunk []parsedLine) error {
		if groupable(chunk) && len(chunk) > 1 {
			bs, _ := a.batches(chunk)
			lines[&bs[0]] = chunk
			err := im.Append(a.ctx, bs...)
			var re *ledger.RuleError
			if err == nil || !errors.As(err, &re) {
				return err
			}
		}
		for _, pl := range chunk {
			d := pl.line.Draft
			bs := []ledger.Batch{{Stream: d.Stream, Expect: expectOf(pl.line), Drafts: []events.Draft{d}}}
			lines[&bs[0]] = []parsedLine{pl}
			err := im.Append(a.ctx, bs...)
			var re *ledger.RuleError
			if err != nil && !errors.As(err, &re) {
				return err
			}
			if err != nil {
				a.refuse(pl.n, err)
			}
		}
		return nil
	}
	retryLines := func() error {
		for len(retry) > 0 {
			pls := retry[0]
			retry = retry[1:]
			for _, pl := range pls {
				if err := appendChunk([]parsedLine{pl}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := func() error {
		for from := 0; from < len(a.parsed); from += appendChunkLines {
			to := min(from+appendChunkLines, len(a.parsed))
			if err := appendChunk(a.parsed[from:to]); err != nil {
				return err
			}
			if err := retryLines(); err != nil {
				return err
			}
			if to%(appendChunkLines*64) == 0 {
				a.progress(to)
			}
		}
		for {
			if err := im.Flush(a.ctx); err != nil {
				return err
			}
			if len(retry) == 0 {
				return nil
			}
			if err := retryLines(); err != nil {
				return err
			}
		}
	}()
	if cerr := im.Close(a.ctx); err == nil {
		err = cerr
	}
	return err
}

func (a *appender) progress(done int) {
	if a.quiet {
		return
	}
	fmt.Fprintf(a.e.stderr, "append: %d/%d lines\n", done, len(a.parsed))
}

// groupable reports whether grouping a chunk's lines by stream gives the
// same verdicts as appending them one by one in file order: no expected
// version on a stream's later line, no registry line after a case or topic
// line (a later registration must not make an earlier dispatch valid), no
// merge (it refers to another stream).
func groupable(chunk []parsedLine) bool {
	seen := map[string]bool{}
	nonRegistry := false
	for _, pl := range chunk {
		d := pl.line.Draft
		if pl.line.Expected != nil && seen[d.Stream] {
			return false
		}
		seen[d.Stream] = true
		kind, _ := events.SplitStream(d.Stream)
		if kind == events.StreamRegistry && nonRegistry {
			return false
		}
		if kind != events.StreamRegistry {
			nonRegistry = true
		}
		if d.Payload.EventType() == events.TypeCaseMerged {
			return false
		}
	}
	return true
}
