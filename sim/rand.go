package sim

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// rng wraps the simulation's one random stream with the distributions it
// needs. Every draw happens in event order, so the stream is reproducible.
type rng struct{ *rand.Rand }

func newRNG(seed uint64) rng {
	return rng{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// chance returns true with probability p.
func (r rng) chance(p float64) bool { return r.Float64() < p }

// between returns a uniform float in [lo, hi).
func (r rng) between(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// lognormal draws a lognormal value with the given median and shape.
func (r rng) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// heavy draws a lognormal body with a Pareto tail: with probability tail
// the value is the body times a Pareto(alpha) factor. The result is capped.
func (r rng) heavy(median, sigma, tail, alpha, limit float64) float64 {
	v := r.lognormal(median, sigma)
	if r.chance(tail) {
		v *= math.Pow(1-r.Float64(), -1/alpha)
	}
	return min(v, limit)
}

// hours converts a (fractional) number of hours to a duration, rounded to
// the millisecond.
func hours(h float64) time.Duration {
	return time.Duration(math.Round(h*3600e3)) * time.Millisecond
}

// cumulative is a weighted choice over indices 0..n-1.
type cumulative []float64

func newCumulative(weights []float64) cumulative {
	c := make(cumulative, len(weights))
	sum := 0.0
	for i, w := range weights {
		sum += w
		c[i] = sum
	}
	return c
}

// pick draws an index with probability proportional to its weight.
func (c cumulative) pick(r rng) int {
	x := r.Float64() * c[len(c)-1]
	// The first index whose running sum exceeds x: never a zero weight.
	i := sort.Search(len(c), func(i int) bool { return c[i] > x })
	return min(i, len(c)-1)
}
