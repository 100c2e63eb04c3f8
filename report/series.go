package report

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// measurePhase is the phase whose rows the report plots and summarises.
const measurePhase = "measure"

// seriesKey names one measured thing on one host.
type seriesKey struct {
	Host, Kind, Label, Metric string
}

// series is one seriesKey's values over the measure phase, T in seconds
// since the trial's measure phase started, in time order.
type series struct {
	Key  seriesKey
	T, V []float64
}

// interval is a span of seconds since the measure phase started.
type interval struct{ From, To float64 }

// trialData is one trial's measure phase as read from the run directory.
type trialData struct {
	ID       string
	Params   map[string]string
	Title    string
	Start    time.Time // the measure phase's start, on the runner's timeline
	End      time.Time
	Complete bool // a trial-end event was written
	Series   map[seriesKey]*series
	// Lost holds per host the intervals during which it was lost (node-lost
	// until node-back or the end of the phase), clipped to the phase.
	Lost map[string][]interval
}

// Seconds is the length of the measure phase.
func (t *trialData) Seconds() float64 { return t.End.Sub(t.Start).Seconds() }

// sorted returns the trial's series in a stable order.
func (t *trialData) sorted() []*series {
	out := make([]*series, 0, len(t.Series))
	for _, s := range t.Series {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return lessKey(out[i].Key, out[j].Key) })
	return out
}

func lessKey(a, b seriesKey) bool {
	if a.Host != b.Host {
		return a.Host < b.Host
	}
	if a.Kind != b.Kind {
		return kindOrder(a.Kind) < kindOrder(b.Kind)
	}
	if a.Label != b.Label {
		return a.Label < b.Label
	}
	return a.Metric < b.Metric
}

func kindOrder(k string) string {
	switch sample.Kind(k) {
	case sample.KindHost:
		return "0"
	case sample.KindCPU:
		return "1"
	case sample.KindContainer:
		return "2"
	case sample.KindDaemon:
		return "3"
	case sample.KindProbe:
		return "4"
	}
	return "5" + k
}

// trialTitle names a trial by its parameters, which is what tells the
// panels apart ("orchestrator.kind=swarm"); the ID when it has none.
func trialTitle(id string, params map[string]string) string {
	if len(params) == 0 {
		return id
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + params[k]
	}
	return strings.Join(parts, ", ")
}

// counters are cumulative metrics: the report turns them into rates, as a
// mean of a counter means nothing.
var counters = map[string]bool{sample.NetRxBytes: true, sample.NetTxBytes: true}

// trials gathers the measure phase of every trial: those of the manifest
// in order, then any trial found only in the samples.
func trials(run *results.Run) []*trialData {
	var out []*trialData
	byID := map[string]*trialData{}
	add := func(id string, params map[string]string) {
		if _, ok := byID[id]; ok {
			return
		}
		t := &trialData{ID: id, Params: params, Title: trialTitle(id, params),
			Series: map[seriesKey]*series{}, Lost: map[string][]interval{}}
		byID[id] = t
		out = append(out, t)
	}
	for _, tr := range run.Manifest.Trials {
		add(tr.ID, tr.Params)
	}
	hosts := make([]string, 0, len(run.Samples))
	for h := range run.Samples {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	var extra []string
	for _, h := range hosts {
		for _, r := range run.Samples[h] {
			if _, ok := byID[r.Trial]; !ok && r.Phase == measurePhase && !slices.Contains(extra, r.Trial) {
				extra = append(extra, r.Trial)
			}
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		add(id, nil)
	}
	for _, t := range out {
		t.window(run)
		for _, h := range hosts {
			t.collect(h, run.Samples[h])
		}
		t.lost(run.Events)
	}
	return out
}

// window finds the measure phase's bounds: from its phase events when the
// runner wrote them, else from the rows themselves (a killed runner writes
// no phase-end).
func (t *trialData) window(run *results.Run) {
	var trialEnd time.Time
	for _, e := range run.Events {
		if e.Trial != t.ID {
			continue
		}
		switch {
		case e.Type == results.EventPhaseStart && e.Phase == measurePhase && t.Start.IsZero():
			t.Start = e.Time
		case e.Type == results.EventPhaseEnd && e.Phase == measurePhase && t.End.IsZero():
			t.End = e.Time
		case e.Type == results.EventTrialEnd:
			t.Complete = true
			trialEnd = e.Time
		}
	}
	var minMS, maxMS int64
	for _, rows := range run.Samples {
		for _, r := range rows {
			if r.Trial != t.ID || r.Phase != measurePhase {
				continue
			}
			if minMS == 0 || r.TimeMS < minMS {
				minMS = r.TimeMS
			}
			if r.TimeMS > maxMS {
				maxMS = r.TimeMS
			}
		}
	}
	if t.Start.IsZero() && minMS != 0 {
		t.Start = time.UnixMilli(minMS).UTC()
	}
	if t.End.IsZero() {
		switch {
		case maxMS != 0:
			t.End = time.UnixMilli(maxMS).UTC()
		case !trialEnd.IsZero():
			t.End = trialEnd
		default:
			t.End = t.Start
		}
	}
	if last := time.UnixMilli(maxMS).UTC(); maxMS != 0 && last.After(t.End) {
		t.End = last
	}
}

// collect adds host's measure rows of this trial to its series.
func (t *trialData) collect(host string, rows []results.Row) {
	start := t.Start.UnixMilli()
	for _, r := range rows {
		if r.Trial != t.ID || r.Phase != measurePhase {
			continue
		}
		k := seriesKey{Host: host, Kind: r.Kind, Label: r.Label, Metric: r.Metric}
		s, ok := t.Series[k]
		if !ok {
			s = &series{Key: k}
			t.Series[k] = s
		}
		s.T = append(s.T, float64(r.TimeMS-start)/1000)
		s.V = append(s.V, r.Value)
	}
	for k, s := range t.Series {
		if k.Host != host {
			continue
		}
		sort.Stable(byTime{s})
		if counters[k.Metric] {
			delete(t.Series, k)
			rk := k
			rk.Metric = k.Metric + "_per_s"
			t.Series[rk] = rate(rk, s)
		}
	}
}

// rate turns a cumulative counter into a per-second rate between ticks.
// A counter that went back (a reset, a restarted probe) yields no value.
func rate(k seriesKey, s *series) *series {
	out := &series{Key: k}
	for i := 1; i < len(s.T); i++ {
		dt := s.T[i] - s.T[i-1]
		dv := s.V[i] - s.V[i-1]
		if dt <= 0 || dv < 0 {
			continue
		}
		out.T = append(out.T, s.T[i])
		out.V = append(out.V, dv/dt)
	}
	return out
}

type byTime struct{ s *series }

func (b byTime) Len() int           { return len(b.s.T) }
func (b byTime) Less(i, j int) bool { return b.s.T[i] < b.s.T[j] }
func (b byTime) Swap(i, j int) {
	b.s.T[i], b.s.T[j] = b.s.T[j], b.s.T[i]
	b.s.V[i], b.s.V[j] = b.s.V[j], b.s.V[i]
}

// lost computes the node-lost intervals of each host within the phase. A
// node-lost without node-back lasts until the phase's end.
func (t *trialData) lost(events []results.Event) {
	open := map[string]time.Time{}
	closeAt := func(host string, end time.Time) {
		from := open[host]
		delete(open, host)
		if end.Before(t.Start) || from.After(t.End) {
			return
		}
		if from.Before(t.Start) {
			from = t.Start
		}
		if end.After(t.End) {
			end = t.End
		}
		t.Lost[host] = append(t.Lost[host], interval{From: from.Sub(t.Start).Seconds(), To: end.Sub(t.Start).Seconds()})
	}
	for _, e := range events {
		switch e.Type {
		case results.EventNodeLost:
			if _, ok := open[e.Host]; !ok {
				open[e.Host] = e.Time
			}
		case results.EventNodeBack:
			if _, ok := open[e.Host]; ok {
				closeAt(e.Host, e.Time)
			}
		}
	}
	hosts := make([]string, 0, len(open))
	for h := range open {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	for _, h := range hosts {
		closeAt(h, t.End)
	}
}
