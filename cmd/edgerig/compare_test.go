package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// edgerig compare on the checked-in fixture runs: the table on stdout,
// the directory last, its files in it; a missing run directory fails.
func TestCompareCommandOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cmp")
	a, b := "../../report/testdata/matrix-2x2", "../../report/testdata/idle-3hosts"
	stdout, stderr, code := edgerig("compare", a, b, "--out", out)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, out, lastLine(stdout))
	require.Contains(t, stdout, "| trial")
	require.Contains(t, stdout, "moving-block bootstrap", "idle-3hosts has one repeat: the method says so")
	for _, f := range []string{"compare.md", "compare.csv", "compare.pdf"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	_, stderr, code = edgerig("compare", a, filepath.Join(t.TempDir(), "missing"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "missing")
}
