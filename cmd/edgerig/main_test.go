package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// binDir holds edgerig and the probe build for this machine, built once
// for the package's integration tests: they run the real binaries the way
// a user does.
var binDir string

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "edgerig-cmd-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		binDir = dir
		return m.Run()
	}()
	os.Exit(code)
}

// buildBinaries builds edgerig and the local probe build on first use.
func buildBinaries(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(binDir, "edgerig")
	if _, err := os.Stat(exe); err == nil {
		return binDir
	}
	probe := filepath.Join(binDir, "probes", "edgerig-probe-linux-"+runtime.GOARCH)
	bench := filepath.Join(binDir, "edgerig-bench")
	for _, b := range []struct{ out, pkg string }{{exe, "."}, {probe, "../edgerig-probe"}, {bench, "../edgerig-bench"}} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go build %s: %s", b.pkg, out)
	}
	return binDir
}

// edgerig runs the CLI in-process and returns stdout, stderr, exit code.
func edgerig(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := realMain(args, &out, &errb)
	return out.String(), errb.String(), code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"run", "validate", "version"} {
		out, errOut, code := edgerig(cmd, "--help")
		require.Equal(t, 0, code, cmd)
		require.Contains(t, out+errOut, "Usage: edgerig "+cmd, cmd)
	}
	out, _, code := edgerig("--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "run")
	_, errOut, code := edgerig("frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "frobnicate"`)
}
