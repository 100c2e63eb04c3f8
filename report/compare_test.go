package report

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func load(t *testing.T, name string) *Aggregate {
	t.Helper()
	a, err := Load(filepath.Join("testdata", name))
	require.NoError(t, err)
	return a
}

func TestCompare(t *testing.T) {
	a := load(t, "idle-3hosts")
	b := load(t, "aborted")
	// The second run pretends to be on faster boards.
	for i := range b.Hosts {
		b.Hosts[i].Labels = map[string]string{"hardware": "rpi4"}
	}
	c, err := Compare([]*Aggregate{a, b})
	require.NoError(t, err)
	require.Equal(t, []string{"idle-3hosts (rpi3)", "aborted (rpi4)"}, c.Runs)

	find := func(trial, role, metric string) ComparisonRow {
		for _, r := range c.Rows {
			if r.Trial == trial && r.Role == role && r.Metric == metric {
				return r
			}
		}
		t.Fatalf("no row %s/%s/%s in %+v", trial, role, metric, c.Rows)
		return ComparisonRow{}
	}
	// worker = mean of worker1 (6.168) and worker2 (5.0125); only run a has workers.
	w := find("orchestrator.kind=none", "worker", "host CPU %")
	require.InDelta(t, (6.168+5.0125)/2, w.Values[0], 0.01)
	require.True(t, math.IsNaN(w.Values[1]))
	require.True(t, math.IsNaN(w.Ratios[1]))
	// The master of trial one has the same data in both fixtures: ratio 1.
	m := find("orchestrator.kind=none", "master", "host CPU %")
	require.InDelta(t, 1, m.Ratios[1], 1e-9)
	require.InDelta(t, 1, m.Ratios[0], 1e-9)

	golden(t, "compare.md", []byte(c.Markdown()))

	_, err = Compare([]*Aggregate{a})
	require.Error(t, err)
}
