package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The qemu kind's flags, through realMain as a user types them. Booting
// itself is tested in testbed/qemu (TestBoot, TestSmokeARM).
func TestTestbedQemuFlags(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantStderr string
	}{
		{"help", []string{"testbed", "up", "qemu", "--help"}, 0, "Usage: edgerig testbed up qemu [flags]"},
		{"no dir", []string{"testbed", "up", "qemu", "--arch", "arm64"}, 2, "--dir is required"},
		{"unknown arch", []string{"testbed", "up", "qemu", "--dir", empty, "--arch", "arm64,sparc"}, 2, `unknown architecture "sparc" (known: arm64, armv7)`},
		{"down of a directory with no testbed", []string{"testbed", "down", "qemu", "--dir", empty}, 0, ""},
		{"down help", []string{"testbed", "down", "qemu", "--help"}, 0, "Stops every VM that up started in DIR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := realMain(tc.args, &stdout, &stderr)
			require.Equal(t, tc.code, code, stderr.String())
			// --help answers on stdout, errors go to stderr.
			require.Contains(t, stdout.String()+stderr.String(), tc.wantStderr)
		})
	}
	_, err := os.Stat(filepath.Join(empty, "hosts.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist, "a refused up writes nothing")
}
