package casetrace

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/projections/policy"
	"github.com/govledger/govledger/projections/stats"
)

// Step type codes (the order is part of the state format).
const (
	tReported uint8 = iota + 1
	tDispatched
	tReturned
	tAccepted
	tContacted
	tExtended
	tResolved
	tReopened
	tRated
	tMerged
	tClosed
	tLast = tClosed
)

var typeNames = [tLast + 1]string{
	tReported: events.TypeCaseReported, tDispatched: events.TypeCaseDispatched,
	tReturned: events.TypeCaseReturned, tAccepted: events.TypeCaseAccepted,
	tContacted: events.TypeCaseContacted, tExtended: events.TypeCaseExtended,
	tResolved: events.TypeCaseResolved, tReopened: events.TypeCaseReopened,
	tRated: events.TypeCaseRated, tMerged: events.TypeCaseMerged, tClosed: events.TypeCaseClosed,
}

// nStrings is the number of strings each step type carries; hasNum
// whether it carries a number (list version, new deadline).
var (
	nStrings = [tLast + 1]int{tReported: 6, tDispatched: 4, tReturned: 3, tAccepted: 1, tContacted: 2,
		tExtended: 2, tResolved: 3, tReopened: 2, tRated: 2, tMerged: 1, tClosed: 0}
	hasNum = [tLast + 1]bool{tDispatched: true, tExtended: true, tRated: true}
)

var actorKinds = [...]events.ActorKind{"", events.ActorCitizen, events.ActorStaff, events.ActorUnit, events.ActorSystem}

func actorCode(k events.ActorKind) uint8 {
	for i, a := range actorKinds {
		if a == k {
			return uint8(i)
		}
	}
	return 0
}

// raw is one step as the fold reads it: the projection decodes it from
// its compact form, Build makes it from an event.
type raw struct {
	at        int64 // unix seconds
	typ       uint8
	actorKind uint8
	actorID   string
	actorUnit string
	s         [6]string
	num       int64 // list version, new deadline (unix seconds), rating flags
}

// Rating flags in raw.num.
const (
	fContacted = 1 << iota
	fSolved
	fValid
)

// toRaw turns a case event into a step; false for a payload it does not know.
func toRaw(e *events.Event, payload events.Payload) (raw, bool) {
	r := raw{at: e.OccurredAt.Unix(), actorKind: actorCode(e.Actor.Kind), actorID: e.Actor.ID, actorUnit: e.Actor.Unit}
	switch p := payload.(type) {
	case *events.CaseReported:
		r.typ = tReported
		r.s = [6]string{p.Channel, p.Category, p.Location.Street, p.Location.Community, p.Location.Grid, p.DeadlinePolicy}
	case *events.CaseDispatched:
		r.typ = tDispatched
		r.s = [6]string{p.FromUnit, p.ToUnit, p.Mode, p.RuleID}
		r.num = int64(p.ListVersion)
	case *events.CaseReturned:
		r.typ = tReturned
		r.s = [6]string{p.Unit, p.Reason, p.SuggestedUnit}
	case *events.CaseAccepted:
		r.typ = tAccepted
		r.s[0] = p.Unit
	case *events.CaseContacted:
		r.typ = tContacted
		r.s = [6]string{p.Unit, p.Means}
	case *events.CaseExtended:
		r.typ = tExtended
		r.s = [6]string{p.Reason, p.ApprovedBy}
		r.num = p.NewDeadline.Unix()
	case *events.CaseResolved:
		r.typ = tResolved
		r.s = [6]string{p.Unit, p.Outcome, p.DuplicateOf}
	case *events.CaseReopened:
		r.typ = tReopened
		r.s = [6]string{p.Reason, p.By}
	case *events.CaseRated:
		r.typ = tRated
		r.s = [6]string{p.Satisfaction, p.InvalidReason}
		if p.Contacted {
			r.num |= fContacted
		}
		if p.Solved {
			r.num |= fSolved
		}
		if p.Valid {
			r.num |= fValid
		}
	case *events.CaseMerged:
		r.typ = tMerged
		r.s[0] = p.Parent
	case *events.CaseClosed:
		r.typ = tClosed
	default:
		return raw{}, false
	}
	return r, true
}

// appendRaw appends the compact form of r: type and actor kind, the time
// as a delta from the previous step (prev), the actor and the type's
// strings as interned ids, and its number.
func appendRaw(b []byte, r *raw, prev int64, in *interner) []byte {
	b = append(b, r.typ|r.actorKind<<4)
	b = binary.AppendVarint(b, r.at-prev)
	b = binary.AppendUvarint(b, uint64(in.id(r.actorID)))
	b = binary.AppendUvarint(b, uint64(in.id(r.actorUnit)))
	for i := range nStrings[r.typ] {
		b = binary.AppendUvarint(b, uint64(in.id(r.s[i])))
	}
	if hasNum[r.typ] {
		b = binary.AppendVarint(b, r.num)
	}
	return b
}

var errBlob = errors.New("bad step")

// decodeRaws decodes a case's compact steps.
func decodeRaws(blob []byte, strs []string) ([]raw, error) {
	d := &stats.Decoder{B: blob}
	var out []raw
	prev := int64(0)
	str := func() string {
		v := d.Uvarint()
		if v >= uint64(len(strs)) {
			if d.Err == nil {
				d.Err = errBlob
			}
			return ""
		}
		return strs[v]
	}
	for len(d.B) > 0 && d.Err == nil {
		h := d.Byte()
		r := raw{typ: h & 0x0f, actorKind: h >> 4}
		if r.typ == 0 || r.typ > tLast || int(r.actorKind) >= len(actorKinds) {
			return nil, errBlob
		}
		prev += d.Varint()
		r.at = prev
		r.actorID, r.actorUnit = str(), str()
		for i := range nStrings[r.typ] {
			r.s[i] = str()
		}
		if hasNum[r.typ] {
			r.num = d.Varint()
		}
		out = append(out, r)
	}
	if d.Err != nil {
		return nil, d.Err
	}
	return out, nil
}

// fold turns a case's steps into its trace.
func fold(rules *policy.Rules, id string, raws []raw) Trace {
	loc := rules.Location()
	at := func(s int64) time.Time { return time.Unix(s, 0).In(loc) }
	t := Trace{Case: id, Steps: make([]Step, 0, len(raws)), Holds: []Hold{}, Transfers: []Transfer{}, Returns: []Return{}}
	var (
		hold        = -1 // index of the open hold
		lastDisp    string
		lastReturn  string
		resolved    bool
		resolvedAt  int64
		resolvedBy  string
		deadline    int64
		lastAt      int64
		afterReturn bool
	)
	endHold := func(s *Step, now int64, why string) {
		if hold < 0 {
			return
		}
		h := &t.Holds[hold]
		to := at(now)
		h.To, h.Seconds, h.Ended = &to, max(now-h.From.Unix(), 0), why
		s.HeldBy, s.HeldSeconds = h.Unit, h.Seconds
		hold = -1
	}
	for i := range raws {
		r := &raws[i]
		lastAt = r.at
		s := Step{At: at(r.at), Type: typeNames[r.typ], Actor: events.Actor{Kind: actorKinds[r.actorKind], ID: r.actorID, Unit: r.actorUnit}}
		switch r.typ {
		case tReported:
			s.Channel, s.Category, s.Street, s.Community, s.Grid, s.Policy = r.s[0], r.s[1], r.s[2], r.s[3], r.s[4], r.s[5]
			t.Channel, t.Category, t.Street, t.Community, t.Grid, t.Policy = s.Channel, s.Category, s.Street, s.Community, s.Grid, s.Policy
			t.Reported = s.At
			dl, known := rules.Deadline(s.At, s.Policy)
			t.PolicyKnown = known
			deadline = dl.Unix()
			t.Deadline.Original = at(deadline)
		case tDispatched:
			s.From, s.To, s.Mode, s.Rule, s.ListVersion = r.s[0], r.s[1], r.s[2], r.s[3], r.num
			endHold(&s, r.at, "dispatch")
			tr := Transfer{At: s.At, From: s.From, To: s.To, Mode: s.Mode}
			if afterReturn {
				tr.AfterReturn = lastReturn
			}
			afterReturn = false
			t.Transfers = append(t.Transfers, tr)
			t.Holds = append(t.Holds, Hold{Unit: s.To, From: s.At})
			hold = len(t.Holds) - 1
			lastDisp = s.To
		case tReturned:
			s.Unit, s.Reason, s.SuggestedUnit = r.s[0], r.s[1], r.s[2]
			endHold(&s, r.at, "return")
			t.Returns = append(t.Returns, Return{At: s.At, Unit: s.Unit, Reason: s.Reason, SuggestedUnit: s.SuggestedUnit})
			lastReturn, afterReturn = s.Reason, true
		case tAccepted:
			s.Unit = r.s[0]
		case tContacted:
			s.Unit, s.Means = r.s[0], r.s[1]
		case tExtended:
			s.Reason, s.ApprovedBy = r.s[0], r.s[1]
			nd := at(r.num)
			s.NewDeadline = &nd
			deadline = r.num
			t.Deadline.Extensions++
		case tResolved:
			s.Unit, s.Outcome, s.DuplicateOf = r.s[0], r.s[1], r.s[2]
			endHold(&s, r.at, "resolve")
			resolved, resolvedAt, resolvedBy = true, r.at, s.Unit
		case tReopened:
			s.Reason, s.By = r.s[0], r.s[1]
			resolved = false
			t.Reopened++
		case tRated:
			s.Rating = &Rating{Contacted: r.num&fContacted != 0, Solved: r.num&fSolved != 0, Valid: r.num&fValid != 0, Satisfaction: r.s[0], InvalidReason: r.s[1]}
		case tMerged:
			s.Parent = r.s[0]
			t.Merged = s.Parent
		case tClosed:
			t.Closed = true
		}
		t.Steps = append(t.Steps, s)
	}
	t.Last = at(lastAt)
	if hold >= 0 {
		h := &t.Holds[hold]
		h.Seconds = max(lastAt-h.From.Unix(), 0)
	}
	t.Deadline.At = at(deadline)
	t.HandlingUnit = lastDisp
	switch {
	case resolved:
		ra := at(resolvedAt)
		t.Resolved = &ra
		t.HandlingUnit = resolvedBy
		t.Deadline.Status = StatusOnTime
		if resolvedAt > deadline {
			t.Deadline.Status = StatusOverdue
		}
	case lastAt > deadline:
		t.Deadline.Status = StatusOpenOverdue
	default:
		t.Deadline.Status = StatusOpen
	}
	return t
}
