package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/runner"
)

const localHosts = `hosts:
  - name: local
    local: true
    roles: [master, worker, collector, spark-driver]
    labels: {hardware: this-machine}
testbeds:
  local: [local]
default_testbed: local
`

// writeFiles writes a hosts.yaml for the local testbed and the given spec
// into a fresh directory and returns their paths.
func writeFiles(t *testing.T, specText string) (dir, hosts, specPath string) {
	dir = t.TempDir()
	hosts = filepath.Join(dir, "hosts.yaml")
	specPath = filepath.Join(dir, "spec.yaml")
	require.NoError(t, os.WriteFile(hosts, []byte(localHosts), 0o644))
	require.NoError(t, os.WriteFile(specPath, []byte(specText), 0o644))
	return dir, hosts, specPath
}

func swarmState(t *testing.T) string {
	out, err := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

func requireSwarmFree(t *testing.T) { testenv.SwarmFree(t) }

// TestRunQuickLocal runs the shipped idle-local experiment with --quick on
// this machine, through the real binaries, and checks what a user gets: a
// completed run directory with samples of both trials, a report and
// RESULTS.md updated, and Swarm left again.
func TestRunQuickLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	requireSwarmFree(t)
	bin := buildBinaries(t)
	dir, hosts, _ := writeFiles(t, "")
	resultsMD := filepath.Join(dir, "RESULTS.md")
	cmd := exec.Command(filepath.Join(bin, "edgerig"), "run", "../../experiments/idle-local.yaml", "--quick",
		"--hosts", hosts, "--out", filepath.Join(dir, "runs"), "--results", resultsMD)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	runDir := lastLine(string(out))
	require.DirExists(t, runDir)
	require.Contains(t, stderr.String(), "measure", "progress names the phase")
	require.Contains(t, stderr.String(), "samples local=", "progress counts samples per host")

	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status)
	require.Len(t, r.Manifest.Trials, 2)
	require.NotEmpty(t, r.Manifest.Hosts[0].Arch)
	perTrial := map[string]int{}
	for _, row := range r.Samples["local"] {
		if row.Phase == "measure" && row.Kind == "host" && row.Metric == "cpu_pct" {
			perTrial[row.Trial]++
		}
	}
	// 10 s of measure at 1 Hz per trial; allow for the first tick's delta.
	require.GreaterOrEqual(t, perTrial["t1"], 8, "%v", perTrial)
	require.GreaterOrEqual(t, perTrial["t2"], 8, "%v", perTrial)
	require.Equal(t, "inactive", swarmState(t), "teardown left the swarm")

	pngs, _ := filepath.Glob(filepath.Join(runDir, "report", "*.png"))
	require.GreaterOrEqual(t, len(pngs), 2)
	for _, f := range []string{"cpu.svg", "report.pdf", "report.md"} {
		require.FileExists(t, filepath.Join(runDir, "report", f))
	}
	md, err := os.ReadFile(resultsMD)
	require.NoError(t, err)
	require.Contains(t, string(md), "idle-local")
}

// TestRunInterrupt sends SIGINT while the Swarm trial is measuring:
// teardown must still run (Swarm left), the run is marked aborted, every
// sample already received is kept, and no probe is left running.
func TestRunInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	requireSwarmFree(t)
	bin := buildBinaries(t)
	dir, hosts, specPath := writeFiles(t, `name: interrupt
orchestrator: {kind: swarm}
phases:
  settle: {duration: 1s}
  measure: {duration: 5m}
probe: {interval: 500ms}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "edgerig"), "run", specPath,
		"--hosts", hosts, "--out", filepath.Join(dir, "runs"), "--results", "")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Wait until the measure phase has run a few seconds, then interrupt.
	sc := bufio.NewScanner(stderr)
	var log strings.Builder
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), ": measure for") {
			time.Sleep(3 * time.Second)
			require.Equal(t, "active", swarmState(t), "setup formed the swarm")
			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
			break
		}
	}
	rest, _ := io.ReadAll(stderr)
	log.Write(rest)
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "log:\n%s", log.String())
	require.Equal(t, 130, ee.ExitCode(), "log:\n%s", log.String())
	require.Contains(t, log.String(), "tearing down")
	require.Equal(t, "inactive", swarmState(t), "teardown left the swarm after SIGINT")

	runDir := lastLine(stdout.String())
	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.Equal(t, results.StatusAborted, r.Manifest.Status)
	var measured int
	for _, row := range r.Samples["local"] {
		if row.Phase == "measure" && row.Kind == "host" && row.Metric == "cpu_pct" {
			measured++
		}
	}
	require.GreaterOrEqual(t, measured, 4, "samples of the interrupted measure phase are kept")
	var interrupt, teardown bool
	for _, e := range r.Events {
		interrupt = interrupt || e.Type == results.EventInterrupt
		teardown = teardown || (e.Type == results.EventPhaseEnd && e.Phase == "teardown" && e.Message == "")
	}
	require.True(t, interrupt, "an interrupt event is recorded")
	require.True(t, teardown, "teardown ended without error")
	testenv.NoProcess(t, "edgerig-probe", filepath.Base(runDir))
}

// TestStepArgsNeverReachAShell puts shell syntax in a step's arguments:
// it must arrive literally, and nothing it would run may happen. A step is
// cut at its phase's end, so the measure phase is long enough for a
// printf to start on a loaded machine.
func TestStepArgsNeverReachAShell(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	bin := buildBinaries(t)
	dir, hosts, specPath := writeFiles(t, "")
	marker := filepath.Join(dir, "PWNED")
	args := []string{"a; touch " + marker, "$(touch " + marker + ")", "`touch " + marker + "`", `it's "quoted"`, "x' ; touch '" + marker}
	quoted, _ := json.Marshal(append([]string{"printf", `%s\n`}, args...))
	specText := fmt.Sprintf(`name: quoting
phases: {settle: {duration: 100ms}, measure: {duration: 5s}}
steps:
  - {name: echo, phase: measure, roles: [master], run: %s}
`, quoted)
	require.NoError(t, os.WriteFile(specPath, []byte(specText), 0o644))
	cmd := exec.Command(filepath.Join(bin, "edgerig"), "run", specPath, "--hosts", hosts,
		"--out", filepath.Join(dir, "runs"), "--no-report")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	require.NoFileExists(t, marker)
	r, err := results.Read(lastLine(string(out)))
	require.NoError(t, err)
	var output string
	for _, e := range r.Events {
		if e.Message == "step echo" {
			output, _ = e.Data["output"].(string)
		}
	}
	require.Equal(t, strings.Join(args, "\n")+"\n", output)
}

// TestDryRun prints the plan and writes nothing.
func TestDryRun(t *testing.T) {
	dir, hosts, _ := writeFiles(t, "")
	out, errOut, code := edgerig("run", "../../experiments/idle-local.yaml", "--dry-run", "--quick", "--hosts", hosts, "--out", filepath.Join(dir, "runs"))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "2 trial(s)")
	require.Contains(t, out, "orchestrator.kind=swarm")
	require.Contains(t, out, "measure 10s")
	require.NoDirExists(t, filepath.Join(dir, "runs"))
}

// TestKill9ThenReport kills the runner with SIGKILL mid-measure: what it
// had written must still render, as an aborted run.
func TestKill9ThenReport(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	bin := buildBinaries(t)
	dir, hosts, specPath := writeFiles(t, `name: killed
phases:
  settle: {duration: 1s}
  measure: {duration: 5m}
`)
	cmd := exec.Command(filepath.Join(bin, "edgerig"), "run", specPath,
		"--hosts", hosts, "--out", filepath.Join(dir, "runs"), "--results", "")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var runDir string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "edgerig: run directory "); ok {
			runDir = d
		}
		if strings.Contains(sc.Text(), ": measure for") {
			time.Sleep(4 * time.Second)
			require.NoError(t, cmd.Process.Kill())
			break
		}
	}
	_ = cmd.Wait()
	require.NotEmpty(t, runDir)
	// The killed runner could not stop its probe: do it for it, as a user
	// would (the probe also ends by itself once no reader is attached).
	pidfile := filepath.Join(runner.DefaultRemoteDir, "runs", filepath.Base(runDir), "probe.pid")
	probes, _ := filepath.Glob(filepath.Join(runner.DefaultRemoteDir, "edgerig-probe-*"))
	for _, p := range probes {
		_ = exec.Command(p, "stop", "--pidfile", pidfile).Run()
	}
	testenv.NoProcess(t, "edgerig-probe", filepath.Base(runDir))

	out, errOut, code := edgerig("report", runDir, "--results", "")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, filepath.Join(runDir, "report"), lastLine(out))
	md, err := os.ReadFile(filepath.Join(runDir, "report", "report.md"))
	require.NoError(t, err)
	require.Contains(t, strings.ToLower(string(md)), "aborted")
	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.NotEmpty(t, r.Samples["local"], "samples written before the kill are kept")
}

// TestRunRefusesMissingRole: a spec needing a role the testbed lacks is
// refused before anything runs, with the spec's file position.
func TestRunRefusesMissingRole(t *testing.T) {
	dir, hosts, specPath := writeFiles(t, "name: roles\norchestrator: {kind: swarm, master_role: boss}\n")
	_, errOut, code := edgerig("run", specPath, "--hosts", hosts, "--out", filepath.Join(dir, "runs"))
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, specPath+":2:")
	require.Contains(t, errOut, "boss")
	require.NoDirExists(t, filepath.Join(dir, "runs"))
}

// TestDryRunRefusesWhatCannotRun: the dry run says what the run would
// refuse, here the word count under Kubernetes, which this runner cannot
// drive yet.
func TestDryRunRefusesWhatCannotRun(t *testing.T) {
	dir, hosts, specPath := writeFiles(t, "name: wc\norchestrator: {kind: kubernetes}\nworkload: {kind: wordcount}\n")
	_, errOut, code := edgerig("run", specPath, "--dry-run", "--hosts", hosts, "--out", filepath.Join(dir, "runs"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `under orchestrator "kubernetes" it is not supported yet`)
}
