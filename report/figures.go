package report

import (
	"math"

	"github.com/edgerig/edgerig/sample"
)

const mib = 1 << 20

// figures builds every figure of the report from the aggregate, in the
// order the documents show them. A figure with nothing to draw is left
// out rather than drawn empty or flat; noFigure says why, for the text.
func figures(a *Aggregate) (figs []*Figure, notes []string, err error) {
	hs := hostStyles(a)
	specs := []timeSpec{
		{Name: "cpu", Title: "Host CPU use, measure phase", YLabel: "CPU (% of the machine)",
			Caption: "CPU use of every host over each trial's measure phase, one panel per combination, all on one scale.",
			Scale:   1, Pick: hostLines(sample.KindHost, sample.CPUPct, hs), Baseline: true, Lost: true},
		{Name: "memory", Title: "Host memory used, measure phase", YLabel: "memory used (MiB)",
			Caption: "Memory used by every host over each trial's measure phase.",
			Scale:   1.0 / mib, Pick: hostLines(sample.KindHost, sample.MemUsedBytes, hs), Baseline: true, Lost: true},
		{Name: "containers-cpu", Title: "Container CPU use, measure phase", YLabel: "CPU (% of one core)",
			Caption: "CPU use of the busiest containers (at most ten a panel) by name.",
			Scale:   1, Pick: containerLines(a, sample.CPUPct)},
		{Name: "containers-memory", Title: "Container memory (working set), measure phase", YLabel: "working set (MiB)",
			Caption: "Working set (usage minus inactive file) of the largest containers.",
			Scale:   1.0 / mib, Pick: containerLines(a, sample.MemWorkingSet)},
	}
	probe := []timeSpec{
		{Name: "probe-cpu", Title: "The probe's own CPU use", YLabel: "probe CPU (‰ of one core)",
			Caption: "The probe's CPU use per host in per mille of one core: it must not distort what it measures.",
			Scale:   10, Pick: hostLines(sample.KindProbe, sample.CPUPct, hs)},
		{Name: "probe-cost", Title: "The probe's time per sample", YLabel: "µs per sample",
			Caption: "Wall time the probe spent taking each sample, per host.",
			Scale:   1, Pick: hostLines(sample.KindProbe, sample.SampleCostMicro, hs)},
	}
	for _, s := range specs {
		f, err := timeFigure(a, s)
		if err != nil {
			return nil, nil, err
		}
		if f != nil {
			figs = append(figs, f)
		}
	}
	for _, s := range probe {
		if allZero(a, s.Pick) {
			notes = append(notes, s.Title+": not drawn, every sample was zero or absent (below the probe's resolution).")
			continue
		}
		f, err := timeFigure(a, s)
		if err != nil {
			return nil, nil, err
		}
		if f != nil {
			figs = append(figs, f)
		}
	}
	if tf, err := timelineFigure(a, hs); err != nil {
		return nil, nil, err
	} else if tf != nil {
		figs = append(figs, tf)
	}
	return figs, notes, nil
}

// allZero reports whether every picked series is absent or all zero: a
// figure of it would be a meaningless flat line.
func allZero(a *Aggregate, pick func(*Trial) []line) bool {
	for _, t := range a.Trials {
		for _, l := range pick(t) {
			if l.Series.Stat.N > 0 && (math.Abs(l.Series.Stat.Max) > 0 || math.Abs(l.Series.Stat.Min) > 0) {
				return false
			}
		}
	}
	return true
}

// containerLines picks every container's series of metric, one style per
// container across all panels, named host/name when several hosts run
// containers.
func containerLines(a *Aggregate, metric string) func(*Trial) []line {
	style := map[SeriesKey]int{}
	hosts := map[string]bool{}
	for _, t := range a.Trials {
		for _, s := range t.Series {
			if s.Key.Kind != string(sample.KindContainer) {
				continue
			}
			k := SeriesKey{Host: s.Key.Host, Kind: s.Key.Kind, Label: s.Key.Label}
			if _, ok := style[k]; !ok {
				style[k] = len(style)
			}
			hosts[s.Key.Host] = true
		}
	}
	return func(t *Trial) []line {
		var out []line
		for _, s := range t.Series {
			if s.Key.Kind != string(sample.KindContainer) || s.Key.Metric != metric {
				continue
			}
			name := s.Name
			if len(hosts) > 1 {
				name = s.Key.Host + "/" + name
			}
			out = append(out, line{Name: name, Style: style[SeriesKey{Host: s.Key.Host, Kind: s.Key.Kind, Label: s.Key.Label}], Series: s})
		}
		return out
	}
}
