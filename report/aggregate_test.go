package report

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuantiles(t *testing.T) {
	var q quantiles
	for i := 1; i <= 100; i++ {
		q.add(float64(i))
	}
	require.True(t, q.exactOnly())
	require.Equal(t, 50.0, q.percentile(50))
	require.Equal(t, 95.0, q.percentile(95))

	// Past exactCap: within ±0.5 % of the exact nearest rank.
	var big quantiles
	for i := 1; i <= 100000; i++ {
		big.add(float64(i % 1000))
	}
	require.False(t, big.exactOnly())
	require.InEpsilon(t, 499, big.percentile(50), 0.006)
	require.InEpsilon(t, 949, big.percentile(95), 0.006)
	require.Equal(t, 0.0, big.percentile(0.05), "zeros have their own bucket")
	require.True(t, math.IsNaN((&quantiles{}).percentile(50)))
}

func TestBinsCoarsen(t *testing.T) {
	b := newBins(1)
	for s := range 2000 {
		b.add(float64(s), float64(s%2))
	}
	require.LessOrEqual(t, b.Len(), maxBins)
	require.Equal(t, 8.0, b.Width)
	require.InDelta(t, 0.5, b.Mean(3), 1e-9)
	require.Equal(t, 0.0, b.Min[0])
	require.Equal(t, 1.0, b.Max[0])
	total := int32(0)
	for _, n := range b.N {
		total += n
	}
	require.Equal(t, int32(2000), total, "coarsening keeps every value")
}

func TestGridLayout(t *testing.T) {
	combos := func(params ...map[string]string) [][]*Trial {
		var out [][]*Trial
		for i, p := range params {
			out = append(out, []*Trial{{ID: fmt.Sprint(i), Params: p, Title: trialTitle("", p)}})
		}
		return out
	}
	one := func(n int) [][]*Trial {
		var ps []map[string]string
		for i := range n {
			ps = append(ps, map[string]string{"x": fmt.Sprint(i), "fixed": "a"})
		}
		return combos(ps...)
	}
	tests := []struct {
		name       string
		combos     [][]*Trial
		rows, cols int
		cell       []int
	}{
		{"single", one(1), 1, 1, []int{0}},
		{"two", one(2), 1, 2, []int{0, 1}},
		{"eight wrap at four", one(8), 2, 4, []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{"twelve", one(12), 3, 4, nil},
		{"matrix: one axis a row, one a column", combos(
			map[string]string{"a": "1", "b": "x"}, map[string]string{"a": "2", "b": "x"},
			map[string]string{"a": "1", "b": "y"}, map[string]string{"a": "2", "b": "y"}), 2, 2, []int{0, 2, 1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, cols, cell, titles, _ := gridLayout(tt.combos)
			require.Equal(t, tt.rows, rows)
			require.Equal(t, tt.cols, cols)
			if tt.cell != nil {
				require.Equal(t, tt.cell, cell)
			}
			if len(tt.combos) > 1 {
				require.NotContains(t, titles[0], "fixed", "titles name only what varies")
			}
		})
	}
}

// The repeats of a spec without a matrix are one combination, summarised
// together, as a matrix point's repeats are.
func TestCombosWithoutMatrix(t *testing.T) {
	a := &Aggregate{}
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("t%d", i)
		a.Trials = append(a.Trials, &Trial{ID: id, Repeat: i, Title: trialTitle(id, nil)})
	}
	combos := a.Combos()
	require.Len(t, combos, 1)
	require.Len(t, combos[0], 3)
	m := &Aggregate{}
	for i, v := range []string{"a", "b", "a"} {
		p := map[string]string{"x": v}
		m.Trials = append(m.Trials, &Trial{ID: fmt.Sprint(i), Title: trialTitle(fmt.Sprint(i), p)})
	}
	require.Len(t, m.Combos(), 2, "a matrix's points stay apart")
}
