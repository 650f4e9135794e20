package ledger

import (
	"time"

	"github.com/govledger/govledger/events"
)

// caseStatus is where a case stands in its lifecycle.
type caseStatus uint8

const (
	caseOpen caseStatus = iota
	caseResolved
	caseMerged
	caseClosed
)

func (s caseStatus) String() string {
	return [...]string{"open", "resolved", "merged", "closed"}[s]
}

// streamState is what the ledger knows of one stream: its head and, per
// kind, the lifecycle facts the rules need. It is copied before a batch
// changes it, so a refused batch leaves the cached state untouched.
type streamState struct {
	version  int64 // -1: the stream does not exist
	last     events.Hash
	lastTime time.Time // occurred_at of the last event

	c *caseState
	t *topicState
}

type caseState struct {
	status  caseStatus
	pending string // unit dispatched to that has not yet answered
	holder  string // unit that accepted and is handling the case
	rated   bool   // the current resolution has been rated
}

type topicState struct {
	options  map[string]int // option -> votes
	eligible map[string]bool
	voted    map[string]bool
	opensAt  time.Time
	closesAt time.Time
	closed   bool
	// shared is true while the maps are shared with a cached copy; the
	// first write copies them.
	shared bool
}

func (s *streamState) clone() *streamState {
	n := *s
	if s.c != nil {
		c := *s.c
		n.c = &c
	}
	if s.t != nil {
		t := *s.t
		t.shared = true
		n.t = &t
		s.t.shared = true
	}
	return &n
}

func (t *topicState) own() {
	if !t.shared {
		return
	}
	opts := make(map[string]int, len(t.options))
	for k, v := range t.options {
		opts[k] = v
	}
	voted := make(map[string]bool, len(t.voted)+1)
	for k := range t.voted {
		voted[k] = true
	}
	t.options, t.voted, t.shared = opts, voted, false
}

// registry is the ledger's view of the registry streams: units, published
// responsibility lists and erased subjects.
type registry struct {
	units    map[string]string         // unit id -> kind
	lists    map[int]map[string]string // list version -> rule id -> unit
	lastList int
	erased   map[string]bool
}

func newRegistry() *registry {
	return &registry{units: map[string]string{}, lists: map[int]map[string]string{}, erased: map[string]bool{}}
}

// overlay is a batch's pending registry changes on top of the committed
// registry, so later events of the same batch see earlier ones.
type overlay struct {
	base     *registry
	units    map[string]string
	lists    map[int]map[string]string
	lastList int
	erased   map[string]bool
}

func (o *overlay) unitKind(id string) (string, bool) {
	if k, ok := o.units[id]; ok {
		return k, true
	}
	k, ok := o.base.units[id]
	return k, ok
}

func (o *overlay) list(v int) (map[string]string, bool) {
	if l, ok := o.lists[v]; ok {
		return l, true
	}
	l, ok := o.base.lists[v]
	return l, ok
}

func (o *overlay) latestList() int {
	if o.lastList > o.base.lastList {
		return o.lastList
	}
	return o.base.lastList
}

func (o *overlay) isErased(s string) bool { return o.erased[s] || o.base.erased[s] }

func (o *overlay) empty() bool { return o.units == nil && o.lists == nil && o.erased == nil }

// commit merges the overlay into its base. The caller holds the registry lock.
func (o *overlay) commit() {
	for k, v := range o.units {
		o.base.units[k] = v
	}
	for k, v := range o.lists {
		o.base.lists[k] = v
	}
	if o.lastList > o.base.lastList {
		o.base.lastList = o.lastList
	}
	for k := range o.erased {
		o.base.erased[k] = true
	}
}

// applyRegistry folds a registry event into the overlay (no checks).
func (o *overlay) apply(p events.Payload) {
	switch p := p.(type) {
	case *events.UnitRegistered:
		if o.units == nil {
			o.units = map[string]string{}
		}
		o.units[p.Unit] = p.Kind
	case *events.ResponsibilityPublished:
		if o.lists == nil {
			o.lists = map[int]map[string]string{}
		}
		rules := make(map[string]string, len(p.Rules))
		for _, r := range p.Rules {
			rules[r.ID] = r.Unit
		}
		o.lists[p.ListVersion] = rules
		if p.ListVersion > o.lastList {
			o.lastList = p.ListVersion
		}
	case *events.SubjectErased:
		if o.erased == nil {
			o.erased = map[string]bool{}
		}
		o.erased[p.Subject] = true
	}
}
