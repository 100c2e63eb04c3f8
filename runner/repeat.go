package runner

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
	"github.com/edgerig/edgerig/spec"
)

// An adaptive repeat adds a repeat to a matrix combination, right after
// its last one, while the per-repeat values of the watched metric spread
// more than the spec allows (spec.Until.StopReason). Trials not yet run
// are renumbered when one is inserted: no sample carries their IDs yet.

// adaptive collects the watched metric per trial and host.
type adaptive struct {
	u          *spec.Until
	kind, name string // a sample series (host.cpu_pct), or
	step       string // a measure-phase step's name

	mu   sync.Mutex
	acc  map[string]map[string]*[2]float64 // trial → host → sum, count
	done map[string][]float64              // combination → per-repeat values
}

func newAdaptive(u *spec.Until) *adaptive {
	a := &adaptive{u: u, acc: map[string]map[string]*[2]float64{}, done: map[string][]float64{}}
	if name, ok := strings.CutPrefix(u.Metric, "step."); ok {
		a.step = strings.TrimSuffix(name, ".seconds")
	} else {
		a.kind, a.name, _ = strings.Cut(u.Metric, ".")
	}
	return a
}

func (a *adaptive) add(trial, host string, v float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.acc[trial]
	if m == nil {
		m = map[string]*[2]float64{}
		a.acc[trial] = m
	}
	if m[host] == nil {
		m[host] = &[2]float64{}
	}
	m[host][0] += v
	m[host][1]++
}

// sampled adds a probe record's value of the watched series, when it fell
// in a measure phase.
func (a *adaptive) sampled(trial, phase, host string, rec sample.Record) {
	if a == nil || a.kind == "" || phase != "measure" || trial == "" {
		return
	}
	for _, s := range rec.Series {
		if string(s.Kind) == a.kind && s.Label == "" {
			if v, ok := s.Values[a.name]; ok {
				a.add(trial, host, v)
			}
		}
	}
}

// stepped adds a step's wall time, when it is the watched step.
func (a *adaptive) stepped(trial, phase, step, host string, seconds float64) {
	if a == nil || a.step == "" || phase != "measure" || step != a.step {
		return
	}
	a.add(trial, host, seconds)
}

// value is the trial's metric: the mean over hosts of each host's mean.
func (a *adaptive) value(trial string) (float64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.acc[trial]
	if len(m) == 0 {
		return 0, false
	}
	sum := 0.0
	for _, h := range m {
		sum += h[0] / h[1]
	}
	return sum / float64(len(m)), true
}

// comboKey identifies a matrix combination.
func comboKey(p map[string]string) string {
	keys := slices.Sorted(maps.Keys(p))
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + p[k] + "\x00")
	}
	return b.String()
}

// decideRepeat runs after trial i: when it is the last planned repeat of
// its combination, it applies the stopping rule and, to go on, inserts one
// more repeat after it.
func (r *run) decideRepeat(i int) {
	a, tr := r.adapt, r.trials[i]
	key := comboKey(tr.Params)
	v, ok := a.value(tr.ID)
	if r.cfg.testMetric != nil {
		v, ok = r.cfg.testMetric(tr)
	}
	a.mu.Lock()
	if ok {
		a.done[key] = append(a.done[key], v)
	}
	values := slices.Clone(a.done[key])
	a.mu.Unlock()
	if i+1 < len(r.trials) && comboKey(r.trials[i+1].Params) == key {
		return // its planned repeats are not all run yet
	}
	label := "the experiment"
	if len(tr.Params) > 0 {
		label = paramsString(spec.Trial{Spec: &spec.Spec{Matrix: tr.Spec.Matrix}, Params: tr.Params})
	}
	var stop bool
	var rsd float64
	var why string
	if !ok {
		stop, why = true, fmt.Sprintf("stopped after %d repeats: trial %s has no value of %s", tr.Repeat, tr.ID, a.u.Metric)
		rsd = spec.RSD(values)
	} else {
		stop, rsd, why = a.u.StopReason(values)
	}
	ev := results.Event{Type: results.EventRepeats, Trial: tr.ID, Message: label + ": " + why, Data: map[string]any{
		"metric": a.u.Metric, "values": values, "rsd_pct": jsonNum(rsd), "threshold_pct": a.u.RSD,
		"repeats": tr.Repeat, "stopped": stop,
	}}
	_ = r.w.Event(ev)
	r.printf("repeats of %s: %s", label, why)
	if stop {
		return
	}
	next := spec.Trial{Params: maps.Clone(tr.Params), Repeat: tr.Repeat + 1, Spec: tr.Spec}
	r.trials = slices.Insert(r.trials, i+1, next)
	for j := i + 1; j < len(r.trials); j++ {
		r.trials[j].ID = "t" + strconv.Itoa(j+1)
	}
	_ = r.w.UpdateManifest(func(m *results.Manifest) {
		m.Trials = m.Trials[:i+1]
		for _, t := range r.trials[i+1:] {
			m.Trials = append(m.Trials, results.Trial{ID: t.ID, Params: t.Params, Repeat: t.Repeat, Phases: r.plannedPhases(t)})
		}
	})
}

// jsonNum keeps NaN and infinities out of the events (JSON has neither).
func jsonNum(v float64) any {
	if v != v || v > 1e300 || v < -1e300 {
		return nil
	}
	return v
}
