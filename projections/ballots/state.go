package ballots

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/govledger/govledger/projections/stats"
)

const stateVersion = 1

// Topic flags in the serialized state.
const (
	flagOpened = 1 << iota
	flagSecret
	flagClosed
	flagReleased
	flagAll = flagOpened | flagSecret | flagClosed | flagReleased
)

// maxOptions bounds a topic's options (a choice is one byte).
const maxOptions = 255

// MarshalState serializes the state: a version byte, then every topic in
// id order. A secret topic contributes its voter set as a bitset over its
// sorted eligible list and its counts per option, so that its bytes do not
// depend on who chose what (nor on the order of the ballots).
func (p *Projection) MarshalState() ([]byte, error) {
	b := []byte{stateVersion}
	b = binary.AppendUvarint(b, uint64(len(p.topics)))
	for _, id := range p.ids() {
		b = p.topics[id].appendBinary(b)
	}
	return b, nil
}

func (t *topic) appendBinary(b []byte) []byte {
	b = stats.AppendString(b, t.id)
	var flags byte
	for _, f := range []struct {
		on  bool
		bit byte
	}{{t.opened, flagOpened}, {t.secret, flagSecret}, {t.closed, flagClosed}, {t.released, flagReleased}} {
		if f.on {
			flags |= f.bit
		}
	}
	b = append(b, flags)
	if t.opened {
		b = binary.AppendVarint(b, t.openedAt)
		b = stats.AppendString(b, t.community)
		b = stats.AppendString(b, t.question)
		b = binary.AppendUvarint(b, uint64(len(t.options)))
		for _, o := range t.options {
			b = stats.AppendString(b, o)
		}
		b = binary.AppendVarint(b, t.opensAt)
		b = binary.AppendVarint(b, t.closesAt)
	}
	b = binary.AppendUvarint(b, uint64(t.eligibleN))
	if t.opened && !t.released {
		for _, v := range t.eligible {
			b = stats.AppendString(b, v)
		}
		if t.secret {
			b = append(b, t.voted...)
		} else {
			b = append(b, t.choice...)
		}
	}
	for _, n := range t.counts {
		b = binary.AppendUvarint(b, uint64(n))
	}
	b = binary.AppendUvarint(b, uint64(t.counted))
	for _, n := range t.refused {
		b = binary.AppendUvarint(b, uint64(n))
	}
	if t.closed {
		b = binary.AppendVarint(b, t.closedAt)
		b = binary.AppendUvarint(b, uint64(t.pubTurnout))
		for _, n := range t.pubVotes {
			b = binary.AppendUvarint(b, uint64(n))
		}
		b = binary.AppendUvarint(b, uint64(t.pubExtra))
	}
	return b
}

// UnmarshalState replaces the state with one MarshalState wrote. It
// refuses bytes that are truncated, trailing or inconsistent (counts that
// do not add up, an unsorted voter list, a choice out of range) with an
// error wrapping ErrState.
func (p *Projection) UnmarshalState(data []byte) error {
	if len(data) == 0 || data[0] != stateVersion {
		return fmt.Errorf("%w: unknown version", ErrState)
	}
	r := &stats.Decoder{B: data[1:]}
	n := r.Len()
	topics := make(map[string]*topic, n)
	prev := ""
	for i := range n {
		t, err := readTopic(r)
		if err != nil {
			return err
		}
		if i > 0 && t.id <= prev {
			return fmt.Errorf("%w: topics out of order at %q", ErrState, t.id)
		}
		prev = t.id
		topics[t.id] = t
	}
	if r.Err != nil {
		return fmt.Errorf("%w: %w", ErrState, r.Err)
	}
	if len(r.B) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrState, len(r.B))
	}
	p.topics = topics
	return nil
}

// count reads a non-negative count that fits an int64.
func count(r *stats.Decoder) int64 {
	v := r.Uvarint()
	if v > 1<<62 {
		if r.Err == nil {
			r.Err = stats.ErrCorrupt
		}
		return 0
	}
	return int64(v)
}

func readTopic(r *stats.Decoder) (*topic, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrState}, args...)...)
	}
	t := &topic{id: r.String()}
	flags := r.Byte()
	if r.Err != nil {
		return nil, fmt.Errorf("%w: %w", ErrState, r.Err)
	}
	if t.id == "" || flags&^flagAll != 0 {
		return nil, bad("topic %q: bad id or flags %#x", t.id, flags)
	}
	t.opened, t.secret = flags&flagOpened != 0, flags&flagSecret != 0
	t.closed, t.released = flags&flagClosed != 0, flags&flagReleased != 0
	if (t.secret && !t.opened) || (t.released != (t.opened && t.secret && t.closed)) {
		return nil, bad("topic %q: inconsistent flags %#x", t.id, flags)
	}
	if t.opened {
		t.openedAt = r.Varint()
		t.community = r.String()
		t.question = r.String()
		nopt := r.Len()
		if r.Err == nil && (nopt < 1 || nopt > maxOptions) {
			return nil, bad("topic %q: %d options", t.id, nopt)
		}
		t.options = make([]string, nopt)
		for i := range t.options {
			t.options[i] = r.String()
		}
		t.opensAt = r.Varint()
		t.closesAt = r.Varint()
	}
	t.eligibleN = count(r)
	if !t.opened && t.eligibleN != 0 {
		return nil, bad("topic %q: voters on a topic never opened", t.id)
	}
	if t.opened && !t.released {
		if r.Err == nil && uint64(t.eligibleN) > uint64(len(r.B)) {
			return nil, bad("topic %q: %d voters in %d bytes", t.id, t.eligibleN, len(r.B))
		}
		t.eligible = make([]string, t.eligibleN)
		for i := range t.eligible {
			t.eligible[i] = r.String()
			if r.Err == nil && i > 0 && t.eligible[i] <= t.eligible[i-1] {
				return nil, bad("topic %q: eligible voters not sorted", t.id)
			}
		}
		if t.secret {
			t.voted = readBytes(r, (len(t.eligible)+7)/8)
		} else {
			t.choice = readBytes(r, len(t.eligible))
		}
	}
	t.counts = make([]int64, len(t.options))
	var sum int64
	for i := range t.counts {
		t.counts[i] = count(r)
		sum += t.counts[i]
	}
	t.counted = count(r)
	for i := range t.refused {
		t.refused[i] = count(r)
	}
	if t.closed {
		t.closedAt = r.Varint()
		t.pubTurnout = count(r)
		t.pubVotes = make([]int64, len(t.options))
		for i := range t.pubVotes {
			t.pubVotes[i] = count(r)
		}
		t.pubExtra = count(r)
	}
	if r.Err != nil {
		return nil, fmt.Errorf("%w: topic %q: %w", ErrState, t.id, r.Err)
	}
	if sum != t.counted || t.counted > t.eligibleN {
		return nil, bad("topic %q: counts add up to %d, counted %d of %d", t.id, sum, t.counted, t.eligibleN)
	}
	if t.opened && !t.released {
		if err := t.checkVoters(); err != nil {
			return nil, bad("topic %q: %v", t.id, err)
		}
	}
	return t, nil
}

func readBytes(r *stats.Decoder, n int) []byte {
	if r.Err != nil {
		return nil
	}
	if n > len(r.B) {
		r.Err = stats.ErrCorrupt
		return nil
	}
	out := slices.Clone(r.B[:n])
	r.B = r.B[n:]
	return out
}

// checkVoters checks that the voter marks agree with the counts.
func (t *topic) checkVoters() error {
	if t.secret {
		ones := 0
		for _, x := range t.voted {
			ones += bits.OnesCount8(x)
		}
		if n := len(t.eligible); n%8 != 0 && len(t.voted) > 0 && t.voted[len(t.voted)-1]>>(n%8) != 0 {
			return fmt.Errorf("voter bits beyond the eligible list")
		}
		if int64(ones) != t.counted {
			return fmt.Errorf("%d voters marked, %d counted", ones, t.counted)
		}
		return nil
	}
	per := make([]int64, len(t.options))
	for _, c := range t.choice {
		if int(c) > len(t.options) {
			return fmt.Errorf("choice %d of %d options", c, len(t.options))
		}
		if c != 0 {
			per[c-1]++
		}
	}
	if !slices.Equal(per, t.counts) {
		return fmt.Errorf("choices do not add up to the counts")
	}
	return nil
}
