package report

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// renderChildEnv makes the test binary a child that loads and renders one
// run directory and exits: the benchmark measures the child's peak RSS
// from the kernel's rusage, which counts every byte the render touched.
const renderChildEnv = "EDGERIG_REPORT_RENDER_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(renderChildEnv); dir != "" {
		a, err := Load(dir)
		if err == nil {
			_, err = Render(a, filepath.Join(dir, results.ReportDir), Options{})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeBigRun writes, through the real results.Writer, a run of hosts ×
// containers sampled at 1 Hz for ticks seconds in one measure phase: the
// size of a long run on a small cluster.
func writeBigRun(tb testing.TB, dir string, hosts, containers, ticks int) int {
	start := fixtureStart
	m := results.Manifest{Experiment: "bench", Testbed: "generated", Start: start, Status: results.StatusRunning,
		Trials: []results.Trial{{ID: "t1", Params: map[string]string{"orchestrator.kind": "swarm"}, Repeat: 1,
			Phases: []results.Phase{{Name: "measure", Duration: time.Duration(ticks) * time.Second}}}}}
	for h := range hosts {
		m.Hosts = append(m.Hosts, results.HostFacts{Name: fmt.Sprintf("node%d", h), CPUs: 4})
	}
	w, err := results.Create(dir, m, nil)
	if err != nil {
		tb.Fatal(err)
	}
	ev := func(t time.Time, typ, phase string) {
		if err := w.Event(results.Event{Time: t, Type: typ, Trial: "t1", Phase: phase}); err != nil {
			tb.Fatal(err)
		}
	}
	ev(start, results.EventTrialStart, "")
	ev(start, results.EventPhaseStart, "measure")
	rows := 0
	for k := 1; k <= ticks; k++ {
		now := start.Add(time.Duration(k) * time.Second)
		for h := range hosts {
			r := sample.Record{Seq: uint64(k), TimeMS: now.UnixMilli(), Series: []sample.Series{
				{Kind: sample.KindHost, Values: map[string]float64{sample.CPUPct: float64((k*7+h)%53) / 3,
					sample.MemUsedBytes: float64(300+k%50) * (1 << 20), sample.MemAvailBytes: 600 << 20,
					sample.NetRxBytes: float64(k * 1500), sample.NetTxBytes: float64(k * 900)}},
				{Kind: sample.KindProbe, Values: map[string]float64{sample.CPUPct: 0.1, sample.RSSBytes: 3 << 20, sample.SampleCostMicro: 150}},
				{Kind: sample.KindDaemon, Label: "dockerd", Values: map[string]float64{sample.CPUPct: 1.2, sample.RSSBytes: 50 << 20}},
			}}
			for c := range 4 {
				r.Series = append(r.Series, sample.Series{Kind: sample.KindCPU, Label: fmt.Sprint(c),
					Values: map[string]float64{sample.CPUPct: float64((k + c) % 30)}})
			}
			for c := range containers {
				r.Series = append(r.Series, sample.Series{Kind: sample.KindContainer, Label: fmt.Sprintf("%064x", h*1000+c),
					Values: map[string]float64{sample.CPUPct: float64((k+c)%11) / 2, sample.MemUsageBytes: float64(40+c) * (1 << 20),
						sample.MemWorkingSet: float64(30+c+k%3) * (1 << 20)}})
			}
			for _, s := range r.Series {
				rows += len(s.Values)
			}
			if err := w.Record(fmt.Sprintf("node%d", h), "t1", "measure", r, 0); err != nil {
				tb.Fatal(err)
			}
		}
	}
	end := start.Add(time.Duration(ticks+1) * time.Second)
	ev(end, results.EventPhaseEnd, "measure")
	ev(end, results.EventTrialEnd, "")
	if err := w.Event(results.Event{Time: end, Type: results.EventRunEnd}); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(results.StatusCompleted, ""); err != nil {
		tb.Fatal(err)
	}
	return rows
}

// BenchmarkRenderLongRun renders a generated run of 8 hosts × 20
// containers × 1 h at 1 Hz (about 2.2 million rows) in a child process,
// and prints its wall time and peak RSS. Targets: ≤ 5 s, ≤ 200 MB.
//
//	go test ./report -run '^$' -bench RenderLongRun -benchtime 1x
func BenchmarkRenderLongRun(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "run")
	rows := writeBigRun(b, dir, 8, 20, 3600)
	st, err := os.Stat(filepath.Join(dir, results.SamplesDir, "node0.csv"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var wall time.Duration
	var rss int64
	var cpu time.Duration
	for b.Loop() {
		_ = os.RemoveAll(filepath.Join(dir, results.ReportDir))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), renderChildEnv+"="+dir)
		cmd.Stderr = os.Stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("render child: %v", err)
		}
		wall = time.Since(t0)
		rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024 // kilobytes on Linux
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(wall.Seconds(), "s/render")
	b.ReportMetric(float64(rss)/1e6, "MB-peak-RSS")
	b.ReportMetric(cpu.Seconds(), "cpu-s/render")
	// CPU time is printed too: on a shared machine wall time also counts
	// the time others held the cores.
	fmt.Printf("render of %d rows (8 hosts × 20 containers × 3600 s, %.0f MB a host file): wall %.2f s, "+
		"CPU (user+sys) %.2f s, peak RSS %.1f MB (targets ≤ 5 s, ≤ 200 MB)\n",
		rows, float64(st.Size())/1e6, wall.Seconds(), cpu.Seconds(), float64(rss)/1e6)
}
