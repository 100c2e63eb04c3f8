// Package results is the run directory: the one place where the runner
// writes and from which the report reads. It is written as the run goes —
// samples and events are appended line by line and flushed — so that a run
// cut short, even by kill -9, still leaves a directory the report can read.
//
// Layout of a run directory:
//
//	manifest.json       spec as run, trials, host facts, versions, start/end, status
//	events.jsonl        one JSON event per line: phases, errors, node loss, interrupts
//	samples/HOST.csv    trial,phase,seq,time_ms,kind,label,metric,value (one row per value)
//	spec.yaml           the spec file exactly as it was read
//	report/             rendered figures and tables (edgerig report)
package results

import (
	"time"
)

// Run statuses. A manifest still saying StatusRunning with no run-end event
// belongs to a runner that died; readers report it as aborted.
const (
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusAborted   = "aborted"
)

// File names inside a run directory.
const (
	ManifestFile = "manifest.json"
	EventsFile   = "events.jsonl"
	SamplesDir   = "samples"
	SpecFile     = "spec.yaml"
	ReportDir    = "report"
)

// Manifest describes a run.
type Manifest struct {
	Experiment  string            `json:"experiment"`
	Description string            `json:"description,omitempty"`
	SpecPath    string            `json:"spec_path"`
	Testbed     string            `json:"testbed"`
	Quick       bool              `json:"quick"`
	Tool        Tool              `json:"tool"`
	Trials      []Trial           `json:"trials"`
	Hosts       []HostFacts       `json:"hosts"`
	Reference   map[string]string `json:"reference,omitempty"` // the paper's figures to compare against
	// Requirements is what the experiment needs on each host and the
	// state the check before set-up found it in.
	Requirements []Requirement `json:"requirements,omitempty"`
	Start        time.Time     `json:"start"`
	End          time.Time     `json:"end,omitzero"`
	Status       string        `json:"status"`
	Error        string        `json:"error,omitempty"`
}

// Tool identifies the edgerig build that made the run.
type Tool struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// Trial is one point of the spec's matrix, one repetition.
type Trial struct {
	ID     string            `json:"id"`
	Params map[string]string `json:"params,omitempty"`
	Repeat int               `json:"repeat"`
	Phases []Phase           `json:"phases"`
}

// Phase is a planned phase of a trial, and once it ran, when it actually
// started and ended on the runner's clock (zero when it did not run).
type Phase struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration,omitempty"` // settle and measure: how long to sample
	Timeout  time.Duration `json:"timeout,omitempty"`  // setup and teardown: how long they may take
	Start    time.Time     `json:"start,omitzero"`
	End      time.Time     `json:"end,omitzero"`
}

// HostFacts is what the runner learned of a host before the run.
type HostFacts struct {
	Name          string            `json:"name"`
	Address       string            `json:"address,omitempty"`
	Roles         []string          `json:"roles,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	Arch          string            `json:"arch,omitempty"`  // uname -m
	Model         string            `json:"model,omitempty"` // /proc/device-tree/model or CPU model
	Kernel        string            `json:"kernel,omitempty"`
	OS            string            `json:"os,omitempty"`
	CgroupVersion int               `json:"cgroup_version,omitempty"`
	DockerVersion string            `json:"docker_version,omitempty"`
	CPUs          int               `json:"cpus,omitempty"`
	MemBytes      int64             `json:"mem_bytes,omitempty"`
	DiskBytes     int64             `json:"disk_bytes,omitempty"`
	ClockOffset   time.Duration     `json:"clock_offset_ns"` // host clock − runner clock
	ClockError    time.Duration     `json:"clock_error_ns"`  // the offset is within ±ClockError
	ProbeVersion  string            `json:"probe_version,omitempty"`
	// Accounting says what the host series measure: "host" (the whole
	// machine) or "node cgroup" (a container-testbed node's cgroup).
	Accounting string `json:"accounting,omitempty"`
}

// Requirement is one thing the experiment needs on a host (see package
// provision) and the state the run's check found it in.
type Requirement struct {
	Host        string `json:"host"`
	Requirement string `json:"requirement"`
	State       string `json:"state"` // ok, missing, failed (could not check), unreachable
	Found       string `json:"found,omitempty"`
	Error       string `json:"error,omitempty"`
}

// Event is one line of events.jsonl.
type Event struct {
	Time    time.Time      `json:"t"`
	Type    string         `json:"type"`
	Trial   string         `json:"trial,omitempty"`
	Phase   string         `json:"phase,omitempty"`
	Host    string         `json:"host,omitempty"`
	Message string         `json:"msg,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
}

// Event types.
const (
	EventRunStart   = "run-start"
	EventRunEnd     = "run-end"
	EventTrialStart = "trial-start"
	EventTrialEnd   = "trial-end"
	EventPhaseStart = "phase-start"
	EventPhaseEnd   = "phase-end"
	EventError      = "error"
	EventInterrupt  = "interrupt"
	EventNodeLost   = "node-lost"
	EventNodeBack   = "node-back"
	EventGap        = "sample-gap" // a probe's sequence skipped numbers that could not be fetched
	EventInfo       = "info"
	// EventClock is one measurement of a host's clock (at probe start, at
	// every trial's start and end, after a reconnect): Data holds
	// offset_ns (host − runner) and bound_ns (±).
	EventClock = "clock"
	// EventClockDrift warns that a host's offset moved by more than the
	// bounds of two measurements allow: Data holds drift_ns and limit_ns.
	EventClockDrift = "clock-drift"
	// EventContainer names a container the runner discovered on a host:
	// Data holds id (full ID), name, image, and service, pod, namespace
	// where known. The report labels container series with it.
	EventContainer = "container"
	// EventRepeats is an adaptive repeat's decision after a repeat of a
	// matrix combination: Message says it in words; Data holds metric,
	// values (one per repeat), rsd_pct, threshold_pct, repeats and stopped.
	EventRepeats = "repeats"
)

// Row is one value of one series at one tick, as stored in samples/HOST.csv.
type Row struct {
	Trial  string
	Phase  string
	Seq    uint64
	TimeMS int64 // on the runner's timeline: the probe's clock corrected by the host's offset
	Kind   string
	Label  string
	Metric string
	Value  float64
}

// SamplesHeader is the first line of every samples file.
var SamplesHeader = []string{"trial", "phase", "seq", "time_ms", "kind", "label", "metric", "value"}
