package faults

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/testbed/containers"
)

// One 4-node testbed and one build of the binaries serve every test.
var shared struct {
	once sync.Once
	err  error
	cli  *client.Client
	tb   *containers.Testbed
	dir  string // testbed directory, binaries under bin/
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared.tb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if err := containers.Down(ctx, shared.cli, shared.tb.Dir, nil); err != nil {
			fmt.Fprintln(os.Stderr, "testbed down:", err)
			code = 1
		}
		cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func progress() io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}

// testbed returns the shared 4-node testbed, every node up and reachable,
// with edgerig and the probe built for this machine.
func testbed(t *testing.T) *containers.Testbed {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (real Docker engine, edgerig run over SSH)")
	}
	testenv.Root(t)
	testenv.Command(t, "debootstrap", "tar", "go")
	testenv.Docker(t)
	shared.once.Do(func() {
		if shared.cli, shared.err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation()); shared.err != nil {
			return
		}
		if shared.dir, shared.err = os.MkdirTemp("", "edgerig-test-faults-"); shared.err != nil {
			return
		}
		if shared.err = build(filepath.Join(shared.dir, "bin")); shared.err != nil {
			return
		}
		b := make([]byte, 3)
		rand.Read(b)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		shared.tb, shared.err = containers.Up(ctx, shared.cli, containers.Options{
			Nodes: 4, Dir: filepath.Join(shared.dir, "testbed"), ID: "fault" + hex.EncodeToString(b), Progress: progress(),
		})
	})
	require.NoError(t, shared.err, "setting up the fault tests")
	// A test before may have left a node stopped or cut off.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, n := range shared.tb.Nodes {
		require.NoError(t, shared.tb.Start(ctx, n.Name))
		require.NoError(t, shared.tb.Restore(ctx, n.Name))
	}
	require.NoError(t, shared.tb.WaitReady(ctx, time.Minute, progress()))
	return shared.tb
}

// build compiles edgerig and the probe for this machine, as `make build
// probes` does.
func build(bin string) error {
	for _, b := range []struct{ out, pkg string }{
		{filepath.Join(bin, "edgerig"), "../../cmd/edgerig"},
		{filepath.Join(bin, "probes", "edgerig-probe-linux-"+runtime.GOARCH), "../../cmd/edgerig-probe"},
	} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w: %s", b.pkg, err, out)
		}
	}
	return nil
}

// specText is an idle experiment on the container testbed: probes on every
// node, a measure phase of the given length.
func specText(measure time.Duration) string {
	return fmt.Sprintf(`name: fault-idle
testbed: containers
phases:
  setup: {timeout: 1m}
  settle: {duration: 2s}
  measure: {duration: %s}
  teardown: {timeout: 1m}
probe:
  interval: 1s
  containers: true
  daemons: [dockerd, containerd]
`, measure)
}

// edgerigRun is `edgerig run` running as a child process.
type edgerigRun struct {
	cmd            *exec.Cmd
	out            string // --out
	stdout, stderr *testenv.Buffer
	done           chan error
}

func startRun(t *testing.T, hosts string, measure time.Duration) *edgerigRun {
	t.Helper()
	work := t.TempDir()
	specPath := filepath.Join(work, "fault-idle.yaml")
	require.NoError(t, os.WriteFile(specPath, []byte(specText(measure)), 0o644))
	r := &edgerigRun{out: filepath.Join(work, "runs"), stdout: &testenv.Buffer{}, stderr: &testenv.Buffer{}, done: make(chan error, 1)}
	bin := filepath.Join(shared.dir, "bin")
	r.cmd = exec.Command(filepath.Join(bin, "edgerig"), "run", specPath, "--hosts", hosts, "--out", r.out,
		"--probes", filepath.Join(bin, "probes"), "--no-report", "--results", "")
	r.cmd.Dir = work
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	require.NoError(t, r.cmd.Start())
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			<-r.done
		}
		if t.Failed() {
			t.Logf("edgerig run stderr:\n%s", r.stderr.String())
		}
	})
	return r
}

// wait waits for the run to end and returns its exit code.
func (r *edgerigRun) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
		return r.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("edgerig run still running after %s; stderr:\n%s", timeout, r.stderr.String())
		return -1
	}
}

// runDir is the run directory the runner made under --out.
func (r *edgerigRun) runDir() string {
	m, _ := filepath.Glob(filepath.Join(r.out, "*", results.ManifestFile))
	if len(m) != 1 {
		return ""
	}
	return filepath.Dir(m[0])
}

// events reads events.jsonl as it is now.
func (r *edgerigRun) events() []results.Event {
	dir := r.runDir()
	if dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, results.EventsFile))
	if err != nil {
		return nil
	}
	var evs []results.Event
	for _, l := range strings.Split(string(b), "\n") {
		var e results.Event
		if json.Unmarshal([]byte(l), &e) == nil && e.Type != "" {
			evs = append(evs, e)
		}
	}
	return evs
}

// waitEvent waits until an event of type typ (and phase, if not "") is
// written, while the run goes on.
func (r *edgerigRun) waitEvent(t *testing.T, typ, phase string, timeout time.Duration) results.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, e := range r.events() {
			if e.Type == typ && (phase == "" || e.Phase == phase) {
				return e
			}
		}
		select {
		case <-r.done:
			r.done <- nil // let wait see it too
			t.Fatalf("edgerig run ended before a %s %s event; stderr:\n%s", typ, phase, r.stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("no %s %s event within %s; stderr:\n%s", typ, phase, timeout, r.stderr.String())
	return results.Event{}
}

// seqs are the distinct sample sequence numbers of host, sorted.
func seqs(run *results.Run, host string) []uint64 {
	seen := map[uint64]bool{}
	for _, row := range run.Samples[host] {
		seen[row.Seq] = true
	}
	out := make([]uint64, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// requireNoGap checks that host's samples run from seq 1 without a hole.
func requireNoGap(t *testing.T, run *results.Run, host string, atLeast int) {
	t.Helper()
	s := seqs(run, host)
	require.GreaterOrEqual(t, len(s), atLeast, "%s: too few samples", host)
	require.Equal(t, uint64(1), s[0], "%s: first sample", host)
	require.Equal(t, uint64(len(s)), s[len(s)-1], "%s: sequence has a gap", host)
}

func eventsOf(run *results.Run, typ string) []results.Event {
	var out []results.Event
	for _, e := range run.Events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}
