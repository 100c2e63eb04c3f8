package results

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// ScanSamples streams what Read collects: the same rows in the same order,
// the same warnings, and a manifest without samples from ReadMeta.
func TestScanSamplesMatchesRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, Manifest{Experiment: "x"}, nil)
	require.NoError(t, err)
	require.NoError(t, w.Record("a", "t1", "measure", rec(1, 1000, 50), 0))
	require.NoError(t, w.Record("b", "t1", "measure", rec(1, 1000, 40), 0))
	require.NoError(t, w.Record("a", "t1", "measure", rec(2, 2000, 60), 0))
	f, err := os.OpenFile(filepath.Join(dir, SamplesDir, "b.csv"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("t1,measure,x,2000,host,,cpu_pct,1\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	all, err := Read(dir)
	require.NoError(t, err)
	meta, err := ReadMeta(dir)
	require.NoError(t, err)
	require.Empty(t, meta.Samples)
	require.Equal(t, all.Manifest, meta.Manifest)
	got := map[string][]Row{}
	require.NoError(t, meta.ScanSamples(func(host string, r Row) error {
		got[host] = append(got[host], r)
		return nil
	}))
	require.Equal(t, all.Samples, got)
	require.Equal(t, all.Warnings, meta.Warnings)
	require.Contains(t, meta.Warnings[len(meta.Warnings)-1], "b.csv:5: skipped: seq")

	stop := errors.New("enough")
	err = meta.ScanSamples(func(string, Row) error { return stop })
	require.ErrorIs(t, err, stop)
	require.Contains(t, err.Error(), "a.csv:2")
}
