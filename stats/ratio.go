package stats

import (
	"math"
)

// Fieller is the interval for the ratio mean(b)/mean(a) of two
// independent samples (a the reference run's repeats, b another run's).
//
// Fieller's method rather than a delta-method or bootstrap interval: with
// the handful of repeats a comparison has, it is exact for normal means,
// it is asymmetric as an interval for a ratio should be, and it says when
// no finite interval exists (the reference mean is not distinguishable
// from zero), which a bootstrap would hide. The degrees of freedom are
// Welch-Satterthwaite's for the two means.
//
// The bounds are ±Inf when the reference mean's own interval contains 0.
func Fieller(a, b []float64, level float64) Interval {
	ma, va := MeanVar(a)
	mb, vb := MeanVar(b)
	est := mb / ma
	if len(a) < 2 || len(b) < 2 {
		return Interval{est, math.NaN(), math.NaN()}
	}
	sa, sb := va/float64(len(a)), vb/float64(len(b))
	df := math.Inf(1)
	if sa+sb > 0 {
		df = (sa + sb) * (sa + sb) / (sa*sa/float64(len(a)-1) + sb*sb/float64(len(b)-1))
	}
	t := TQuantile(1-(1-level)/2, df)
	// (mb - r·ma)² = t²(sb + r²·sa), a quadratic in r.
	qa := ma*ma - t*t*sa
	qb := -2 * ma * mb
	qc := mb*mb - t*t*sb
	if qa <= 0 {
		return Interval{est, math.Inf(-1), math.Inf(1)}
	}
	disc := qb*qb - 4*qa*qc
	if disc < 0 {
		disc = 0
	}
	r1 := (-qb - math.Sqrt(disc)) / (2 * qa)
	r2 := (-qb + math.Sqrt(disc)) / (2 * qa)
	return Interval{est, math.Min(r1, r2), math.Max(r1, r2)}
}
