package report

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// The run directories under testdata/ are made by this generator through
// the real results.Writer, so they stay in the format the runner writes:
//
//	go test ./report -run TestFixtures -fixtures
var regenFixtures = flag.Bool("fixtures", false, "regenerate the run directories in testdata/")

// fixtureStart is the fixtures' fixed clock: every time in them derives
// from it, so the goldens never change by themselves.
var fixtureStart = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// fixtureHost is one host of a fixture run and how busy it pretends to be.
type fixtureHost struct {
	name   string
	offset time.Duration // host clock − runner clock
	cpu    float64       // base host CPU %
	memMiB float64
}

// fixtureTrial describes one trial: its containers and daemons per host,
// and an optional loss of one host between two measure ticks.
type fixtureTrial struct {
	id, kind   string
	params     map[string]string // default: orchestrator.kind = kind
	repeat     int
	cpuFactor  float64
	containers map[string][]string // host → container names
	lostHost   string
	lostFrom   int // first measure tick missing
	lostTo     int // first measure tick back
	stopAfter  int // measure ticks written before the runner "dies" (0 = all)
	// daemons, when set, replace the default dockerd series: host → the
	// daemons it runs. Their CPU and RSS add to the host's.
	daemons map[string][]fixtureDaemon
	cores   float64 // the machine's cores: host cpu_cores is written when set
	wobble  float64 // amplitude of the host CPU's wave (default 2)
}

// fixtureDaemon is one daemon of a host in a fixture trial.
type fixtureDaemon struct {
	name   string
	cpu    float64 // % of one core
	rssMiB float64
}

const (
	settleTicks  = 3
	measureTicks = 20
)

func TestFixtures(t *testing.T) {
	if !*regenFixtures {
		t.Skip("run with -fixtures to regenerate the run directories in testdata/")
	}
	hosts := []fixtureHost{
		{"master", 0, 12, 420},
		{"worker1", 3 * time.Millisecond, 6, 300},
		{"worker2", -2 * time.Millisecond, 5, 290},
	}
	trials := []fixtureTrial{
		{id: "t1-none", kind: "none", cpuFactor: 1},
		{id: "t2-swarm", kind: "swarm", cpuFactor: 1.6,
			containers: map[string][]string{"master": {"web.1", "db.1"}, "worker1": {"web.2"}},
			lostHost:   "worker2", lostFrom: 8, lostTo: 12},
	}
	writeFixture(t, "testdata/idle-3hosts", hosts, trials, false)
	// A 2×2 matrix (orchestrator × replicas), each point repeated twice.
	var matrix []fixtureTrial
	for _, kind := range []string{"none", "swarm"} {
		for ri, replicas := range []string{"1", "4"} {
			for rep := 1; rep <= 2; rep++ {
				f := 1.0
				if kind == "swarm" {
					f = 1.5 + float64(ri)*0.8
				}
				f += 0.07 * float64(rep)
				tr := fixtureTrial{id: fmt.Sprintf("%s-r%s-%d", kind, replicas, rep), kind: kind, repeat: rep, cpuFactor: f,
					params: map[string]string{"orchestrator.kind": kind, "workload.replicas": replicas}}
				if kind == "swarm" {
					tr.containers = map[string][]string{"master": {"web.1"}, "worker1": {"web.2"}}
				}
				matrix = append(matrix, tr)
			}
		}
	}
	writeFixture(t, "testdata/matrix-2x2", hosts[:2], matrix, false)
	writeFixture(t, "testdata/aborted", hosts[:1], []fixtureTrial{
		{id: "t1-none", kind: "none", cpuFactor: 1},
		{id: "t2-swarm", kind: "swarm", cpuFactor: 1.6, containers: map[string][]string{"master": {"web.1"}}, stopAfter: 7},
	}, true)
	writeOrchestratorsFixture(t)
}

// writeOrchestratorsFixture writes testdata/idle-orchestrators: the
// PyMon comparison's shape (1 master + 3 workers, Swarm and Kubernetes,
// three repeats each) on a made-up container testbed with node-cgroup
// accounting, each orchestrator with its own daemons. Generated, not
// captured: its numbers only exercise the report.
func writeOrchestratorsFixture(t *testing.T) {
	nodes := []fixtureHost{{"node1", 0, 0.4, 180}, {"node2", 2 * time.Millisecond, 0.35, 170},
		{"node3", -time.Millisecond, 0.35, 170}, {"node4", time.Millisecond, 0.35, 170}}
	swarm := map[string][]fixtureDaemon{"node1": {{"containerd", 0.4, 40}, {"dockerd", 2.0, 95}}}
	kube := map[string][]fixtureDaemon{"node1": {{"kube-apiserver", 6.5, 250}, {"etcd", 3.2, 48},
		{"kube-controller-manager", 1.8, 108}, {"kube-scheduler", 0.6, 65}, {"kubelet", 2.4, 84},
		{"kube-proxy", 0.2, 40}, {"containerd", 0.9, 46}, {"dockerd", 0.5, 88}}}
	for _, n := range []string{"node2", "node3", "node4"} {
		swarm[n] = []fixtureDaemon{{"containerd", 0.3, 40}, {"dockerd", 0.8, 86}}
		kube[n] = []fixtureDaemon{{"kubelet", 2.1, 80}, {"kube-proxy", 0.2, 38}, {"containerd", 0.7, 44}, {"dockerd", 0.5, 85}}
	}
	kube["node2"] = append(kube["node2"], fixtureDaemon{"coredns", 0.3, 30})
	var trials []fixtureTrial
	for ki, kind := range []string{"swarm", "kubernetes"} {
		daemons := []map[string][]fixtureDaemon{swarm, kube}[ki]
		for rep := 1; rep <= 3; rep++ {
			trials = append(trials, fixtureTrial{id: fmt.Sprintf("t%d", 3*ki+rep), kind: kind, repeat: rep,
				cpuFactor: 1 + 0.05*float64(rep*rep%5), daemons: daemons, cores: 2, wobble: 0.1})
		}
	}
	writeFixture(t, "testdata/idle-orchestrators", nodes, trials, false, func(m *results.Manifest) {
		m.Experiment = "idle-orchestrators"
		m.Description = "Idle overhead of Docker Swarm vs Kubernetes, master and workers (generated fixture)"
		m.SpecPath = "experiments/idle-orchestrators.yaml"
		m.Reference = map[string]string{
			"paper":                     "PyMon (Figures 4-5): 4 Raspberry Pis (1 master + 3 workers), Docker 17.03, Hypriot OS",
			"kubernetes_master_cpu_pct": "~30", "kubernetes_worker_cpu_pct": "~10",
			"swarm": "less CPU and memory than Kubernetes on every node"}
		for i := range m.Hosts {
			h := &m.Hosts[i]
			h.Address = fmt.Sprintf("172.30.0.%d", 11+i)
			h.Roles = []string{"worker"}
			if i == 0 {
				h.Roles = []string{"master"}
			}
			h.Labels = map[string]string{"hardware": "container"}
			h.Arch, h.Model, h.Kernel = "x86_64", "Intel(R) Xeon(R) CPU @ 2.20GHz", "6.1.0-28-amd64"
			h.CgroupVersion, h.CPUs, h.MemBytes = 1, 2, 24<<30
			h.Accounting = "node cgroup"
		}
	})
}

// writeFixture writes one run directory; edits change its manifest (an
// experiment's own name, hosts' roles and facts) before it is created.
func writeFixture(t *testing.T, dir string, hosts []fixtureHost, trials []fixtureTrial, aborted bool, edits ...func(*results.Manifest)) {
	require.NoError(t, os.RemoveAll(dir))
	m := results.Manifest{
		Experiment: "idle-local", Description: "Idle CPU and memory with no orchestrator and with Docker Swarm",
		SpecPath: "experiments/idle-local.yaml", Testbed: "containers",
		Tool:      results.Tool{Version: "v0.1.0-fixture", GoVersion: "go1.26.0", OS: "linux", Arch: "amd64"},
		Reference: map[string]string{"kubernetes.master.cpu_pct": "~30", "kubernetes.worker.cpu_pct": "~10", "swarm.cpu_pct": "less than kubernetes"},
		Start:     fixtureStart, Status: results.StatusRunning,
	}
	for _, h := range hosts {
		role := "worker"
		if h.name == "master" {
			role = "master"
		}
		m.Hosts = append(m.Hosts, results.HostFacts{Name: h.name, Address: "10.0.0.1", Roles: []string{role},
			Labels: map[string]string{"hardware": "rpi3"}, Arch: "aarch64", Model: "Raspberry Pi 3 Model B Rev 1.2",
			Kernel: "6.1.21-v8+", OS: "Debian GNU/Linux 12 (bookworm)", CgroupVersion: 2, DockerVersion: "20.10.24",
			CPUs: 4, MemBytes: 970 << 20, ClockOffset: h.offset, ClockError: 400 * time.Microsecond})
	}
	for _, tr := range trials {
		params, repeat := tr.params, max(tr.repeat, 1)
		if params == nil {
			params = map[string]string{"orchestrator.kind": tr.kind}
		}
		m.Trials = append(m.Trials, results.Trial{ID: tr.id, Params: params, Repeat: repeat,
			Phases: []results.Phase{{Name: "setup", Timeout: time.Minute}, {Name: "settle", Duration: settleTicks * time.Second},
				{Name: "measure", Duration: measureTicks * time.Second}, {Name: "teardown", Timeout: time.Minute}}})
	}
	spec := []byte("experiment: idle-local\n")
	for _, e := range edits {
		e(&m)
	}
	if m.Experiment != "idle-local" {
		spec = []byte("# Generated by report/fixture_test.go (go test ./report -run TestFixtures -fixtures): not a captured run.\nname: " + m.Experiment + "\n")
	}
	w, err := results.Create(dir, m, spec)
	require.NoError(t, err)
	now := fixtureStart
	ev := func(e results.Event) {
		e.Time = now
		require.NoError(t, w.Event(e))
	}
	ev(results.Event{Type: results.EventRunStart})
	seq := map[string]uint64{}
	if writeTrials(t, w, dir, hosts, trials, seq, &now) {
		ev(results.Event{Type: results.EventRunEnd})
	}
	require.NoError(t, w.Close(results.StatusCompleted, ""))
	if !aborted {
		m.Status, m.End = results.StatusCompleted, now
	}
	b, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, results.ManifestFile), append(b, '\n'), 0o644))
}

// writeTrials writes the trials' events and samples; false when the runner
// "dies" in the middle.
func writeTrials(t *testing.T, w *results.Writer, dir string, hosts []fixtureHost, trials []fixtureTrial, seq map[string]uint64, clock *time.Time) bool {
	now := *clock
	defer func() { *clock = now }()
	ev := func(e results.Event) {
		e.Time = now
		require.NoError(t, w.Event(e))
	}
	for ti, tr := range trials {
		ev(results.Event{Type: results.EventTrialStart, Trial: tr.id})
		ev(results.Event{Type: results.EventPhaseStart, Trial: tr.id, Phase: "setup"})
		now = now.Add(2 * time.Second)
		for _, host := range slices.Sorted(maps.Keys(tr.containers)) {
			names := tr.containers[host]
			for _, n := range names {
				ev(results.Event{Type: results.EventContainer, Host: host, Data: map[string]any{
					"id": containerID(host, n), "name": "/" + n, "image": "edgerig/idle:1", "service": n[:len(n)-2],
				}})
			}
		}
		ev(results.Event{Type: results.EventPhaseEnd, Trial: tr.id, Phase: "setup"})
		for _, phase := range []string{"settle", "measure"} {
			ev(results.Event{Type: results.EventPhaseStart, Trial: tr.id, Phase: phase})
			n := settleTicks
			if phase == "measure" {
				n = measureTicks
			}
			for tick := 1; tick <= n; tick++ {
				if phase == "measure" && tr.stopAfter > 0 && tick > tr.stopAfter {
					tornRow(t, dir, hosts[0].name, tr.id, seq[hosts[0].name]+1, now)
					return false // the runner was killed here
				}
				now = now.Add(time.Second)
				if phase == "measure" && tr.lostHost != "" && tick == tr.lostFrom {
					ev(results.Event{Type: results.EventNodeLost, Trial: tr.id, Phase: phase, Host: tr.lostHost, Message: "probe stream ended: connection reset"})
				}
				if phase == "measure" && tr.lostHost != "" && tick == tr.lostTo {
					ev(results.Event{Type: results.EventNodeBack, Trial: tr.id, Phase: phase, Host: tr.lostHost, Message: "probe reconnected"})
				}
				for hi, h := range hosts {
					if phase == "measure" && h.name == tr.lostHost && tick >= tr.lostFrom && tick < tr.lostTo {
						continue
					}
					seq[h.name]++
					rec := fixtureRecord(h, hi, ti, tick, tr, seq[h.name], now)
					require.NoError(t, w.Record(h.name, tr.id, phase, rec, h.offset))
				}
			}
			now = now.Add(100 * time.Millisecond)
			ev(results.Event{Type: results.EventPhaseEnd, Trial: tr.id, Phase: phase})
		}
		ev(results.Event{Type: results.EventPhaseStart, Trial: tr.id, Phase: "teardown"})
		now = now.Add(time.Second)
		ev(results.Event{Type: results.EventPhaseEnd, Trial: tr.id, Phase: "teardown"})
		ev(results.Event{Type: results.EventTrialEnd, Trial: tr.id})
	}
	return true
}

// tornRow leaves what kill -9 in the middle of a write leaves: a partial
// last line without its newline; the manifest keeps saying running.
func tornRow(t *testing.T, dir, host, trial string, seq uint64, now time.Time) {
	f, err := os.OpenFile(filepath.Join(dir, results.SamplesDir, host+".csv"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(f, "%s,measure,%d,%d,host,,cpu_p", trial, seq, now.Add(time.Second).UnixMilli())
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func containerID(host, name string) string {
	var h uint64 = 14695981039346656037
	for _, c := range host + "/" + name {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return fmt.Sprintf("%016x%016x%016x%016x", h, h*31, h*37, h*41)
}

// fixtureRecord makes one probe tick with plausible, varying values.
func fixtureRecord(h fixtureHost, hi, ti, tick int, tr fixtureTrial, seq uint64, now time.Time) sample.Record {
	wave := func(k float64) float64 { return math.Round(100*math.Sin(float64(tick)*k+float64(hi))) / 100 }
	wob := tr.wobble
	if wob == 0 {
		wob = 2
	}
	cpu := h.cpu*tr.cpuFactor + wob*wave(0.7)
	if tr.repeat > 1 { // later repeats wander, so the repeats' band shows
		cpu += 0.75 * wob * wave(0.45+0.2*float64(tr.repeat))
	}
	mem := (h.memMiB + 40*float64(ti) + float64(tick%5)) * (1 << 20)
	daemons := []sample.Series{{Kind: sample.KindDaemon, Label: "dockerd", Values: map[string]float64{
		sample.CPUPct: 1.5*tr.cpuFactor + wave(1.3), sample.RSSBytes: (45 + 10*float64(ti)) * (1 << 20)}}}
	if tr.daemons != nil {
		daemons = nil
		mem = (h.memMiB + float64(tick%5)) * (1 << 20)
		for di, d := range tr.daemons[h.name] {
			dc := math.Round(1000*d.cpu*tr.cpuFactor*(1+0.1*wave(1.3+0.1*float64(di)))) / 1000
			rss := (math.Round(d.rssMiB*(0.9+0.1*tr.cpuFactor)) + float64(tick%3)) * (1 << 20)
			daemons = append(daemons, sample.Series{Kind: sample.KindDaemon, Label: d.name, Values: map[string]float64{
				sample.CPUPct: dc, sample.RSSBytes: rss}})
			cpu += dc / tr.cores
			mem += rss
		}
		cpu = math.Round(cpu*100) / 100 // the probe's resolution
	}
	r := sample.Record{Seq: seq, TimeMS: now.Add(h.offset).UnixMilli() + int64(hi*37)}
	host := map[string]float64{
		sample.CPUPct: cpu, sample.MemUsedBytes: mem, sample.MemAvailBytes: 970*(1<<20) - mem,
		sample.NetRxBytes: float64(1000*int(seq) + 17*tick*tick), sample.NetTxBytes: float64(600 * int(seq)),
	}
	if tr.cores > 0 {
		host[sample.CPUCores] = math.Round(cpu*tr.cores*100) / 10000
		host[sample.MemAvailBytes] = 24*(1<<30) - mem
	}
	r.Series = []sample.Series{
		{Kind: sample.KindHost, Values: host},
		{Kind: sample.KindCPU, Label: "0", Values: map[string]float64{sample.CPUPct: cpu + 1}},
		{Kind: sample.KindCPU, Label: "1", Values: map[string]float64{sample.CPUPct: cpu - 1}},
	}
	r.Series = append(r.Series, daemons...)
	r.Series = append(r.Series, []sample.Series{
		{Kind: sample.KindProbe, Values: map[string]float64{
			sample.CPUPct: 0.1 + 0.02*wave(2.1), sample.RSSBytes: 2.6*(1<<20) + float64(4096*(tick%3)),
			sample.SampleCostMicro: float64(120 + 7*(tick%6) + 10*hi)}},
	}...)
	for i, n := range tr.containers[h.name] {
		r.Series = append(r.Series, sample.Series{Kind: sample.KindContainer, Label: containerID(h.name, n),
			Values: map[string]float64{sample.CPUPct: 1.2 + float64(i) + 0.5*wave(0.4),
				sample.MemUsageBytes: (30 + 12*float64(i)) * (1 << 20), sample.MemWorkingSet: (22 + 12*float64(i) + float64(tick%4)) * (1 << 20)}})
	}
	return r
}
