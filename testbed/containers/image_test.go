package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
)

func TestKeys(t *testing.T) {
	require.Len(t, RootfsKey(), 16)
	require.NotEqual(t, RootfsKey(), ImageKey())
	require.Equal(t, ImageRepository+":"+ImageKey(), ImageRef())
	require.NotEqual(t, hashOf("a", "bc"), hashOf("ab", "c"), "parts are delimited")
}

// Outdated node images are removed after a build, unless a container still
// uses them.
func TestPruneImages(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (real Docker engine)")
	}
	testenv.Root(t)
	cli := testenv.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := testID()
	old, used := ImageRepository+":edgerig-test-old-"+id, ImageRepository+":edgerig-test-used-"+id
	for _, ref := range []string{old, used} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		require.NoError(t, writeFile(tw, "/marker", 0o644, []byte(ref), time.Now()))
		require.NoError(t, tw.Close())
		rc, err := cli.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, ref, image.ImportOptions{Changes: []string{`CMD ["/marker"]`}})
		require.NoError(t, err)
		require.NoError(t, readJSONStream(rc, "import"))
		rc.Close()
		t.Cleanup(func() { cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true}) })
	}
	c, err := cli.ContainerCreate(ctx, &container.Config{Image: used, Labels: map[string]string{LabelTestbed: id}}, nil, nil, nil, "edgerig-tb-"+id+"-prune")
	require.NoError(t, err)
	t.Cleanup(func() { cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })

	pruneImages(ctx, cli, ImageRef(), io.Discard)
	_, err = cli.ImageInspect(ctx, old)
	require.True(t, errdefs.IsNotFound(err), "outdated image left: %v", err)
	_, err = cli.ImageInspect(ctx, used)
	require.NoError(t, err, "an image in use was removed")
}
