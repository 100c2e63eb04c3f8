package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUpdateResults(t *testing.T) {
	s := load(t, "idle-3hosts")

	before := "# Results\n\nHand-written intro.\n\n<!-- edgerig:begin wordcount -->\nword count table\n<!-- edgerig:end wordcount -->\n"
	after := "\n## Notes\n\nkept   as is, trailing spaces too  \n"
	old := "<!-- edgerig:begin idle-local -->\nan old run\n<!-- edgerig:end idle-local -->"
	tests := []struct {
		name     string
		existing *string
		check    func(t *testing.T, got string)
	}{
		{"created when missing", nil, func(t *testing.T, got string) {
			require.True(t, strings.HasPrefix(got, resultsHeader), got)
		}},
		{"replaces the section, keeps the rest byte for byte", ptr(before + old + after), func(t *testing.T, got string) {
			require.True(t, strings.HasPrefix(got, before), got)
			require.True(t, strings.HasSuffix(got, endMarker("idle-local")+after), got)
			require.NotContains(t, got, "an old run")
		}},
		{"appends after other experiments", ptr(before), func(t *testing.T, got string) {
			require.True(t, strings.HasPrefix(got, before+"\n"+beginMarker("idle-local")), got)
		}},
		{"appends to a file without a final newline", ptr("# R"), func(t *testing.T, got string) {
			require.True(t, strings.HasPrefix(got, "# R\n\n"+beginMarker("idle-local")), got)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "RESULTS.md")
			if tt.existing != nil {
				require.NoError(t, os.WriteFile(path, []byte(*tt.existing), 0o644))
			}
			require.NoError(t, UpdateResults(path, s, ResultsOptions{}))
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			got := string(b)
			tt.check(t, got)
			require.Equal(t, 1, strings.Count(got, beginMarker("idle-local")))
			require.Equal(t, 1, strings.Count(got, endMarker("idle-local")))
			require.Contains(t, got, "| t2-swarm | orchestrator.kind=swarm | master  | master |      19.37 |")
			require.Contains(t, got, "| kubernetes.master.cpu_pct | ~30 ")

			// A second update of the same run changes nothing.
			require.NoError(t, UpdateResults(path, s, ResultsOptions{}))
			again, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, got, string(again))
		})
	}
}

func TestUpdateResultsGolden(t *testing.T) {
	s := load(t, "idle-3hosts")
	dir := t.TempDir()
	// The run directory sits under the results file's directory, as
	// runs/ does under the repository, so the path in the section is stable.
	s.RunDir = filepath.Join(dir, "runs", "idle-3hosts")
	path := filepath.Join(dir, "RESULTS.md")
	require.NoError(t, UpdateResults(path, s, ResultsOptions{}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	golden(t, "RESULTS.md", b)
}

func TestUpdateResultsUnclosedSection(t *testing.T) {
	s := load(t, "idle-3hosts")
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	in := "# R\n\n<!-- edgerig:begin idle-local -->\nhalf a section\n"
	require.NoError(t, os.WriteFile(path, []byte(in), 0o644))
	err := UpdateResults(path, s, ResultsOptions{})
	require.ErrorContains(t, err, "RESULTS.md:3:")
	b, rerr := os.ReadFile(path)
	require.NoError(t, rerr)
	require.Equal(t, in, string(b), "a file it cannot update must stay untouched")
}

// Only a completed run replaces a section, unless forced; a forced one
// says it is partial and names its run.
func TestUpdateResultsOnlyCompleted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	require.NoError(t, UpdateResults(path, load(t, "idle-3hosts"), ResultsOptions{}))
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	aborted := load(t, "aborted")
	err = UpdateResults(path, aborted, ResultsOptions{})
	require.ErrorIs(t, err, ErrNotCompleted)
	require.ErrorContains(t, err, "--results-force")
	kept, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(good), string(kept))

	require.NoError(t, UpdateResults(path, aborted, ResultsOptions{Force: true}))
	forced, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(forced), "ABORTED (partial data, recorded with --results-force)")
	require.Contains(t, string(forced), "testdata/aborted` — ABORTED")
	require.Contains(t, string(forced), "t2-swarm (incomplete)")
}

func ptr(s string) *string { return &s }
