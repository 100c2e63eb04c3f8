package results

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A runner killed mid-row leaves a last line without its newline, maybe
// cut mid-number (12.5 → 1): it is dropped and counted, never read as data.
func TestTornLastRowDropped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, Manifest{Experiment: "x"}, []byte("name: x\n"))
	require.NoError(t, err)
	require.NoError(t, w.Record("n1", "t1", "measure", rec(1, 5000, 12.5), time.Second))
	require.NoError(t, w.Record("n1", "t1", "measure", rec(2, 6000, 12.5), time.Second))
	require.NoError(t, w.Close(StatusCompleted, ""))

	path := filepath.Join(dir, SamplesDir, "n1.csv")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(b, []byte(",cpu_pct,1.5\n")), "%s", b)
	// Cut the last row mid-number: 1.5 → 1.
	require.NoError(t, os.WriteFile(path, b[:len(b)-len(".5\n")], 0o644))

	r, err := Read(dir)
	require.NoError(t, err)
	require.Equal(t, 1, r.DroppedRows)
	require.Len(t, r.Samples["n1"], 5)
	for _, row := range r.Samples["n1"] {
		if row.Metric == "cpu_pct" && row.Kind == "container" {
			require.Equal(t, 1.5, row.Value, "no torn value read as data: %+v", row)
		}
	}
	require.Contains(t, r.Warnings[len(r.Warnings)-1], "torn last row")
}

// splitCSVLine reads back what encoding/csv writes (on one line).
func FuzzSplitCSVLine(f *testing.F) {
	for _, s := range []string{"", "a", `abc,"def"`, `"`, "a,,b,", `x"y`, " lead", "ü,\"\"\""} {
		f.Add(s, "b")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if bytes.ContainsAny([]byte(a+b), "\r\n") {
			return
		}
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		require.NoError(t, cw.Write([]string{a, b}))
		cw.Flush()
		got, err := splitCSVLine(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil)
		require.NoError(t, err)
		require.Equal(t, []string{a, b}, got)
	})
}
