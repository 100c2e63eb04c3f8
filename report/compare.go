package report

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/sample"
)

// Comparison puts runs side by side: one column per run, one row per
// trial (by its parameters), host role and metric, each value the mean
// over the role's hosts of their measure-phase means, with its ratio to
// the first run. Runs made on different hardware (the hosts' `hardware`
// label) are what it is for: rpi3 against rpi4, say.
type Comparison struct {
	Runs []string // column headings: run directory and hardware
	Rows []ComparisonRow
}

// ComparisonRow is one compared quantity.
type ComparisonRow struct {
	Trial  string // the trial's parameters
	Role   string // the hosts' roles, or the host's name when it has none
	Metric string // with its unit
	Values []float64
	Ratios []float64 // Values[i] / Values[0]; NaN where either is missing
}

// compared are the quantities compare puts side by side.
var compared = []struct {
	kind   sample.Kind
	metric string
	name   string
	scale  float64
}{
	{sample.KindHost, sample.CPUPct, "host CPU %", 1},
	{sample.KindHost, sample.MemUsedBytes, "host memory used MiB", 1.0 / mib},
	{sample.KindProbe, sample.CPUPct, "probe CPU % of a core", 1},
}

// Compare builds the comparison of the summaries, in their order.
func Compare(sums []*Aggregate) (*Comparison, error) {
	if len(sums) < 2 {
		return nil, fmt.Errorf("compare: need at least two runs, got %d", len(sums))
	}
	type key struct{ trial, role, metric string }
	c := &Comparison{}
	values := map[key][]float64{}
	var order []key
	for i, s := range sums {
		c.Runs = append(c.Runs, runHeading(s))
		role := map[string]string{}
		for _, h := range s.Hosts {
			role[h.Name] = strings.Join(h.Roles, ",")
		}
		for _, tr := range s.Trials {
			groups := map[key][]float64{}
			for _, h := range tr.Hosts() {
				r := role[h]
				if r == "" {
					r = h
				}
				for _, q := range compared {
					st := tr.Find(h, q.kind, "", q.metric)
					if st == nil {
						continue
					}
					k := key{tr.Title, r, q.name}
					groups[k] = append(groups[k], st.Stat.Mean*q.scale)
				}
			}
			for k, vs := range groups {
				if _, ok := values[k]; !ok {
					values[k] = nanSlice(len(sums))
					order = append(order, k)
				}
				values[k][i] = mean(vs)
			}
		}
	}
	slices.SortStableFunc(order, func(a, b key) int {
		return strings.Compare(a.trial+"\x00"+a.role+"\x00"+a.metric, b.trial+"\x00"+b.role+"\x00"+b.metric)
	})
	for _, k := range order {
		row := ComparisonRow{Trial: k.trial, Role: k.role, Metric: k.metric, Values: values[k]}
		for _, v := range row.Values {
			row.Ratios = append(row.Ratios, v/row.Values[0])
		}
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

// runHeading names a run's column: its directory and its hardware.
func runHeading(s *Aggregate) string {
	var hw []string
	for _, h := range s.Hosts {
		if l := h.Labels["hardware"]; l != "" && !slices.Contains(hw, l) {
			hw = append(hw, l)
		}
	}
	slices.Sort(hw)
	name := filepath.Base(s.RunDir)
	if len(hw) == 0 {
		return name
	}
	return name + " (" + strings.Join(hw, ",") + ")"
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// Markdown renders the comparison as one table: each run's value, and
// for every run after the first its ratio to the first.
func (c *Comparison) Markdown() string {
	cols := []string{"trial", "role", "metric"}
	for i, r := range c.Runs {
		cols = append(cols, ">"+r)
		if i > 0 {
			cols = append(cols, ">ratio to 1st")
		}
	}
	t := NewTable(cols...)
	for _, row := range c.Rows {
		cells := []string{row.Trial, row.Role, row.Metric}
		for i, v := range row.Values {
			cells = append(cells, Num(v, 2))
			if i > 0 {
				cells = append(cells, Num(row.Ratios[i], 2))
			}
		}
		t.Add(cells...)
	}
	return t.Markdown()
}
