package binaries_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/orchestrator/kubernetes/binaries"
	"github.com/edgerig/edgerig/testbed/containers"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
)

// cluster brings up an n-node container testbed and returns it as a
// Cluster (node1 the master) reached over SSH as hosts.yaml says.
func cluster(t *testing.T, prefix string, n int) orchestrator.Cluster {
	t.Helper()
	c, _ := clusterOn(t, prefix, n)
	return c
}

// clusterOn is cluster with its testbed, for tests that inject faults.
func clusterOn(t *testing.T, prefix string, n int) (orchestrator.Cluster, *containers.Testbed) {
	t.Helper()
	tb := containerstest.Up(t, prefix, n)
	inv, err := inventory.Load(tb.HostsPath())
	require.NoError(t, err)
	hosts, err := inv.Testbed("")
	require.NoError(t, err)
	var nodes []orchestrator.Node
	for _, h := range hosts {
		cfg, err := ssh.ConfigFor(inv, h, false)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		tr, err := ssh.Dial(ctx, cfg)
		cancel()
		require.NoError(t, err)
		t.Cleanup(func() { tr.Close() })
		nodes = append(nodes, orchestrator.Node{Name: h.Name, Addr: h.Address, T: tr})
	}
	return orchestrator.Cluster{Master: nodes[0], Workers: nodes[1:]}, tb
}

func config(t *testing.T) binaries.Config {
	cfg := binaries.Config{CacheDir: containers.CacheDir(), ModuleDir: "../../../fixtures/kubernetes"}
	if testing.Verbose() {
		cfg.Progress = os.Stderr
	}
	return cfg
}

// build builds the binaries into the cache, or finds them there: on a
// fresh machine it takes 10-20 minutes, so it has its own deadline and its
// time is logged apart from the set-up's.
func build(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (builds Kubernetes, container testbed)")
	}
	testenv.Command(t, "go")
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	start := time.Now()
	cfg := config(t)
	_, err := binaries.Build(ctx, binaries.BuildOptions{CacheDir: cfg.CacheDir, Version: binaries.DefaultVersion, ModuleDir: cfg.ModuleDir, Progress: cfg.Progress})
	require.NoError(t, err)
	t.Logf("binaries built or found in %.1fs", time.Since(start).Seconds())
}

// requireClean fails t with what is left on each node.
func requireClean(t *testing.T, c orchestrator.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, binaries.Clean(ctx, config(t), c.Nodes()))
}

// TestCluster sets up Kubernetes from the built binaries on a 4-node
// container testbed, waits until it is ready (4 nodes Ready, a Deployment
// Running on the workers, its Service answering by ClusterIP and DNS name
// from a pod on another node), lists the pods, tears down and checks that
// nothing is left on any node.
func TestCluster(t *testing.T) {
	build(t)
	c := cluster(t, "kbin", 4)
	cfg := config(t)
	cfg.KeepCheck = true // to see its pods in List
	d := binaries.New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		d.Teardown(ctx)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	require.NoError(t, d.Setup(ctx, c))
	setup := time.Since(start)
	require.NoError(t, d.Ready(ctx))
	t.Logf("set-up %.1fs, ready after %.1fs", setup.Seconds(), time.Since(start).Seconds())

	logMemory(t, ctx, c)
	ws, err := d.List(ctx)
	require.NoError(t, err)
	web := map[string]bool{}
	for _, w := range ws {
		t.Logf("pod %s/%s on %s (%s): %s", w.Namespace, w.Name, w.Node, w.Service, w.State)
		if w.Service == "web" {
			require.Equal(t, "Running", w.State)
			web[w.Node] = true
		}
	}
	require.Len(t, web, 3, "one replica on each worker")
	require.False(t, web[c.Master.Name])

	// The check sees a running cluster: it is the same check that must
	// find nothing after the teardown.
	left, err := binaries.Leftovers(ctx, config(t), c.Nodes())
	require.NoError(t, err)
	require.Len(t, left, 4)
	kinds := map[string]bool{}
	for _, things := range left {
		for _, s := range things {
			kind, _, _ := strings.Cut(s, ":")
			kinds[kind] = true
		}
	}
	for _, k := range []string{"process", "cgroup", "mount", "chain", "interface", "netns", "file", "route"} {
		require.True(t, kinds[k], "the leftover check finds a running cluster's %s entries", k)
	}

	start = time.Now()
	require.NoError(t, d.Teardown(ctx))
	t.Logf("teardown %.1fs", time.Since(start).Seconds())
	requireClean(t, c)
}

// logMemory logs the resident memory of each cluster component on each
// node, as ps sees it.
func logMemory(t *testing.T, ctx context.Context, c orchestrator.Cluster) {
	for _, n := range c.Nodes() {
		out, err := transport.Output(ctx, n.T, "ps", "-eo", "rss=,args=")
		require.NoError(t, err)
		var parts []string
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			name := filepath.Base(f[1])
			switch {
			case name == "containerd" && strings.Contains(line, "edgerig-k8s"):
				name = "containerd(CRI)"
			case name == "containerd":
				name = "containerd(docker)"
			case strings.HasPrefix(name, "kube"), name == "etcd", name == "coredns", name == "/coredns",
				strings.HasPrefix(name, "containerd-shim"), name == binaries.PodProgram:
			default:
				continue
			}
			kb, _ := strconv.Atoi(f[0])
			parts = append(parts, fmt.Sprintf("%s %.0fMB", name, float64(kb)/1024))
		}
		t.Logf("memory on %s: %s", n.Name, strings.Join(parts, ", "))
	}
}

// watch passes progress on and calls f once, when a line contains match.
type watch struct {
	out   io.Writer
	match string
	f     func()
	once  sync.Once
}

func (w *watch) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.match) {
		w.once.Do(w.f)
	}
	if w.out != nil {
		return w.out.Write(p)
	}
	return len(p), nil
}

// TestSetupCancelled kills a set-up halfway (its context ends as the
// kubelets are about to start: the control plane runs, every node has its
// files and containerd; a timer instead would race a fast set-up to its
// end) and leaves it as a killed
// run would, without a teardown; a new driver's Setup removes what it left
// and brings the cluster up, and its teardown leaves nothing.
func TestSetupCancelled(t *testing.T) {
	build(t)
	c := cluster(t, "kbinc", 4)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	killed, kill := context.WithCancel(ctx)
	cfg := config(t)
	cfg.Progress = &watch{out: cfg.Progress, match: "starting the kubelet", f: kill}
	err := binaries.New(cfg).Setup(killed, c)
	require.Error(t, err)
	require.ErrorIs(t, err, context.Canceled)
	left, err := binaries.Leftovers(ctx, config(t), c.Nodes())
	require.NoError(t, err)
	require.Len(t, left, 4, "the killed set-up left things on every node")
	require.Contains(t, strings.Join(left["node1"], "\n"), "kube-apiserver")

	d := binaries.New(config(t))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		d.Teardown(ctx)
	})
	require.NoError(t, d.Setup(ctx, c))
	require.NoError(t, d.Ready(ctx))
	require.NoError(t, d.Teardown(ctx))
	requireClean(t, c)
}

// TestTeardownNodeCutOff: a node cut off the network during teardown is
// named in the error with what may be left on it; the other nodes are
// cleaned all the same; once the node is back, a teardown finishes it.
func TestTeardownNodeCutOff(t *testing.T) {
	build(t)
	c, tb := clusterOn(t, "kbinu", 4)
	cfg := config(t)
	cfg.StepTimeout = 10 * time.Second
	d := binaries.New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		tb.Restore(ctx, "node4")
		d.Teardown(ctx)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	require.NoError(t, d.Setup(ctx, c))
	require.NoError(t, tb.Cut(ctx, "node4"))
	err := d.Teardown(ctx)
	require.Error(t, err)
	t.Logf("teardown with node4 cut off: %v", err)
	require.ErrorContains(t, err, "node node4: reading the state file")
	require.ErrorContains(t, err, "may be left there (as this run recorded it): path /var/lib/edgerig-k8s")
	require.ErrorContains(t, err, "daemon kubelet")
	for _, n := range []string{"node1", "node2", "node3"} {
		require.NotContains(t, err.Error(), "node "+n+":")
	}
	require.NoError(t, binaries.Clean(ctx, cfg, c.Nodes()[:3]))

	require.NoError(t, tb.Restore(ctx, "node4"))
	require.NoError(t, d.Teardown(ctx))
	requireClean(t, c)
}
