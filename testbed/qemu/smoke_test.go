package qemu

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// smokeRun writes a run directory like one of smoke-arm (hosts, measure
// samples, the report rendered by package report), with or without the
// armv7 host, and without the probe series of the host named noProbe.
func smokeRun(t *testing.T, withArmv7 bool, noProbe string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	hosts := []results.HostFacts{
		{Name: "local", Arch: "x86_64", Roles: []string{"master"}},
		{Name: "arm64-1", Arch: "aarch64", Roles: []string{"worker"}, Labels: map[string]string{"hardware": "qemu-arm64"}},
	}
	if withArmv7 {
		hosts = append(hosts, results.HostFacts{Name: "armv7-1", Arch: "armv7l", Roles: []string{"worker"}, Labels: map[string]string{"hardware": "qemu-armv7"}})
	}
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	w, err := results.Create(dir, results.Manifest{
		Experiment: "smoke-arm", Testbed: TestbedWithLocal, Hosts: hosts, Start: start,
		Trials: []results.Trial{{ID: "t1", Repeat: 1, Phases: []results.Phase{{Name: "measure", Duration: 5 * time.Second}}}},
	}, []byte("name: smoke-arm\n"))
	require.NoError(t, err)
	require.NoError(t, w.Event(results.Event{Time: start, Type: results.EventRunStart}))
	for _, h := range hosts {
		for seq := uint64(1); seq <= 5; seq++ {
			series := []sample.Series{{Kind: sample.KindHost, Values: map[string]float64{sample.CPUPct: 3, sample.MemUsedBytes: 100e6}}}
			if h.Name != noProbe {
				series = append(series, sample.Series{Kind: sample.KindProbe, Values: map[string]float64{sample.CPUPct: 0.5, sample.RSSBytes: 4e6, sample.SampleCostMicro: 300}})
			}
			r := sample.Record{V: sample.Version, Seq: seq, TimeMS: start.Add(time.Duration(seq) * time.Second).UnixMilli(), Series: series}
			require.NoError(t, w.Record(h.Name, "t1", "measure", r, 0))
		}
	}
	require.NoError(t, w.Event(results.Event{Time: start.Add(6 * time.Second), Type: results.EventRunEnd}))
	require.NoError(t, w.Close(results.StatusCompleted, ""))
	agg, err := report.Load(dir)
	require.NoError(t, err)
	_, err = report.Render(agg, filepath.Join(dir, results.ReportDir), report.Options{})
	require.NoError(t, err)
	return dir
}

func TestCheckSmoke(t *testing.T) {
	for _, tc := range []struct {
		name      string
		withArmv7 bool
		noProbe   string
		want      []string // nil: passes
	}{
		{"all there", true, "", nil},
		{"no armv7 host", false, "", []string{"no armv7l host in the manifest"}},
		{"a host without probe overhead", true, "armv7-1", []string{
			"host armv7-1 (armv7l): no probe overhead samples",
			"host armv7-1 (armv7l): not in the report's probe overhead table"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSmoke(smokeRun(t, tc.withArmv7, tc.noProbe))
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}
