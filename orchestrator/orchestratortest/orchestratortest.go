// Package orchestratortest is the conformance suite every orchestrator
// driver passes: set up, ready, list and tear down on a real cluster, and
// the unhappy paths the runner relies on (a teardown after a cancelled
// set-up removes what it made, a set-up after an interrupted run cleans up
// first, teardown is idempotent, Ready honours its context).
//
// The suite shares one cluster between its checks, in order; it needs a
// cluster in which the driver may create and remove freely.
package orchestratortest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
)

// Options adapt the suite to a driver; Run takes them as Option values
// (WithClean is required).
type Options struct {
	// Clean reports what a driver left on the cluster's nodes (nil when
	// nothing): the suite calls it after every teardown. Required: it is
	// how the suite sees a teardown that removed too little.
	Clean func(ctx context.Context, c orchestrator.Cluster) error
	// Deploy, when set, starts something on the ready cluster before List
	// is checked: an idle swarm runs no task, an idle Kubernetes does.
	Deploy func(ctx context.Context, c orchestrator.Cluster) error
	// Timeout bounds each Setup+Ready and each Teardown; 5 minutes when zero.
	Timeout time.Duration
	// CancelBound is how soon Ready must return once its context is
	// cancelled; 10 s when zero.
	CancelBound time.Duration
	// ListWait is how long List may take to report the first workload
	// once Ready (and Deploy) returned; 1 minute when zero.
	ListWait time.Duration
}

// T is the part of *testing.T the checks use, so that the suite's own
// tests can watch it fail.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
	Logf(format string, args ...any)
}

// Option sets one of the Options.
type Option func(*Options)

// WithClean sets Options.Clean: how the suite sees what a teardown left.
func WithClean(f func(ctx context.Context, c orchestrator.Cluster) error) Option {
	return func(o *Options) { o.Clean = f }
}

// WithDeploy sets Options.Deploy.
func WithDeploy(f func(ctx context.Context, c orchestrator.Cluster) error) Option {
	return func(o *Options) { o.Deploy = f }
}

// WithTimeout sets Options.Timeout.
func WithTimeout(d time.Duration) Option { return func(o *Options) { o.Timeout = d } }

// Run runs every check of the suite on cluster, each as a subtest, with a
// new driver from newDriver wherever a run would make one.
func Run(t *testing.T, newDriver func() orchestrator.Driver, cluster orchestrator.Cluster, opts ...Option) {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	s := &suite{newDriver: newDriver, c: cluster, o: o.withDefaults()}
	if s.o.Clean == nil {
		t.Fatal("orchestratortest: pass orchestratortest.WithClean(...): a check of the nodes that reports what a teardown left on them (processes, state, markers); without it a teardown that removes too little passes")
	}
	checks := []struct {
		name string
		fn   func(T)
	}{
		{"Lifecycle", s.Lifecycle},
		{"TeardownUnused", s.TeardownUnused},
		{"ReadyHonoursCancel", s.ReadyHonoursCancel},
		{"TeardownAfterCancelledSetup", s.TeardownAfterCancelledSetup},
		{"SetupAfterInterruptedSetup", s.SetupAfterInterruptedSetup},
		{"SetupAfterInterruptedRun", s.SetupAfterInterruptedRun},
	}
	for _, c := range checks {
		if !t.Run(c.name, func(t *testing.T) { c.fn(t) }) && c.name == "Lifecycle" {
			t.Fatal("orchestratortest: the plain lifecycle fails: the other checks would only repeat it")
		}
	}
}

func (o Options) withDefaults() Options {
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.CancelBound == 0 {
		o.CancelBound = 10 * time.Second
	}
	if o.ListWait == 0 {
		o.ListWait = time.Minute
	}
	return o
}

type suite struct {
	newDriver func() orchestrator.Driver
	c         orchestrator.Cluster
	o         Options
	// setupTook is how long the plain Setup took: the cancelled set-ups
	// are cut at half of it, i.e. midway.
	setupTook time.Duration
}

// Lifecycle: Setup, Ready, List (non-empty, every workload on a node of
// the cluster and named), Teardown twice, and nothing left.
func (s *suite) Lifecycle(t T) {
	t.Helper()
	d := s.newDriver()
	defer s.bestEffortTeardown(d)
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	start := time.Now()
	if err := d.Setup(ctx, s.c); err != nil {
		t.Errorf("Setup: %v", err)
		t.FailNow()
	}
	s.setupTook = time.Since(start)
	if err := d.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
		t.FailNow()
	}
	t.Logf("set up and ready in %.1fs (Setup %.1fs)", time.Since(start).Seconds(), s.setupTook.Seconds())
	if s.o.Deploy != nil {
		if err := s.o.Deploy(ctx, s.c); err != nil {
			t.Errorf("Deploy (the suite's caller): %v", err)
			t.FailNow()
		}
	}
	s.checkList(t, ctx, d)
	s.teardown(t, d, "Teardown")
	s.teardown(t, d, "a second Teardown")
}

// checkList waits (bounded by ctx) for List to report workloads, then
// checks each names a node of the cluster.
func (s *suite) checkList(t T, ctx context.Context, d orchestrator.Driver) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, s.o.ListWait)
	defer cancel()
	var names []string
	for _, n := range s.c.Nodes() {
		names = append(names, n.Name)
	}
	var ws []orchestrator.Workload
	var err error
	for {
		ws, err = d.List(ctx)
		if err == nil && len(ws) > 0 || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err != nil {
		t.Errorf("List: %v", err)
		return
	}
	if len(ws) == 0 {
		t.Errorf("List: nothing runs on the ready cluster")
	}
	for _, w := range ws {
		if !slices.Contains(names, w.Node) {
			t.Errorf("List: workload %q is on node %q, not a node of the cluster %v", w.Name, w.Node, names)
		}
		if w.Name == "" || w.State == "" {
			t.Errorf("List: workload without a name or state: %+v", w)
		}
	}
	t.Logf("List: %d workload(s)", len(ws))
}

// TeardownUnused: a driver never set up tears down nothing, without error.
func (s *suite) TeardownUnused(t T) {
	t.Helper()
	s.teardown(t, s.newDriver(), "Teardown of a driver never set up")
}

// ReadyHonoursCancel: Ready returns promptly with the context's error once
// its context is cancelled.
func (s *suite) ReadyHonoursCancel(t T) {
	t.Helper()
	d := s.newDriver()
	defer s.bestEffortTeardown(d)
	s.mustSetup(t, d)
	rctx, rcancel := context.WithCancel(context.Background())
	rcancel()
	done := make(chan error, 1)
	go func() { done <- d.Ready(rctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Ready with a cancelled context: got %v, want an error wrapping context.Canceled", err)
		}
	case <-time.After(s.o.CancelBound):
		t.Errorf("Ready with a cancelled context did not return within %s", s.o.CancelBound)
	}
	s.teardown(t, d, "Teardown")
}

// TeardownAfterCancelledSetup: a Setup cancelled before it starts, and one
// cancelled midway, are both undone by Teardown.
func (s *suite) TeardownAfterCancelledSetup(t T) {
	t.Helper()
	for _, cut := range []time.Duration{0, s.midway()} {
		d := s.newDriver()
		err := s.cancelledSetup(d, cut)
		t.Logf("Setup cancelled after %s: %v", cut, err)
		s.teardown(t, d, "Teardown after a Setup cancelled after "+cut.String())
	}
}

// SetupAfterInterruptedSetup: a run killed midway through Setup (no
// Teardown ever runs) does not stop the next run's Setup, which cleans up.
func (s *suite) SetupAfterInterruptedSetup(t T) {
	t.Helper()
	_ = s.cancelledSetup(s.newDriver(), s.midway())
	s.freshRun(t)
}

// SetupAfterInterruptedRun: a run killed after its Setup completed (no
// Teardown) does not stop the next run's Setup.
func (s *suite) SetupAfterInterruptedRun(t T) {
	t.Helper()
	s.mustSetup(t, s.newDriver())
	s.freshRun(t)
}

// mustSetup sets d up within the suite's timeout, or fails the test now.
func (s *suite) mustSetup(t T, d orchestrator.Driver) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	if err := d.Setup(ctx, s.c); err != nil {
		t.Errorf("Setup: %v", err)
		t.FailNow()
	}
}

// freshRun sets up a new driver, waits for it and tears it down.
func (s *suite) freshRun(t T) {
	t.Helper()
	d := s.newDriver()
	defer s.bestEffortTeardown(d)
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	if err := d.Setup(ctx, s.c); err != nil {
		t.Errorf("Setup after an interrupted run: %v", err)
	} else if err := d.Ready(ctx); err != nil {
		t.Errorf("Ready after an interrupted run: %v", err)
	}
	s.teardown(t, d, "Teardown")
}

func (s *suite) midway() time.Duration {
	if s.setupTook == 0 {
		return 100 * time.Millisecond
	}
	return s.setupTook / 2
}

func (s *suite) cancelledSetup(d orchestrator.Driver, after time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	if after == 0 {
		cancel()
	} else {
		time.AfterFunc(after, cancel)
	}
	return d.Setup(ctx, s.c)
}

// teardown tears d down and checks with Clean that nothing is left.
func (s *suite) teardown(t T, d orchestrator.Driver, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	if err := d.Teardown(ctx); err != nil {
		t.Errorf("%s: %v", what, err)
	}
	if err := s.o.Clean(ctx, s.c); err != nil {
		t.Errorf("after %s: left on the cluster: %v", what, err)
	}
}

func (s *suite) bestEffortTeardown(d orchestrator.Driver) {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	_ = d.Teardown(ctx)
}
