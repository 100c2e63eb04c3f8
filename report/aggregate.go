package report

import (
	"slices"
	"strings"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// Aggregate is a run reduced once, while its samples stream past: what
// every figure, table and document of the report reads. It holds no raw
// rows, so its size depends on the number of series, not on the run's
// length. Code that adds an experiment's own tables reads it (and
// delays.csv, which it does not hold) and plugs in as a Section.
type Aggregate struct {
	Experiment  string
	Description string
	RunDir      string // absolute when it could be made so
	Testbed     string
	Status      string // completed, failed or aborted (a runner that died)
	Error       string
	Start, End  time.Time
	Tool        results.Tool
	Hosts       []results.HostFacts
	Reference   map[string]string // the paper's figures, from the spec
	Trials      []*Trial          // in the manifest's order, then trials found only in the samples
	Timeline    Timeline          // the whole run, every phase
	Events      EventSummary
	Stop        *Stop    // where an unfinished run stopped; nil when it completed
	Warnings    []string // what reading the run directory skipped
	Rows        int      // sample rows read, all phases
}

// Trial is one trial's measure phase: a statistic and a binned timeline
// for every series any host sampled in it.
type Trial struct {
	ID       string
	Params   map[string]string
	Repeat   int
	Title    string    // its parameters, "orchestrator.kind=swarm"; repeats of one combination share it
	Start    time.Time // the measure phase's start on the runner's timeline
	Seconds  float64   // the measure phase's length
	Complete bool      // the runner finished the trial (a trial-end event)
	Series   []*Series // sorted by host, kind, label, metric
	// Lost holds per host the intervals, in seconds since Start, during
	// which it was lost (node-lost until node-back or the phase's end).
	Lost map[string][]Interval
	// StepSeconds holds the wall time of each measure-phase step that
	// succeeded, by step name and host.
	StepSeconds map[string]map[string]float64

	byKey map[SeriesKey]*Series
	minMS int64
	maxMS int64
}

// SeriesKey names one measured thing on one host. Counters (network
// bytes) are stored as rates: their Metric ends in "_per_s".
type SeriesKey struct {
	Host, Kind, Label, Metric string
}

// Series is one measured thing over a phase: its statistic and its values
// binned over time.
type Series struct {
	Key  SeriesKey
	Name string // for humans: a container's name when the runner learned it, else its label
	Stat Stat
	Bins *Bins

	q           quantiles
	lastT       int64 // a counter's previous tick, for its rate
	lastV       float64
	hasLast     bool
	sum         float64
	lo, hi      float64
	counterRate bool
}

// Stat summarises a series: the mean over ticks and nearest-rank
// percentiles (exact up to exactCap values, within ±0.5 % beyond).
type Stat struct {
	N                        int
	Mean, Min, P50, P95, Max float64
	Exact                    bool // the percentiles are measured values
}

// Interval is a span of seconds after an origin.
type Interval struct{ From, To float64 }

// Find returns the trial's series for the key, or nil.
func (t *Trial) Find(host string, kind sample.Kind, label, metric string) *Series {
	return t.byKey[SeriesKey{Host: host, Kind: string(kind), Label: label, Metric: metric}]
}

// Hosts lists the hosts with samples in the trial, sorted.
func (t *Trial) Hosts() []string {
	var out []string
	for _, s := range t.Series {
		if !slices.Contains(out, s.Key.Host) {
			out = append(out, s.Key.Host)
		}
	}
	slices.Sort(out)
	return out
}

// State is how a trial's numbers are to be read: "complete", or
// "incomplete" when the runner did not finish it.
func (t *Trial) State() string {
	if t.Complete {
		return "complete"
	}
	return "incomplete"
}

// Label names the trial in tables: its ID, marked when cut short.
func (t *Trial) Label() string {
	if t.Complete {
		return t.ID
	}
	return t.ID + " (incomplete)"
}

// Timeline is the whole run on one time axis: its phases, its notable
// events, and each host's CPU and memory over all of it.
type Timeline struct {
	Start  time.Time // the run's start: times below are seconds after it
	End    float64   // the last thing seen, in seconds
	Phases []PhaseSpan
	Marks  []Mark
	Series []*Series // host kind cpu_pct and mem_used_bytes, one per host
}

// PhaseSpan is one phase of one trial as it ran. A phase without its end
// event (the runner died in it) ends at the last thing seen and is Open.
type PhaseSpan struct {
	Trial, Phase string
	From, To     float64
	Open         bool
}

// Mark is a notable event on the timeline: a node lost or back, an
// error (a failed step), an interrupt, a sample gap.
type Mark struct {
	At      float64
	Type    string
	Host    string
	Trial   string
	Message string
}

// Stop says where an unfinished run stopped: the trial and phase it was
// in, the time of the last thing it recorded, and why, as far as the run
// directory tells.
type Stop struct {
	Trial, Phase string
	At           time.Time
	Why          string
}

// EventSummary counts events by type and keeps the notable ones.
type EventSummary struct {
	Counts  map[string]int
	Notable []results.Event // errors, node loss and return, interrupts, sample gaps
	// RepeatStops are an adaptive repeat's final decisions, one per
	// combination: how many repeats it took and why it stopped.
	RepeatStops []results.Event
}

// Aborted reports whether the runner died before finishing the run.
func (a *Aggregate) Aborted() bool { return a.Status == results.StatusAborted }

// Completed reports whether the run finished as planned.
func (a *Aggregate) Completed() bool { return a.Status == results.StatusCompleted }

// Combos groups the trials by Title: the repeats of one matrix point, in
// the order the combinations first appear.
func (a *Aggregate) Combos() [][]*Trial {
	var out [][]*Trial
	idx := map[string]int{}
	for _, t := range a.Trials {
		i, ok := idx[t.Title]
		if !ok {
			i = len(out)
			idx[t.Title] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], t)
	}
	return out
}

// trialTitle names a trial by its parameters, which is what tells the
// panels apart ("orchestrator.kind=swarm"). A spec without a matrix has
// one combination: its trials are repeats of it and share one title, so
// that they are summarised together like any matrix point's repeats.
func trialTitle(id string, params map[string]string) string {
	if len(params) == 0 {
		return "no parameters (no matrix)"
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

func lessKey(a, b SeriesKey) int {
	if c := strings.Compare(a.Host, b.Host); c != 0 {
		return c
	}
	if c := strings.Compare(kindOrder(a.Kind), kindOrder(b.Kind)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Label, b.Label); c != 0 {
		return c
	}
	return strings.Compare(a.Metric, b.Metric)
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
