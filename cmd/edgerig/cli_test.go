package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/cli/clitest"
	"github.com/edgerig/edgerig/internal/testenv"
)

// Every row of the command table, walked: a command added to the table is
// covered without touching this test.
func TestEveryCommand(t *testing.T) {
	clitest.Walk(t, program(), edgerig)
}

func TestVersionAndTopLevel(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, errOut, code := edgerig(args...)
		require.Equal(t, 0, code, errOut)
		require.Regexp(t, `^edgerig \S+ \(go`, out)
	}
	out, errOut, code := edgerig("--help")
	require.Equal(t, 0, code)
	require.Empty(t, errOut)
	for _, c := range program().Commands {
		require.Contains(t, out, "  "+c.Name+" ")
	}
	_, errOut, code = edgerig()
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "Usage: edgerig COMMAND")
}

// The bash script is valid bash, registers itself, and completes
// commands, flags, spec files, run directories and testbed names (the
// latter by calling the real edgerig binary).
func TestCompletionBash(t *testing.T) {
	testenv.Command(t, "bash")
	bin := buildBinaries(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "edgerig.bash")
	out, errOut, code := edgerig("completion", "bash")
	require.Equal(t, 0, code, errOut)
	require.NoError(t, os.WriteFile(script, []byte(out), 0o644))
	b, err := exec.Command("bash", "-n", script).CombinedOutput()
	require.NoError(t, err, "bash -n: %s", b)

	work := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(work, "runs", "idle-local-20260101-120000"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(work, "exp.yaml"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(work, "notes.txt"), nil, 0o644))
	hosts, err := filepath.Abs("../../hosts.yaml")
	require.NoError(t, err)

	complete := func(line string) string {
		t.Helper()
		words := strings.Fields(line)
		if strings.HasSuffix(line, " ") {
			words = append(words, "")
		}
		var q []string
		for _, w := range words {
			q = append(q, "'"+w+"'")
		}
		sh := "source " + script + "\ncomplete -p edgerig\nCOMP_WORDS=(" + strings.Join(q, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\n_edgerig\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command("bash", "--norc", "-c", sh)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", b)
		return string(b)
	}
	for _, tc := range []struct{ line, want, not string }{
		{"edgerig ", "complete -F _edgerig edgerig\n", ""},
		{"edgerig r", "run\nreport\n", "validate"},
		{"edgerig testbed up ", "containers\nqemu\n", ""},
		{"edgerig run --q", "--quick\n", ""},
		{"edgerig run ", "exp.yaml\n", "notes.txt"},
		{"edgerig report ", "runs/idle-local-20260101-120000/\n", "exp.yaml"},
		{"edgerig run x.yaml --hosts " + hosts + " --testbed ", "local\n", ""},
		{"edgerig completion ", "bash\nzsh\n", ""},
	} {
		got := complete(tc.line)
		require.Contains(t, got, tc.want, tc.line)
		if tc.not != "" {
			require.NotContains(t, got, tc.not, tc.line)
		}
	}
}

// zsh loads the script through its bash completion emulation.
func TestCompletionZsh(t *testing.T) {
	testenv.Command(t, "zsh")
	out, errOut, code := edgerig("completion", "zsh")
	require.Equal(t, 0, code, errOut)
	script := filepath.Join(t.TempDir(), "_edgerig")
	require.NoError(t, os.WriteFile(script, []byte(out), 0o644))
	b, err := exec.Command("zsh", "-n", script).CombinedOutput()
	require.NoError(t, err, "zsh -n: %s", b)
	cmd := exec.Command("zsh", "-f", "-c", "source "+script+" && print -r -- ${_comps[edgerig]}")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	b, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	require.Contains(t, string(b), "_bash_complete", "zsh registers edgerig's completion")
}
