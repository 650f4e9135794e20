package replay

import (
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/integrity"
)

// pipeline checks events in global order beside the goroutine that reads
// them, in three stages: the reader adds each event's bytes to a batch
// (the stored record, or the re-encoded canonical body); a hasher
// parses and hashes the batch; the checker checks the chains and grows
// the tree, in order. Reading and checking each take about a core; the
// hashing between them fills what either leaves.
//
// report and added are called from the checker goroutine: report with
// each finding, added after each leaf joins the tree (a record that does
// not decode joins as a zero leaf, which keeps positions aligned; every
// root after it then mismatches, as it should).
type pipeline struct {
	v      *integrity.ChainVerifier
	tree   *integrity.Tree
	report func(*integrity.Finding)
	added  func(position uint64)
	raw    bool

	batches, hashed, free chan *verifyBatch
	cur                   *verifyBatch
	checked               chan struct{}
}

// startPipeline starts the hasher and the checker. raw says whether the
// reader adds stored records (addRaw) or decoded events (add).
func startPipeline(v *integrity.ChainVerifier, tree *integrity.Tree, raw bool,
	report func(*integrity.Finding), added func(uint64)) *pipeline {
	p := &pipeline{v: v, tree: tree, report: report, added: added, raw: raw,
		batches: make(chan *verifyBatch, 4), hashed: make(chan *verifyBatch, 4),
		free: make(chan *verifyBatch, 8), checked: make(chan struct{})}
	for range cap(p.free) {
		p.free <- &verifyBatch{}
	}
	go func() {
		defer close(p.hashed)
		var view events.RecordView
		for b := range p.batches {
			b.hash(&view)
			p.hashed <- b
		}
	}()
	go p.check()
	p.next()
	return p
}

func (p *pipeline) next() {
	p.cur = <-p.free
	p.cur.raw = p.raw
}

func (p *pipeline) flush() {
	p.batches <- p.cur
	p.next()
}

// add queues a decoded event (its canonical body is re-encoded).
func (p *pipeline) add(pos uint64, e *events.Event) {
	p.cur.add(pos, e)
	if len(p.cur.ents) == verifyBatchSize {
		p.flush()
	}
}

// addRaw queues a stored record, to be hashed as it is.
func (p *pipeline) addRaw(pos uint64, rec []byte) {
	p.cur.addRaw(pos, rec)
	if len(p.cur.ents) == verifyBatchSize {
		p.flush()
	}
}

// corrupt queues the finding that the record at pos could not be read.
func (p *pipeline) corrupt(pos uint64, err error) {
	p.cur.corrupt, p.cur.corruptErr = pos, err
	p.flush()
}

// finish hands over the last batch and waits until every event is checked.
func (p *pipeline) finish() {
	p.batches <- p.cur
	p.cur = nil
	close(p.batches)
	<-p.checked
}

func (p *pipeline) check() {
	defer close(p.checked)
	var ev events.Event
	var view events.RecordView
	unreadable := func(pos uint64, what string) {
		p.report(&integrity.Finding{Kind: integrity.CorruptRecord, Position: pos,
			Expected: "a decodable event record", Actual: what})
		p.v.Skip(pos)
		p.tree.Add(events.ZeroHash)
		p.added(pos)
	}
	for b := range p.hashed {
		for i := range b.ents {
			x := &b.ents[i]
			if x.err != nil {
				unreadable(x.pos, fmt.Sprintf("record at position %d: %v", x.pos, x.err))
				continue
			}
			var fs []*integrity.Finding
			if b.raw {
				view.Stream, view.Version, view.PrevHash, view.Hash = x.streamBytes, x.version, x.prev, x.hash
				fs = p.v.CheckView(x.pos, &view, x.computed)
			} else {
				ev.Stream, ev.Version, ev.PrevHash, ev.Hash = x.stream, x.version, x.prev, x.hash
				fs = p.v.CheckComputed(x.pos, &ev, x.computed)
			}
			for _, f := range fs {
				p.report(f)
			}
			p.tree.Add(x.hash)
			p.added(x.pos)
		}
		if b.corrupt != 0 {
			unreadable(b.corrupt, b.corruptErr.Error())
		}
		b.reset()
		p.free <- b
	}
}
