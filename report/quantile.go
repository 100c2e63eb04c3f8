package report

import (
	"math"
	"slices"
)

// exactCap is how many values a series keeps exactly. Up to it, the
// percentiles are nearest-rank over the measured values; beyond it the
// values go into a log-scale histogram of bounded size, so an hour at
// 1 Hz costs a few kilobytes a series instead of every value.
const exactCap = 1024

// gamma is the histogram's bucket ratio: a bucket holds values within
// ±0.5 % of its representative value.
const gamma = 1.01

// quantiles estimates percentiles in bounded memory: exact until exactCap
// values, then to within ±0.5 % of the value (a DDSketch-style histogram
// with separate buckets for positive values, negative values and zeros).
type quantiles struct {
	exact    []float64
	pos, neg map[int]int
	zeros    int
	n        int
}

func (q *quantiles) add(v float64) {
	q.n++
	if q.pos == nil && len(q.exact) < exactCap {
		q.exact = append(q.exact, v)
		return
	}
	if q.pos == nil {
		q.pos, q.neg = map[int]int{}, map[int]int{}
		for _, x := range q.exact {
			q.bucket(x)
		}
		q.exact = nil
	}
	q.bucket(v)
}

func (q *quantiles) bucket(v float64) {
	switch {
	case v > 0:
		q.pos[bucketOf(v)]++
	case v < 0:
		q.neg[bucketOf(-v)]++
	default:
		q.zeros++
	}
}

func bucketOf(v float64) int { return int(math.Ceil(math.Log(v) / math.Log(gamma))) }

// bucketValue is the value a bucket stands for: the middle of its range.
func bucketValue(i int) float64 { return 2 * math.Pow(gamma, float64(i)) / (gamma + 1) }

// exactOnly reports whether the percentiles are measured values.
func (q *quantiles) exactOnly() bool { return q.pos == nil }

// percentile is the p-th percentile by nearest rank; NaN with no values.
func (q *quantiles) percentile(p float64) float64 {
	if q.n == 0 {
		return math.NaN()
	}
	rank := int(math.Ceil(p / 100 * float64(q.n)))
	rank = min(max(rank, 1), q.n)
	if q.pos == nil {
		s := slices.Clone(q.exact)
		slices.Sort(s)
		return s[rank-1]
	}
	// Walk negatives (largest magnitude first), zeros, then positives.
	negs := sortedBuckets(q.neg)
	for i := len(negs) - 1; i >= 0; i-- {
		if rank -= q.neg[negs[i]]; rank <= 0 {
			return -bucketValue(negs[i])
		}
	}
	if rank -= q.zeros; rank <= 0 {
		return 0
	}
	poss := sortedBuckets(q.pos)
	for _, b := range poss {
		if rank -= q.pos[b]; rank <= 0 {
			return bucketValue(b)
		}
	}
	return bucketValue(poss[len(poss)-1])
}

func sortedBuckets(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
