package report

import (
	"slices"

	"github.com/edgerig/edgerig/sample"
)

// containerFigures plot every container's CPU and working set, one panel
// per trial; nil when the run has no container series.
func containerFigures(data []*trialData, names map[string]map[string]string) ([]*figure, error) {
	// One style per container across all panels, in a stable order.
	var keys []seriesKey
	multiHost := false
	for _, td := range data {
		for _, s := range td.sorted() {
			if s.Key.Kind != string(sample.KindContainer) {
				continue
			}
			k := seriesKey{Host: s.Key.Host, Kind: s.Key.Kind, Label: s.Key.Label}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
			if len(keys) > 0 && keys[0].Host != k.Host {
				multiHost = true
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	slices.SortFunc(keys, func(a, b seriesKey) int {
		if lessKey(a, b) {
			return -1
		}
		if lessKey(b, a) {
			return 1
		}
		return 0
	})
	style := map[seriesKey]int{}
	for i, k := range keys {
		style[k] = i
	}
	pick := func(metric string, scale float64) func(*trialData) []trace {
		return func(td *trialData) []trace {
			var out []trace
			for _, s := range td.sorted() {
				if s.Key.Kind != string(sample.KindContainer) || s.Key.Metric != metric {
					continue
				}
				k := seriesKey{Host: s.Key.Host, Kind: s.Key.Kind, Label: s.Key.Label}
				name := displayName(names, s.Key)
				if multiHost {
					name = s.Key.Host + "/" + name
				}
				tr := trace{Name: name, Style: style[k], T: s.T, V: make([]float64, len(s.V))}
				for i, v := range s.V {
					tr.V[i] = v * scale
				}
				out = append(out, tr)
			}
			return out
		}
	}
	hs := hostStyles(data)
	cpu, err := timeFigure("containers-cpu", "Container CPU use (measure phase)", "CPU (% of one core)",
		data, pick(sample.CPUPct, 1), hs)
	if err != nil {
		return nil, err
	}
	mem, err := timeFigure("containers-memory", "Container memory, working set (measure phase)", "working set (MiB)",
		data, pick(sample.MemWorkingSet, 1.0/mib), hs)
	if err != nil {
		return nil, err
	}
	return []*figure{cpu, mem}, nil
}
