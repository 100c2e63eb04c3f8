package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\nphases:\n  measure: {duration: 6o s}\nbogus: 1\n"), 0o644))

	out, errOut, code := edgerig("validate", "../../experiments/idle-local.yaml")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "idle-local.yaml: valid: idle-local, 2 trial(s)")

	_, errOut, code = edgerig("validate", bad)
	require.Equal(t, 2, code)
	// Every problem at once, one per line, FILE:LINE:COL: path: message.
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	require.Len(t, lines, 2, errOut)
	require.Regexp(t, `^`+regexp.QuoteMeta(bad)+`:3:\d+: phases\.measure\.duration: "6o s" is not a duration`, lines[0])
	require.Regexp(t, `^`+regexp.QuoteMeta(bad)+`:4:1: bogus: unknown field`, lines[1])

	_, _, code = edgerig("validate", filepath.Join(dir, "missing.yaml"))
	require.Equal(t, 2, code)
}
