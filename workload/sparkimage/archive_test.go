package sparkimage

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every image says the platform of its architecture (the engine's import
// would have said its own), with the word count's environment.
func TestImageConfigPlatform(t *testing.T) {
	for _, tc := range []struct{ arch, os, cpu, variant string }{
		{"amd64", "linux", "amd64", ""},
		{"arm64", "linux", "arm64", ""},
		{"armv7", "linux", "arm", "v7"},
	} {
		a, err := LookupArch(tc.arch)
		require.NoError(t, err)
		c := imageConfig(a, "sha256:abc", time.Unix(0, 0))
		require.Equal(t, []string{tc.os, tc.cpu, tc.variant}, []string{c.OS, c.Architecture, c.Variant}, tc.arch)
		require.Contains(t, c.Config.Env, "JAVA_HOME="+a.JavaHome())
		require.Equal(t, a.Name, c.Config.Labels["edgerig.arch"])
		require.Equal(t, []string{"sha256:abc"}, c.RootFS.DiffIDs)
	}
}

// The archive is what `docker load` reads: manifest.json names the
// configuration and the layer by the paths they have in the archive, and
// the layer is the file given, byte for byte.
func TestWriteArchive(t *testing.T) {
	layer := filepath.Join(t.TempDir(), "layer.tar")
	require.NoError(t, os.WriteFile(layer, []byte("layer bytes"), 0o644))
	a, err := LookupArch("armv7")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, writeArchive(&buf, imageConfig(a, "sha256:0123", time.Unix(0, 0)), layer, "edgerig-spark:armv7-x"))

	files := map[string][]byte{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			files[h.Name] = b
		}
	}
	var m []manifestEntry
	require.NoError(t, json.Unmarshal(files["manifest.json"], &m))
	require.Len(t, m, 1)
	require.Equal(t, []string{"edgerig-spark:armv7-x"}, m[0].RepoTags)
	require.Equal(t, []string{"0123/layer.tar"}, m[0].Layers)
	require.Equal(t, "layer bytes", string(files[m[0].Layers[0]]))
	var c config
	require.NoError(t, json.Unmarshal(files[m[0].Config], &c))
	require.Equal(t, "arm", c.Architecture)
	require.Equal(t, "v7", c.Variant)
}
