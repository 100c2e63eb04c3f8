package transporttest

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgerig/edgerig/transport"
	"github.com/stretchr/testify/require"
)

func testCopy(t *testing.T, tr transport.Transport) {
	dir := tempDir(t, tr)
	local := t.TempDir()
	for _, tc := range []struct {
		name string
		dst  string
		size int
		perm os.FileMode
	}{
		{"executable", "probe", 2 << 20, 0o755},
		{"private", "secret.conf", 1000, 0o600},
		{"overwrite", "probe", 300 << 10, 0o640},
		{"empty", "empty", 0, 0o644},
		// Read back by cat under the exact name: a shell that interpreted
		// the name would have written elsewhere.
		{"odd name", "it's a \"file\"; $(echo x) `echo y` $HOME *\n", 4096, 0o644},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.size)
			_, _ = rand.Read(data)
			src := filepath.Join(local, "src")
			require.NoError(t, os.WriteFile(src, data, 0o600))
			dst := filepath.Join(dir, tc.dst)
			require.NoError(t, tr.Copy(ctx(t), src, dst, tc.perm))

			got, err := transport.Output(ctx(t), tr, "cat", dst)
			require.NoError(t, err)
			require.True(t, string(data) == got, "content differs (%d bytes sent, %d read back)", len(data), len(got))
			mode, err := transport.Output(ctx(t), tr, "stat", "-c", "%a", dst)
			require.NoError(t, err)
			require.Equal(t, tc.perm.String()[1:], permString(mode))
			// Nothing but the destinations: no temporary file left beside them.
			ls, err := transport.Output(ctx(t), tr, "ls", "-A", dir)
			require.NoError(t, err)
			require.NotContains(t, ls, "tmp", "a temporary file was left in %s: %q", dir, ls)
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		src := filepath.Join(local, "src")
		require.NoError(t, os.WriteFile(src, []byte("x"), 0o600))
		require.Error(t, tr.Copy(ctx(t), src, filepath.Join(dir, "no", "such", "dir", "f"), 0o644))
	})
	t.Run("missing source", func(t *testing.T) {
		dst := filepath.Join(dir, "never")
		require.Error(t, tr.Copy(ctx(t), filepath.Join(local, "no-such-file"), dst, 0o644))
		require.False(t, exists(t, tr, dst))
	})
}

// permString turns stat's octal mode ("755") into ls style ("rwxr-xr-x").
func permString(octal string) string {
	var m os.FileMode
	for _, c := range strings.TrimSpace(octal) {
		m = m<<3 | os.FileMode(c-'0')
	}
	return m.Perm().String()[1:]
}
