package report

import (
	"math"
	"slices"
)

// Stat summarises one series over a trial's measure phase.
type Stat struct {
	Trial  string
	Host   string
	Kind   string
	Label  string // as stored: a container's full ID, a daemon's name, a core's number
	Name   string // for humans: a container's name when the runner learned it
	Metric string
	N      int
	Mean   float64
	P50    float64
	P95    float64
	Max    float64
}

// describe computes a Stat's numbers: the mean over ticks and
// nearest-rank percentiles. An empty series gives N = 0 and NaNs.
func describe(v []float64) (n int, mean, p50, p95, max float64) {
	if len(v) == 0 {
		nan := math.NaN()
		return 0, nan, nan, nan, nan
	}
	s := slices.Clone(v)
	slices.Sort(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return len(s), sum / float64(len(s)), nearestRank(s, 50), nearestRank(s, 95), s[len(s)-1]
}

// nearestRank is the p-th percentile of sorted s by the nearest-rank
// method: the smallest value such that at least p % of the values are at
// or below it. It never interpolates, so it is always a measured value.
func nearestRank(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}
