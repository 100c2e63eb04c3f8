package report

import (
	"path/filepath"
	"slices"
	"time"

	"github.com/edgerig/edgerig/results"
)

// Summary is what a report computed from a run: enough for RESULTS.md and
// for comparing runs without reading the run directory again.
type Summary struct {
	Experiment  string
	Description string
	RunDir      string
	Testbed     string
	Status      string // completed, failed or aborted (a runner that died)
	Error       string
	Start, End  time.Time
	Tool        results.Tool
	Hosts       []results.HostFacts
	Reference   map[string]string // the paper's figures, from the spec
	Trials      []TrialSummary
	Events      EventSummary
	Warnings    []string // what reading the run directory skipped
	Rows        int      // sample rows read, all phases
	Files       []string // the files written into the report directory
}

// TrialSummary is one trial's measure phase.
type TrialSummary struct {
	ID       string
	Title    string // its parameters, "orchestrator.kind=swarm"
	Params   map[string]string
	Start    time.Time
	Seconds  float64 // length of the measure phase
	Complete bool    // the runner finished the trial
	Stats    []Stat
}

// Stat finds the statistics of one series of the trial.
func (t TrialSummary) Stat(host, kind, label, metric string) (Stat, bool) {
	for _, s := range t.Stats {
		if s.Host == host && s.Kind == kind && s.Label == label && s.Metric == metric {
			return s, true
		}
	}
	return Stat{}, false
}

// Hosts lists the hosts that have samples in the trial, sorted.
func (t TrialSummary) Hosts() []string {
	var out []string
	for _, s := range t.Stats {
		if !slices.Contains(out, s.Host) {
			out = append(out, s.Host)
		}
	}
	slices.Sort(out)
	return out
}

// EventSummary counts events by type and keeps the notable ones.
type EventSummary struct {
	Counts  map[string]int
	Notable []results.Event // errors, node loss and return, interrupts, sample gaps
}

// notable are the event types a reader must see one by one.
var notable = map[string]bool{
	results.EventError: true, results.EventNodeLost: true, results.EventNodeBack: true,
	results.EventInterrupt: true, results.EventGap: true,
}

// summarize computes the Summary of run from its trials' data.
func summarize(run *results.Run, data []*trialData) *Summary {
	m := run.Manifest
	s := &Summary{
		Experiment: m.Experiment, Description: m.Description, RunDir: run.Dir,
		Testbed: m.Testbed, Status: m.Status, Error: m.Error, Start: m.Start, End: m.End,
		Tool: m.Tool, Hosts: m.Hosts, Reference: m.Reference,
		Warnings: slices.Clone(run.Warnings),
		Events:   EventSummary{Counts: map[string]int{}},
	}
	if s.RunDir != "" {
		if abs, err := filepath.Abs(s.RunDir); err == nil {
			s.RunDir = abs
		}
	}
	for _, rows := range run.Samples {
		s.Rows += len(rows)
	}
	names := containerNames(run.Events)
	for _, td := range data {
		ts := TrialSummary{ID: td.ID, Title: td.Title, Params: td.Params, Start: td.Start,
			Seconds: td.Seconds(), Complete: td.Complete}
		for _, sr := range td.sorted() {
			st := Stat{Trial: td.ID, Host: sr.Key.Host, Kind: sr.Key.Kind, Label: sr.Key.Label,
				Name: displayName(names, sr.Key), Metric: sr.Key.Metric}
			st.N, st.Mean, st.P50, st.P95, st.Max = describe(sr.V)
			if st.N > 0 {
				ts.Stats = append(ts.Stats, st)
			}
		}
		s.Trials = append(s.Trials, ts)
	}
	for _, e := range run.Events {
		s.Events.Counts[e.Type]++
		if notable[e.Type] {
			s.Events.Notable = append(s.Events.Notable, e)
		}
	}
	return s
}

// Aborted reports whether the runner died before finishing the run.
func (s *Summary) Aborted() bool { return s.Status == results.StatusAborted }
