package report

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		name                string
		in                  []float64
		n                   int
		mean, p50, p95, max float64
	}{
		{"one", []float64{7}, 1, 7, 7, 7, 7},
		{"two", []float64{4, 2}, 2, 3, 2, 4, 4},
		{"ten unsorted", []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 10, 5.5, 5, 10, 10},
		{"twenty", seq(1, 20), 20, 10.5, 10, 19, 20},
		{"hundred", seq(1, 100), 100, 50.5, 50, 95, 100},
		{"ties", []float64{1, 1, 1, 5}, 4, 2, 1, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, mean, p50, p95, max := describe(tt.in)
			require.Equal(t, tt.n, n)
			require.InDelta(t, tt.mean, mean, 1e-12)
			require.Equal(t, tt.p50, p50)
			require.Equal(t, tt.p95, p95)
			require.Equal(t, tt.max, max)
		})
	}
	t.Run("empty", func(t *testing.T) {
		n, mean, _, _, _ := describe(nil)
		require.Zero(t, n)
		require.True(t, math.IsNaN(mean))
	})
	t.Run("input untouched", func(t *testing.T) {
		in := []float64{3, 1, 2}
		describe(in)
		require.Equal(t, []float64{3, 1, 2}, in)
	})
}

func seq(from, to int) []float64 {
	var out []float64
	for i := from; i <= to; i++ {
		out = append(out, float64(i))
	}
	return out
}
