package swarm

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/engine"
	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/orchestrator/orchestratortest"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
)

// TestConformance runs the driver suite on a real 3-node container
// testbed: each node its own sshd and dockerd, reached over SSH as a run
// reaches a Raspberry Pi.
func TestConformance(t *testing.T) {
	tb := containerstest.Up(t, "swarmconf", 3)
	inv, err := inventory.Load(tb.HostsPath())
	require.NoError(t, err)
	hosts, err := inv.Testbed("")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var c orchestrator.Cluster
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
	}
	ref := "edgerig-swarm-conformance:" + tb.ID
	loadSleeper(t, ctx, c, ref)
	start := time.Now()
	orchestratortest.Run(t, func() orchestrator.Driver { return New() }, c,
		orchestratortest.WithClean(clean),
		// An idle swarm runs no task: a global service gives List one per node.
		orchestratortest.WithDeploy(func(ctx context.Context, c orchestrator.Cluster) error {
			return c.Master.T.Run(ctx, transport.Cmd{Args: []string{"docker", "service", "create", "--detach",
				"--no-resolve-image", "--endpoint-mode", "dnsrr", "--mode", "global", "--name", "edgerig-conformance", ref}})
		}),
		orchestratortest.WithTimeout(3*time.Minute))
	t.Logf("conformance suite on %d nodes took %.1fs", len(c.Nodes()), time.Since(start).Seconds())
}

// clean reports, per node, a swarm membership, the marker volume or a
// swarm task's container left behind.
func clean(ctx context.Context, c orchestrator.Cluster) error {
	var errs []error
	for _, n := range c.Nodes() {
		cli, err := engine.New(n.T.(engine.Dialer))
		if err != nil {
			return err
		}
		defer cli.Close()
		if st, err := State(ctx, cli); err != nil || st != "inactive" {
			errs = append(errs, fmt.Errorf("%s: swarm state %q (%v)", n.Name, st, err))
		}
		if _, err := cli.VolumeInspect(ctx, MarkerVolume); err == nil {
			errs = append(errs, fmt.Errorf("%s: the marker volume is left", n.Name))
		}
		cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", taskLabel))})
		if err != nil || len(cs) > 0 {
			errs = append(errs, fmt.Errorf("%s: %d swarm task container(s) left (%v)", n.Name, len(cs), err))
		}
	}
	return errors.Join(errs...)
}

// loadSleeper builds testbed/containers/testdata/sleeper statically and
// imports it into every node's engine as a FROM-scratch image (no node can
// pull one); the images are removed when the test ends.
func loadSleeper(t *testing.T, ctx context.Context, c orchestrator.Cluster, ref string) {
	t.Helper()
	testenv.Command(t, "go")
	bin := filepath.Join(t.TempDir(), "sleeper")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "../../testbed/containers/testdata/sleeper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "sleeper", Mode: 0o755, Size: int64(len(data)), ModTime: time.Now()}))
	_, err = tw.Write(data)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	for _, n := range c.Nodes() {
		var stderr transport.Tail
		err := n.T.Run(ctx, transport.Cmd{Args: []string{"docker", "import", "--change", `ENTRYPOINT ["/sleeper"]`, "-", ref},
			Stdin: bytes.NewReader(buf.Bytes()), Stderr: &stderr})
		require.NoError(t, err, "%s: %s", n.Name, strings.TrimSpace(stderr.String()))
		t.Cleanup(func() {
			_ = n.T.Run(context.Background(), transport.Cmd{Args: []string{"docker", "image", "rm", "-f", ref}})
		})
	}
}
