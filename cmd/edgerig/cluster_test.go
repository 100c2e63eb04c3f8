package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
)

// TestRunSwarmAcrossContainerTestbed runs a none-vs-swarm experiment on a
// 3-node container testbed over real SSH (strict host keys from the
// testbed's known_hosts): every node gets a probe, the swarm forms across
// the nodes through their Docker Engine APIs reached over SSH, and every
// node has left it again afterwards.
func TestRunSwarmAcrossContainerTestbed(t *testing.T) {
	tb := containerstest.Up(t, "cmdrun", 3)
	bin := buildBinaries(t)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "swarm.yaml")
	require.NoError(t, os.WriteFile(specPath, []byte(`name: swarm-nodes
matrix:
  orchestrator.kind: [none, swarm]
phases:
  settle: {duration: 1s}
  measure: {duration: 4s}
probe: {interval: 500ms}
`), 0o644))
	cmd := exec.Command(filepath.Join(bin, "edgerig"), "run", specPath, "--hosts", tb.HostsPath(),
		"--out", filepath.Join(dir, "runs"), "--results", "")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "stderr:\n%s", stderr.String())

	r, err := results.Read(lastLine(string(out)))
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status)
	require.Len(t, r.Manifest.Hosts, 3)
	for _, h := range r.Manifest.Hosts {
		require.Equal(t, "x86_64", h.Arch, h.Name)
		require.NotEmpty(t, h.DockerVersion, h.Name)
		require.Less(t, h.ClockError, time.Second, h.Name)
		measured := 0
		for _, row := range r.Samples[h.Name] {
			if row.Trial == "t2" && row.Phase == "measure" && row.Kind == "host" && row.Metric == "cpu_pct" {
				measured++
			}
		}
		require.GreaterOrEqual(t, measured, 6, "%s: samples of the swarm trial's measure phase", h.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range []string{"node1", "node2", "node3"} {
		st, err := tb.Run(ctx, n, nil, "docker", "info", "--format", "{{.Swarm.LocalNodeState}}")
		require.NoError(t, err)
		require.Equal(t, "inactive", strings.TrimSpace(st), "%s left the swarm", n)
	}
	// Setup ends without error only once the master lists all three
	// nodes Ready (the runner waits for the driver's Ready within setup).
	var joined bool
	for _, e := range r.Events {
		joined = joined || (e.Type == results.EventPhaseEnd && e.Trial == "t2" && e.Phase == "setup" && e.Message == "")
	}
	require.True(t, joined, "swarm setup across 3 nodes succeeded")
}
