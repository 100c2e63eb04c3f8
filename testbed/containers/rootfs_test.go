package containers

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/fixtures/testbed/nodeimage"
	"github.com/edgerig/edgerig/internal/testenv"
)

// A root filesystem left with mounts inside (an interrupted debootstrap
// leaves /proc mounted) is removed without walking into them.
func TestRemoveRootfsDetachesMounts(t *testing.T) {
	testenv.Root(t)
	root := filepath.Join(t.TempDir(), "x.rootfs")
	proc := filepath.Join(root, "proc")
	require.NoError(t, os.MkdirAll(proc, 0o755))
	require.NoError(t, syscall.Mount("edgerig-test", proc, "tmpfs", 0, "size=1m"))
	t.Cleanup(func() { syscall.Unmount(proc, syscall.MNT_DETACH) })
	require.NoError(t, os.WriteFile(filepath.Join(proc, "keep"), []byte("x"), 0o644))
	require.Equal(t, []string{proc}, mountsUnder(root))

	require.NoError(t, removeRootfs(root))
	require.NoDirExists(t, root)
	require.Empty(t, mountsUnder(root))
}

// The node layer drops the build's host keys and machine id and adds the
// entrypoint and the sshd drop-in.
func TestNodeLayer(t *testing.T) {
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	for _, name := range []string{"./etc/ssh/ssh_host_ed25519_key", "./etc/ssh/ssh_host_rsa_key.pub", "./etc/machine-id", "./etc/hostname", "./usr/bin/ssh"} {
		require.NoError(t, writeFile(tw, name, 0o644, []byte(name), time.Unix(1700000000, 0)))
	}
	require.NoError(t, tw.Close())
	var out bytes.Buffer
	require.NoError(t, nodeLayer(&in, &out))
	got := map[string]string{}
	tr := tar.NewReader(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		got[h.Name] = string(b)
	}
	require.Len(t, got, 4)
	require.Contains(t, got, "./etc/hostname")
	require.Contains(t, got, "./usr/bin/ssh")
	require.Equal(t, string(nodeimage.Entrypoint), got["usr/local/sbin/edgerig-node-init"])
	require.Equal(t, string(nodeimage.SSHDConfig), got["etc/ssh/sshd_config.d/edgerig.conf"])
}
