package stack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/engine"
	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/orchestrator/swarm"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/edgerig/edgerig/workload/stack"
)

// TestStackOnContainerTestbed runs commands as services of a real Swarm on
// a 2-node container testbed, with an image made on this machine and
// loaded onto the nodes by Load: output, exit status, a bind-mounted
// directory, cancellation and the sweep all as the word count uses them.
func TestStackOnContainerTestbed(t *testing.T) {
	tb := containerstest.Up(t, "stack", 2)
	local := testenv.Docker(t)
	inv, err := inventory.Load(tb.HostsPath())
	require.NoError(t, err)
	hosts, err := inv.Testbed("")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var c orchestrator.Cluster
	var targets []stack.Target
	for _, h := range hosts {
		cfg, err := ssh.ConfigFor(inv, h, false)
		require.NoError(t, err)
		st, err := ssh.Dial(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		n := orchestrator.Node{Name: h.Name, Addr: h.Address, T: st}
		if inventory.HasRole(h, "master") {
			c.Master = n
		} else {
			c.Workers = append(c.Workers, n)
		}
		targets = append(targets, stack.Target{Name: h.Name, T: st})
	}
	d := swarm.New()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		require.NoError(t, d.Teardown(ctx))
	})
	require.NoError(t, d.Setup(ctx, c))
	require.NoError(t, d.Ready(ctx))

	ref := "edgerig-stack-test:" + tb.ID
	importTool(t, ctx, local, ref)
	start := time.Now()
	require.NoError(t, stack.Load(ctx, local, ref, targets, testWriter{t}))
	t.Logf("image loaded onto %d nodes in %.1fs", len(targets), time.Since(start).Seconds())
	start = time.Now()
	require.NoError(t, stack.Load(ctx, local, ref, targets, nil))
	t.Logf("a second Load (the nodes have it) took %.2fs", time.Since(start).Seconds())

	mgr, err := engine.New(c.Master.T.(engine.Dialer))
	require.NoError(t, err)
	defer mgr.Close()
	worker := c.Workers[0]
	wcli, err := engine.New(worker.T.(engine.Dialer))
	require.NoError(t, err)
	defer wcli.Close()
	info, err := wcli.Info(ctx)
	require.NoError(t, err)
	dir := "/tmp/edgerig-stack-test"
	require.NoError(t, worker.T.Run(ctx, transport.Cmd{Args: []string{"mkdir", "-p", dir}}))
	t.Cleanup(func() { _ = worker.T.Run(context.Background(), transport.Cmd{Args: []string{"rm", "-rf", dir}}) })

	s := stack.New(mgr, "edgerig-wc-test", ref)
	h := s.Host(stack.Node{Name: worker.Name, ID: info.Swarm.NodeID, T: worker.T, Mounts: []string{dir}})

	var out, errOut bytes.Buffer
	require.NoError(t, h.Run(ctx, transport.Cmd{Args: []string{"/tool", "echo", "hello", "swarm"}, Stdout: &out, Stderr: &errOut}))
	require.Equal(t, "hello swarm\n", out.String())
	require.Equal(t, "oops\n", errOut.String())

	err = h.Run(ctx, transport.Cmd{Args: []string{"/tool", "exit", "3"}})
	var ee *transport.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 3, ee.Code, "%v", err)

	require.NoError(t, h.Run(ctx, transport.Cmd{Args: []string{"/tool", "write", dir + "/f", "from a service"}}))
	var got bytes.Buffer
	require.NoError(t, worker.T.Run(ctx, transport.Cmd{Args: []string{"cat", dir + "/f"}, Stdout: &got}))
	require.Equal(t, "from a service", got.String(), "the service's write reaches the node's directory")

	// A daemon: runs until its context ends; then its service and container go.
	rctx, rcancel := context.WithCancel(ctx)
	var sleepOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- h.Run(rctx, transport.Cmd{Args: []string{"/tool", "sleep"}, Stdout: &sleepOut}) }()
	require.Eventually(t, func() bool { return strings.Contains(sleepOut.String(), "sleeping") }, time.Minute, 100*time.Millisecond, "the daemon's output arrives while it runs")
	rcancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute of its context ending")
	}
	requireNoTaskContainers(t, ctx, wcli, worker.Name)

	// The sweep removes what is still running, and the Run watching it ends.
	go func() { done <- h.Run(ctx, transport.Cmd{Args: []string{"/tool", "sleep"}}) }()
	require.Eventually(t, func() bool {
		cs, _ := wcli.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", "com.docker.swarm.task"))})
		return len(cs) == 1
	}, time.Minute, 200*time.Millisecond)
	require.NoError(t, s.Remove(ctx))
	select {
	case err := <-done:
		require.Error(t, err, "a daemon whose service was removed has ended")
	case <-time.After(time.Minute):
		t.Fatal("Run did not notice its service was removed")
	}
	requireNoTaskContainers(t, ctx, wcli, worker.Name)
}

// requireNoTaskContainers waits until the node's engine has reaped every
// swarm task container (it does so soon after the task stopped).
func requireNoTaskContainers(t *testing.T, ctx context.Context, cli *client.Client, node string) {
	t.Helper()
	var left []string
	require.Eventually(t, func() bool {
		cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "com.docker.swarm.task"))})
		if err != nil {
			return false
		}
		left = left[:0]
		for _, c := range cs {
			left = append(left, strings.Join(c.Names, ",")+" "+c.State)
		}
		return len(cs) == 0
	}, time.Minute, 250*time.Millisecond, "%s: swarm task containers left: %v", node, left)
}

// importTool builds testdata/tool statically and imports it into this
// machine's engine as a FROM-scratch image; it is removed when the test
// ends.
func importTool(t *testing.T, ctx context.Context, cli *client.Client, ref string) {
	t.Helper()
	testenv.Command(t, "go")
	bin := filepath.Join(t.TempDir(), "tool")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./testdata/tool")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "tool", Mode: 0o755, Size: int64(len(data)), ModTime: time.Now()}))
	_, err = tw.Write(data)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	rc, err := cli.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, ref, image.ImportOptions{})
	require.NoError(t, err)
	_, _ = io.ReadAll(rc)
	rc.Close()
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true})
	})
}
