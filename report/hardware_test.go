package report

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// hwTrial is a hand-made trial: host "pi" with clocks, a zone that
// reached its trip point and a throttle flag raised in 25 % of samples;
// host "vm" with CPU only.
func hwTrial(id string, hot bool) *Trial {
	tr := &Trial{ID: id, Title: "kind=x", Complete: true, byKey: map[SeriesKey]*Series{}}
	add := func(host string, kind sample.Kind, label, metric string, st Stat) {
		s := &Series{Key: SeriesKey{Host: host, Kind: string(kind), Label: label, Metric: metric}, Stat: st}
		tr.Series = append(tr.Series, s)
		tr.byKey[s.Key] = s
	}
	for _, h := range []string{"pi", "vm"} {
		add(h, sample.KindHost, "", sample.CPUPct, Stat{N: 60, Mean: 20, P50: 19, P95: 30, Max: 35})
		add(h, sample.KindHost, "", sample.MemUsedBytes, Stat{N: 60, Mean: 400 * mib, P50: 400 * mib, P95: 410 * mib, Max: 420 * mib})
	}
	add("pi", sample.KindCPU, "0", sample.FreqMHz, Stat{N: 60, Mean: 1400, Min: 600, P50: 1500, P95: 1500, Max: 1500})
	add("pi", sample.KindCPU, "1", sample.FreqMHz, Stat{N: 60, Mean: 1200, Min: 700, P50: 1300, P95: 1500, Max: 1500})
	maxT := 71.0
	if hot {
		maxT = 80.5
	}
	add("pi", sample.KindThermal, "cpu-thermal", sample.TempC, Stat{N: 60, Mean: 70, P50: 70, P95: 75, Max: maxT})
	add("pi", sample.KindThermal, "cpu-thermal", sample.TempLimitC, Stat{N: 60, Mean: 80, Min: 80, P50: 80, P95: 80, Max: 80})
	thr := 0.0
	if hot {
		thr = 1
	}
	add("pi", sample.KindThrottle, "", sample.Throttled, Stat{N: 60, Mean: thr / 4, Max: thr})
	add("pi", sample.KindThrottle, "", sample.UnderVoltage, Stat{N: 60})
	return tr
}

func TestHardwareRowsAndFlags(t *testing.T) {
	tr := hwTrial("t1", true)
	require.Equal(t, [][]string{
		{"pi", "clock MHz (mean of 2 cores; min 600)", "1300", "1400", "1500", "", "60"},
		{"pi", "temperature °C (cpu-thermal)", "70.0", "70.0", "75.0", "80.5", "60"},
	}, hwRows(tr, "pi"))
	require.Nil(t, hwRows(tr, "vm"), "a host without the files has no rows")
	require.Equal(t, []string{"throttled (25 % of samples)",
		"cpu-thermal reached its temperature limit (max 80.5 °C, limit 80.0 °C)"}, hwFlags(tr, "pi"))
	require.Nil(t, hwFlags(tr, "vm"))
	require.Nil(t, hwFlags(hwTrial("t2", false), "pi"), "cool and never throttled: no flag")
}

// TestFlaggedInTables: the trial's text and table, and the repeats table,
// carry the flag; a cool trial's do not.
func TestFlaggedInTables(t *testing.T) {
	a := &Aggregate{Trials: []*Trial{hwTrial("t1", true), hwTrial("t2", false)}}
	md := markdown("x", TrialsSection(a))
	require.Contains(t, md, "**Flagged** — a board throttled or reached its temperature limit in this trial")
	require.Contains(t, md, "| pi [THROTTLED/HOT] | CPU %")
	require.Contains(t, md, "| pi [THROTTLED/HOT] | clock MHz (mean of 2 cores; min 600)")
	require.Contains(t, md, "| pi   | temperature °C (cpu-thermal)         |  70.0 |  70.0 |  75.0 |  71.0", "t2's pi is not flagged")
	require.Equal(t, 1, countOf(md, "**Flagged**"))
	rep := markdown("x", RepeatsSection(a))
	require.Contains(t, rep, "throttled/hot")
	require.Contains(t, rep, "1 of 2")
}

func countOf(s, sub string) int {
	n := 0
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			n++
		}
	}
	return n
}

// TestEmulatedBoardsNamed: a host whose inventory labels say it is a
// container posing as a board is named as emulated, with its envelope; a
// run without one says nothing.
func TestEmulatedBoardsNamed(t *testing.T) {
	a := &Aggregate{Hosts: []results.HostFacts{
		{Name: "node1", Labels: map[string]string{"hardware": "rpi2 (emulated)", "envelope": "container envelope: cpuset 0-1 (2 cores), CPU quota 0.361 cores"}},
		{Name: "pi", Labels: map[string]string{"hardware": "rpi3"}},
	}}
	md := markdown("x", HostsSection(a))
	require.Contains(t, md, "Emulated boards: these hosts are not the boards their hardware label names but containers held to the board's size. "+
		"node1 is rpi2 (emulated), container envelope: cpuset 0-1 (2 cores), CPU quota 0.361 cores.")
	require.NotContains(t, md, "pi is rpi3")
	a.Hosts = a.Hosts[1:]
	require.NotContains(t, markdown("x", HostsSection(a)), "Emulated")
}

// TestOOMKillsReported: a node whose OOM kill count rose during the
// measure phase is named in the trial's text; a steady count is not.
func TestOOMKillsReported(t *testing.T) {
	tr := hwTrial("t1", false)
	k := &Series{Key: SeriesKey{Host: "vm", Kind: string(sample.KindHost), Metric: sample.OOMKills}, Stat: Stat{N: 60, Min: 1, Max: 3}}
	tr.Series = append(tr.Series, k)
	tr.byKey[k.Key] = k
	require.Equal(t, "vm's memory limit was reached: the kernel killed 2 process(es) there", oomText(tr))
	md := markdown("x", TrialsSection(&Aggregate{Trials: []*Trial{tr}}))
	require.Contains(t, md, "**Out of memory** — vm's memory limit was reached")
	k.Stat.Min = 3
	require.Equal(t, "", oomText(tr))
}
