package faults

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/testbed/containers"
)

// One node's SSH cut during measure: after the connection comes back, its
// samples have no gap (the probe spooled them; the runner fetched them).
func TestSSHCutDuringMeasure(t *testing.T) {
	tb := testbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const measure = 30 * time.Second
	r := startRun(t, tb.HostsPath(), measure)
	r.waitEvent(t, results.EventPhaseStart, "measure", 3*time.Minute)
	time.Sleep(3 * time.Second)
	require.NoError(t, tb.Cut(ctx, "node3"))
	time.Sleep(10 * time.Second)
	require.NoError(t, tb.Restore(ctx, "node3"))

	code := r.wait(t, 3*time.Minute)
	run, err := results.Read(r.runDir())
	require.NoError(t, err)
	t.Logf("exit %d, status %s; node-lost %d, node-back %d", code, run.Manifest.Status,
		len(eventsOf(run, results.EventNodeLost)), len(eventsOf(run, results.EventNodeBack)))
	require.Equal(t, results.StatusCompleted, run.Manifest.Status, "stderr:\n%s", r.stderr.String())
	for _, e := range eventsOf(run, results.EventGap) {
		t.Errorf("sample gap: %+v", e)
	}
	for _, n := range tb.Nodes {
		requireNoGap(t, run, n.Name, int(measure/time.Second))
	}
}

// SIGINT to the runner during measure: teardown runs, the run is marked
// aborted, and no probe process is left on any node.
func TestInterruptRunsTeardown(t *testing.T) {
	tb := testbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := startRun(t, tb.HostsPath(), 2*time.Minute)
	r.waitEvent(t, results.EventPhaseStart, "measure", 3*time.Minute)
	time.Sleep(3 * time.Second)
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGINT))

	code := r.wait(t, 2*time.Minute)
	require.Equal(t, 130, code, "stderr:\n%s", r.stderr.String())
	run, err := results.Read(r.runDir())
	require.NoError(t, err)
	require.Equal(t, results.StatusAborted, run.Manifest.Status)
	require.NotEmpty(t, eventsOf(run, results.EventInterrupt))
	teardown := false
	for _, e := range eventsOf(run, results.EventPhaseStart) {
		teardown = teardown || e.Phase == "teardown"
	}
	require.True(t, teardown, "teardown ran")
	requireNoProbe(t, ctx, tb)
}

// A host key swapped in known_hosts: the run is refused before anything
// starts, naming the host and the key's fingerprint.
func TestSwappedHostKeyRefused(t *testing.T) {
	tb := testbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for _, f := range []string{containers.HostsFile, containers.IdentityFile} {
		b, err := os.ReadFile(filepath.Join(tb.Dir, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o600))
	}
	node2, err := tb.Node("node2")
	require.NoError(t, err)
	node3, err := tb.Node("node3")
	require.NoError(t, err)
	// node2's address with node3's key.
	kh, err := containers.KnownHosts([]containers.Node{tb.Nodes[0], {Name: "node2", Address: node2.Address, HostKey: node3.HostKey}, node3, tb.Nodes[3]})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, containers.KnownHostsFile), kh, 0o644))

	r := startRun(t, filepath.Join(dir, containers.HostsFile), 10*time.Second)
	code := r.wait(t, 2*time.Minute)
	require.NotEqual(t, 0, code)
	msg := r.stderr.String()
	offered, _, _, _, err := ssh.ParseAuthorizedKey([]byte(node2.HostKey))
	require.NoError(t, err)
	require.Contains(t, msg, "node2")
	require.Contains(t, msg, ssh.FingerprintSHA256(offered), "the fingerprint of the key node2 offers")
	if d := r.runDir(); d != "" {
		run, err := results.Read(d)
		require.NoError(t, err)
		for h, rows := range run.Samples {
			require.Empty(t, rows, "samples from %s in a refused run", h)
		}
		for _, e := range eventsOf(run, results.EventTrialStart) {
			t.Errorf("a trial started in a refused run: %+v", e)
		}
	}
	requireNoProbe(t, ctx, tb)
}

// requireNoProbe checks that no edgerig-probe process runs on any node.
func requireNoProbe(t *testing.T, ctx context.Context, tb *containers.Testbed) {
	t.Helper()
	for _, n := range tb.Nodes {
		out, err := tb.Run(ctx, n.Name, nil, "ps", "-eo", "pid,args")
		require.NoError(t, err)
		for _, l := range strings.Split(out, "\n") {
			require.NotContains(t, l, "edgerig-probe", "%s: probe left running", n.Name)
		}
	}
}
