// Command benchprobe measures edgerig-probe's overhead side by side with
// the alternatives the PyMon paper weighs (`make bench-probe`): for 10 and
// 50 idle containers, over --duration at 1 Hz, the CPU (% of one core, from
// /proc/PID/stat) and peak RSS (VmHWM) of edgerig-probe, of Debian's
// prometheus-node-exporter scraped at 1 Hz on loopback, of Debian's monit
// (the base of the PyMon paper's own monitor) at a 1 s cycle checking the
// system and the container daemons, and the extra CPU of dockerd +
// containerd + shims while the Docker stats API streams the same containers
// (over their idle rate). The first three run side by side in one window.
// It prints one table.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/probes/internal/loadimage"
	"github.com/edgerig/edgerig/sample"
)

func main() {
	dur := flag.Duration("duration", 60*time.Second, "measuring window per configuration")
	counts := flag.String("containers", "10,50", "idle container counts to measure with")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dur, *counts); err != nil {
		fmt.Fprintln(os.Stderr, "benchprobe:", err)
		os.Exit(1)
	}
}

type row struct {
	n                         int
	probeCPU, neCPU           float64 // from schedstat (ns)
	probeTicks                float64 // the probe from utime+stime (10 ms ticks), as before
	monitCPU                  float64
	probeRSS, neRSS, monitRSS uint64
	sampleUS                  float64
	probeStartMS              float64 // the probe's CPU during warmup, ms
	dockerIdle, dockerStream  float64
}

// warmup is how long every measured process runs before the window: past
// the probe's start-up scans (3 scans, 10 ticks apart, at 1 Hz).
const warmup = 22 * time.Second

func run(ctx context.Context, dur time.Duration, counts string) error {
	dir, err := os.MkdirTemp("", "edgerig-bench-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	probe := filepath.Join(dir, "edgerig-probe")
	b := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", probe, "github.com/edgerig/edgerig/cmd/edgerig-probe")
	b.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := b.CombinedOutput(); err != nil {
		return fmt.Errorf("build edgerig-probe: %w\n%s", err, out)
	}
	burn, err := loadimage.BuildBinary(ctx, dir)
	if err != nil {
		return err
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer cli.Close()
	owner := fmt.Sprintf("probebench-%d", os.Getpid())
	img, err := loadimage.Build(ctx, cli, burn, owner)
	if err != nil {
		return err
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_ = loadimage.RemoveAll(c, cli, owner)
		_ = loadimage.RemoveImage(c, cli, img)
	}()

	var rows []row
	var ids []string
	for _, f := range strings.Split(counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return fmt.Errorf("--containers: bad count %q", f)
		}
		for len(ids) < n {
			id, err := loadimage.Run(ctx, cli, img, fmt.Sprintf("edgerig-test-%s-%d", owner, len(ids)), owner, nil, "--for", "1h", "idle")
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		fmt.Fprintf(os.Stderr, "benchprobe: %d idle containers, measuring %s ...\n", n, dur)
		time.Sleep(3 * time.Second) // let the engine settle after starting them
		r, err := measure(ctx, probe, dir, cli, ids[:n], dur)
		if err != nil {
			return err
		}
		r.n = n
		rows = append(rows, r)
	}
	print(os.Stdout, rows, dur)
	return nil
}

// measure runs phase 1 (edgerig-probe and node_exporter side by side, and
// the daemons' idle rate) and phase 2 (Docker stats streaming).
func measure(ctx context.Context, probe, dir string, cli *client.Client, ids []string, dur time.Duration) (row, error) {
	var r row

	// Phase 1.
	pc := exec.CommandContext(ctx, probe, "--interval", "1s")
	stdin, _ := pc.StdinPipe()
	stdout, _ := pc.StdoutPipe()
	if err := pc.Start(); err != nil {
		return r, err
	}
	var costs []float64
	var seen int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			rec, err := sample.Decode(sc.Bytes())
			if err != nil {
				continue
			}
			n := 0
			for _, s := range rec.Series {
				if s.Kind == sample.KindContainer {
					n++
				}
				if s.Kind == sample.KindProbe {
					costs = append(costs, s.Values[sample.SampleCostMicro])
				}
			}
			seen = max(seen, n)
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return r, err
	}
	addr := ln.Addr().String()
	ln.Close()
	ne := exec.CommandContext(ctx, "prometheus-node-exporter", "--web.listen-address="+addr)
	ne.Stderr = io.Discard
	if err := ne.Start(); err != nil {
		return r, fmt.Errorf("start prometheus-node-exporter: %w", err)
	}
	mon, err := startMonit(ctx, dir)
	if err != nil {
		return r, err
	}
	defer mon.stop()
	// The window starts after the probe's start-up: its first three /proc
	// scans (ticks 0, 10 and 20) read every process's name, which a run of
	// minutes pays once. What that costs is measured and printed apart.
	startup := startNS(pc.Process.Pid)
	select {
	case <-time.After(warmup):
	case <-ctx.Done():
		return r, ctx.Err()
	}
	r.probeStartMS = startup.ms()
	pt := startMeter(pc.Process.Pid)
	pm, nm, mm := startNS(pc.Process.Pid), startNS(ne.Process.Pid), startNS(mon.cmd.Process.Pid)
	deadline := time.Now().Add(dur)
	scrapes := 0
	tick := time.NewTicker(time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			scrapes++
		}
		<-tick.C
	}
	tick.Stop()
	r.probeCPU, r.neCPU, r.monitCPU, r.probeTicks = pm.pct(), nm.pct(), mm.pct(), pt.pct()
	r.probeRSS, _ = peakRSS(pc.Process.Pid)
	r.neRSS, _ = peakRSS(ne.Process.Pid)
	r.monitRSS, _ = peakRSS(mon.cmd.Process.Pid)
	if err := mon.check(ctx); err != nil {
		return r, err
	}
	mon.stop()
	stdin.Close()
	_ = ne.Process.Kill()
	_ = ne.Wait()
	wg.Wait()
	_ = pc.Wait()
	if seen < len(ids) {
		return r, fmt.Errorf("edgerig-probe saw %d containers, want at least %d", seen, len(ids))
	}
	if scrapes < int(dur/time.Second)/2 {
		return r, fmt.Errorf("node_exporter answered only %d scrapes", scrapes)
	}
	// Skip the first two (cold) samples for the per-sample cost.
	if len(costs) > 2 {
		costs = costs[2:]
	}
	for _, c := range costs {
		r.sampleUS += c / float64(len(costs))
	}

	// Phase 2: the Docker stats API streaming every container.
	sctx, cancel := context.WithCancel(ctx)
	var swg sync.WaitGroup
	var mu sync.Mutex
	var streamed int64
	for _, id := range ids {
		st, err := cli.ContainerStats(sctx, id, true)
		if err != nil {
			cancel()
			return r, fmt.Errorf("docker stats %s: %w", id[:12], err)
		}
		swg.Add(1)
		go func() {
			defer swg.Done()
			defer st.Body.Close()
			n, _ := io.Copy(io.Discard, st.Body)
			mu.Lock()
			streamed += n
			mu.Unlock()
		}()
	}
	time.Sleep(2 * time.Second)
	sm := startMeter(pidsNamed("dockerd", "containerd")...) // shims included
	select {
	case <-time.After(dur):
	case <-ctx.Done():
	}
	r.dockerStream = sm.pct()
	cancel()
	swg.Wait()
	if streamed == 0 {
		return r, fmt.Errorf("the Docker stats streams sent nothing")
	}
	fmt.Fprintf(os.Stderr, "benchprobe: Docker stats streamed %d bytes for %d containers\n", streamed, len(ids))
	// The idle rate must cover the same processes (shims included).
	im := startMeter(pidsNamed("dockerd", "containerd")...)
	select {
	case <-time.After(min(dur, 20*time.Second)):
	case <-ctx.Done():
	}
	r.dockerIdle = im.pct()
	return r, nil
}

func print(w io.Writer, rows []row, dur time.Duration) {
	fmt.Fprintf(w, "\nProbe overhead, %s at 1 Hz per configuration after a %s warm-up, edgerig-probe, node_exporter and monit side by side in one window "+
		"(CPU in %% of one core from /proc/PID/task/*/schedstat; \"ticks\" from utime+stime, 10 ms resolution; RSS = peak VmHWM). "+
		"Load average during the run: %s\n\n", dur, warmup, loadavg())
	fmt.Fprintf(w, "| containers | edgerig-probe CPU | (ticks) | edgerig-probe RSS | probe CPU µs/sample | probe wall µs/sample (sample_us) | node_exporter CPU (1 Hz scrape) | node_exporter RSS | monit CPU (1 s cycle) | monit RSS | Docker stats extra CPU (dockerd+containerd+shims) |\n")
	fmt.Fprintf(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %.3f %% | %.3f %% | %.1f MB | %.0f | %.0f | %.3f %% | %.1f MB | %.3f %% | %.1f MB | %+.2f %% (%.2f → %.2f) |\n",
			r.n, r.probeCPU, r.probeTicks, float64(r.probeRSS)/1e6, cpuUS(r.probeCPU), r.sampleUS, r.neCPU, float64(r.neRSS)/1e6,
			r.monitCPU, float64(r.monitRSS)/1e6, r.dockerStream-r.dockerIdle, r.dockerIdle, r.dockerStream)
	}
	for _, r := range rows {
		fmt.Fprintf(w, "\nedgerig-probe start-up with %d containers (first %s, its first /proc scans included): %.1f ms of CPU\n", r.n, warmup, r.probeStartMS)
	}
	if len(rows) >= 2 {
		a, b := rows[0], rows[len(rows)-1]
		if b.n > a.n {
			fmt.Fprintf(w, "\nedgerig-probe cost per extra container (%d → %d containers): %.1f µs of CPU per sample (schedstat), %.1f µs of wall time per sample (sample_us)\n",
				a.n, b.n, (cpuUS(b.probeCPU)-cpuUS(a.probeCPU))/float64(b.n-a.n), (b.sampleUS-a.sampleUS)/float64(b.n-a.n))
		}
	}
}

// loadavg is /proc/loadavg's 1, 5 and 15 minute figures: how busy the
// (shared) machine was.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " / ") + " (1 / 5 / 15 min) on " + strconv.Itoa(runtime.NumCPU()) + " CPUs"
}

// cpuUS turns a CPU share of one core at 1 Hz into µs per sample.
func cpuUS(pct float64) float64 { return pct / 100 * 1e6 }
