package binaries

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The archive is in docker save format: three images, the pause and pod
// images sharing one layer, each config naming its entrypoint and layer,
// tags that change with the binaries.
func TestWriteImages(t *testing.T) {
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, PodProgram), []byte("pod program"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "coredns"), []byte("coredns"), 0o755))
	dst := filepath.Join(t.TempDir(), "images.tar")
	imgs, err := WriteImages(bin, dst)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(imgs.Pause, "edgerig.local/pause:"))
	require.True(t, strings.HasPrefix(imgs.CoreDNS, "edgerig.local/coredns:"))

	files := map[string][]byte{}
	f, err := os.Open(dst)
	require.NoError(t, err)
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[h.Name] = data
	}
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	require.NoError(t, json.Unmarshal(files["manifest.json"], &manifest))
	require.Len(t, manifest, 3)
	require.Equal(t, []string{imgs.Pause}, manifest[0].RepoTags)
	require.Equal(t, manifest[0].Layers, manifest[1].Layers, "pause and pod share the layer")
	require.NotEqual(t, manifest[0].Layers, manifest[2].Layers)
	layers := 0
	for name := range files {
		if strings.HasSuffix(name, "/layer.tar") {
			layers++
		}
	}
	require.Equal(t, 2, layers, "a shared layer is written once")

	var cfg struct {
		Config struct{ Entrypoint []string }
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	require.NoError(t, json.Unmarshal(files[manifest[0].Config], &cfg))
	require.Equal(t, []string{"/" + PodProgram, "pause"}, cfg.Config.Entrypoint)
	require.Equal(t, "sha256:"+strings.TrimSuffix(manifest[0].Layers[0], "/layer.tar"), cfg.RootFS.DiffIDs[0])

	lt := tar.NewReader(strings.NewReader(string(files[manifest[2].Layers[0]])))
	h, err := lt.Next()
	require.NoError(t, err)
	require.Equal(t, "coredns", h.Name)
	require.EqualValues(t, 0o755, h.Mode)

	require.NoError(t, os.WriteFile(filepath.Join(bin, PodProgram), []byte("pod program v2"), 0o755))
	again, err := WriteImages(bin, dst)
	require.NoError(t, err)
	require.NotEqual(t, imgs.Pod, again.Pod, "a changed binary is a new tag")
	require.Equal(t, imgs.CoreDNS, again.CoreDNS)
}
