package containers

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/stretchr/testify/require"
)

// labelled counts the containers, networks and volumes labelled with id.
func labelled(t *testing.T, ctx context.Context, id string) (cs, ns, vs int) {
	t.Helper()
	f := filters.NewArgs(filters.Arg("label", LabelTestbed+"="+id))
	c, err := shared.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	require.NoError(t, err)
	n, err := shared.cli.NetworkList(ctx, network.ListOptions{Filters: f})
	require.NoError(t, err)
	v, err := shared.cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	require.NoError(t, err)
	return len(c), len(n), len(v.Volumes)
}

// With the image cached, up is a matter of seconds; down removes everything
// the testbed made, even when part of it is already gone, and refuses a
// second up in the same directory until then.
func TestUpDown(t *testing.T) {
	sharedTestbed(t) // the image is built (or found) by now
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	id := testID()
	t.Cleanup(func() { RemoveByLabel(context.Background(), shared.cli, id, nil) })

	start := time.Now()
	tb, err := Up(ctx, shared.cli, Options{Nodes: 2, Dir: dir, ID: id, Progress: progress()})
	require.NoError(t, err)
	t.Logf("up of 2 nodes with a warm image cache: %.1fs", time.Since(start).Seconds())
	cs, ns, vs := labelled(t, ctx, id)
	require.Equal(t, []int{2, 1, 2}, []int{cs, ns, vs})
	for _, f := range []string{HostsFile, KnownHostsFile, IdentityFile, StateFile} {
		require.FileExists(t, filepath.Join(dir, f))
	}

	_, err = Up(ctx, shared.cli, Options{Nodes: 1, Dir: dir, ID: testID()})
	require.ErrorContains(t, err, "already up")

	// Open finds it from the directory alone.
	again, err := Open(shared.cli, dir)
	require.NoError(t, err)
	out, err := again.Run(ctx, "node2", nil, "hostname")
	require.NoError(t, err)
	require.Equal(t, "node2\n", out)

	// Part of it already gone.
	require.NoError(t, shared.cli.ContainerRemove(ctx, tb.Nodes[0].Container, container.RemoveOptions{Force: true}))
	start = time.Now()
	require.NoError(t, Down(ctx, shared.cli, dir, progress()))
	t.Logf("down: %.1fs", time.Since(start).Seconds())
	cs, ns, vs = labelled(t, ctx, id)
	require.Equal(t, []int{0, 0, 0}, []int{cs, ns, vs}, "containers, networks, volumes left")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)

	require.ErrorContains(t, Down(ctx, shared.cli, dir, nil), "no container testbed")
}
