package containers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/system"
	"github.com/stretchr/testify/require"
)

// Every node answers the real OpenSSH client, with strict host key checking
// against the written known_hosts, and runs its own dockerd.
func TestNodesAnswerOpenSSHWithTheirOwnDockerd(t *testing.T) {
	tb := sharedTestbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var host system.Info
	host, err := shared.cli.Info(ctx)
	require.NoError(t, err)

	ids := map[string]string{}
	kh := filepath.Join(tb.Dir, KnownHostsFile)
	for _, n := range tb.Nodes {
		out, err := openSSH(ctx, tb, kh, n.Name, "docker", "info", "--format", "{{.Name}} {{.ID}} {{.Driver}}")
		require.NoError(t, err)
		f := strings.Fields(out)
		require.Len(t, f, 3, out)
		require.Equal(t, n.Name, f[0], "docker info on %s names another engine", n.Name)
		require.NotEqual(t, host.ID, f[1], "%s answered with the host's dockerd", n.Name)
		require.Equal(t, "overlay2", f[2])
		ids[f[1]] = n.Name
	}
	require.Len(t, ids, len(tb.Nodes), "two nodes share a dockerd")

	// known_hosts is exact: node2's key at node1's address is refused.
	lines := strings.Split(strings.TrimSpace(readFile(t, kh)), "\n")
	require.Len(t, lines, 3)
	swapped := strings.Fields(lines[0])[0] + " " + strings.SplitN(lines[1], " ", 2)[1] + "\n"
	bad := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(bad, []byte(swapped), 0o644))
	out, err := openSSH(ctx, tb, bad, "node1", "true")
	require.Error(t, err)
	require.Contains(t, out, "REMOTE HOST IDENTIFICATION HAS CHANGED")
}

// Cutting a node off makes ssh to it time out while it keeps running;
// restoring brings it back.
func TestCutAndRestore(t *testing.T) {
	tb := sharedTestbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kh := filepath.Join(tb.Dir, KnownHostsFile)
	t.Cleanup(func() { tb.Restore(context.Background(), "node3") })

	require.NoError(t, tb.Cut(ctx, "node3"))
	require.NoError(t, tb.Cut(ctx, "node3"), "cutting twice")
	start := time.Now()
	out, err := openSSH(ctx, tb, kh, "node3", "true")
	require.Error(t, err)
	require.Contains(t, out, "timed out")
	t.Logf("ssh to the cut node gave up after %.1fs", time.Since(start).Seconds())
	_, err = openSSH(ctx, tb, kh, "node2", "true")
	require.NoError(t, err, "only node3 is cut")
	st, err := shared.cli.ContainerInspect(ctx, tb.Nodes[2].Container)
	require.NoError(t, err)
	require.True(t, st.State.Running, "a cut node keeps running")

	require.NoError(t, tb.Restore(ctx, "node3"))
	out, err = openSSH(ctx, tb, kh, "node3", "docker", "info", "--format", "{{.Name}}")
	require.NoError(t, err)
	require.Equal(t, "node3", strings.TrimSpace(out))
}

// A killed node stops answering; started again it comes back with the same
// address, host key and Docker state.
func TestKillAndStart(t *testing.T) {
	tb := sharedTestbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kh := filepath.Join(tb.Dir, KnownHostsFile)
	before, err := openSSH(ctx, tb, kh, "node2", "docker", "info", "--format", "{{.ID}}")
	require.NoError(t, err)

	require.NoError(t, tb.Kill(ctx, "node2"))
	t.Cleanup(func() { tb.Start(context.Background(), "node2") })
	_, err = openSSH(ctx, tb, kh, "node2", "true")
	require.Error(t, err)

	require.NoError(t, tb.Start(ctx, "node2"))
	require.NoError(t, tb.WaitReady(ctx, time.Minute, progress()))
	after, err := openSSH(ctx, tb, kh, "node2", "docker", "info", "--format", "{{.ID}}")
	require.NoError(t, err)
	require.Equal(t, before, after, "the node's dockerd keeps its identity (its volume) across a kill")

	require.NoError(t, tb.Stop(ctx, "node2"))
	require.NoError(t, tb.Start(ctx, "node2"))
	require.NoError(t, tb.WaitReady(ctx, time.Minute, progress()))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}
