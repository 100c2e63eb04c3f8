package results

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
)

func rec(seq uint64, tms int64, cpu float64) sample.Record {
	return sample.Record{V: sample.Version, Seq: seq, TimeMS: tms, Series: []sample.Series{
		{Kind: sample.KindHost, Values: map[string]float64{sample.CPUPct: cpu, sample.MemUsedBytes: 1 << 30}},
		{Kind: sample.KindContainer, Label: "abc,\"def\"", Values: map[string]float64{sample.CPUPct: 1.5}},
	}}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, Manifest{Experiment: "x", Trials: []Trial{{ID: "t1", Repeat: 1}}}, []byte("name: x\n"))
	require.NoError(t, err)
	require.NoError(t, w.Event(Event{Type: EventRunStart}))
	require.NoError(t, w.Record("node/1", "t1", "measure", rec(1, 5000, 12.5), 2*time.Second))
	require.NoError(t, w.Record("node/1", "t1", "measure", rec(2, 6000, 13), 2*time.Second))
	require.NoError(t, w.Event(Event{Type: EventRunEnd}))
	require.NoError(t, w.Close(StatusCompleted, ""))

	r, err := Read(dir)
	require.NoError(t, err)
	require.Empty(t, r.Warnings)
	require.Equal(t, StatusCompleted, r.Manifest.Status)
	require.False(t, r.Manifest.End.IsZero())
	require.Len(t, r.Events, 2)
	rows := r.Samples["node_1"]
	require.Len(t, rows, 6)
	// Values of a record are sorted by metric; time is shifted onto the
	// runner's timeline by the offset.
	require.Equal(t, Row{Trial: "t1", Phase: "measure", Seq: 1, TimeMS: 3000, Kind: "host", Metric: sample.CPUPct, Value: 12.5}, rows[0])
	require.Equal(t, "abc,\"def\"", rows[2].Label, "labels survive CSV quoting")
	spec, err := os.ReadFile(filepath.Join(dir, SpecFile))
	require.NoError(t, err)
	require.Equal(t, "name: x\n", string(spec))
}

// A runner killed with -9 leaves a manifest saying running, no run-end
// event and perhaps a torn last row: the directory still reads, as aborted.
func TestReadAfterKill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, Manifest{Experiment: "x"}, nil)
	require.NoError(t, err)
	require.NoError(t, w.Record("h", "t1", "measure", rec(1, 1000, 50), 0))
	// Simulate the kill: no Close; append a torn row and a torn event.
	f, err := os.OpenFile(filepath.Join(dir, SamplesDir, "h.csv"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("t1,measure,2,20")
	require.NoError(t, err)
	f.Close()
	f, err = os.OpenFile(filepath.Join(dir, EventsFile), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"t":"2026-`)
	require.NoError(t, err)
	f.Close()

	r, err := Read(dir)
	require.NoError(t, err)
	require.Equal(t, StatusAborted, r.Manifest.Status)
	require.Len(t, r.Samples["h"], 3)
	require.Len(t, r.Warnings, 3, "torn row, torn event, aborted: %v", r.Warnings)
}

func TestCreateRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	_, err := Create(dir, Manifest{}, nil)
	require.Error(t, err, "a run directory is never reused")
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"node1": "node1", "a/b c": "a_b_c", "": "_", "pi-3.lan": "pi-3.lan"} {
		require.Equal(t, want, SafeName(in))
	}
}
