package spec

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// Until is an adaptive repeat: each matrix combination is run Min times,
// then once more while the relative standard deviation of its per-repeat
// values of Metric stays above RSD, up to Max times. Spec.Repeat holds Min,
// so Trials plans the first Min repeats and the runner adds the others.
type Until struct {
	Min, Max int
	RSD      float64 // percent
	Metric   string
}

// Metrics an adaptive repeat can watch: a host series' measure-phase mean
// over the hosts, or the wall time of a measure-phase step (mean over the
// hosts that ran it), whose name stands for NAME.
var RepeatMetrics = []string{"host.cpu_pct", "host.mem_used_bytes", "probe.cpu_pct", "step.NAME.seconds"}

var repeatFields = []string{"min", "max", "until_rsd", "metric"}

// Defaults of an adaptive repeat.
const (
	defaultRepeatMin = 3
	defaultRepeatMax = 10
)

// decodeRepeat reads repeat: a count, or {min, max, until_rsd, metric}.
func decodeRepeat(c *yamlpos.Checker, s *Spec, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		if v, ok := c.Int(n, "repeat", 1, 100); ok {
			s.Repeat = v
		}
		return
	}
	f, ok := c.Fields(n, "repeat", repeatFields...)
	if !ok {
		return
	}
	u := &Until{Min: defaultRepeatMin, Max: defaultRepeatMax}
	good := true
	if v := f["min"]; v != nil {
		u.Min, ok = c.Int(v, "repeat.min", 2, 100)
		good = good && ok
	}
	if v := f["max"]; v != nil {
		u.Max, ok = c.Int(v, "repeat.max", 2, 100)
		good = good && ok
	}
	if good && u.Max < u.Min {
		at := f["max"]
		if at == nil {
			at = f["min"]
		}
		c.Errorf(at, "repeat.max", "%d is below repeat.min %d", u.Max, u.Min)
		good = false
	}
	if v := f["until_rsd"]; v == nil {
		c.Errorf(n, "repeat.until_rsd", "is required in the adaptive form (like until_rsd: 3%%)")
		good = false
	} else if p, ok := c.Scalar(v, "repeat.until_rsd"); ok {
		pct, err := parsePercent(p)
		if err != nil {
			c.Errorf(v, "repeat.until_rsd", "%v", err)
			good = false
		}
		u.RSD = pct
	} else {
		good = false
	}
	if v := f["metric"]; v == nil {
		c.Errorf(n, "repeat.metric", "is required in the adaptive form (one of %s)", strings.Join(RepeatMetrics, ", "))
		good = false
	} else if m, ok := c.Scalar(v, "repeat.metric"); ok {
		if msg := checkRepeatMetric(s, m); msg != "" {
			c.Errorf(v, "repeat.metric", "%s", msg)
			good = false
		}
		u.Metric = m
	} else {
		good = false
	}
	if good {
		s.Until, s.Repeat = u, u.Min
	}
}

// parsePercent reads "3%" (also "0.5%"): above 0, below 100.
func parsePercent(p string) (float64, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(p), "%")
	if !ok {
		return 0, fmt.Errorf("%q: want a percentage like 3%%", p)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v <= 0 || v >= 100 {
		return 0, fmt.Errorf("%q: want a percentage above 0%% and below 100%%", p)
	}
	return v, nil
}

// checkRepeatMetric says what is wrong with a metric name, "" if nothing.
// A step metric must name a measure-phase step (steps are decoded before
// repeat is checked: see decode).
func checkRepeatMetric(s *Spec, m string) string {
	if slices.Contains(RepeatMetrics[:3], m) {
		return ""
	}
	if name, ok := strings.CutPrefix(m, "step."); ok {
		if name, ok = strings.CutSuffix(name, ".seconds"); ok && name != "" {
			for _, st := range s.Steps {
				if st.Name == name && st.Phase == PhaseMeasure {
					return ""
				}
			}
			return fmt.Sprintf("%q: no step named %q runs in the measure phase", m, name)
		}
	}
	return fmt.Sprintf("%q is not a metric a repeat can watch: want one of %s", m, strings.Join(RepeatMetrics, ", "))
}

// StopReason says whether a combination with these per-repeat values of
// the metric needs another repeat, and why or why not. It is the rule the
// runner applies after every repeat; rsd is in percent (NaN with fewer
// than two values).
func (u *Until) StopReason(values []float64) (stop bool, rsd float64, why string) {
	rsd = RSD(values)
	n := len(values)
	switch {
	case n < u.Min:
		return false, rsd, fmt.Sprintf("%d of at least %d repeats", n, u.Min)
	case rsd <= u.RSD:
		return true, rsd, fmt.Sprintf("stopped after %d repeats: RSD of %s %.2f %% ≤ %g %%", n, u.Metric, rsd, u.RSD)
	case n >= u.Max:
		return true, rsd, fmt.Sprintf("stopped at the maximum of %d repeats: RSD of %s still %.2f %% > %g %%", n, u.Metric, rsd, u.RSD)
	}
	return false, rsd, fmt.Sprintf("RSD of %s %.2f %% > %g %% after %d repeats: one more", u.Metric, rsd, u.RSD, n)
}

// RSD is the relative standard deviation of xs in percent: the sample
// standard deviation (n−1) over the absolute mean. NaN for fewer than two
// values; +Inf for a zero mean with spread.
func RSD(xs []float64) float64 {
	if len(xs) < 2 {
		return math.NaN()
	}
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	sd := math.Sqrt(ss / float64(len(xs)-1))
	if m == 0 {
		if sd == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return 100 * sd / math.Abs(m)
}
