package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/edgerig/edgerig/results"
)

// bigRun is an in-memory run of a real size: hosts × trials of a ten
// minute measure phase at 1 Hz, with containers on every host.
func bigRun(hosts, trialsN, ticks, containers int) *results.Run {
	run := &results.Run{Dir: "bench", Samples: map[string][]results.Row{}}
	run.Manifest = results.Manifest{Experiment: "bench", Status: results.StatusCompleted, Start: fixtureStart}
	t0 := fixtureStart
	for ti := range trialsN {
		id := fmt.Sprintf("t%d", ti)
		run.Manifest.Trials = append(run.Manifest.Trials, results.Trial{ID: id, Params: map[string]string{"i": id}})
		run.Events = append(run.Events, results.Event{Time: t0, Type: results.EventPhaseStart, Trial: id, Phase: "measure"})
		for h := range hosts {
			host := fmt.Sprintf("node%d", h)
			for k := 1; k <= ticks; k++ {
				ms := t0.Add(time.Duration(k) * time.Second).UnixMilli()
				add := func(kind, label, metric string, v float64) {
					run.Samples[host] = append(run.Samples[host], results.Row{Trial: id, Phase: "measure",
						Seq: uint64(k), TimeMS: ms, Kind: kind, Label: label, Metric: metric, Value: v})
				}
				add("host", "", "cpu_pct", float64(k%17))
				add("host", "", "mem_used_bytes", float64(k%5)*(1<<20)+300<<20)
				add("probe", "", "cpu_pct", 0.1)
				add("probe", "", "rss_bytes", 3<<20)
				add("probe", "", "sample_us", 150)
				for c := range containers {
					add("container", fmt.Sprintf("%064d", c), "cpu_pct", float64((k+c)%7))
					add("container", fmt.Sprintf("%064d", c), "mem_working_set_bytes", float64(20+c)*(1<<20))
				}
			}
		}
		t0 = t0.Add(time.Duration(ticks+5) * time.Second)
		run.Events = append(run.Events, results.Event{Time: t0, Type: results.EventTrialEnd, Trial: id})
	}
	return run
}

// BenchmarkRender renders 4 hosts × 2 trials × 600 ticks with 10
// containers per host (≈ 240 000 rows) into every format.
func BenchmarkRender(b *testing.B) {
	run := bigRun(4, 2, 600, 10)
	rows := 0
	for _, r := range run.Samples {
		rows += len(r)
	}
	b.ReportMetric(float64(rows), "rows")
	for b.Loop() {
		if _, err := Render(run, b.TempDir()); err != nil {
			b.Fatal(err)
		}
	}
}
