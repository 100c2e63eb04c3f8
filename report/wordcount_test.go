package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testdata/wordcount-captured is a real run of experiments/wordcount.yaml
// with --quick on this kind of machine (local testbed, real HDFS 3.5.0 and
// PySpark 4.3.0), captured by copying its run directory; only the job's
// stamped output (wordcount/*-job.log, a few MB) was left out, since the
// report reads delays.csv and batches.csv, not the log.
const wordCountCaptured = "testdata/wordcount-captured"

// TestWordCountSectionGolden renders the word-count section and the
// RESULTS.md part of the captured run and compares them with goldens; the
// figures are drawn and saved beside the report.
func TestWordCountSectionGolden(t *testing.T) {
	a, err := Load(wordCountCaptured)
	require.NoError(t, err)
	sec := WordCountSection(a)
	require.NotEmpty(t, sec)
	var figs []string
	for _, b := range sec {
		if b.Figure != nil {
			figs = append(figs, b.Figure.Name)
		}
	}
	require.Equal(t, []string{"wordcount-delay", "wordcount-batches", "wordcount-breakdown", "wordcount-processes"}, figs)
	golden(t, "wordcount-section.md", []byte(markdown("", sec)))

	out := t.TempDir()
	r, err := Render(a, out, Options{Sections: []Section{WordCountSection}})
	require.NoError(t, err)
	for _, f := range figs {
		require.Contains(t, r.Files, f+".png")
		require.FileExists(t, filepath.Join(out, f+".svg"))
	}
	md, err := os.ReadFile(filepath.Join(out, MarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "## Word-count delay (Table 4)")

	res := filepath.Join(t.TempDir(), "RESULTS.md")
	require.NoError(t, UpdateResults(res, a, ResultsOptions{Sections: []Section{WordCountResults}}))
	got, err := os.ReadFile(res)
	require.NoError(t, err)
	i := strings.Index(string(got), "### Word-count delay (Table 4), reproduced")
	require.GreaterOrEqual(t, i, 0, string(got))
	golden(t, "wordcount-results.md", got[i:])
}

// TestWordCountSectionAbsent: a run without delays.csv gets no section;
// a malformed delays.csv gets one saying what is wrong and where.
func TestWordCountSectionAbsent(t *testing.T) {
	a := &Aggregate{RunDir: t.TempDir()}
	require.Nil(t, WordCountSection(a))
	require.NoError(t, os.WriteFile(filepath.Join(a.RunDir, "delays.csv"), []byte("trial,collector\nt1,c\n"), 0o644))
	sec := WordCountSection(a)
	require.Len(t, sec, 2)
	require.Contains(t, sec[1].Text, "delays.csv")
	require.Contains(t, sec[1].Text, "line 1")
}
