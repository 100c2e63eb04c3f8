// Package compare puts runs of one experiment side by side — typically the
// same spec on different hardware — with intervals rather than bare means:
// for every trial (matched by its parameters), host role and metric, each
// run's mean with a 95 % confidence interval and its ratio to the first run
// with an interval of its own. It reads runs through report's aggregate
// (report.Load) and computes with package stats; it never touches a host.
//
// The unit of replication is the repeat: a run's value for a trial is the
// mean over its repeats of each repeat's measure-phase mean, with a
// Student t interval, and a ratio gets Fieller's interval. A combination
// run only once has no between-repeat spread; it falls back to a
// moving-block bootstrap over its (binned, about 1 s) time series, which
// only describes variation within that one repeat, and the output says so.
package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/sample"
	"github.com/edgerig/edgerig/stats"
)

// Level is the confidence level of every interval.
const Level = 0.95

// resamples is the number of bootstrap resamples; the fixed seed makes a
// comparison reproducible byte for byte.
const (
	resamples = 2000
	seed      = 20260101
)

// Methods, as the output names them.
const (
	MethodT         = "t"         // Student t over repeat means; Fieller for ratios
	MethodBootstrap = "bootstrap" // moving-block bootstrap over one repeat's time series
	MethodNone      = "none"      // one value, nothing to resample: no interval
)

// metric is one compared quantity.
type metric struct {
	kind   sample.Kind
	metric string
	name   string
	scale  float64
}

var metrics = []metric{
	{sample.KindHost, sample.CPUPct, "host CPU %", 1},
	{sample.KindHost, sample.MemUsedBytes, "host memory used MiB", 1.0 / (1 << 20)},
	{sample.KindProbe, sample.CPUPct, "probe CPU % of a core", 1},
}

// Comparison is the whole comparison, runs in the order given.
type Comparison struct {
	Runs []string // headings: run directory and hardware
	Dirs []string
	// Emulated says, per run, which hosts were containers posing as
	// boards and how (their inventory's envelope label); empty for real
	// hardware.
	Emulated [][]string
	Rows     []Row
}

// Row is one trial, role and metric across the runs.
type Row struct {
	Trial, Role, Metric string
	Cells               []Cell // one per run
}

// Cell is one run's value for a row.
type Cell struct {
	Present bool
	Repeats int
	Method  string // MethodT or MethodBootstrap
	Block   int    // bootstrap block length in bins
	Mean    stats.Interval
	Ratio   stats.Interval // to the first run; the first run's is 1
	// Differs marks a ratio whose interval excludes 1.
	Differs bool
}

// values is what one run holds for one row: a mean per repeat and, for
// the bootstrap, the repeats' binned series one after another.
type values struct {
	repeats []float64
	series  []float64
}

type key struct{ trial, role, metric string }

// Build compares the aggregates, the first being the reference.
func Build(aggs []*report.Aggregate) (*Comparison, error) {
	if len(aggs) < 2 {
		return nil, fmt.Errorf("compare: need at least two runs, got %d", len(aggs))
	}
	c := &Comparison{}
	per := make([]map[key]*values, len(aggs))
	var order []key
	seen := map[key]bool{}
	for i, a := range aggs {
		c.Runs = append(c.Runs, heading(a))
		c.Dirs = append(c.Dirs, a.RunDir)
		c.Emulated = append(c.Emulated, emulated(a))
		per[i] = collect(a)
		for k := range per[i] {
			if !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
		}
	}
	slices.SortFunc(order, func(a, b key) int {
		return strings.Compare(a.trial+"\x00"+a.role+"\x00"+a.metric, b.trial+"\x00"+b.role+"\x00"+b.metric)
	})
	rng := rand.New(rand.NewPCG(seed, seed))
	for _, k := range order {
		row := Row{Trial: k.trial, Role: k.role, Metric: k.metric}
		ref := per[0][k]
		for i := range aggs {
			row.Cells = append(row.Cells, cell(ref, per[i][k], i == 0, rng))
		}
		c.Rows = append(c.Rows, row)
	}
	if len(c.Rows) == 0 {
		return nil, fmt.Errorf("compare: the runs share no trial, role and metric with measured values")
	}
	return c, nil
}

// cell computes one run's interval and its ratio to the reference.
func cell(ref, v *values, first bool, rng *rand.Rand) Cell {
	if v == nil || len(v.repeats) == 0 {
		return Cell{}
	}
	c := Cell{Present: true, Repeats: len(v.repeats)}
	nan := stats.Interval{Est: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if len(v.repeats) < 2 && len(v.series) < 2 {
		// One value and no series to resample (a step's time run once):
		// no interval can be had.
		c.Method, c.Mean = MethodNone, stats.Interval{Est: v.repeats[0], Lo: math.NaN(), Hi: math.NaN()}
		c.Ratio = nan
		if first {
			c.Ratio = stats.Interval{Est: 1, Lo: 1, Hi: 1}
		} else if ref != nil && len(ref.repeats) > 0 {
			c.Ratio.Est = v.repeats[0] / mean(ref.repeats)
		}
		return c
	}
	if len(v.repeats) >= 2 {
		c.Method, c.Mean = MethodT, stats.TMean(v.repeats, Level)
	} else {
		c.Method, c.Block = MethodBootstrap, stats.BlockLen(len(v.series))
		c.Mean = stats.BlockMean(v.series, Level, resamples, rng)
		c.Mean.Est = v.repeats[0]
	}
	switch {
	case first:
		c.Ratio = stats.Interval{Est: 1, Lo: 1, Hi: 1}
	case ref == nil || len(ref.repeats) == 0:
		c.Ratio = stats.Interval{Est: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	case len(ref.repeats) >= 2 && len(v.repeats) >= 2:
		c.Ratio = stats.Fieller(ref.repeats, v.repeats, Level)
	case len(ref.series) < 2 || len(v.series) < 2:
		c.Ratio = nan
		c.Ratio.Est = mean(v.repeats) / mean(ref.repeats)
	default:
		// Either side run once: both series resampled, said by Method.
		c.Method = MethodBootstrap
		c.Block = stats.BlockLen(len(v.series))
		c.Ratio = stats.BlockRatio(ref.series, v.series, Level, resamples, rng)
		c.Ratio.Est = mean(v.repeats) / mean(ref.repeats)
	}
	c.Differs = !first && !math.IsNaN(c.Ratio.Lo) && c.Ratio.Excludes(1)
	return c
}

// collect reduces a run to per-repeat values for every trial combination
// (its parameters), role and metric: each repeat's value is the mean over
// the role's hosts of their measure-phase means.
func collect(a *report.Aggregate) map[key]*values {
	role := map[string]string{}
	for _, h := range a.Hosts {
		role[h.Name] = strings.Join(h.Roles, ",")
	}
	out := map[key]*values{}
	for _, tr := range a.Trials {
		if !tr.Complete {
			continue // a cut-short repeat would bias the mean
		}
		type acc struct {
			means []float64
			bins  [][]float64
		}
		groups := map[key]*acc{}
		for _, h := range tr.Hosts() {
			r := role[h]
			if r == "" {
				r = h
			}
			for _, m := range metrics {
				s := tr.Find(h, m.kind, "", m.metric)
				if s == nil || s.Stat.N == 0 {
					continue
				}
				k := key{combo(tr), r, m.name}
				g := groups[k]
				if g == nil {
					g = &acc{}
					groups[k] = g
				}
				g.means = append(g.means, s.Stat.Mean*m.scale)
				var bs []float64
				if s.Bins != nil {
					for i := 0; i < s.Bins.Len(); i++ {
						bs = append(bs, s.Bins.Mean(i)*m.scale)
					}
				}
				g.bins = append(g.bins, bs)
			}
		}
		// A measure-phase step's wall time: one value per host and repeat,
		// no time series.
		for name, hosts := range tr.StepSeconds {
			for h, secs := range hosts {
				r := role[h]
				if r == "" {
					r = h
				}
				k := key{combo(tr), r, "step " + name + " seconds"}
				g := groups[k]
				if g == nil {
					g = &acc{}
					groups[k] = g
				}
				g.means = append(g.means, secs)
			}
		}
		for k, g := range groups {
			v := out[k]
			if v == nil {
				v = &values{}
				out[k] = v
			}
			v.repeats = append(v.repeats, mean(g.means))
			v.series = append(v.series, meanByIndex(g.bins)...)
		}
	}
	return out
}

// meanByIndex averages the hosts' bins index by index (NaN bins left out).
func meanByIndex(series [][]float64) []float64 {
	n := 0
	for _, s := range series {
		n = max(n, len(s))
	}
	out := make([]float64, n)
	for i := range out {
		sum, k := 0.0, 0
		for _, s := range series {
			if i < len(s) && !math.IsNaN(s[i]) {
				sum += s[i]
				k++
			}
		}
		out[i] = math.NaN()
		if k > 0 {
			out[i] = sum / float64(k)
		}
	}
	return out
}

func mean(xs []float64) float64 {
	m, _ := stats.MeanVar(xs)
	return m
}

// heading names a run's column: its directory and its hardware.
func heading(a *report.Aggregate) string {
	var hw []string
	for _, h := range a.Hosts {
		if l := h.Labels["hardware"]; l != "" && !slices.Contains(hw, l) {
			hw = append(hw, l)
		}
	}
	slices.Sort(hw)
	name := filepath.Base(a.RunDir)
	if len(hw) == 0 {
		return name
	}
	return name + " (" + strings.Join(hw, ",") + ")"
}

// emulated lists a run's hosts that posed as boards, with their envelope.
func emulated(a *report.Aggregate) []string {
	var out []string
	for _, h := range a.Hosts {
		if env := h.Labels["envelope"]; env != "" {
			out = append(out, fmt.Sprintf("%s is %s, %s", h.Name, h.Labels["hardware"], env))
		}
	}
	return out
}

// combo names a trial's matrix combination, which its repeats share: its
// title, or for a spec without a matrix (whose trials are titled by their
// IDs) one name for all of them.
func combo(tr *report.Trial) string {
	if len(tr.Params) == 0 {
		return "(no matrix)"
	}
	return tr.Title
}
