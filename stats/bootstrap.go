package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// BlockLen is the block length the comparison uses for a series of n
// samples: n^(1/3), the order that minimises the bootstrap variance
// estimate's error for a moving-block bootstrap (Hall, Horowitz and Jing
// 1995), at least 1.
func BlockLen(n int) int {
	return max(1, int(math.Round(math.Cbrt(float64(n)))))
}

// BlockMeans draws reps moving-block bootstrap resamples of xs (blocks of
// block consecutive values starting anywhere, concatenated and cut to
// len(xs)) and returns each resample's mean. NaN values are left out
// before resampling.
func BlockMeans(xs []float64, block, reps int, rng *rand.Rand) []float64 {
	xs = slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	n := len(xs)
	if n == 0 {
		return nil
	}
	block = min(max(block, 1), n)
	starts := n - block + 1
	out := make([]float64, reps)
	for r := range out {
		sum, got := 0.0, 0
		for got < n {
			s := rng.IntN(starts)
			for i := s; i < s+block && got < n; i++ {
				sum += xs[i]
				got++
			}
		}
		out[r] = sum / float64(n)
	}
	return out
}

// Percentile is the percentile interval of bootstrap replicates around
// est (nearest rank).
func Percentile(est float64, reps []float64, level float64) Interval {
	if len(reps) == 0 {
		return Interval{est, math.NaN(), math.NaN()}
	}
	s := slices.Clone(reps)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(math.Round(q * float64(len(s)-1)))
		return s[min(max(i, 0), len(s)-1)]
	}
	return Interval{est, at((1 - level) / 2), at(1 - (1-level)/2)}
}

// BlockMean is the moving-block bootstrap interval for the mean of one
// autocorrelated series.
func BlockMean(xs []float64, level float64, reps int, rng *rand.Rand) Interval {
	m, _ := MeanVar(slices.DeleteFunc(slices.Clone(xs), math.IsNaN))
	return Percentile(m, BlockMeans(xs, BlockLen(len(xs)), reps, rng), level)
}

// BlockRatio is the moving-block bootstrap interval for mean(b)/mean(a)
// of two independent autocorrelated series: each is resampled on its own
// and the ratios of the resampled means give the percentile interval.
func BlockRatio(a, b []float64, level float64, reps int, rng *rand.Rand) Interval {
	ca := slices.DeleteFunc(slices.Clone(a), math.IsNaN)
	cb := slices.DeleteFunc(slices.Clone(b), math.IsNaN)
	ma, _ := MeanVar(ca)
	mb, _ := MeanVar(cb)
	ra := BlockMeans(ca, BlockLen(len(ca)), reps, rng)
	rb := BlockMeans(cb, BlockLen(len(cb)), reps, rng)
	if ra == nil || rb == nil {
		return Interval{mb / ma, math.NaN(), math.NaN()}
	}
	ratios := make([]float64, reps)
	for i := range ratios {
		ratios[i] = rb[i] / ra[i]
	}
	return Percentile(mb/ma, ratios, level)
}
