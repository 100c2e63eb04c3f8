package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// edgerig ls lists the checked-in fixture runs, newest first, and passes
// over what is not a run directory.
func TestLs(t *testing.T) {
	out := t.TempDir()
	for _, name := range []string{"idle-3hosts", "aborted"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", name, "manifest.json"))
		require.NoError(t, err)
		if name == "aborted" {
			// A later start, so that it lists first.
			b = []byte(strings.Replace(string(b), `"start": "2026-11-02T10:00:00Z"`, `"start": "2026-11-03T10:00:00Z"`, 1))
		}
		require.NoError(t, os.MkdirAll(filepath.Join(out, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(out, name, "manifest.json"), b, 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(out, "not-a-run"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(out, "broken"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(out, "broken", "manifest.json"), []byte("{"), 0o644))

	stdout, stderr, code := edgerig("ls", "--out", out)
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3, stdout)
	require.Regexp(t, `^RUN\s+EXPERIMENT\s+STATUS\s+START\s+DURATION\s+TESTBED\s+HARDWARE$`, lines[0])
	require.Regexp(t, `aborted\s+idle-local\s+aborted\s+2026-11-0[23] \d\d:\d\d:\d\d\s+-\s+containers\s+rpi3$`, lines[1])
	require.Regexp(t, `idle-3hosts\s+idle-local\s+completed\s+.*\s+52s\s+containers\s+rpi3$`, lines[2])
	require.Contains(t, stderr, "broken")
	require.NotContains(t, stderr, "not-a-run")

	_, stderr, code = edgerig("ls", "--out", filepath.Join(out, "missing"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "--out")
}
