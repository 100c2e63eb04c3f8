package runner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/local"
)

var (
	probeOnce sync.Once
	probeDir  string
	probeErr  error
)

// probes builds the real probe for this machine once per test binary.
func probes(t *testing.T) string {
	t.Helper()
	probeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "edgerig-runner-probes-")
		if err != nil {
			probeErr = err
			return
		}
		probeDir = dir
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "edgerig-probe-linux-"+runtime.GOARCH), "../cmd/edgerig-probe")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			probeErr = err
			t.Logf("%s", out)
		}
	})
	require.NoError(t, probeErr)
	return probeDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if probeDir != "" {
		os.RemoveAll(probeDir)
	}
	os.Exit(code)
}

// unameFacts is the least a run needs of a host: its architecture.
func unameFacts(ctx context.Context, t transport.Transport) (results.HostFacts, error) {
	out, err := transport.Output(ctx, t, "uname", "-m")
	return results.HostFacts{Arch: strings.TrimSpace(out)}, err
}

func zeroClock(context.Context, transport.Transport, string) (time.Duration, time.Duration, error) {
	return 0, time.Millisecond, nil
}

func localConfig(t *testing.T, specText string) Config {
	s, err := spec.Parse("test.yaml", []byte(specText))
	require.NoError(t, err)
	return Config{
		Spec:      s,
		Testbed:   "local",
		Hosts:     []inventory.Host{{Name: "local", Local: true, Roles: []string{"master"}}},
		OutDir:    t.TempDir(),
		ProbesDir: probes(t),
		RemoteDir: filepath.Join(t.TempDir(), "remote"),
		Connect: func(context.Context, inventory.Host) (transport.Transport, error) {
			return local.New("local"), nil
		},
		Facts: unameFacts,
		Clock: zeroClock,
	}
}

// TestRunLocalPhasesAndSamples runs two trials on this machine with the
// real probe and checks that samples are tagged with the phase they were
// taken in, and that every phase left its events.
func TestRunLocalPhasesAndSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real probe for a few seconds")
	}
	cfg := localConfig(t, `name: phases
repeat: 2
phases:
  settle: {duration: 1s}
  measure: {duration: 3s}
probe: {interval: 250ms, containers: false}
steps:
  - {phase: setup, roles: [master], run: [true]}
`)
	var progress strings.Builder
	cfg.Progress = &progress
	cfg.ProgressEvery = time.Second
	dir, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	r, err := results.Read(dir)
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status)
	require.Equal(t, "amd64-", r.Manifest.Hosts[0].ProbeVersion[:6])

	measured := map[string]int{}
	var last uint64
	for _, row := range r.Samples["local"] {
		if row.Kind == "host" && row.Metric == "cpu_pct" {
			require.Greater(t, row.Seq, last, "sequence strictly increasing, no duplicate")
			last = row.Seq
			if row.Phase == "measure" {
				measured[row.Trial]++
			}
		}
	}
	// 3 s at 4 Hz per trial, give or take the boundaries.
	require.InDelta(t, 12, measured["t1"], 2, "%v", measured)
	require.InDelta(t, 12, measured["t2"], 2, "%v", measured)

	var phases []string
	for _, e := range r.Events {
		if e.Type == results.EventPhaseStart {
			phases = append(phases, e.Trial+":"+e.Phase)
		}
		require.NotEqual(t, results.EventNodeLost, e.Type, "no node loss on a healthy local run: %+v", e)
	}
	require.Equal(t, []string{"t1:setup", "t1:settle", "t1:measure", "t1:teardown",
		"t2:setup", "t2:settle", "t2:measure", "t2:teardown"}, phases)
	require.Contains(t, progress.String(), "samples local=")
	testenv.NoProcess(t, cfg.RemoteDir)
}

// TestRunFailedStepStillTearsDown: a failing step fails the run, but
// teardown runs and the probe is stopped.
func TestRunFailedStepStillTearsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real probe")
	}
	cfg := localConfig(t, `name: failing
phases: {settle: {duration: 100ms}, measure: {duration: 1s}}
probe: {interval: 200ms, containers: false}
steps:
  - {name: boom, phase: settle, roles: [master], run: [sh, -c, "echo nope >&2; exit 3"]}
  - {name: cleanup, phase: teardown, roles: [master], run: [true]}
`)
	dir, err := Run(context.Background(), cfg)
	require.ErrorContains(t, err, "step boom on local")
	require.ErrorContains(t, err, "exit status 3")
	r, rerr := results.Read(dir)
	require.NoError(t, rerr)
	require.Equal(t, results.StatusFailed, r.Manifest.Status)
	require.Contains(t, r.Manifest.Error, "nope")
	var tornDown bool
	for _, e := range r.Events {
		tornDown = tornDown || (e.Type == results.EventInfo && e.Message == "step cleanup")
	}
	require.True(t, tornDown, "teardown steps ran after the failure")
	testenv.NoProcess(t, cfg.RemoteDir)
}

// TestRunInterruptedByContext: cancelling ctx (what SIGINT does) aborts
// the run after teardown and keeps the samples.
func TestRunInterruptedByContext(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real probe")
	}
	cfg := localConfig(t, `name: cancelled
phases: {settle: {duration: 100ms}, measure: {duration: 1m}}
probe: {interval: 200ms, containers: false}
`)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(2*time.Second, cancel)
	start := time.Now()
	dir, err := Run(ctx, cfg)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Less(t, time.Since(start), 30*time.Second)
	r, rerr := results.Read(dir)
	require.NoError(t, rerr)
	require.Equal(t, results.StatusAborted, r.Manifest.Status)
	require.NotEmpty(t, r.Samples["local"])
	testenv.NoProcess(t, cfg.RemoteDir)
}

func TestCheckRefusesWhatItCannotRun(t *testing.T) {
	cases := []struct{ spec, want string }{
		{"name: k\norchestrator: {kind: kubernetes, kubernetes: {install: k3s, source: \"package:k3s\"}}\n", `k3s has no Debian package`},
		{"name: k\norchestrator: {kind: kubernetes, master_role: boss}\n", `orchestrator kubernetes needs exactly one host with role "boss"`},
		{"name: w\norchestrator: {kind: swarm, master_role: boss}\n", `exactly one host with role "boss"`},
		{"name: s\nsteps: [{phase: setup, roles: [nobody], run: [true]}]\n", "no host of testbed"},
		{"name: w\nworkload: {kind: wordcount}\n", `needs at least one host with role "worker"`},
		{"name: w\norchestrator: {kind: kubernetes}\nworkload: {kind: wordcount}\n", `under orchestrator "kubernetes" it is not supported yet`},
		{"name: p\nprobe: {interval: 1s}\nmatrix: {probe.interval: [500ms, 1s]}\n", "the matrix varies the probe"},
		{"name: p\nmatrix: {probe.containers: [true, false]}\n", "trial t2: the matrix varies the probe"},
	}
	for _, c := range cases {
		s, err := spec.Parse("x.yaml", []byte(c.spec))
		require.NoError(t, err)
		r := &run{cfg: Config{Spec: s, Testbed: "local", Hosts: []inventory.Host{{Name: "local", Local: true, Roles: []string{"master"}}}}, trials: s.Trials()}
		require.ErrorContains(t, r.check(), c.want)
	}
}

func TestProbeArch(t *testing.T) {
	for in, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armv7", "armv6l": "armv6"} {
		got, err := probeArch(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := probeArch("mips")
	require.ErrorContains(t, err, `"mips"`)
}

// The word count as Swarm services puts the job's driver on a swarm node:
// a driver host outside the swarm is refused before anything starts.
func TestCheckRefusesDriverOutsideTheSwarm(t *testing.T) {
	s, err := spec.Parse("x.yaml", []byte("name: w\norchestrator: {kind: swarm}\nworkload: {kind: wordcount}\n"))
	require.NoError(t, err)
	hosts := []inventory.Host{
		{Name: "m", Address: "10.0.0.1", Roles: []string{"master"}},
		{Name: "w", Address: "10.0.0.2", Roles: []string{"worker", "collector"}},
		{Name: "d", Address: "10.0.0.3", Roles: []string{"spark-driver"}},
	}
	r := &run{cfg: Config{Spec: s, Testbed: "pis", Hosts: hosts}, trials: s.Trials()}
	require.ErrorContains(t, r.check(), `the Spark driver's host d (role "spark-driver") is not a node of the swarm: give it role "master" or "worker"`)
	hosts[2].Roles = append(hosts[2].Roles, "worker")
	require.NoError(t, r.check())
}
