package report

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/stats"
)

// TestOrchestratorsSection renders the comparison of the generated
// idle-orchestrators run against its golden Markdown.
func TestOrchestratorsSection(t *testing.T) {
	a, err := Load(filepath.Join("testdata", "idle-orchestrators"))
	require.NoError(t, err)
	blocks := OrchestratorsSection(a)
	require.NotEmpty(t, blocks)
	golden(t, "idle-orchestrators.section.md", []byte(markdown("section", blocks)))
}

// statTrial is a trial with the given measure-phase means, keyed
// host/kind/label/metric; percentiles are the mean plus one.
func statTrial(id, kind string, rep int, means map[SeriesKey]float64) *Trial {
	t := &Trial{ID: id, Params: map[string]string{orchParam: kind}, Repeat: rep, Complete: true, byKey: map[SeriesKey]*Series{}}
	t.Title = trialTitle(id, t.Params)
	for k, v := range means {
		s := &Series{Key: k, Name: k.Label, Stat: Stat{N: 10, Mean: v, P50: v, P95: v + 1, Min: v, Max: v + 1}}
		s.Bins = newBins(1)
		s.Bins.add(0, v)
		s.Bins.add(1, v)
		t.byKey[k] = s
		t.Series = append(t.Series, s)
	}
	return t
}

// cpuMeans makes host CPU (and, when given, a daemon's CPU) means.
func cpuMeans(host map[string]float64, daemons map[[2]string]float64) map[SeriesKey]float64 {
	out := map[SeriesKey]float64{}
	for h, v := range host {
		out[SeriesKey{Host: h, Kind: "host", Metric: "cpu_pct"}] = v
		out[SeriesKey{Host: h, Kind: "host", Metric: "mem_used_bytes"}] = 100 * v * mib
	}
	for hd, v := range daemons {
		out[SeriesKey{Host: hd[0], Kind: "daemon", Label: hd[1], Metric: "cpu_pct"}] = v
	}
	return out
}

func orchAggregate(trials ...*Trial) *Aggregate {
	return &Aggregate{Experiment: "idle-orchestrators", Status: "completed", Trials: trials, Hosts: []results.HostFacts{
		{Name: "m", Roles: []string{"master"}}, {Name: "w1", Roles: []string{"worker"}}, {Name: "w2", Roles: []string{"worker"}}}}
}

// TestOrchCompareNumbers checks the comparison's intervals against values
// worked out by hand from the formulas: t(0.975, 2) = 4.302653 and
// t(0.975, 4) = 2.776445 (equal variances and counts make Welch's degrees
// of freedom 2(n−1) = 4), Fieller's bounds as the roots of
// (m_a² − t²s_a²)r² − 2m_a m_b r + (m_b² − t²s_b²) = 0.
func TestOrchCompareNumbers(t *testing.T) {
	three := orchAggregate(
		statTrial("t1", "swarm", 1, cpuMeans(map[string]float64{"m": 2, "w1": 1, "w2": 1}, map[[2]string]float64{{"w1", "dockerd"}: 1, {"w2", "dockerd"}: 1})),
		statTrial("t2", "swarm", 2, cpuMeans(map[string]float64{"m": 3, "w1": 1, "w2": 2}, map[[2]string]float64{{"w1", "dockerd"}: 1, {"w2", "dockerd"}: 1})),
		statTrial("t3", "swarm", 3, cpuMeans(map[string]float64{"m": 4, "w1": 1, "w2": 3}, map[[2]string]float64{{"w1", "dockerd"}: 1, {"w2", "dockerd"}: 1})),
		statTrial("t4", "kubernetes", 1, cpuMeans(map[string]float64{"m": 9, "w1": 3, "w2": 3}, map[[2]string]float64{{"w1", "kubelet"}: 2, {"w2", "kubelet"}: 4, {"w1", "coredns"}: 1})),
		statTrial("t5", "kubernetes", 2, cpuMeans(map[string]float64{"m": 10, "w1": 3, "w2": 4}, map[[2]string]float64{{"w1", "kubelet"}: 2, {"w2", "kubelet"}: 4, {"w1", "coredns"}: 1})),
		statTrial("t6", "kubernetes", 3, cpuMeans(map[string]float64{"m": 11, "w1": 3, "w2": 5}, map[[2]string]float64{{"w1", "kubelet"}: 2, {"w2", "kubelet"}: 4, {"w1", "coredns"}: 1})),
	)
	one := orchAggregate(
		statTrial("t1", "swarm", 1, cpuMeans(map[string]float64{"m": 2, "w1": 1, "w2": 1}, nil)),
		statTrial("t2", "kubernetes", 1, cpuMeans(map[string]float64{"m": 8, "w1": 3, "w2": 3}, nil)),
	)
	// Swarm's master mean is 1 ± 1.73·4.30/√3: not distinguishable from 0.
	zero := orchAggregate(
		statTrial("t1", "swarm", 1, cpuMeans(map[string]float64{"m": 0}, nil)),
		statTrial("t2", "swarm", 2, cpuMeans(map[string]float64{"m": 0}, nil)),
		statTrial("t3", "swarm", 3, cpuMeans(map[string]float64{"m": 3}, nil)),
		statTrial("t4", "kubernetes", 1, cpuMeans(map[string]float64{"m": 5}, nil)),
		statTrial("t5", "kubernetes", 2, cpuMeans(map[string]float64{"m": 5}, nil)),
		statTrial("t6", "kubernetes", 3, cpuMeans(map[string]float64{"m": 5}, nil)),
	)
	nan := math.NaN()
	inf := math.Inf(1)
	for _, tc := range []struct {
		name       string
		a          *Aggregate
		role       string
		swarm      stats.Interval // CPU mean over the repeats
		kube       stats.Interval
		ratio      stats.Interval // Kubernetes ÷ Swarm, CPU
		masterText string         // the ratio as the tables print it
	}{
		{"master, 3 repeats", three, roleMaster,
			stats.Interval{Est: 3, Lo: 3 - 2.484138, Hi: 3 + 2.484138}, stats.Interval{Est: 10, Lo: 10 - 2.484138, Hi: 10 + 2.484138},
			stats.Interval{Est: 10.0 / 3, Lo: 2.093605, Hi: 7.237001}, "3.33 [2.09, 7.24]"},
		{"workers, 3 repeats, mean over two nodes", three, roleWorker,
			stats.Interval{Est: 1.5, Lo: 1.5 - 1.242069, Hi: 1.5 + 1.242069}, stats.Interval{Est: 3.5, Lo: 3.5 - 1.242069, Hi: 3.5 + 1.242069},
			stats.Interval{Est: 3.5 / 1.5, Lo: 1.409783, Hi: 5.121640}, "2.33 [1.41, 5.12]"},
		{"one repeat: no interval", one, roleMaster,
			stats.Interval{Est: 2, Lo: nan, Hi: nan}, stats.Interval{Est: 8, Lo: nan, Hi: nan},
			stats.Interval{Est: 4, Lo: nan, Hi: nan}, "4.00 (1 repeat: no interval)"},
		{"Swarm indistinguishable from zero: unbounded", zero, roleMaster,
			stats.Interval{Est: 1, Lo: 1 - 4.302653, Hi: 1 + 4.302653}, stats.Interval{Est: 5, Lo: 5, Hi: 5},
			stats.Interval{Est: 5, Lo: -inf, Hi: inf}, "5.00 [unbounded]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newOrchCompare(tc.a)
			require.NotNil(t, c)
			require.Len(t, c.Groups, 1)
			s, k := c.Groups[0].Cells[[2]string{kindSwarm, tc.role}], c.Groups[0].Cells[[2]string{kindKube, tc.role}]
			require.NotNil(t, s)
			require.NotNil(t, k)
			requireIv(t, tc.swarm, meanIv(s.CPU))
			requireIv(t, tc.kube, meanIv(k.CPU))
			requireIv(t, tc.ratio, ratioIv(s.CPU, k.CPU))
			require.Equal(t, tc.masterText, ratioText(ratioIv(s.CPU, k.CPU)))
		})
	}

	c := newOrchCompare(three)
	g := c.Groups[0]
	// Kubernetes's master ÷ worker per repeat: 9/3, 10/3.5, 11/4, paired.
	requireIv(t, stats.Interval{Est: 2.869048, Lo: 2.557476, Hi: 3.180619},
		pairedRatioIv(g.Cells[[2]string{kindKube, roleWorker}].CPU, g.Cells[[2]string{kindKube, roleMaster}].CPU))
	// Daemons per worker node: kubelet (2+4)/2, coredns on one of two nodes.
	kw := g.Cells[[2]string{kindKube, roleWorker}]
	require.InDelta(t, 3, daemonMean(kw, "kubelet", true), 1e-9)
	require.InDelta(t, 0.5, daemonMean(kw, "coredns", true), 1e-9)
	require.InDelta(t, 0, daemonMean(kw, "dockerd", true), 1e-9)
	require.Equal(t, []string{"kubelet", "coredns", "dockerd"}, daemonNames(kw, g.Cells[[2]string{kindSwarm, roleWorker}]))
	// p95: the mean over a role's nodes of each node's p95 (mean + 1 here).
	require.Equal(t, []float64{3, 4, 5, 2, 2.5, 3}, slices.Concat(g.Cells[[2]string{kindSwarm, roleMaster}].P95, g.Cells[[2]string{kindSwarm, roleWorker}].P95))
	require.InDelta(t, 300, meanOf(g.Cells[[2]string{kindSwarm, roleMaster}].Mem), 1e-9)

	// One repeat is said to give no interval, in the text and the tables.
	md := markdown("one", OrchestratorsSection(one))
	require.Contains(t, md, "**With one repeat there is no interval**")
	require.Contains(t, md, "| 2.00 (1 repeat) |")
	require.Contains(t, md, "4.00 (1 repeat: no interval)")
	require.Contains(t, md, "Kubernetes used 4.00× Swarm's CPU (one repeat: no interval)")

	// A trial cut short is marked where its numbers appear.
	one.Trials[1].Complete = false
	md = markdown("one", OrchestratorsSection(one))
	require.Contains(t, md, "| 1 (1 INCOMPLETE) |")
	require.Contains(t, md, "**INCOMPLETE**: 2 of the 4 trial-role figures")

	// Runs that do not compare Swarm with Kubernetes get no section.
	none := orchAggregate(statTrial("t1", "none", 1, cpuMeans(map[string]float64{"m": 1}, nil)),
		statTrial("t2", "swarm", 1, cpuMeans(map[string]float64{"m": 2}, nil)))
	require.Nil(t, newOrchCompare(none))
	require.Nil(t, OrchestratorsSection(none))
}

func requireIv(t *testing.T, want, got stats.Interval) {
	t.Helper()
	for _, p := range [][2]float64{{want.Est, got.Est}, {want.Lo, got.Lo}, {want.Hi, got.Hi}} {
		switch {
		case math.IsNaN(p[0]):
			require.True(t, math.IsNaN(p[1]), "want %+v, got %+v", want, got)
		case math.IsInf(p[0], 0):
			require.Equal(t, p[0], p[1], "want %+v, got %+v", want, got)
		default:
			require.InDelta(t, p[0], p[1], 2e-6, "want %+v, got %+v", want, got)
		}
	}
}

// TestOrchestratorsResults checks RESULTS.md's section of a Swarm vs
// Kubernetes run: the reproduced table beside the paper's, the paragraph
// and the k3s/kubeadm sentence, against its golden file.
func TestOrchestratorsResults(t *testing.T) {
	s := load(t, "idle-orchestrators")
	dir := t.TempDir()
	s.RunDir = filepath.Join(dir, "runs", "idle-orchestrators")
	path := filepath.Join(dir, "RESULTS.md")
	require.NoError(t, UpdateResults(path, s, ResultsOptions{}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	got := string(b)
	require.Contains(t, got, "| master  | CPU mean %      | 1.86 ± 0.35 |  9.76 ± 1.83 |  5.25 [4.08, 6.77] | Kubernetes ~30 %, Swarm less")
	require.Contains(t, got, "verified only on a real cluster")
	require.Contains(t, got, "The percentages do not carry over")
	golden(t, "idle-orchestrators.RESULTS.md", b)
}
