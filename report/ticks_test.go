package report

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		labels   []string
	}{
		{0, 25, []string{"0", "5", "10", "15", "20", "25"}},
		{0, 20.1, []string{"0", "5", "10", "15", "20"}},
		{0, 1.25, []string{"0.00", "0.25", "0.50", "0.75", "1.00", "1.25"}},
		{0, 0.15, []string{"0.000", "0.025", "0.050", "0.075", "0.100", "0.125", "0.150"}},
		{0, 580, []string{"0", "100", "200", "300", "400", "500"}},
		{3, 3, []string{"3"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(tt.min, tt.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		require.Equal(t, tt.labels, got, "%v..%v", tt.min, tt.max)
	}
}
