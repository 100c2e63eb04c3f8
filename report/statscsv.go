package report

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
)

// statsHeader is the first line of stats.csv. Values are in the units of
// the metric as stored (bytes, %, µs), per second for rates of counters;
// trial_state says whether the trial was complete or cut short.
var statsHeader = []string{"trial", "trial_state", "host", "kind", "label", "metric", "n", "mean", "p50", "p95", "max"}

// writeStatsCSV writes every statistic of every trial, the numbers behind
// the tables and more (every series of the measure phase).
func writeStatsCSV(path string, a *Aggregate) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write stats: %w", err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(statsHeader)
	for _, tr := range a.Trials {
		for _, s := range tr.Series {
			st := s.Stat
			_ = w.Write([]string{tr.ID, tr.State(), s.Key.Host, s.Key.Kind, s.Key.Label, s.Key.Metric, strconv.Itoa(st.N),
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
