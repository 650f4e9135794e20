package sim

// action kinds in the queue.
const (
	actHour    uint8 = iota // schedule the next hour's arrivals
	actArrive               // a case is reported
	actCase                 // a case's next step (caseSim.step)
	actTopic                // a topic's next step
	actPublish              // publish responsibility list version 2
)

// action is a pending step of the simulation, due at time at (unix ms).
type action struct {
	at   int64
	seq  uint64 // insertion order: ties at the same millisecond run first in, first out
	kind uint8
	c    *caseSim
	t    *topicSim
}

func (a *action) less(b *action) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// queue is a binary min-heap of actions ordered by (at, seq), so the order
// in which actions run is a pure function of the order they were pushed.
type queue struct {
	h   []action
	seq uint64
}

func (q *queue) len() int { return len(q.h) }

func (q *queue) push(a action) {
	a.seq = q.seq
	q.seq++
	q.h = append(q.h, a)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.h[i].less(&q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

// peek returns the earliest action; the queue must not be empty.
func (q *queue) peek() *action { return &q.h[0] }

func (q *queue) pop() action {
	top := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h[n] = action{}
	q.h = q.h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.h[r].less(&q.h[l]) {
			m = r
		}
		if !q.h[m].less(&q.h[i]) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
