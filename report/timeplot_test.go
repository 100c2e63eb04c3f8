package report

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

// TestPanelsShareScales guards the point of the side-by-side layout:
// trials can only be compared by eye on equal axes.
func TestPanelsShareScales(t *testing.T) {
	run, err := results.Read(filepath.Join("testdata", "idle-3hosts"))
	require.NoError(t, err)
	data := trials(run)
	figs, err := hostFigures(data)
	require.NoError(t, err)
	cfigs, err := containerFigures(data, containerNames(run.Events))
	require.NoError(t, err)
	for _, f := range append(figs, cfigs...) {
		require.Len(t, f.Panels, 2, f.Name)
		a, b := f.Panels[0], f.Panels[1]
		require.Equal(t, a.Y.Min, b.Y.Min, f.Name)
		require.Equal(t, a.Y.Max, b.Y.Max, f.Name)
		require.Equal(t, a.X.Min, b.X.Min, f.Name)
		require.Equal(t, a.X.Max, b.X.Max, f.Name)
		require.Equal(t, "orchestrator.kind=none", a.Title.Text[:len("orchestrator.kind=none")], f.Name)
		require.Contains(t, b.Title.Text, "orchestrator.kind=swarm", f.Name)
	}
	// The highest host CPU value (master, swarm: 21.18 %) fits under the top.
	require.Greater(t, figs[0].Panels[0].Y.Max, 21.18)
	require.Zero(t, figs[0].Panels[0].Y.Min)
}

func TestSegments(t *testing.T) {
	tests := []struct {
		name string
		t    []float64
		want int
	}{
		{"empty", nil, 0},
		{"one", []float64{1}, 1},
		{"regular", []float64{1, 2, 3, 4, 5}, 1},
		{"jitter", []float64{1, 2.1, 2.9, 4.2, 5}, 1},
		{"gap", []float64{1, 2, 3, 8, 9, 10}, 2},
		{"two gaps", []float64{1, 2, 3, 8, 9, 15, 16}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := make([]float64, len(tt.t))
			segs := segments(tt.t, v)
			require.Len(t, segs, tt.want)
			n := 0
			for _, s := range segs {
				n += len(s)
			}
			require.Equal(t, len(tt.t), n, "no point lost")
		})
	}
}

func TestLostIntervals(t *testing.T) {
	run, err := results.Read(filepath.Join("testdata", "idle-3hosts"))
	require.NoError(t, err)
	data := trials(run)
	require.Empty(t, data[0].Lost)
	require.Equal(t, map[string][]interval{"worker2": {{From: 8, To: 12}}}, data[1].Lost)
}

func TestBusiest(t *testing.T) {
	trs := []trace{
		{Name: "a", V: []float64{1}}, {Name: "b", V: []float64{5}}, {Name: "c", V: nil},
		{Name: "d", V: []float64{3, 3}}, {Name: "e", V: []float64{4}},
	}
	names := func(ts []trace) (out []string) {
		for _, tr := range ts {
			out = append(out, tr.Name)
		}
		return out
	}
	require.Equal(t, []string{"b", "d", "e"}, names(busiest(trs, 3)))
	require.Equal(t, []string{"a", "b", "c", "d", "e"}, names(busiest(trs, 5)))
}

func TestManyContainersKeepLegendReadable(t *testing.T) {
	run := bigRun(1, 1, 30, 25)
	data := trials(run)
	figs, err := containerFigures(data, nil)
	require.NoError(t, err)
	p := figs[0].Panels[0]
	require.Contains(t, p.Title.Text, "top 10 of 25 by mean")
}
