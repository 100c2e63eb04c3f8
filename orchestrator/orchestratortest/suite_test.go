package orchestratortest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
)

// fakeNodes is the state a fake orchestrator keeps on its nodes: which are
// in a cluster, and which carry the driver's marker. It outlives a driver,
// as a node's state outlives a killed run.
type fakeNodes struct {
	mu     sync.Mutex
	joined map[string]bool
	marked map[string]bool
}

func newFakeNodes() *fakeNodes {
	return &fakeNodes{joined: map[string]bool{}, marked: map[string]bool{}}
}

func (f *fakeNodes) clean(context.Context, orchestrator.Cluster) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var left []string
	for n, j := range f.joined {
		if j {
			left = append(left, n+" joined")
		}
	}
	for n, m := range f.marked {
		if m {
			left = append(left, n+" marked")
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("%s", strings.Join(left, ", "))
	}
	return nil
}

// fakeDriver is a hand-written driver over fakeNodes; bug names the one
// fault it has ("" for none), each a fault the suite must catch.
type fakeDriver struct {
	st       *fakeNodes
	bug      string
	nodes    []string
	recorded []string
	torn     int
}

func (d *fakeDriver) Setup(ctx context.Context, c orchestrator.Cluster) error {
	for _, n := range c.Nodes() {
		d.nodes = append(d.nodes, n.Name)
	}
	d.st.mu.Lock()
	for _, n := range d.nodes {
		if !d.st.joined[n] && !d.st.marked[n] {
			continue
		}
		if d.bug == "no-clean-up-first" && d.st.joined[n] {
			d.st.mu.Unlock()
			return fmt.Errorf("%s is already in a cluster", n)
		}
		d.st.joined[n], d.st.marked[n] = false, false
	}
	d.st.mu.Unlock()
	var late []string
	for _, n := range d.nodes {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if d.bug == "records-late" {
			late = append(late, n)
		} else {
			d.recorded = append(d.recorded, n)
		}
		d.st.mu.Lock()
		d.st.marked[n], d.st.joined[n] = true, true
		d.st.mu.Unlock()
	}
	d.recorded = append(d.recorded, late...)
	return nil
}

func (d *fakeDriver) Ready(ctx context.Context) error {
	if d.bug == "ready-ignores-ctx" {
		time.Sleep(300 * time.Millisecond)
		return nil
	}
	return ctx.Err()
}

func (d *fakeDriver) Teardown(context.Context) error {
	d.torn++
	if d.bug == "teardown-not-idempotent" && d.torn > 1 {
		return errors.New("already torn down")
	}
	if d.bug == "teardown-before-setup-fails" && len(d.nodes) == 0 {
		return errors.New("not set up")
	}
	rec := d.recorded
	if d.bug == "teardown-leaks" && len(rec) > 0 {
		rec = rec[:len(rec)-1]
	}
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	for _, n := range rec {
		d.st.joined[n], d.st.marked[n] = false, false
	}
	d.recorded = nil
	return nil
}

func (d *fakeDriver) List(context.Context) ([]orchestrator.Workload, error) {
	switch d.bug {
	case "list-empty":
		return nil, nil
	case "list-unnamed-node":
		return []orchestrator.Workload{{Name: "pod", State: "Running"}}, nil
	}
	var ws []orchestrator.Workload
	for _, n := range d.nodes {
		ws = append(ws, orchestrator.Workload{Node: n, Name: "agent-" + n, State: "running"})
	}
	return ws, nil
}

// recorder is a T that keeps failures instead of failing the test.
type recorder struct {
	errs []string
}

type failNow struct{}

func (r *recorder) Helper()                      {}
func (r *recorder) Logf(string, ...any)          {}
func (r *recorder) Errorf(f string, args ...any) { r.errs = append(r.errs, fmt.Sprintf(f, args...)) }
func (r *recorder) FailNow()                     { panic(failNow{}) }
func (r *recorder) run(fn func(T)) (failed bool) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(failNow); !ok {
				panic(p)
			}
		}
	}()
	fn(r)
	return len(r.errs) > 0
}

func fakeSuite(bug string) *suite {
	st := newFakeNodes()
	c := orchestrator.Cluster{Master: orchestrator.Node{Name: "m"}, Workers: []orchestrator.Node{{Name: "w1"}, {Name: "w2"}, {Name: "w3"}}}
	return &suite{
		newDriver: func() orchestrator.Driver { return &fakeDriver{st: st, bug: bug} },
		c:         c,
		o:         Options{Clean: st.clean, Timeout: 5 * time.Second, CancelBound: 100 * time.Millisecond, ListWait: 100 * time.Millisecond}.withDefaults(),
		setupTook: 40 * time.Millisecond, // four nodes of 10 ms: midway is after two
	}
}

func (s *suite) checks() map[string]func(T) {
	return map[string]func(T){
		"Lifecycle":                   s.Lifecycle,
		"TeardownUnused":              s.TeardownUnused,
		"ReadyHonoursCancel":          s.ReadyHonoursCancel,
		"TeardownAfterCancelledSetup": s.TeardownAfterCancelledSetup,
		"SetupAfterInterruptedSetup":  s.SetupAfterInterruptedSetup,
		"SetupAfterInterruptedRun":    s.SetupAfterInterruptedRun,
	}
}

// A correct driver passes every check.
func TestFakeDriverPasses(t *testing.T) {
	for name, check := range fakeSuite("").checks() {
		var r recorder
		require.False(t, r.run(check), "%s: %v", name, r.errs)
	}
}

// Each fault is caught by the check meant for it.
func TestSuiteCatchesFaults(t *testing.T) {
	for _, tc := range []struct{ bug, check, want string }{
		{"teardown-leaks", "Lifecycle", "left on the cluster"},
		{"teardown-not-idempotent", "Lifecycle", "a second Teardown"},
		{"teardown-before-setup-fails", "TeardownUnused", "never set up"},
		{"list-empty", "Lifecycle", "nothing runs"},
		{"list-unnamed-node", "Lifecycle", "not a node of the cluster"},
		{"ready-ignores-ctx", "ReadyHonoursCancel", "did not return within"},
		{"records-late", "TeardownAfterCancelledSetup", "left on the cluster"},
		{"no-clean-up-first", "SetupAfterInterruptedSetup", "Setup after an interrupted run"},
		{"no-clean-up-first", "SetupAfterInterruptedRun", "Setup after an interrupted run"},
	} {
		t.Run(tc.bug+"/"+tc.check, func(t *testing.T) {
			s := fakeSuite(tc.bug)
			var r recorder
			require.True(t, r.run(s.checks()[tc.check]), "the fault went unnoticed")
			require.Contains(t, strings.Join(r.errs, "\n"), tc.want)
		})
	}
}
