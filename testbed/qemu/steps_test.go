package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
)

func TestUnmountUnder(t *testing.T) {
	testenv.Root(t)
	dir := t.TempDir()
	mnt := filepath.Join(dir, "rootfs", "proc")
	require.NoError(t, os.MkdirAll(mnt, 0o755))
	out, err := exec.Command("mount", "-t", "proc", "proc", mnt).CombinedOutput()
	if err != nil {
		testenv.Missing(t, "mounting proc: "+strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	mounted := func() bool {
		b, err := os.ReadFile("/proc/self/mounts")
		require.NoError(t, err)
		return strings.Contains(string(b), " "+mnt+" ")
	}
	require.True(t, mounted())
	unmountUnder(dir)
	require.False(t, mounted())
	require.NoError(t, os.RemoveAll(dir))
}
