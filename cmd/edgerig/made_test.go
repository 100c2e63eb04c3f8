package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/testbed/containers"
)

var madeID = regexp.MustCompile(`\b(made[0-9a-f]{6})\b`)

// madeTestbedRun starts `edgerig run --quick` of the made-testbed spec and
// returns the command, its stderr as it comes, and its stdout.
func madeTestbedRun(t *testing.T, ctx context.Context, specs ...string) (*exec.Cmd, *bufio.Scanner, *strings.Builder, *client.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (container testbed)")
	}
	testenv.Root(t)
	testenv.Command(t, "debootstrap", "tar")
	cli := testenv.Docker(t)
	bin := buildBinaries(t)
	specPath := "testdata/made-testbed-swarm.yaml"
	if len(specs) > 0 {
		specPath = specs[0]
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "edgerig"), "run", specPath, "--quick",
		"--out", filepath.Join(t.TempDir(), "runs"), "--results", "")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, bufio.NewScanner(stderr), &stdout, cli
}

// watch reads stderr until a line matches until (then returns), noting
// the made testbed's id and removing it when the test ends whatever
// happens, so that a failing test leaves nothing either.
func watch(t *testing.T, cli *client.Client, sc *bufio.Scanner, log *strings.Builder, until string) string {
	t.Helper()
	id := ""
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if m := madeID.FindStringSubmatch(sc.Text()); m != nil && id == "" {
			id = m[1]
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				_ = containers.RemoveByLabel(ctx, cli, id, nil)
			})
		}
		if strings.Contains(sc.Text(), until) {
			break
		}
	}
	require.NotEmpty(t, id, "the run names the testbed it makes; log:\n%s", log.String())
	return id
}

// requireGone checks that nothing of testbed id is left in the engine.
func requireGone(t *testing.T, cli *client.Client, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := filters.NewArgs(filters.Arg("label", containers.LabelTestbed+"="+id))
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	require.NoError(t, err)
	require.Empty(t, cs, "containers of testbed %s left", id)
	ns, err := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	require.NoError(t, err)
	require.Empty(t, ns, "networks of testbed %s left", id)
	vs, err := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	require.NoError(t, err)
	require.Empty(t, vs.Volumes, "volumes of testbed %s left", id)
	states, _ := filepath.Glob(filepath.Join(os.TempDir(), "edgerig-testbed-*", containers.StateFile))
	for _, p := range states {
		b, _ := os.ReadFile(p)
		require.NotContains(t, string(b), `"`+id+`"`, "the directory of testbed %s is left: %s", id, filepath.Dir(p))
	}
}

// TestRunMakesItsTestbed: `edgerig run SPEC --quick`, with a spec that asks
// for a 4-node container testbed and nothing set up, makes the testbed,
// forms a Swarm across it, samples every node, renders the report and
// removes the testbed.
func TestRunMakesItsTestbed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	cmd, sc, stdout, cli := madeTestbedRun(t, ctx)
	var log strings.Builder
	id := watch(t, cli, sc, &log, "\x00never")
	err := cmd.Wait()
	require.NoError(t, err, "log:\n%s", log.String())
	t.Logf("run with a made 4-node testbed took %.1fs", time.Since(start).Seconds())
	requireGone(t, cli, id)

	runDir := lastLine(stdout.String())
	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status)
	require.Contains(t, r.Manifest.Testbed, id)
	require.Len(t, r.Manifest.Hosts, 4)
	for _, h := range r.Manifest.Hosts {
		var measured int
		for _, row := range r.Samples[h.Name] {
			if row.Phase == "measure" && row.Kind == "host" && row.Metric == "cpu_pct" {
				measured++
			}
		}
		require.GreaterOrEqual(t, measured, 4, "%s: samples of the measure phase", h.Name)
	}
	require.FileExists(t, filepath.Join(runDir, results.ReportDir, report.MarkdownFile))
	require.Contains(t, log.String(), "removing testbed "+id)
}

// TestRunMadeTestbedInterrupted: SIGINT during the measure phase still
// tears down and removes the testbed made for the run.
func TestRunMadeTestbedInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd, sc, stdout, cli := madeTestbedRun(t, ctx)
	var log strings.Builder
	id := watch(t, cli, sc, &log, ": measure for")
	time.Sleep(2 * time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	requireInterrupted(t, cmd, sc, &log)
	requireGone(t, cli, id)
	r, err := results.Read(lastLine(stdout.String()))
	require.NoError(t, err)
	require.Equal(t, results.StatusAborted, r.Manifest.Status)
}

// requireInterrupted reads the rest of edgerig's stderr into log, waits
// for it to exit, and requires the exit status of an interrupted run (130).
func requireInterrupted(t *testing.T, cmd *exec.Cmd, sc *bufio.Scanner, log *strings.Builder) {
	t.Helper()
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "log:\n%s", log.String())
	require.Equal(t, 130, ee.ExitCode(), "log:\n%s", log.String())
}

// TestRunMadeTestbedAbandoned: two interrupts while the testbed is being
// made abandon the run at once, and what was made of the testbed is
// removed before edgerig exits.
func TestRunMadeTestbedAbandoned(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd, sc, _, cli := madeTestbedRun(t, ctx)
	var log strings.Builder
	id := watch(t, cli, sc, &log, "nodes started on")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	requireInterrupted(t, cmd, sc, &log)
	requireGone(t, cli, id)
}

// A spec that asks for a testbed is checked against the nodes it will
// have, and its dry run prints them, without making anything.
func TestMadeTestbedPlanned(t *testing.T) {
	out, errOut, code := edgerig("validate", "testdata/made-testbed-swarm.yaml")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "runs on testbed containers (4 nodes, made for the run)")

	runs := filepath.Join(t.TempDir(), "runs")
	out, errOut, code = edgerig("run", "testdata/made-testbed-swarm.yaml", "--dry-run", "--quick", "--out", runs)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "testbed containers (4 nodes, made for the run): 4 host(s)")
	require.Regexp(t, `node1 .*roles=master`, out)
	require.Regexp(t, `node4 .*roles=worker`, out)
	require.Contains(t, out, "the testbed is made when the run starts")
	require.NoDirExists(t, runs)

	// --hosts checks (and runs) the same spec on an inventory's testbed.
	out, errOut, code = edgerig("validate", "testdata/made-testbed-swarm.yaml", "--hosts", "../../fixtures/inventories/pi-cluster.yaml", "--testbed", "pi-idle")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "runs on testbed pi-idle")
}

// TestIdleSwarmAndKubernetes: the paper's comparison end to end, cut to one
// trial of each: a made 4-node testbed, a Swarm trial, a Kubernetes trial
// (the components built from fixtures/kubernetes, cached), the control
// plane's daemons sampled on the master and kubelets on the workers, the
// Swarm vs Kubernetes section in the report, and the testbed removed.
func TestIdleSwarmAndKubernetes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	start := time.Now()
	cmd, sc, stdout, cli := madeTestbedRun(t, ctx, "testdata/made-testbed-both.yaml")
	var log strings.Builder
	id := watch(t, cli, sc, &log, "\x00never")
	err := cmd.Wait()
	require.NoError(t, err, "log:\n%s", log.String())
	t.Logf("swarm and kubernetes on a made 4-node testbed took %.1fs", time.Since(start).Seconds())
	requireGone(t, cli, id)
	require.Contains(t, log.String(), "ready: the Service answers by ClusterIP and DNS name across nodes")

	runDir := lastLine(stdout.String())
	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status)
	daemons := map[string]map[string]bool{} // trial -> "host/daemon"
	for host, rows := range r.Samples {
		for _, row := range rows {
			if row.Phase == "measure" && row.Kind == "daemon" && row.Metric == "cpu_pct" {
				if daemons[row.Trial] == nil {
					daemons[row.Trial] = map[string]bool{}
				}
				daemons[row.Trial][host+"/"+row.Label] = true
			}
		}
	}
	require.True(t, daemons["t2"]["node1/kube-apiserver"], "the Kubernetes trial samples the apiserver on the master: %v", daemons["t2"])
	require.True(t, daemons["t2"]["node1/etcd"], "and etcd: %v", daemons["t2"])
	require.True(t, daemons["t2"]["node2/kubelet"], "and a worker's kubelet: %v", daemons["t2"])
	require.False(t, daemons["t1"]["node1/kube-apiserver"], "no apiserver in the Swarm trial: %v", daemons["t1"])
	md, err := os.ReadFile(filepath.Join(runDir, results.ReportDir, report.MarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "Docker Swarm vs Kubernetes at idle (PyMon Figures 4–5)")
}

// TestRunMadeTestbedAs: a made testbed whose nodes pose as boards
// (testbed.as) is made with their envelopes, and the run's hosts say so.
func TestRunMadeTestbedAs(t *testing.T) {
	out, errOut, code := edgerig("run", "testdata/made-testbed-as.yaml", "--dry-run", "--out", filepath.Join(t.TempDir(), "runs"))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "testbed containers (2 nodes, as rpi3,rpi4, made for the run): 2 host(s)")

	// Without edgerig-bench (in-process, nothing is beside the test
	// binary) the envelopes cannot be calibrated: a plain error naming the
	// field and the remedy, not an interrupt.
	bin := buildBinaries(t)
	_, errOut, code = edgerig("run", "testdata/made-testbed-as.yaml", "--probes", filepath.Join(bin, "probes"), "--out", filepath.Join(t.TempDir(), "runs"))
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "testbed.as: no edgerig-bench found")
	require.Contains(t, errOut, "run `make build`, or pass --bench")
	require.NotContains(t, errOut, "interrupted")

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd, sc, stdout, cli := madeTestbedRun(t, ctx, "testdata/made-testbed-as.yaml")
	var log strings.Builder
	id := watch(t, cli, sc, &log, "edgerig report:")
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	require.NoError(t, cmd.Wait(), "log:\n%s", log.String())
	requireGone(t, cli, id)
	r, err := results.Read(lastLine(stdout.String()))
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status, "log:\n%s", log.String())
	hw := map[string]string{}
	for _, h := range r.Manifest.Hosts {
		hw[h.Name] = h.Labels["hardware"]
	}
	require.Equal(t, map[string]string{"node1": "rpi3 (emulated)", "node2": "rpi4 (emulated)"}, hw)
}

// The spec's board names are the container testbed's.
func TestSpecBoardNames(t *testing.T) {
	require.Equal(t, containers.BoardNames(), spec.BoardNames)
}
