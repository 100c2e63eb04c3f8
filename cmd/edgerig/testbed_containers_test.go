package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/testbed/containers"
)

func TestTestbedUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"testbed"}, 2, "edgerig testbed: missing command"},
		{[]string{"testbed", "sideways", "containers"}, 2, `edgerig testbed: unknown command "sideways"`},
		{[]string{"testbed", "up", "toaster"}, 2, `edgerig testbed up: unknown command "toaster"`},
		{[]string{"testbed", "up", "containers"}, 2, "--dir is required"},
		{[]string{"testbed", "down", "containers"}, 2, "give one of --dir and --id"},
		{[]string{"testbed", "down", "containers", "--dir", "x", "--id", "y"}, 2, "give one of --dir and --id"},
		{[]string{"testbed", "down", "containers", "--dir", "x", "extra"}, 2, "takes no arguments"},
		{[]string{"testbed", "--help"}, 0, "containers"},
		{[]string{"testbed", "up", "containers", "--help"}, 0, "Usage: edgerig testbed up containers"},
		{[]string{"testbed", "down", "containers", "--dir", "/nonexistent/edgerig"}, 1, "no container testbed"},
		{[]string{"testbed", "up", "containers", "--dir", "x", "--as", "rpi9"}, 2, `--as: unknown board "rpi9": want one of rpi2, rpi3, rpi3b+, rpi4, rpi5`},
		{[]string{"testbed", "up", "containers", "--dir", "x", "--nodes", "3", "--as", "rpi2,rpi4"}, 2, "give one board, or one per node (3)"},
		{[]string{"testbed", "up", "containers", "--dir", "x", "--latency", "5ms"}, 2, "--latency needs --as"},
		{[]string{"testbed", "up", "containers", "--dir", "x", "--as", "rpi2", "--bench", "/nonexistent/edgerig-bench"}, 1, "--bench: stat /nonexistent/edgerig-bench"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := edgerig(tc.args...)
			require.Equal(t, tc.code, code, "stdout %s\nstderr %s", out, errOut)
			require.Contains(t, out+errOut, tc.want)
		})
	}
}

// The CLI brings a one-node container testbed up and down: the path of
// hosts.yaml on stdout, progress on stderr, nothing labelled left after down.
func TestTestbedContainersUpDown(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (real Docker engine)")
	}
	testenv.Root(t)
	testenv.Command(t, "debootstrap", "tar")
	cli := testenv.Docker(t)
	b := make([]byte, 3)
	rand.Read(b)
	id := "cli" + hex.EncodeToString(b)
	dir := t.TempDir()
	t.Cleanup(func() { containers.RemoveByLabel(context.Background(), cli, id, nil) })

	out, errOut, code := edgerig("testbed", "up", "containers", "--nodes", "1", "--dir", dir, "--id", id)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, filepath.Join(dir, "hosts.yaml"), strings.TrimSpace(out))
	require.Contains(t, errOut, "node1: ssh and dockerd answer")
	hosts, err := os.ReadFile(filepath.Join(dir, "hosts.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(hosts), "{name: node1, address: 172.")

	// --id finds it without the directory; --dir then removes the files.
	_, errOut, code = edgerig("testbed", "down", "containers", "--id", id)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "removed container edgerig-tb-"+id+"-node1")
	require.FileExists(t, filepath.Join(dir, "hosts.yaml"))
	_, errOut, code = edgerig("testbed", "down", "containers", "--dir", dir)
	require.Equal(t, 0, code, errOut)
	require.NoFileExists(t, filepath.Join(dir, "hosts.yaml"))
	ctx := context.Background()
	f := filters.NewArgs(filters.Arg("label", containers.LabelTestbed+"="+id))
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	require.NoError(t, err)
	ns, err := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	require.NoError(t, err)
	vs, err := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	require.NoError(t, err)
	require.Empty(t, cs)
	require.Empty(t, ns)
	require.Empty(t, vs.Volumes)
}
