package spec

import (
	"maps"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
	"github.com/edgerig/edgerig/probes"
)

// Error is one problem in a spec file; Errors is every problem of a file.
// They are shared with package inventory (see internal/yamlpos).
type (
	Error  = yamlpos.Error
	Errors = yamlpos.Errors
)

// Orchestrator kinds.
const (
	KindNone       = "none"
	KindSwarm      = "swarm"
	KindKubernetes = "kubernetes"
)

// Phase names, in the order the runner goes through them.
const (
	PhaseSetup    = "setup"
	PhaseSettle   = "settle"
	PhaseMeasure  = "measure"
	PhaseTeardown = "teardown"
)

// PhaseNames lists the phases in order.
var PhaseNames = []string{PhaseSetup, PhaseSettle, PhaseMeasure, PhaseTeardown}

// WorkloadWordCount is the Scolati et al. word-count workload.
const WorkloadWordCount = "wordcount"

// Spec is one experiment, as written in experiments/*.yaml, with every
// default filled in. See the package documentation for the schema.
type Spec struct {
	Name         string
	Description  string
	Reference    map[string]string
	Testbed      string      // an inventory testbed's name
	NewTestbed   *NewTestbed // or a testbed the run makes (then Testbed is "")
	Repeat       int         // fixed count; with Until, its Min
	Until        *Until      // adaptive repeat; nil for a fixed count
	Matrix       []Axis
	Orchestrator Orchestrator
	Phases       Phases
	Probe        Probe
	Steps        []Step
	Workload     *Workload
	Provision    Provision

	Path   string // the file it was read from, as given to Load or Parse
	Source []byte // the file's bytes, kept so a run can record the spec as run

	// matrixNodes holds each axis's value nodes, validated by Parse, so
	// that Trials can apply them with the same decoders without failing.
	matrixNodes [][]valueNode
	// origins says where each role reference in effect was written, so
	// that CheckRoles can point at it.
	origins map[string]origin
}

// origin is where a value was written: its position and display path.
type origin struct {
	line, col int
	path      string
}

// note records where the value of field key came from.
func (s *Spec) note(key string, line, col int, path string) {
	if s.origins == nil {
		s.origins = map[string]origin{}
	}
	s.origins[key] = origin{line, col, path}
}

// Axis is one matrix key (a dotted path such as "orchestrator.kind") and
// its values in the order written.
type Axis struct {
	Key    string
	Values []string
}

// Orchestrator says which cluster manager the trial sets up, and on which
// roles of the inventory its master and workers are.
type Orchestrator struct {
	Kind       string
	MasterRole string
	WorkerRole string
	Kubernetes Kubernetes // used when Kind is kubernetes
}

// Phases holds the four phases' timings.
type Phases struct {
	Setup, Settle, Measure, Teardown Phase
}

// Phase is one phase's timing: Duration and Quick apply to settle and
// measure (how long they last, normally and under --quick); Timeout
// applies to setup and teardown (how long they may take at most).
type Phase struct {
	Duration, Quick, Timeout time.Duration

	quickSet bool // Quick was written, so it is not derived from Duration
}

// Length is how long a settle or measure phase lasts, under --quick or not.
// A quick length never exceeds the full one.
func (p Phase) Length(quick bool) time.Duration {
	if quick && p.Quick > 0 && p.Quick < p.Duration {
		return p.Quick
	}
	return p.Duration
}

// Probe says how the probes sample, and on which hosts.
type Probe struct {
	Interval   time.Duration
	Containers bool
	Daemons    []string
	Roles      []string // empty: every host of the testbed
}

// Step is a plain command run on every host with one of Roles, during
// Phase. Run is an argv list, never a shell string.
type Step struct {
	Name        string
	Phase       string
	Roles       []string
	Run         []string
	Timeout     time.Duration
	IgnoreError bool

	rolesAt origin // where Roles was written, for CheckRoles
}

// Workload is the word-count workload of Scolati et al.: collectors submit
// Files files of FileSize each at Rate into HDFS, a Spark streaming job on
// the driver counts their words, polling every PollInterval.
type Workload struct {
	Kind           string
	FileSize       Size
	Rate           Rate
	Files          int
	CollectorsRole string
	DriverRole     string
	PollInterval   time.Duration
	ExecutorMemory Size
	// SparkCPUQuota, when above zero, runs every Spark process (master,
	// workers, executors, the job) of a host in one cgroup limited to this
	// many cores: how a batch is made slower than the interval on a fast
	// machine, to show the delay growing as it did on the paper's boards.
	SparkCPUQuota float64
}

// Default quick lengths of settle and measure (each capped by Duration).
const (
	defaultSettleQuick  = 2 * time.Second
	defaultMeasureQuick = 10 * time.Second
)

// defaults returns a Spec with every default of the schema.
func defaults() *Spec {
	return &Spec{
		Repeat: 1,
		Orchestrator: Orchestrator{Kind: KindNone, MasterRole: "master", WorkerRole: "worker",
			Kubernetes: Kubernetes{Install: InstallBinaries, Version: DefaultKubernetesVersion}},
		Phases: Phases{
			Setup:    Phase{Timeout: 5 * time.Minute},
			Settle:   Phase{Duration: 10 * time.Second},
			Measure:  Phase{Duration: 60 * time.Second},
			Teardown: Phase{Timeout: 5 * time.Minute},
		},
		Probe: Probe{
			Interval:   time.Second,
			Containers: true,
			Daemons:    slices.Clone(probes.DefaultDaemons),
			Roles:      []string{},
		},
	}
}

func defaultWorkload() *Workload {
	return &Workload{
		FileSize:       532,
		Rate:           1,
		Files:          120,
		CollectorsRole: "collector",
		DriverRole:     "spark-driver",
		PollInterval:   time.Second,
		ExecutorMemory: 500 * 1000 * 1000,
	}
}

// finish derives the values that depend on others (the quick lengths), so
// that a matrix changing a duration also changes its default quick length.
func (s *Spec) finish() {
	if !s.Phases.Settle.quickSet {
		s.Phases.Settle.Quick = min(s.Phases.Settle.Duration, defaultSettleQuick)
	}
	if !s.Phases.Measure.quickSet {
		s.Phases.Measure.Quick = min(s.Phases.Measure.Duration, defaultMeasureQuick)
	}
}

// Clone returns a deep copy (Source is shared: it is never modified).
func (s *Spec) Clone() *Spec {
	c := *s
	c.Reference = maps.Clone(s.Reference)
	if s.Until != nil {
		u := *s.Until
		c.Until = &u
	}
	c.origins = maps.Clone(s.origins)
	c.Matrix = make([]Axis, len(s.Matrix))
	for i, a := range s.Matrix {
		c.Matrix[i] = Axis{Key: a.Key, Values: slices.Clone(a.Values)}
	}
	if s.Matrix == nil {
		c.Matrix = nil
	}
	c.Probe.Daemons = slices.Clone(s.Probe.Daemons)
	c.Probe.Roles = slices.Clone(s.Probe.Roles)
	if s.Steps != nil {
		c.Steps = make([]Step, len(s.Steps))
		for i, st := range s.Steps {
			st.Roles = slices.Clone(st.Roles)
			st.Run = slices.Clone(st.Run)
			c.Steps[i] = st
		}
	}
	c.Provision = s.Provision.clone()
	if s.NewTestbed != nil {
		tb := *s.NewTestbed
		tb.As = slices.Clone(tb.As)
		c.NewTestbed = &tb
	}
	if s.Workload != nil {
		w := *s.Workload
		c.Workload = &w
	}
	return &c
}

// node gives an origin's position in the form Checker.Errorf takes.
func (o origin) node() *yaml.Node {
	if o.line == 0 {
		return nil
	}
	return &yaml.Node{Line: o.line, Column: o.col}
}
