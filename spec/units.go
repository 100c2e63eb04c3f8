package spec

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written the way specs write it: Go duration
// syntax with a unit ("60s", "10m", "1h30m", "250ms"), always > 0.
type Duration time.Duration

// ParseDuration parses a spec duration. A bare number is refused, since
// "60" could mean seconds or minutes and a wrong guess ruins a whole run.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if decimalRE.MatchString(t) {
		return 0, fmt.Errorf("%q is not a duration: add a unit (like 60s, 10m)", s)
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (like 60s, 10m)", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}

// String renders the duration in the shortest form ParseDuration reads back
// ("1m" rather than Go's "1m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Size is a number of bytes, written with a unit: B, KB, MB, GB (powers of
// 1000, as the papers write file sizes: 1.04KB = 1040 B) or KiB, MiB, GiB
// (powers of 1024).
type Size int64

var sizeUnits = []struct {
	name string
	mult int64
}{
	{"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}, {"B", 1},
}

var (
	sizeRE    = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)
	decimalRE = regexp.MustCompile(`^[+-]?[0-9]+(?:\.[0-9]+)?$`)
)

// ParseSize parses a size such as "532B", "1.04KB" or "500MiB". The result
// must be a whole number of bytes.
func ParseSize(s string) (Size, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size (like 532B, 1.04KB, 500MB)", s)
	}
	if m[2] == "" {
		return 0, fmt.Errorf("%q is not a size: add a unit (like 532B, 1KB, 500MB)", s)
	}
	var mult int64
	for _, u := range sizeUnits {
		if u.name == m[2] {
			mult = u.mult
		}
	}
	if mult == 0 {
		return 0, fmt.Errorf("%q has an unknown size unit %q (B, KB, MB, GB, KiB, MiB, GiB)", s, m[2])
	}
	if len(m[1]) > 30 {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	r, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return 0, fmt.Errorf("%q is not a size (like 532B, 1.04KB, 500MB)", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return 0, fmt.Errorf("%q is not a whole number of bytes", s)
	}
	if !r.Num().IsInt64() || r.Num().Int64() > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	return Size(r.Num().Int64()), nil
}

// Bytes is the size as a plain number of bytes.
func (z Size) Bytes() int64 { return int64(z) }

// String renders the size in the largest unit that keeps it exact, with
// decimals for the power-of-1000 units ("1.04KB", "1KiB", "532B").
func (z Size) String() string {
	n := int64(z)
	for _, u := range sizeUnits {
		if n < u.mult || n <= 0 {
			continue
		}
		if n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.name
		}
		if u.mult%10 == 0 { // powers of 1000: a short decimal is exact
			f := new(big.Rat).SetFrac64(n, u.mult).FloatString(len(strconv.FormatInt(u.mult, 10)) - 1)
			return strings.TrimRight(f, "0") + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// Rate is a number of events per second, written "N/s", "N/m" or "N/h"
// (N may have decimals: "0.5/s").
type Rate float64

var rateRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*/\s*([smh])$`)

var ratePer = map[string]float64{"s": 1, "m": 60, "h": 3600}

// ParseRate parses a rate such as "1/s" or "30/m". It must be > 0.
func ParseRate(s string) (Rate, error) {
	m := rateRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a rate (like 1/s, 30/m, 0.5/s)", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%q is not a rate (like 1/s, 30/m, 0.5/s)", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("%q is not a positive rate", s)
	}
	r := n / ratePer[m[2]]
	if r == 0 {
		return 0, fmt.Errorf("%q is too small a rate", s)
	}
	return Rate(r), nil
}

// PerSecond is the rate as events per second.
func (r Rate) PerSecond() float64 { return float64(r) }

// Interval is the time between two events at this rate.
func (r Rate) Interval() time.Duration {
	if r <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / float64(r))
}

// String renders the shortest of "N/s", "N/m", "N/h" that ParseRate reads
// back to exactly the same rate.
func (r Rate) String() string {
	best := strconv.FormatFloat(float64(r), 'f', -1, 64) + "/s"
	for _, u := range []string{"m", "h"} {
		cand := strconv.FormatFloat(float64(r)*ratePer[u], 'f', -1, 64) + "/" + u
		if back, err := ParseRate(cand); err == nil && back == r && len(cand) < len(best) {
			best = cand
		}
	}
	return best
}
