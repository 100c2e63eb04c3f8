package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
)

// sleeperImage builds testdata/sleeper statically into a FROM-scratch image
// in the host's engine and returns its reference; the image is removed
// when the test ends.
func sleeperImage(t *testing.T, tag string) string {
	t.Helper()
	testenvGo(t)
	bin := filepath.Join(t.TempDir(), "sleeper")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./testdata/sleeper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, writeFile(tw, "/sleeper", 0o755, data, time.Now()))
	require.NoError(t, tw.Close())

	ref := "edgerig-test-containers-sleeper:" + tag
	ctx := context.Background()
	rc, err := shared.cli.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{`ENTRYPOINT ["/sleeper"]`}})
	require.NoError(t, err)
	require.NoError(t, readJSONStream(rc, "importing "+ref))
	rc.Close()
	t.Cleanup(func() { shared.cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true}) })
	return ref
}

func testenvGo(t *testing.T) {
	t.Helper()
	testenv.Command(t, "go")
}

// The nodes form a 3-node Swarm among themselves, in their own dockerd,
// and a FROM-scratch service loaded into each node (no registry) runs one
// task per node.
func TestSwarmAcrossNodes(t *testing.T) {
	tb := sharedTestbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := func(node string, args ...string) string {
		t.Helper()
		out, err := tb.Run(ctx, node, nil, args...)
		require.NoError(t, err)
		return strings.TrimSpace(out)
	}
	ref := sleeperImage(t, tb.ID)
	start := time.Now()
	require.NoError(t, LoadImage(ctx, tb, ref))
	t.Logf("image loaded into %d nodes in %.1fs", len(tb.Nodes), time.Since(start).Seconds())

	t.Cleanup(func() {
		for _, n := range tb.Nodes {
			tb.Run(context.Background(), n.Name, nil, "docker", "swarm", "leave", "--force")
		}
	})
	start = time.Now()
	master := tb.Nodes[0]
	run(master.Name, "docker", "swarm", "init", "--advertise-addr", master.Address)
	token := run(master.Name, "docker", "swarm", "join-token", "-q", "worker")
	for _, n := range tb.Nodes[1:] {
		run(n.Name, "docker", "swarm", "join", "--token", token, master.Address+":2377")
	}
	require.Eventually(t, func() bool {
		out, err := tb.Run(ctx, master.Name, nil, "docker", "node", "ls", "--format", "{{.Status}}")
		return err == nil && strings.Count(out, "Ready") == len(tb.Nodes)
	}, time.Minute, 250*time.Millisecond, "every node Ready")
	t.Logf("swarm of %d nodes ready in %.1fs", len(tb.Nodes), time.Since(start).Seconds())

	start = time.Now()
	run(master.Name, "docker", "service", "create", "--detach", "--no-resolve-image", "--endpoint-mode", "dnsrr",
		"--name", "edgerig-test-sleeper", "--replicas", "3", "--replicas-max-per-node", "1", ref)
	var nodes []string
	require.Eventually(t, func() bool {
		out, err := tb.Run(ctx, master.Name, nil, "docker", "service", "ps", "edgerig-test-sleeper",
			"--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}")
		if err != nil {
			return false
		}
		nodes = nil
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[1] == "Running" {
				nodes = append(nodes, f[0])
			}
		}
		return len(nodes) == len(tb.Nodes)
	}, 2*time.Minute, 500*time.Millisecond, "one running task per node")
	sort.Strings(nodes)
	require.Equal(t, []string{"node1", "node2", "node3"}, nodes)
	t.Logf("service converged in %.1fs", time.Since(start).Seconds())

	// Each node runs its task in its own engine, and the swarm is made of
	// the nodes alone: not the host's engine (whose swarm, if some other
	// user has one, is another cluster).
	cluster := run(master.Name, "docker", "info", "--format", "{{.Swarm.Cluster.ID}}")
	require.NotEmpty(t, cluster)
	for _, n := range tb.Nodes {
		require.Equal(t, "1", run(n.Name, "sh", "-c", "docker ps -q --filter label=com.docker.swarm.service.name=edgerig-test-sleeper | wc -l"))
	}
	members := strings.Fields(run(master.Name, "docker", "node", "ls", "--format", "{{.Hostname}}"))
	sort.Strings(members)
	require.Equal(t, []string{"node1", "node2", "node3"}, members)
	host, err := shared.cli.Info(ctx)
	require.NoError(t, err)
	if host.Swarm.Cluster != nil {
		require.NotEqual(t, cluster, host.Swarm.Cluster.ID)
	}
}
