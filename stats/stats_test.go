package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Student t quantiles from a printed table (two-sided 95 %).
func TestTQuantile(t *testing.T) {
	for _, tc := range []struct{ df, want float64 }{
		{1, 12.706}, {2, 4.303}, {4, 2.776}, {10, 2.228}, {30, 2.042}, {1000, 1.962},
	} {
		require.InDelta(t, tc.want, TQuantile(0.975, tc.df), 0.001, "df %v", tc.df)
	}
	require.InDelta(t, -2.776, TQuantile(0.025, 4), 0.001)
	require.InDelta(t, 1.95996, TQuantile(0.975, math.Inf(1)), 1e-5)
	require.InDelta(t, 0.5, TCDF(0, 7), 1e-12)
}

func normals(rng *rand.Rand, n int, mean, sd float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = mean + sd*rng.NormFloat64()
	}
	return xs
}

// coverage counts, over trials seeded data sets, how often the interval
// covers the truth.
func coverage(trials int, seed uint64, f func(rng *rand.Rand) (Interval, float64)) float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	hit := 0
	for range trials {
		iv, truth := f(rng)
		if !iv.Excludes(truth) {
			hit++
		}
	}
	return float64(hit) / float64(trials)
}

// On data with a known answer the 95 % intervals cover it in about 95 %
// of 2000 seeded trials (the binomial standard error is 0.5 %, so
// [0.93, 0.97] fails a correct interval with odds below 1 in 10⁴).
func TestCoverage(t *testing.T) {
	const trials = 2000
	for _, tc := range []struct {
		name string
		f    func(rng *rand.Rand) (Interval, float64)
	}{
		{"t mean, 5 repeats", func(rng *rand.Rand) (Interval, float64) {
			return TMean(normals(rng, 5, 40, 3), 0.95), 40
		}},
		{"Welch difference 12-10, 5 and 8 repeats, unequal spread", func(rng *rand.Rand) (Interval, float64) {
			return Welch(normals(rng, 5, 10, 1), normals(rng, 8, 12, 2), 0.95), 2
		}},
		{"Fieller ratio 12/10, 5 repeats each", func(rng *rand.Rand) (Interval, float64) {
			return Fieller(normals(rng, 5, 10, 1), normals(rng, 5, 12, 1.5), 0.95), 1.2
		}},
		{"Fieller ratio 30/60, 3 repeats each", func(rng *rand.Rand) (Interval, float64) {
			return Fieller(normals(rng, 3, 60, 2), normals(rng, 3, 30, 2), 0.95), 0.5
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := coverage(trials, 7, tc.f)
			t.Logf("coverage %.3f over %d seeded trials", c, trials)
			require.InDelta(t, 0.95, c, 0.02)
		})
	}
}

// ar1 is a series with autocorrelation phi around mean: what a
// once-a-second CPU reading of a busy host looks like.
func ar1(rng *rand.Rand, n int, mean, phi, sd float64) []float64 {
	xs := make([]float64, n)
	x := 0.0
	for i := range xs {
		x = phi*x + sd*rng.NormFloat64()
		xs[i] = mean + x
	}
	return xs
}

// The moving-block bootstrap covers an autocorrelated series' true mean
// far better than the t-interval that treats its samples as independent.
// Bootstrap percentile intervals run a little narrow at this length, so
// the bound is looser than for the exact intervals (400 trials, 500
// resamples each).
func TestBlockBootstrapCoverage(t *testing.T) {
	const trials = 400
	block := coverage(trials, 11, func(rng *rand.Rand) (Interval, float64) {
		return BlockMean(ar1(rng, 600, 50, 0.6, 2), 0.95, 500, rng), 50
	})
	naive := coverage(trials, 11, func(rng *rand.Rand) (Interval, float64) {
		return TMean(ar1(rng, 600, 50, 0.6, 2), 0.95), 50
	})
	t.Logf("AR(1) φ=0.6, 600 samples: block bootstrap covers %.3f, iid t-interval %.3f", block, naive)
	require.GreaterOrEqual(t, block, 0.88)
	require.LessOrEqual(t, block, 0.99)
	require.Less(t, naive, 0.85, "samples within a repeat are not independent")

	ratio := coverage(trials, 13, func(rng *rand.Rand) (Interval, float64) {
		return BlockRatio(ar1(rng, 600, 50, 0.6, 2), ar1(rng, 600, 75, 0.6, 2), 0.95, 500, rng), 1.5
	})
	t.Logf("block bootstrap ratio 75/50 covers %.3f", ratio)
	require.GreaterOrEqual(t, ratio, 0.88)
}

func TestEdges(t *testing.T) {
	iv := TMean([]float64{3}, 0.95)
	require.Equal(t, 3.0, iv.Est)
	require.True(t, math.IsNaN(iv.Lo))
	// A reference mean indistinguishable from zero: no finite ratio interval.
	iv = Fieller([]float64{-1, 1, 0.5}, []float64{5, 6, 7}, 0.95)
	require.True(t, math.IsInf(iv.Hi, 1))
	// Identical repeats: no spread, the interval is the point.
	iv = Fieller([]float64{2, 2}, []float64{3, 3}, 0.95)
	require.Equal(t, Interval{1.5, 1.5, 1.5}, iv)
	require.Equal(t, 1, BlockLen(1))
	require.Equal(t, 10, BlockLen(1000))
	require.Nil(t, BlockMeans([]float64{math.NaN()}, 3, 10, rand.New(rand.NewPCG(1, 2))))
}
