package runner

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/results"
)

const lifecycleSpec = `name: life
phases: {settle: {duration: 100ms}, measure: {duration: 500ms}, teardown: {timeout: 5s}}
probe: {interval: 100ms, containers: false}
steps:
  - {name: prepare, phase: setup, roles: [master], run: [prepare]}
  - {name: clean-master, phase: teardown, roles: [master], run: [clean-master], timeout: 1s}
  - {name: clean-worker, phase: teardown, roles: [worker], run: [clean-worker]}
`

func infoMessages(r *results.Run) map[string]int {
	m := map[string]int{}
	for _, e := range r.Events {
		if e.Type == results.EventInfo {
			m[e.Host+":"+e.Message]++
		}
	}
	return m
}

// The lifecycle suite: the runner driven through unhappy paths by a fake
// transport. Each case checks the run's status, its events, that every
// sample a probe made is kept, and that nothing is left running.

func TestLifecycleHappyPath(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status)
	b.requireAllSamples(t, r)
	require.NotEmpty(t, r.Samples["n1"])
}

func TestLifecycleProbeStartFailsOnOneHost(t *testing.T) {
	for _, word := range []string{"daemon", "clock", "mkdir"} {
		t.Run(word, func(t *testing.T) {
			b := newFakeBed(t, lifecycleSpec, "n1", "n2")
			b.hosts["n2"].failOn(word)
			r, err := b.run(t, context.Background())
			require.ErrorContains(t, err, "n2")
			require.Equal(t, results.StatusFailed, r.Manifest.Status)
			require.Contains(t, r.Manifest.Error, "scripted failure")
			b.requireAllSamples(t, r)
		})
	}
}

func TestLifecycleInterruptDuringProbeStart(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	hanging := b.hosts["n2"].hangOn("clock")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-hanging; cancel() }()
	r, err := b.run(t, ctx)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Equal(t, results.StatusAborted, r.Manifest.Status)
	b.requireAllSamples(t, r)
}

func TestLifecycleInterruptDuringSetup(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	hanging := b.hosts["n1"].hangOn("prepare")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-hanging; cancel() }()
	r, err := b.run(t, ctx)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Equal(t, results.StatusAborted, r.Manifest.Status)
	require.NotEmpty(t, eventTypes(r, results.EventInterrupt))
	info := infoMessages(r)
	require.Equal(t, 1, info["n1:step clean-master"], "teardown ran after the interrupt")
	require.Equal(t, 1, info["n2:step clean-worker"])
	b.requireAllSamples(t, r)
}

func TestLifecycleInterruptDuringMeasure(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(400*time.Millisecond, cancel)
	r, err := b.run(t, ctx)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Equal(t, results.StatusAborted, r.Manifest.Status)
	require.Equal(t, 1, infoMessages(r)["n2:step clean-worker"])
	b.requireAllSamples(t, r)
}

// An interrupt during teardown does not cut it short (a second Ctrl-C in
// the CLI abandons it): a hanging step ends at its timeout and the later
// teardown steps still run.
func TestLifecycleInterruptDuringTeardown(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	hanging := b.hosts["n1"].hangOn("clean-master")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-hanging; cancel() }()
	r, err := b.run(t, ctx)
	require.ErrorIs(t, err, ErrInterrupted)
	require.ErrorContains(t, err, "step clean-master on n1")
	require.Equal(t, results.StatusAborted, r.Manifest.Status)
	require.Equal(t, 1, infoMessages(r)["n2:step clean-worker"])
	b.requireAllSamples(t, r)
}

// A failing teardown step group does not stop the later ones, and every
// error is reported.
func TestLifecycleTeardownRunsEveryStep(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	b.hosts["n1"].failOn("clean-master")
	r, err := b.run(t, context.Background())
	require.ErrorContains(t, err, "step clean-master on n1")
	require.Equal(t, results.StatusFailed, r.Manifest.Status)
	require.Equal(t, 1, infoMessages(r)["n2:step clean-worker"], "the later teardown step ran")
	b.requireAllSamples(t, r)
}

// A driver whose teardown fails still lets the spec's teardown steps run.
func TestLifecycleDriverTeardownFails(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	boom := errors.New("driver teardown: scripted failure")
	b.cfg.testDriver = func() orchestrator.Driver { return failingDriver{boom} }
	res, err := b.run(t, context.Background())
	require.ErrorIs(t, err, boom)
	require.Equal(t, results.StatusFailed, res.Manifest.Status)
	info := infoMessages(res)
	require.Equal(t, 1, info["n1:step clean-master"])
	require.Equal(t, 1, info["n2:step clean-worker"])
	b.requireAllSamples(t, res)
}

type failingDriver struct{ err error }

func (failingDriver) Setup(context.Context, orchestrator.Cluster) error { return nil }
func (failingDriver) Ready(context.Context) error                       { return nil }
func (d failingDriver) Teardown(context.Context) error                  { return d.err }
func (failingDriver) List(context.Context) ([]orchestrator.Workload, error) {
	return nil, nil
}

func TestLifecycleStreamCutAndResumed(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2")
	b.hosts["n2"].cutAfter = 2
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	require.Len(t, eventTypes(r, results.EventNodeLost), 1)
	require.Len(t, eventTypes(r, results.EventNodeBack), 1)
	require.Empty(t, eventTypes(r, results.EventGap))
	b.requireAllSamples(t, r)
}

// Two runs of one spec started in the same second get different run
// directories and so different remote spool names, also under different
// parents.
func TestRunNamesUnique(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1")
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		cfg := b.cfg
		cfg.Progress = io.Discard
		if i%2 == 1 {
			cfg.OutDir = t.TempDir()
		}
		r := &run{cfg: cfg, trials: cfg.Spec.Trials()}
		dir, err := r.create()
		require.NoError(t, err)
		require.NoError(t, r.w.Close(results.StatusCompleted, ""))
		require.False(t, seen[filepath.Base(dir)], "run name %s used twice", filepath.Base(dir))
		seen[filepath.Base(dir)] = true
	}
}

// A step in the measure phase that runs longer than the window is cut at
// its end and fails the trial; the window is not lengthened, and the
// manifest records each phase's actual start and end.
func TestLifecycleMeasureWindowNotLengthened(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec+`  - {name: long, phase: measure, roles: [master], run: [long], timeout: 1m}
`, "n1", "n2")
	b.hosts["n1"].hangOn("long")
	r, err := b.run(t, context.Background())
	require.ErrorContains(t, err, "did not finish within its 500ms window")
	require.Equal(t, results.StatusFailed, r.Manifest.Status)
	ph := r.Manifest.Trials[0].Phases
	require.Equal(t, "measure", ph[2].Name)
	require.False(t, ph[2].Start.IsZero())
	took := ph[2].End.Sub(ph[2].Start)
	require.GreaterOrEqual(t, took, 500*time.Millisecond)
	require.Less(t, took, 800*time.Millisecond, "the window is not lengthened by its step")
	for _, p := range ph {
		require.False(t, p.End.Before(p.Start), "%+v", p)
		require.False(t, p.Start.IsZero(), "every phase ran and was recorded: %+v", p)
	}
	b.requireAllSamples(t, r)
}

// scriptedDriver records the calls the runner makes; Ready blocks until its
// context ends when hangReady is set.
type scriptedDriver struct {
	mu        sync.Mutex
	calls     []string
	cluster   orchestrator.Cluster
	hangReady bool
}

func (d *scriptedDriver) call(c string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, c)
}

func (d *scriptedDriver) Setup(_ context.Context, c orchestrator.Cluster) error {
	d.call("setup")
	d.cluster = c
	return nil
}

func (d *scriptedDriver) Ready(ctx context.Context) error {
	d.call("ready")
	if d.hangReady {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (d *scriptedDriver) Teardown(context.Context) error { d.call("teardown"); return nil }

func (d *scriptedDriver) List(context.Context) ([]orchestrator.Workload, error) {
	d.call("list")
	return []orchestrator.Workload{{Node: "n2", Namespace: "kube-system", Name: "coredns-7d9c", State: "Running", Containers: []string{"abc123"}}}, nil
}

// The runner sets the orchestrator up on the cluster its roles make, waits
// for it, records what runs on it (container events labelled with the pod
// and namespace), and tears it down.
func TestLifecycleOrchestratorCalls(t *testing.T) {
	b := newFakeBed(t, lifecycleSpec, "n1", "n2", "n3")
	d := &scriptedDriver{}
	b.cfg.testDriver = func() orchestrator.Driver { return d }
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"setup", "ready", "list", "list", "teardown"}, d.calls)
	require.Equal(t, "n1", d.cluster.Master.Name)
	require.Len(t, d.cluster.Workers, 2)
	var found bool
	for _, e := range eventTypes(r, results.EventContainer) {
		if e.Data["id"] == "abc123" && e.Host == "n2" {
			found = true
			require.Equal(t, "coredns-7d9c", e.Data["pod"])
			require.Equal(t, "kube-system", e.Data["namespace"])
		}
	}
	require.True(t, found, "the pod's container is recorded")
}

// Ready is bounded by the set-up phase's timeout; teardown still runs.
func TestLifecycleReadyBoundedBySetupTimeout(t *testing.T) {
	b := newFakeBed(t, strings.Replace(lifecycleSpec, "phases: {", "phases: {setup: {timeout: 300ms}, ", 1), "n1", "n2")
	d := &scriptedDriver{hangReady: true}
	b.cfg.testDriver = func() orchestrator.Driver { return d }
	r, err := b.run(t, context.Background())
	require.ErrorContains(t, err, "phase setup exceeded its timeout of 300ms")
	require.Equal(t, results.StatusFailed, r.Manifest.Status)
	require.Equal(t, "teardown", d.calls[len(d.calls)-1])
	require.NotContains(t, d.calls[:len(d.calls)-1], "teardown")
}
