package hdfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
)

// TestNamedJava runs the machine's java through NamedJava: it must run
// (java -version), through a link of the given name, so that the kernel
// names the process after it.
func TestNamedJava(t *testing.T) {
	testenv.Command(t, "java")
	dir := filepath.Join(t.TempDir(), "bin")
	args := append(NamedJava(dir, "hdfs-namenode"), "-version")
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "version")
	fi, err := os.Lstat(filepath.Join(dir, "hdfs-namenode"))
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeSymlink)
	// Again over an existing link.
	out, err = exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "%s", out)
}
