package stats

import (
	"math"
)

// Interval is an estimate with its confidence bounds.
type Interval struct {
	Est, Lo, Hi float64
}

// Excludes reports whether x lies outside the interval.
func (iv Interval) Excludes(x float64) bool { return x < iv.Lo || x > iv.Hi }

// MeanVar returns the mean and the sample variance (n-1) of xs.
func MeanVar(xs []float64) (mean, variance float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	for _, x := range xs {
		variance += (x - mean) * (x - mean)
	}
	if len(xs) > 1 {
		variance /= n - 1
	} else {
		variance = math.NaN()
	}
	return mean, variance
}

// TMean is the Student t interval at the given level (0.95) for the mean
// of independent, roughly normal xs. Fewer than two values give NaN
// bounds: one value says nothing about spread.
func TMean(xs []float64, level float64) Interval {
	m, v := MeanVar(xs)
	if len(xs) < 2 {
		return Interval{m, math.NaN(), math.NaN()}
	}
	h := TQuantile(1-(1-level)/2, float64(len(xs)-1)) * math.Sqrt(v/float64(len(xs)))
	return Interval{m, m - h, m + h}
}

// Welch is the interval for mean(b) - mean(a) without assuming equal
// variances (Welch-Satterthwaite degrees of freedom).
func Welch(a, b []float64, level float64) Interval {
	ma, va := MeanVar(a)
	mb, vb := MeanVar(b)
	d := mb - ma
	if len(a) < 2 || len(b) < 2 {
		return Interval{d, math.NaN(), math.NaN()}
	}
	sa, sb := va/float64(len(a)), vb/float64(len(b))
	se := math.Sqrt(sa + sb)
	df := (sa + sb) * (sa + sb) / (sa*sa/float64(len(a)-1) + sb*sb/float64(len(b)-1))
	if se == 0 {
		return Interval{d, d, d}
	}
	h := TQuantile(1-(1-level)/2, df) * se
	return Interval{d, d - h, d + h}
}

// TQuantile is the p-quantile of Student's t distribution with df degrees
// of freedom, found by bisection on its CDF.
func TQuantile(p, df float64) float64 {
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -TQuantile(1-p, df)
	}
	if df > 1e7 || math.IsInf(df, 1) {
		return math.Sqrt2 * math.Erfinv(2*p-1) // the normal limit
	}
	lo, hi := 0.0, 1.0
	for TCDF(hi, df) < p {
		hi *= 2
		if hi > 1e12 {
			return math.Inf(1)
		}
	}
	for i := 0; i < 200 && hi-lo > 1e-12*hi; i++ {
		mid := (lo + hi) / 2
		if TCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// TCDF is Student's t distribution function: through the regularized
// incomplete beta function, P(T <= t) = 1 - I_x(df/2, 1/2)/2 for t > 0
// with x = df/(df+t²).
func TCDF(t, df float64) float64 {
	x := df / (df + t*t)
	tail := 0.5 * regIncBeta(df/2, 0.5, x)
	if t > 0 {
		return 1 - tail
	}
	return tail
}

// regIncBeta is I_x(a, b), evaluated by its continued fraction (modified
// Lentz), using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where the
// fraction converges slowly.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	if x > (a+1)/(a+b+2) {
		return 1 - regIncBeta(b, a, 1-x)
	}
	lga, _ := math.Lgamma(a)
	lgb, _ := math.Lgamma(b)
	lgab, _ := math.Lgamma(a + b)
	front := math.Exp(lgab-lga-lgb+a*math.Log(x)+b*math.Log(1-x)) / a
	const tiny = 1e-300
	f, c, d := 1.0, 1.0, 0.0
	for i := 0; i <= 400; i++ {
		m := float64(i / 2)
		var num float64
		switch {
		case i == 0:
			num = 1
		case i%2 == 0:
			num = m * (b - m) * x / ((a + 2*m - 1) * (a + 2*m))
		default:
			num = -(a + m) * (a + b + m) * x / ((a + 2*m) * (a + 2*m + 1))
		}
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		d = 1 / d
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		cd := c * d
		f *= cd
		if math.Abs(1-cd) < 1e-14 {
			break
		}
	}
	return front * (f - 1)
}
