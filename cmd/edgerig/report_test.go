package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// copyRun copies a checked-in run directory of the report package, so the
// report can be written into it.
func copyRun(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "report", "testdata", name)
	dst := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

func TestReportCommand(t *testing.T) {
	tests := []struct {
		name, fixture string
		flagsFirst    bool
		noResults     bool
		force         bool
		keepsResults  bool // RESULTS.md must not be written
		wantStderr    []string
		wantMD        string
	}{
		{name: "completed", fixture: "idle-3hosts", wantMD: "**Status: completed.**"},
		{name: "flags before RUNDIR", fixture: "idle-3hosts", flagsFirst: true, wantMD: "**Status: completed.**"},
		{name: "aborted, torn row", fixture: "aborted",
			wantStderr: []string{"reported as aborted", "samples/master.csv:", "skipped",
				`it stopped in trial "t2-swarm" phase "measure"`, "RESULTS.md left as it is", "--results-force"},
			wantMD: "**Status: ABORTED.**", keepsResults: true},
		{name: "aborted, forced into RESULTS.md", fixture: "aborted", force: true,
			wantStderr: []string{"updated"}, wantMD: "**Status: ABORTED.**"},
		{name: "no RESULTS.md", fixture: "idle-3hosts", noResults: true, wantMD: "**Status: completed.**"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyRun(t, tt.fixture)
			resultsMD := filepath.Join(t.TempDir(), "RESULTS.md")
			if tt.noResults {
				resultsMD = ""
			}
			args := []string{"report", dir, "--results", resultsMD}
			if tt.force {
				args = append(args, "--results-force")
			}
			if tt.flagsFirst {
				args = []string{"report", "--results", resultsMD, dir}
			}
			out, errOut, code := reportCLI(args...)
			require.Equal(t, 0, code, errOut)
			require.Equal(t, filepath.Join(dir, "report"), reportLastLine(out))
			for _, w := range tt.wantStderr {
				require.Contains(t, errOut, w)
			}
			for _, f := range []string{"cpu.png", "cpu.svg", "memory.png", "memory.svg", "report.md", "report.pdf", "stats.csv"} {
				require.FileExists(t, filepath.Join(dir, "report", f))
			}
			md, err := os.ReadFile(filepath.Join(dir, "report", "report.md"))
			require.NoError(t, err)
			require.Contains(t, string(md), tt.wantMD)
			if tt.noResults {
				return
			}
			if tt.keepsResults {
				require.NoFileExists(t, resultsMD)
				return
			}
			res, err := os.ReadFile(resultsMD)
			require.NoError(t, err)
			require.Contains(t, string(res), "<!-- edgerig:begin idle-local -->")
			require.True(t, strings.Contains(string(res), dir), "RESULTS.md names the run directory")
		})
	}
}

func TestReportCommandUsage(t *testing.T) {
	_, errOut, code := reportCLI("report")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "Usage: edgerig report RUNDIR")
	_, _, code = reportCLI("report", "a", "b")
	require.Equal(t, 2, code)
	_, errOut, code = reportCLI("report", filepath.Join(t.TempDir(), "missing"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "manifest.json")
	out, errOut, code := reportCLI("report", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out+errOut, "Usage: edgerig report")
}

func TestCompareCommand(t *testing.T) {
	a, b := copyRun(t, "idle-3hosts"), copyRun(t, "aborted")
	out, errOut, code := reportCLI("compare", a, b)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "reported as aborted")
	require.Contains(t, out, "| trial ")
	require.Contains(t, out, "idle-3hosts (rpi3)")
	require.Contains(t, out, "| orchestrator.kind=none  | master | host CPU %")
	_, _, code = reportCLI("compare", a)
	require.Equal(t, 2, code)
}

// reportCLI runs the CLI in-process and returns stdout, stderr, exit code.
func reportCLI(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := realMain(args, &out, &errb)
	return out.String(), errb.String(), code
}

func reportLastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
