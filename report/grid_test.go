package report

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// gridRun is an in-memory run of a matrix a × b, one trial a point.
func gridRun(as, bs []string) *results.Run {
	run := &results.Run{Dir: "grid", Samples: map[string][]results.Row{}}
	run.Manifest = results.Manifest{Experiment: "grid", Status: results.StatusCompleted, Start: fixtureStart}
	t0 := fixtureStart
	for i, a := range as {
		for j, b := range bs {
			id := fmt.Sprintf("t-%s-%s", a, b)
			run.Manifest.Trials = append(run.Manifest.Trials, results.Trial{ID: id,
				Params: map[string]string{"orchestrator.kind": a, "workload.file_size": b}})
			run.Events = append(run.Events, results.Event{Time: t0, Type: results.EventPhaseStart, Trial: id, Phase: "measure"})
			for k := 1; k <= 30; k++ {
				for h, host := range []string{"master", "worker1"} {
					run.Samples[host] = append(run.Samples[host], results.Row{Trial: id, Phase: "measure", Seq: uint64(k),
						TimeMS: t0.Add(time.Duration(k) * time.Second).UnixMilli(), Kind: string(sample.KindHost),
						Metric: sample.CPUPct, Value: float64(5*i+2*j+3*h) + float64(k%7)})
				}
			}
			t0 = t0.Add(40 * time.Second)
			run.Events = append(run.Events, results.Event{Time: t0, Type: results.EventTrialEnd, Trial: id})
		}
	}
	return run
}

// The grid keeps one matrix axis a row and one a column up to 4 × 4, and
// each panel a readable size, from 2 to 12 panels. EDGERIG_REPORT_KEEP=DIR
// keeps the figures to look at.
func TestGridFigureSizes(t *testing.T) {
	tests := []struct {
		as, bs     []string
		rows, cols int
	}{
		{[]string{"swarm"}, []string{"532B", "1KB"}, 1, 2},
		{[]string{"swarm", "kubernetes"}, []string{"532B", "1KB"}, 2, 2},
		{[]string{"none", "swarm", "kubernetes"}, []string{"532B", "1KB", "4KB", "16KB"}, 3, 4},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%dx%d", len(tt.as), len(tt.bs))
		t.Run(name, func(t *testing.T) {
			a := AggregateRun(gridRun(tt.as, tt.bs))
			f, err := timeFigure(a, timeSpec{Name: "cpu-" + name, Title: "Host CPU", YLabel: "CPU (%)", Scale: 1,
				Pick: hostLines(sample.KindHost, sample.CPUPct, hostStyles(a)), Baseline: true})
			require.NoError(t, err)
			require.Equal(t, tt.rows, f.Rows)
			require.Equal(t, tt.cols, f.Cols)
			w, h := f.Size()
			require.Equal(t, FigureWidth, w, "every figure is page wide")
			panelH := (h - titleHeight - f.legendHeight(w)) / vg.Length(f.Rows)
			require.GreaterOrEqual(t, float64(panelH), float64(2*72), "panels at least 2 in high")
			dir := os.Getenv("EDGERIG_REPORT_KEEP")
			if dir == "" {
				dir = t.TempDir()
			}
			_, err = f.save(dir)
			require.NoError(t, err)
		})
	}
}
