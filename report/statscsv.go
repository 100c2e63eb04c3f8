package report

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
)

// statsHeader is the first line of stats.csv. Values are in the units of
// the metric as stored (bytes, % , µs), per second for rates of counters.
var statsHeader = []string{"trial", "host", "kind", "label", "metric", "n", "mean", "p50", "p95", "max"}

// writeStatsCSV writes every statistic of every trial, the numbers behind
// the Markdown tables and more (every series of the measure phase).
func writeStatsCSV(path string, s *Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write stats: %w", err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(statsHeader)
	for _, tr := range s.Trials {
		for _, st := range tr.Stats {
			_ = w.Write([]string{st.Trial, st.Host, st.Kind, st.Label, st.Metric, strconv.Itoa(st.N),
				fnum(st.Mean), fnum(st.P50), fnum(st.P95), fnum(st.Max)})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write stats %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write stats %s: %w", path, err)
	}
	return nil
}

// fnum keeps four decimals: enough for percentages and exact for bytes.
func fnum(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
