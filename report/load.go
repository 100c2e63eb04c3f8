package report

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// measurePhase is the phase whose rows the trials' statistics cover.
const measurePhase = "measure"

// counters are cumulative metrics: the report turns them into rates, as a
// mean of a counter means nothing.
var counters = map[string]bool{sample.NetRxBytes: true, sample.NetTxBytes: true}

// timelineMetrics are the host series the whole-run timeline keeps.
var timelineMetrics = map[string]bool{sample.CPUPct: true, sample.MemUsedBytes: true}

// Load reads the run directory dir and aggregates it: manifest and events
// first, then every samples row streamed once, one row in memory at a
// time. This is the report's first stage; nothing after it reads the run
// directory again.
func Load(dir string) (*Aggregate, error) {
	run, err := results.ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	hosts, files, err := run.SampleFiles()
	if err != nil {
		return nil, err
	}
	b := newBuilder(run)
	// Parsing CSV is most of the work: files are parsed side by side, one
	// goroutine a core, while this goroutine aggregates their rows. Rows
	// travel in batches through a short channel, so memory stays bounded.
	type batch struct {
		host string
		rows []results.Row
	}
	ch := make(chan batch, 2*runtime.GOMAXPROCS(0))
	warnings := make([][]string, len(files))
	errs := make([]error, len(files))
	go func() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		for i, f := range files {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				rows := make([]results.Row, 0, batchRows)
				warnings[i], errs[i] = results.ScanFile(f, func(r results.Row) error {
					if rows = append(rows, r); len(rows) == batchRows {
						ch <- batch{hosts[i], rows}
						rows = make([]results.Row, 0, batchRows)
					}
					return nil
				})
				ch <- batch{hosts[i], rows}
			}()
		}
		wg.Wait()
		close(ch)
	}()
	for bt := range ch {
		for _, r := range bt.rows {
			b.add(bt.host, r)
		}
	}
	for i := range files {
		if errs[i] != nil {
			return nil, fmt.Errorf("read run %s: %w", dir, errs[i])
		}
		run.Warnings = append(run.Warnings, warnings[i]...)
	}
	return b.finish(run), nil
}

// batchRows is how many rows a parser hands over at a time.
const batchRows = 2048

// AggregateRun reduces a run already read in full by results.Read. Load
// is the way for a run on disk; this serves callers that hold rows already.
func AggregateRun(run *results.Run) *Aggregate {
	b := newBuilder(run)
	hosts := make([]string, 0, len(run.Samples))
	for h := range run.Samples {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	for _, h := range hosts {
		for _, r := range run.Samples[h] {
			b.add(h, r)
		}
	}
	return b.finish(run)
}

// builder is the aggregate under construction while the rows stream.
type builder struct {
	a        *Aggregate
	byID     map[string]*Trial
	names    map[string]map[string]string // host → container ID → name
	timeline map[SeriesKey]*Series
	planned  int // trials from the manifest; those after them were found in the samples
}

func newBuilder(run *results.Run) *builder {
	m := run.Manifest
	a := &Aggregate{
		Experiment: m.Experiment, Description: m.Description, RunDir: run.Dir,
		Testbed: m.Testbed, Status: m.Status, Error: m.Error, Start: m.Start, End: m.End,
		Tool: m.Tool, Hosts: m.Hosts, Reference: m.Reference,
		Events: EventSummary{Counts: map[string]int{}},
	}
	if abs, err := filepath.Abs(a.RunDir); err == nil && a.RunDir != "" {
		a.RunDir = abs
	}
	a.Timeline.Start = runStart(run)
	b := &builder{a: a, byID: map[string]*Trial{}, names: containerNames(run.Events), timeline: map[SeriesKey]*Series{}}
	for _, tr := range m.Trials {
		t := b.trial(tr.ID, tr.Params)
		t.Repeat = tr.Repeat
		for _, p := range tr.Phases {
			if p.Name == measurePhase && p.Duration > 0 {
				t.Seconds = p.Duration.Seconds()
			}
		}
	}
	b.planned = len(a.Trials)
	for _, e := range run.Events {
		t := b.byID[e.Trial]
		if t == nil {
			continue
		}
		switch {
		case e.Type == results.EventPhaseStart && e.Phase == measurePhase && t.Start.IsZero():
			t.Start = e.Time
		case e.Type == results.EventTrialEnd:
			t.Complete = true
		case e.Type == results.EventInfo && e.Phase == measurePhase && strings.HasPrefix(e.Message, "step "):
			if secs, ok := e.Data["seconds"].(float64); ok {
				name := strings.TrimPrefix(e.Message, "step ")
				if t.StepSeconds == nil {
					t.StepSeconds = map[string]map[string]float64{}
				}
				if t.StepSeconds[name] == nil {
					t.StepSeconds[name] = map[string]float64{}
				}
				t.StepSeconds[name][e.Host] = secs
			}
		}
	}
	return b
}

func (b *builder) trial(id string, params map[string]string) *Trial {
	if t, ok := b.byID[id]; ok {
		return t
	}
	t := &Trial{ID: id, Params: params, Title: trialTitle(id, params), Lost: map[string][]Interval{},
		byKey: map[SeriesKey]*Series{}}
	b.byID[id] = t
	b.a.Trials = append(b.a.Trials, t)
	return t
}

func (b *builder) add(host string, r results.Row) {
	b.a.Rows++
	b.addTimeline(host, r)
	if r.Phase == measurePhase {
		b.addMeasure(host, r)
	}
}

// runStart is the origin of the timeline: the manifest's start, else the
// first event.
func runStart(run *results.Run) time.Time {
	if !run.Manifest.Start.IsZero() {
		return run.Manifest.Start
	}
	for _, e := range run.Events {
		return e.Time
	}
	return time.Time{}
}

// addMeasure adds one measure-phase row to its trial's series.
func (b *builder) addMeasure(host string, r results.Row) {
	t := b.byID[r.Trial]
	if t == nil {
		t = b.trial(r.Trial, nil)
	}
	if t.Start.IsZero() {
		t.Start = time.UnixMilli(r.TimeMS).UTC()
	}
	if t.minMS == 0 || r.TimeMS < t.minMS {
		t.minMS = r.TimeMS
	}
	t.maxMS = max(t.maxMS, r.TimeMS)
	k := SeriesKey{Host: host, Kind: r.Kind, Label: r.Label, Metric: r.Metric}
	rate := counters[r.Metric]
	if rate {
		k.Metric += "_per_s"
	}
	s := t.byKey[k]
	if s == nil {
		s = newSeries(k, b.names, binWidth(t.Seconds))
		s.counterRate = rate
		t.byKey[k] = s
		t.Series = append(t.Series, s)
	}
	s.add(float64(r.TimeMS-t.Start.UnixMilli())/1000, r.TimeMS, r.Value)
}

// addTimeline adds a host CPU or memory row to the whole-run timeline.
func (b *builder) addTimeline(host string, r results.Row) {
	a, tl := b.a, b.timeline
	if r.Kind != string(sample.KindHost) || !timelineMetrics[r.Metric] {
		return
	}
	k := SeriesKey{Host: host, Kind: r.Kind, Metric: r.Metric}
	s := tl[k]
	if s == nil {
		s = newSeries(k, nil, 1)
		tl[k] = s
		a.Timeline.Series = append(a.Timeline.Series, s)
	}
	s.add(float64(r.TimeMS-a.Timeline.Start.UnixMilli())/1000, r.TimeMS, r.Value)
}

// binWidth starts a measure phase of planned length sec at the width that
// fills maxBins, and at no less than a second (the probe's default tick).
func binWidth(sec float64) float64 { return max(1, sec/maxBins) }

func newSeries(k SeriesKey, names map[string]map[string]string, width float64) *Series {
	return &Series{Key: k, Name: displayName(names, k), Bins: newBins(width), lo: math.Inf(1), hi: math.Inf(-1)}
}

// add takes one value at sec seconds after the series' origin. A counter
// becomes the rate since its previous tick; one that went back (a reset, a
// restarted probe) yields no value.
func (s *Series) add(sec float64, ms int64, v float64) {
	if s.counterRate {
		prevT, prevV, had := s.lastT, s.lastV, s.hasLast
		s.lastT, s.lastV, s.hasLast = ms, v, true
		if !had || ms <= prevT || v < prevV {
			return
		}
		v = (v - prevV) / (float64(ms-prevT) / 1000)
	}
	s.q.add(v)
	s.sum += v
	s.lo = math.Min(s.lo, v)
	s.hi = math.Max(s.hi, v)
	s.Bins.add(sec, v)
}

// finishStat computes the series' Stat from what it accumulated.
func (s *Series) finishStat() {
	n := s.q.n
	s.Stat = Stat{N: n, Mean: math.NaN(), Min: math.NaN(), Max: math.NaN(),
		P50: s.q.percentile(50), P95: s.q.percentile(95), Exact: s.q.exactOnly()}
	if n > 0 {
		s.Stat.Mean, s.Stat.Min, s.Stat.Max = s.sum/float64(n), s.lo, s.hi
	}
	s.q = quantiles{}
}

// finish settles what needs every row: each trial's window, series order
// and statistics, lost intervals, the timeline's phases and marks, the
// event counts and where an unfinished run stopped.
func (b *builder) finish(run *results.Run) *Aggregate {
	a := b.a
	a.Warnings = slices.Clone(run.Warnings)
	// Files are parsed side by side: trials found only in the samples are
	// put in a stable order.
	slices.SortFunc(a.Trials[b.planned:], func(x, y *Trial) int { return strings.Compare(x.ID, y.ID) })
	for _, t := range a.Trials {
		t.window(run.Events)
		t.Series = slices.DeleteFunc(t.Series, func(s *Series) bool {
			s.finishStat()
			if s.Stat.N == 0 {
				delete(t.byKey, s.Key)
				return true
			}
			return false
		})
		slices.SortFunc(t.Series, func(x, y *Series) int { return lessKey(x.Key, y.Key) })
		t.lost(run.Events)
	}
	for _, s := range a.Timeline.Series {
		s.finishStat()
	}
	slices.SortFunc(a.Timeline.Series, func(x, y *Series) int { return lessKey(x.Key, y.Key) })
	for _, e := range run.Events {
		a.Events.Counts[e.Type]++
		if notable[e.Type] {
			a.Events.Notable = append(a.Events.Notable, e)
		}
		if e.Type == results.EventRepeats && e.Data["stopped"] == true {
			a.Events.RepeatStops = append(a.Events.RepeatStops, e)
		}
	}
	a.timeline(run.Events)
	a.Stop = stopOf(a, run.Events)
	return a
}

// window settles the measure phase's length: from its phase events when
// the runner wrote them, else from the rows themselves (a killed runner
// writes no phase-end).
func (t *Trial) window(events []results.Event) {
	var end time.Time
	for _, e := range events {
		if e.Trial == t.ID && e.Type == results.EventPhaseEnd && e.Phase == measurePhase && end.IsZero() {
			end = e.Time
		}
	}
	if last := time.UnixMilli(t.maxMS).UTC(); t.maxMS != 0 && last.After(end) {
		end = last
	}
	switch {
	case t.Start.IsZero():
		t.Seconds = 0
	case !end.IsZero():
		t.Seconds = max(end.Sub(t.Start).Seconds(), 0)
	case !t.Complete:
		t.Seconds = 0 // never reached its measure phase's samples
	}
}

// lost computes the node-lost intervals of each host within the phase. A
// node-lost without node-back lasts until the phase's end.
func (t *Trial) lost(events []results.Event) {
	open := map[string]time.Time{}
	end := t.Start.Add(time.Duration(t.Seconds * float64(time.Second)))
	closeAt := func(host string, to time.Time) {
		from := open[host]
		delete(open, host)
		if to.Before(t.Start) || from.After(end) {
			return
		}
		if from.Before(t.Start) {
			from = t.Start
		}
		if to.After(end) {
			to = end
		}
		t.Lost[host] = append(t.Lost[host], Interval{From: from.Sub(t.Start).Seconds(), To: to.Sub(t.Start).Seconds()})
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
		closeAt(h, end)
	}
}

// containerNames maps host → container ID → the name the runner learned
// from its container events.
func containerNames(events []results.Event) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, e := range events {
		if e.Type != results.EventContainer {
			continue
		}
		id, _ := e.Data["id"].(string)
		name, _ := e.Data["name"].(string)
		if id == "" || name == "" {
			continue
		}
		if out[e.Host] == nil {
			out[e.Host] = map[string]string{}
		}
		out[e.Host][id] = strings.TrimPrefix(name, "/")
	}
	return out
}

// displayName labels a series for humans: a container by the name the
// runner found for it (or a short ID), anything else by its label.
func displayName(names map[string]map[string]string, k SeriesKey) string {
	if k.Kind != string(sample.KindContainer) {
		return k.Label
	}
	for id, n := range names[k.Host] {
		if id == k.Label || (len(k.Label) >= 12 && strings.HasPrefix(id, k.Label)) {
			return n
		}
	}
	if len(k.Label) > 12 {
		return k.Label[:12]
	}
	return k.Label
}
