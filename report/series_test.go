package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

// TestTrialsWithoutEvents covers a run whose events.jsonl was lost: the
// measure window comes from the rows, trials from the samples alone.
func TestTrialsWithoutEvents(t *testing.T) {
	base := fixtureStart.UnixMilli()
	row := func(trial, phase string, sec int64, metric string, v float64) results.Row {
		return results.Row{Trial: trial, Phase: phase, TimeMS: base + sec*1000, Kind: "host", Metric: metric, Value: v}
	}
	run := &results.Run{Samples: map[string][]results.Row{"h": {
		row("x", "settle", 0, "cpu_pct", 99),
		row("x", "measure", 12, "cpu_pct", 3), // out of order on purpose
		row("x", "measure", 10, "cpu_pct", 1),
		row("x", "measure", 11, "cpu_pct", 2),
		row("x", "measure", 10, "net_rx_bytes", 1000),
		row("x", "measure", 11, "net_rx_bytes", 3000),
		row("x", "measure", 12, "net_rx_bytes", 10), // counter reset: no rate
	}}}
	data := trials(run)
	require.Len(t, data, 1)
	td := data[0]
	require.Equal(t, "x", td.ID)
	require.Equal(t, "x", td.Title)
	require.False(t, td.Complete)
	require.Equal(t, fixtureStart.Add(10*time.Second), td.Start)
	require.Equal(t, 2.0, td.Seconds())
	cpu := td.Series[seriesKey{Host: "h", Kind: "host", Metric: "cpu_pct"}]
	require.Equal(t, []float64{0, 1, 2}, cpu.T)
	require.Equal(t, []float64{1, 2, 3}, cpu.V, "sorted by time, settle left out")
	rx := td.Series[seriesKey{Host: "h", Kind: "host", Metric: "net_rx_bytes_per_s"}]
	require.Equal(t, []float64{2000}, rx.V)
	_, raw := td.Series[seriesKey{Host: "h", Kind: "host", Metric: "net_rx_bytes"}]
	require.False(t, raw, "a cumulative counter is replaced by its rate")
}

func TestLostUntilPhaseEnd(t *testing.T) {
	at := func(s int) time.Time { return fixtureStart.Add(time.Duration(s) * time.Second) }
	run := &results.Run{Samples: map[string][]results.Row{}, Events: []results.Event{
		{Time: at(0), Type: results.EventPhaseStart, Trial: "t", Phase: "measure"},
		{Time: at(-5), Type: results.EventNodeLost, Host: "a"}, // lost before the phase
		{Time: at(3), Type: results.EventNodeBack, Host: "a"},
		{Time: at(7), Type: results.EventNodeLost, Host: "b"}, // never back
		{Time: at(8), Type: results.EventNodeBack, Host: "c"}, // back without lost: ignored
		{Time: at(20), Type: results.EventPhaseEnd, Trial: "t", Phase: "measure"},
	}}
	run.Manifest.Trials = []results.Trial{{ID: "t"}}
	td := trials(run)[0]
	require.Equal(t, map[string][]interval{"a": {{0, 3}}, "b": {{7, 20}}}, td.Lost)
}

func TestDisplayName(t *testing.T) {
	id := "a0590ce31ab0c6cf6ac88f803b6813112cdedcd2db8cbbebae43105f464fd727"
	names := containerNames([]results.Event{
		{Type: results.EventContainer, Host: "m", Data: map[string]any{"id": id, "name": "/web.1"}},
		{Type: results.EventContainer, Host: "m", Data: map[string]any{"id": "nameless"}},
	})
	tests := []struct {
		key  seriesKey
		want string
	}{
		{seriesKey{Host: "m", Kind: "container", Label: id}, "web.1"},
		{seriesKey{Host: "m", Kind: "container", Label: id[:12]}, "web.1"},
		{seriesKey{Host: "other", Kind: "container", Label: id}, id[:12]},
		{seriesKey{Host: "m", Kind: "daemon", Label: "dockerd"}, "dockerd"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, displayName(names, tt.key), tt.key)
	}
}
