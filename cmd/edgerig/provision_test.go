package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
)

// TestRunRefusesUnprovisionedHosts: on fresh container-testbed nodes that
// lack what the spec adds (a package, a sysctl), edgerig run refuses before
// set-up with one line per host and requirement and the remedy, the run's
// manifest records what was found, --dry-run shows the same check, and
// after edgerig provision both go ahead.
func TestRunRefusesUnprovisionedHosts(t *testing.T) {
	tb := containerstest.Up(t, "cmdprov", 2)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "needs.yaml")
	require.NoError(t, os.WriteFile(specPath, []byte(`name: needs
phases:
  settle: {duration: 1s}
  measure: {duration: 2s}
provision:
  packages: [jq]
  sysctls: {net.ipv4.tcp_fin_timeout: "41"}
`), 0o644))
	remedy := "run: edgerig provision " + specPath + " --hosts " + tb.HostsPath() + " --testbed containers"
	wantLines := []string{
		"node1: package jq: missing (found: not installed); " + remedy,
		"node1: sysctl net.ipv4.tcp_fin_timeout=41: missing (found: 60); " + remedy,
		"node2: package jq: missing (found: not installed); " + remedy,
		"node2: sysctl net.ipv4.tcp_fin_timeout=41: missing (found: 60); " + remedy,
	}

	runs := filepath.Join(dir, "runs")
	out, errOut, code := edgerig("run", specPath, "--hosts", tb.HostsPath(), "--out", runs, "--probes", t.TempDir(), "--no-report", "--results", "")
	require.Equal(t, 1, code, errOut)
	for _, l := range wantLines {
		require.Contains(t, errOut, "\n  "+l+"\n")
	}
	require.Contains(t, errOut, "4 requirement(s) not met on the hosts:")
	m, err := filepath.Glob(filepath.Join(runs, "needs-*"))
	require.NoError(t, err)
	require.Equal(t, m, []string{lastLine(out)}, "the refused run's directory")
	r, err := results.Read(m[0])
	require.NoError(t, err)
	require.Equal(t, results.StatusFailed, r.Manifest.Status)
	require.Contains(t, r.Manifest.Requirements, results.Requirement{Host: "node2", Requirement: "package jq", State: "missing", Found: "not installed"})
	require.Contains(t, r.Manifest.Requirements, results.Requirement{Host: "node1", Requirement: "clock synchronised by an NTP client", State: "ok", Found: "a container: its clock is its machine's"})
	require.Empty(t, r.Samples, "nothing was set up or sampled")

	out, errOut, code = edgerig("run", specPath, "--hosts", tb.HostsPath(), "--dry-run")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, out, "requirements on the hosts:")
	require.Regexp(t, `node1 +package jq +missing \(not installed\)`, out)
	for _, l := range wantLines {
		require.Contains(t, errOut, l)
	}

	out, errOut, code = edgerig("provision", specPath, "--hosts", tb.HostsPath(), "--check")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "node1  1   0        2             0       false")
	require.Contains(t, errOut, "node2: package jq: would change (not installed)")

	out, errOut, code = edgerig("provision", specPath, "--hosts", tb.HostsPath())
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "node2  1   2        0             0       false", errOut)
	require.Contains(t, errOut, "node1: sysctl net.ipv4.tcp_fin_timeout=41: changed")

	out, errOut, code = edgerig("run", specPath, "--hosts", tb.HostsPath(), "--dry-run")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `node2 +sysctl net.ipv4.tcp_fin_timeout=41 +ok`, out)
	require.Equal(t, 6, strings.Count(out, " ok "), out)
}

func TestProvisionUsage(t *testing.T) {
	out, errOut, code := edgerig("provision", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out+errOut, "Usage: edgerig provision SPEC")
	_, errOut, code = edgerig("provision")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "provision: name exactly one spec")
}
