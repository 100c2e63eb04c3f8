package compare

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/edgerig/edgerig/report"
)

// Method says in words how the intervals were computed, for the top of
// every output.
func (c *Comparison) Method() string {
	t, b := false, false
	for _, r := range c.Rows {
		for _, cl := range r.Cells {
			t = t || cl.Method == MethodT
			b = b || cl.Method == MethodBootstrap
		}
	}
	var lines []string
	lines = append(lines, fmt.Sprintf("Intervals are %.0f %% confidence intervals. The unit of replication is the repeat: a run's value is the mean over its repeats of each repeat's measure-phase mean (averaged over the role's hosts); samples within a repeat are not independent.", Level*100))
	if t {
		lines = append(lines, "Method t: Student t interval over the repeat means; the ratio to the first run has Fieller's interval (Welch-Satterthwaite degrees of freedom), which is exact for normal means and unbounded when the first run's mean is not distinguishable from zero.")
	}
	if b {
		lines = append(lines, fmt.Sprintf("Method bootstrap: a combination run only once (on either side) has no spread between repeats; its interval comes from a moving-block bootstrap over the repeat's binned time series (blocks of n^(1/3) bins, %d resamples, percentile interval, fixed seed). It describes variation within that repeat only: run more repeats for an interval that covers run-to-run variation.", resamples))
	}
	if slices.ContainsFunc(c.Rows, func(r Row) bool {
		return slices.ContainsFunc(r.Cells, func(cl Cell) bool { return cl.Method == MethodNone })
	}) {
		lines = append(lines, "Method none: a single value (a step's wall time in a combination run once) has no spread to estimate: no interval. Run more repeats for one.")
	}
	if slices.ContainsFunc(c.Emulated, func(e []string) bool { return len(e) > 0 }) {
		lines = append(lines, "Some runs' hosts were not the boards their hardware label names but containers held to the board's size (an envelope: cpuset, a CPU quota calibrated against the board's published 7-Zip rating, memory, network rate): listed under the run.")
	}
	lines = append(lines, "A ratio marked * has an interval that excludes 1: the runs differ.")
	return strings.Join(lines, "\n\n")
}

// Markdown renders the method and one table: for each run its mean and
// interval, and for every run after the first the ratio and its interval.
func (c *Comparison) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Comparison\n\n")
	for i, r := range c.Runs {
		ref := ""
		if i == 0 {
			ref = " (reference)"
		}
		fmt.Fprintf(&b, "%d. %s%s\n", i+1, r, ref)
		for _, e := range c.Emulated[i] {
			fmt.Fprintf(&b, "   - emulated: %s\n", e)
		}
	}
	fmt.Fprintf(&b, "\n%s\n\n", c.Method())
	cols := []string{"trial", "role", "metric"}
	for i := range c.Runs {
		cols = append(cols, fmt.Sprintf(">run %d mean [95 %% CI]", i+1))
		if i > 0 {
			cols = append(cols, fmt.Sprintf(">ratio %d/1 [95 %% CI]", i+1))
		}
		cols = append(cols, fmt.Sprintf("method %d", i+1))
	}
	t := report.NewTable(cols...)
	for _, row := range c.Rows {
		cells := []string{row.Trial, row.Role, row.Metric}
		for i, cl := range row.Cells {
			if !cl.Present {
				cells = append(cells, "-")
				if i > 0 {
					cells = append(cells, "-")
				}
				cells = append(cells, "-")
				continue
			}
			cells = append(cells, interval(cl.Mean.Est, cl.Mean.Lo, cl.Mean.Hi, 2))
			if i > 0 {
				s := interval(cl.Ratio.Est, cl.Ratio.Lo, cl.Ratio.Hi, 3)
				if cl.Differs {
					s += " *"
				}
				cells = append(cells, s)
			}
			cells = append(cells, methodCell(cl))
		}
		t.Add(cells...)
	}
	b.WriteString(t.Markdown())
	return b.String()
}

func methodCell(cl Cell) string {
	if cl.Method == MethodNone {
		return "one value, no interval"
	}
	if cl.Method == MethodBootstrap {
		return fmt.Sprintf("bootstrap, %d repeat(s), block %d", cl.Repeats, cl.Block)
	}
	return fmt.Sprintf("t, %d repeats", cl.Repeats)
}

func interval(est, lo, hi float64, prec int) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return report.Num(est, prec) + " [-]"
	}
	return fmt.Sprintf("%s [%s, %s]", report.Num(est, prec), num(lo, prec), num(hi, prec))
}

func num(v float64, prec int) string {
	switch {
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	return report.Num(v, prec)
}

// WriteCSV writes one line per row and run: the numbers unrounded.
func (c *Comparison) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"trial", "role", "metric", "run", "run_dir", "repeats", "method", "block",
		"mean", "mean_lo", "mean_hi", "ratio", "ratio_lo", "ratio_hi", "differs"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, row := range c.Rows {
		for i, cl := range row.Cells {
			if !cl.Present {
				continue
			}
			_ = cw.Write([]string{row.Trial, row.Role, row.Metric, strconv.Itoa(i + 1), c.Dirs[i], strconv.Itoa(cl.Repeats),
				cl.Method, strconv.Itoa(cl.Block), f(cl.Mean.Est), f(cl.Mean.Lo), f(cl.Mean.Hi),
				f(cl.Ratio.Est), f(cl.Ratio.Lo), f(cl.Ratio.Hi), strconv.FormatBool(cl.Differs)})
		}
	}
	cw.Flush()
	return cw.Error()
}
