package report

import (
	"slices"

	"github.com/edgerig/edgerig/sample"
)

const mib = 1 << 20

// hostStyles gives every host one palette index for all figures and panels.
func hostStyles(data []*trialData) map[string]int {
	var hosts []string
	for _, td := range data {
		for k := range td.Series {
			if !slices.Contains(hosts, k.Host) {
				hosts = append(hosts, k.Host)
			}
		}
		for h := range td.Lost {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	slices.Sort(hosts)
	out := map[string]int{}
	for i, h := range hosts {
		out[h] = i
	}
	return out
}

// hostTraces picks one line per host of a host-kind metric, scaled.
func hostTraces(kind sample.Kind, metric string, scale float64, styles map[string]int) func(*trialData) []trace {
	return func(td *trialData) []trace {
		var out []trace
		for _, s := range td.sorted() {
			if s.Key.Kind != string(kind) || s.Key.Metric != metric {
				continue
			}
			tr := trace{Name: s.Key.Host, Style: styles[s.Key.Host], T: s.T, V: make([]float64, len(s.V))}
			for i, v := range s.V {
				tr.V[i] = v * scale
			}
			out = append(out, tr)
		}
		return out
	}
}

// hostFigures are the PyMon paper's Figures 4 and 5 in small: CPU and
// memory of every host over the measure phase, one panel per trial.
func hostFigures(data []*trialData) ([]*figure, error) {
	st := hostStyles(data)
	cpu, err := timeFigure("cpu", "Host CPU use (measure phase)", "CPU (% of the machine)", data,
		hostTraces(sample.KindHost, sample.CPUPct, 1, st), st)
	if err != nil {
		return nil, err
	}
	mem, err := timeFigure("memory", "Host memory used (measure phase)", "memory used (MiB)", data,
		hostTraces(sample.KindHost, sample.MemUsedBytes, 1.0/mib, st), st)
	if err != nil {
		return nil, err
	}
	return []*figure{cpu, mem}, nil
}

// overheadFigure plots the probe's own CPU use per host: the PyMon
// paper's point is that a monitor must not distort what it measures.
func overheadFigure(data []*trialData) (*figure, error) {
	st := hostStyles(data)
	return timeFigure("overhead", "The probe's own CPU use", "probe CPU (% of one core)", data,
		hostTraces(sample.KindProbe, sample.CPUPct, 1, st), st)
}
