package spec

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRSD(t *testing.T) {
	require.True(t, math.IsNaN(RSD([]float64{5})))
	require.Equal(t, 0.0, RSD([]float64{4, 4, 4}))
	// mean 100, sample sd 50
	require.InDelta(t, 50, RSD([]float64{50, 150, 100}), 1e-9)
	require.True(t, math.IsInf(RSD([]float64{-1, 1}), 1))
}

// The stopping rule, table-driven: fewer than min repeats never stop; at
// or below the threshold stops; at max stops whatever the spread.
func TestStopReason(t *testing.T) {
	u := &Until{Min: 3, Max: 5, RSD: 3, Metric: "host.cpu_pct"}
	for _, tc := range []struct {
		values []float64
		stop   bool
		why    string
	}{
		{[]float64{10, 10}, false, "2 of at least 3 repeats"},
		{[]float64{10, 10.1, 9.9}, true, "stopped after 3 repeats: RSD of host.cpu_pct 1.00 % ≤ 3 %"},
		{[]float64{10, 12, 8}, false, "RSD of host.cpu_pct 20.00 % > 3 % after 3 repeats: one more"},
		{[]float64{10, 12, 8, 10, 10}, true, "stopped at the maximum of 5 repeats: RSD of host.cpu_pct still 14.14 % > 3 %"},
	} {
		stop, _, why := u.StopReason(tc.values)
		require.Equal(t, tc.stop, stop, "%v", tc.values)
		require.Equal(t, tc.why, why)
	}
}

// The adaptive form survives the spec as run: Marshal, then Parse, gives
// the same rule, and a fixed count stays a count.
func TestRepeatRoundTrip(t *testing.T) {
	s, err := Load("testdata/repeat-adaptive.yaml")
	require.NoError(t, err)
	require.Equal(t, &Until{Min: 3, Max: 6, RSD: 2.5, Metric: "step.work.seconds"}, s.Until)
	require.Equal(t, 3, s.Repeat)
	again, err := Parse("again.yaml", s.Marshal())
	require.NoError(t, err)
	require.Equal(t, s.Until, again.Until)
	require.Len(t, s.Trials(), 6, "min repeats of each of 2 combinations are planned")

	s, err = Parse("fixed.yaml", []byte("name: fixed\nrepeat: 4\n"))
	require.NoError(t, err)
	require.Nil(t, s.Until)
	require.Equal(t, 4, s.Repeat)
}
