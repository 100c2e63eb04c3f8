// Package runner carries out a planned experiment: for every trial it runs
// the phases setup → settle → measure → teardown on the hosts of a testbed,
// while a probe on every host streams samples into the run directory.
//
// Teardown always runs — after a failed phase, and after SIGINT/SIGTERM
// (the caller cancels ctx) — and the run directory keeps every sample
// received; an interrupted run is marked aborted, a failed one failed.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/edgerig/edgerig/internal/version"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

// Config is everything one run needs. The CLI fills it; tests fill it
// with what they need.
type Config struct {
	Spec    *spec.Spec
	Testbed string
	Hosts   []inventory.Host
	// OutDir is the parent of run directories; each run makes a new
	// directory NAME-YYYYMMDD-HHMMSS-XXXX inside it (XXXX random).
	OutDir string
	Quick  bool
	// ProbesDir holds the probe builds, edgerig-probe-linux-ARCH.
	ProbesDir string
	// Progress receives human-readable progress lines (stderr).
	Progress io.Writer

	// Connect opens the transport to a host.
	Connect func(ctx context.Context, h inventory.Host) (transport.Transport, error)
	// Facts learns what a host is (arch above all: it picks the probe build).
	Facts func(ctx context.Context, t transport.Transport) (results.HostFacts, error)
	// Clock measures host clock − runner clock and its error bound; probe
	// is the placed probe's path on the host, for its `clock` mode.
	Clock func(ctx context.Context, t transport.Transport, probe string) (offset, bound time.Duration, err error)
	// Requirements, if set, is checked on every host before set-up.
	Requirements Requirements
	// Images makes the image of the word count's Swarm services; nil
	// refuses the word count under orchestrator swarm.
	Images ServiceImages

	// RemoteDir is where probes and their spools live on each host.
	RemoteDir string
	// ProgressEvery is how often a progress line is printed; 5 s when zero.
	ProgressEvery time.Duration

	// Created, when set, is called with the run directory as soon as it
	// exists (the CLI names it if the user abandons teardown).
	Created func(dir string)

	// testDriver, when set, replaces the orchestrator driver of every
	// trial: the lifecycle tests script a failing one.
	testDriver func() orchestrator.Driver
	// testMetric, when set, gives an adaptive repeat's metric of a trial
	// instead of the samples and step times: the stopping rule's tests
	// then do not depend on how long a sleep took on a busy machine.
	testMetric func(tr spec.Trial) (float64, bool)
}

// DefaultRemoteDir is where probes and their spools live on each host
// unless Config.RemoteDir says otherwise.
const DefaultRemoteDir = "/tmp/edgerig-agent"

// ErrInterrupted is returned (wrapped) when ctx was cancelled: the run
// directory is marked aborted.
var ErrInterrupted = errors.New("interrupted")

// run is the state of one run.
type run struct {
	cfg    Config
	w      *results.Writer
	tl     timeline
	hosts  []*hostConn
	trials []spec.Trial
	adapt  *adaptive // nil unless the spec's repeat is adaptive

	mu       sync.Mutex
	current  string // progress: "trial 1/2 (...) measure"
	phaseEnd time.Time
	phaseLen time.Duration
}

// Run carries out cfg.Spec and returns the run directory, which exists
// whenever Run got far enough to create it (also on error).
func Run(ctx context.Context, cfg Config) (string, error) {
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.RemoteDir == "" {
		cfg.RemoteDir = DefaultRemoteDir
	}
	if cfg.ProgressEvery == 0 {
		cfg.ProgressEvery = 5 * time.Second
	}
	r := &run{cfg: cfg, trials: cfg.Spec.Trials()}
	if err := r.check(); err != nil {
		return "", err
	}
	if u := cfg.Spec.Until; u != nil {
		r.adapt = newAdaptive(u)
	}
	dir, err := r.create()
	if err != nil {
		return "", err
	}
	err = r.execute(ctx)
	status, msg := results.StatusCompleted, ""
	switch {
	case errors.Is(err, ErrInterrupted):
		status, msg = results.StatusAborted, err.Error()
	case err != nil:
		status, msg = results.StatusFailed, err.Error()
	}
	_ = r.w.Event(results.Event{Type: results.EventRunEnd, Message: status})
	if cerr := r.w.Close(status, msg); cerr != nil && err == nil {
		err = cerr
	}
	r.printf("run %s: %s", status, dir)
	return dir, err
}

// Check refuses what this runner cannot do with cfg (an unsupported
// orchestrator or workload, a role no host has) without touching anything:
// `edgerig run --dry-run` calls it, and Run starts with it.
func Check(cfg Config) error {
	r := &run{cfg: cfg, trials: cfg.Spec.Trials()}
	return r.check()
}

// check refuses, before anything is touched, what this runner cannot do.
func (r *run) check() error {
	if len(r.cfg.Hosts) == 0 {
		return fmt.Errorf("testbed %q has no hosts", r.cfg.Testbed)
	}
	for _, tr := range r.trials {
		if err := sameProbe(r.cfg.Spec, tr); err != nil {
			return err
		}
		o := tr.Spec.Orchestrator
		switch o.Kind {
		case "none", "":
		case spec.KindSwarm, spec.KindKubernetes:
			if n := len(inventory.WithRole(r.cfg.Hosts, o.MasterRole)); n != 1 {
				return fmt.Errorf("trial %s: orchestrator %s needs exactly one host with role %q in testbed %q, found %d", tr.ID, o.Kind, o.MasterRole, r.cfg.Testbed, n)
			}
			if o.Kind == spec.KindKubernetes {
				if _, err := kubernetesDriver(o.Kubernetes, nil); err != nil {
					return fmt.Errorf("trial %s: orchestrator kubernetes: %w", tr.ID, err)
				}
			}
		default:
			return fmt.Errorf("trial %s: orchestrator %q is not supported by this runner (supported: none, swarm, kubernetes)", tr.ID, o.Kind)
		}
		if err := checkWorkload(tr, r.cfg.Hosts, r.cfg.Testbed); err != nil {
			return err
		}
		for i, st := range tr.Spec.Steps {
			found := false
			for _, role := range st.Roles {
				found = found || len(inventory.WithRole(r.cfg.Hosts, role)) > 0
			}
			if !found {
				return fmt.Errorf("steps[%d]: no host of testbed %q has any of the roles %v", i, r.cfg.Testbed, st.Roles)
			}
		}
	}
	return nil
}

func (r *run) create() (string, error) {
	s := r.cfg.Spec
	start := time.Now()
	// The name is the remote run's name too (probe spool and pidfile on
	// every host): a random part keeps two runs of one spec started in the
	// same second apart, also when their run directories have different
	// parents.
	base := filepath.Join(r.cfg.OutDir, s.Name+"-"+start.Format("20060102-150405"))
	m := results.Manifest{
		Experiment:  s.Name,
		Description: s.Description,
		SpecPath:    s.Path,
		Testbed:     r.cfg.Testbed,
		Quick:       r.cfg.Quick,
		Tool:        results.Tool{Version: version.String(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH},
		Reference:   s.Reference,
		Start:       start,
	}
	for _, tr := range r.trials {
		m.Trials = append(m.Trials, results.Trial{ID: tr.ID, Params: tr.Params, Repeat: tr.Repeat, Phases: r.plannedPhases(tr)})
	}
	for _, h := range r.cfg.Hosts {
		m.Hosts = append(m.Hosts, results.HostFacts{Name: h.Name, Address: h.Address, Roles: h.Roles, Labels: h.Labels})
	}
	var w *results.Writer
	var dir string
	for try := 0; ; try++ {
		dir = base + "-" + randomSuffix()
		var err error
		w, err = results.Create(dir, m, s.Source)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || try == 9 {
			return "", err
		}
	}
	r.w = w
	if r.cfg.Created != nil {
		r.cfg.Created(dir)
	}
	_ = w.Event(results.Event{Type: results.EventRunStart, Message: s.Name})
	r.printf("run directory %s", dir)
	return dir, nil
}

func (r *run) plannedPhases(tr spec.Trial) []results.Phase {
	p := tr.Spec.Phases
	return []results.Phase{
		{Name: "setup", Timeout: p.Setup.Timeout},
		{Name: "settle", Duration: p.Settle.Length(r.cfg.Quick)},
		{Name: "measure", Duration: p.Measure.Length(r.cfg.Quick)},
		{Name: "teardown", Timeout: p.Teardown.Timeout},
	}
}

// execute connects, places probes, runs every trial and always stops the
// probes and closes the connections it opened.
func (r *run) execute(ctx context.Context) (err error) {
	stopProgress := r.startProgress()
	defer stopProgress()
	defer r.closeHosts()
	if err := r.connect(ctx); err != nil {
		return r.interrupted(ctx, err)
	}
	if err := r.preflight(ctx); err != nil {
		return r.interrupted(ctx, err)
	}
	defer func() {
		if serr := r.stopProbes(ctx); serr != nil {
			err = errors.Join(err, serr)
		}
	}()
	if err := r.startProbes(ctx); err != nil {
		return r.interrupted(ctx, err)
	}
	// r.trials grows while it runs when the repeat is adaptive.
	for i := 0; i < len(r.trials); i++ {
		if err := r.trial(ctx, i, r.trials[i]); err != nil {
			return r.interrupted(ctx, err)
		}
		if r.adapt != nil {
			r.decideRepeat(i)
		}
	}
	return nil
}

// interrupted turns an error caused by cancellation into ErrInterrupted.
func (r *run) interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ErrInterrupted) {
		return fmt.Errorf("%w: %v", ErrInterrupted, err)
	}
	return err
}

func (r *run) printf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "edgerig: "+format+"\n", args...)
}

// randomSuffix is four hex digits from crypto/rand.
func randomSuffix() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sameProbe refuses a trial whose probe settings differ from the run's.
// The probe is started once per run and samples across every trial, so a
// matrix over probe.interval or probe.containers would label samples with
// settings they were not taken with. Refusing is chosen over restarting
// the probe per trial: a restart would break the one sequence a run's
// spool and resume logic rely on, and a spec per probe setting gives the
// same comparison with no mislabelled sample.
func sameProbe(s *spec.Spec, tr spec.Trial) error {
	run, p := s.Probe, tr.Spec.Probe
	if p.Interval != run.Interval || p.Containers != run.Containers {
		return fmt.Errorf("trial %s: the matrix varies the probe (probe.interval %s, probe.containers %v; the run's probe: %s, %v): the probe runs once for the whole run, so its samples would be labelled with settings they were not taken with; write one spec per probe setting instead", tr.ID, p.Interval, p.Containers, run.Interval, run.Containers)
	}
	return nil
}
