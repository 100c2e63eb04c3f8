package spec

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"60s", time.Minute, ""},
		{"10m", 10 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{" 2s ", 2 * time.Second, ""},
		{"1.5s", 1500 * time.Millisecond, ""},
		{"60", 0, `"60" is not a duration: add a unit (like 60s, 10m)`},
		{"1.5", 0, `"1.5" is not a duration: add a unit (like 60s, 10m)`},
		{"6o s", 0, `"6o s" is not a duration (like 60s, 10m)`},
		{"", 0, `"" is not a duration (like 60s, 10m)`},
		{"0s", 0, `"0s" is not a positive duration`},
		{"-1m", 0, `"-1m" is not a positive duration`},
		{"1d", 0, `"1d" is not a duration (like 60s, 10m)`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", time.Hour: "1h", 90 * time.Minute: "1h30m", 10 * time.Second: "10s",
		100 * time.Millisecond: "100ms", time.Hour + 5*time.Second: "1h0m5s", 1500 * time.Millisecond: "1.5s",
	} {
		require.Equal(t, want, Duration(d).String())
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		err  string
	}{
		{"532B", 532, ""},
		{"1KB", 1000, ""},
		{"1.04KB", 1040, ""},
		{"500MB", 500e6, ""},
		{"2GB", 2e9, ""},
		{"1KiB", 1024, ""},
		{"1.5KiB", 1536, ""},
		{"512MiB", 512 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"0B", 0, ""},
		{"1 KB", 1000, ""},
		{"532", 0, `"532" is not a size: add a unit (like 532B, 1KB, 500MB)`},
		{"1.0005KB", 0, `"1.0005KB" is not a whole number of bytes`},
		{"1.5B", 0, `"1.5B" is not a whole number of bytes`},
		{"5XB", 0, `"5XB" has an unknown size unit "XB" (B, KB, MB, GB, KiB, MiB, GiB)`},
		{"1kb", 0, `"1kb" has an unknown size unit "kb" (B, KB, MB, GB, KiB, MiB, GiB)`},
		{"-1MB", 0, `"-1MB" is not a size (like 532B, 1.04KB, 500MB)`},
		{"KB", 0, `"KB" is not a size (like 532B, 1.04KB, 500MB)`},
		{"1e3B", 0, `"1e3B" is not a size (like 532B, 1.04KB, 500MB)`},
		{"99999999999999GiB", 0, `"99999999999999GiB" is too large a size`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSizeString(t *testing.T) {
	for z, want := range map[Size]string{
		532: "532B", 1040: "1.04KB", 1000: "1KB", 1024: "1KiB", 1025: "1.025KB", 500e6: "500MB",
		512 << 20: "512MiB", 1500000: "1.5MB", 1 << 30: "1GiB", 0: "0B", 999: "999B",
	} {
		require.Equal(t, want, z.String())
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		err  string
	}{
		{"1/s", 1, ""},
		{"0.5/s", 0.5, ""},
		{"30/m", 0.5, ""},
		{"3600/h", 1, ""},
		{"1 / s", 1, ""},
		{"1/d", 0, `"1/d" is not a rate (like 1/s, 30/m, 0.5/s)`},
		{"1", 0, `"1" is not a rate (like 1/s, 30/m, 0.5/s)`},
		{"0/s", 0, `"0/s" is not a positive rate`},
		{"inf/s", 0, `"inf/s" is not a rate (like 1/s, 30/m, 0.5/s)`},
		{"-1/s", 0, `"-1/s" is not a rate (like 1/s, 30/m, 0.5/s)`},
		{"1/s/s", 0, `"1/s/s" is not a rate (like 1/s, 30/m, 0.5/s)`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRate(tc.in)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.InDelta(t, tc.want, got.PerSecond(), 1e-12)
		})
	}
	r, _ := ParseRate("2/s")
	require.Equal(t, 500*time.Millisecond, r.Interval())
}

func TestRateString(t *testing.T) {
	for in, want := range map[string]string{"1/s": "1/s", "30/m": "30/m", "0.5/s": "30/m", "120/m": "2/s", "1/m": "1/m", "1/h": "1/h", "2.5/s": "2.5/s", "7/h": "7/h"} {
		r, err := ParseRate(in)
		require.NoError(t, err)
		require.Equal(t, want, r.String(), in)
	}
}

// TestRoundTrip checks String and Parse are inverse on many values of each
// type, including awkward ones (odd byte counts, tiny and huge rates).
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		d := time.Duration(rng.Int64N(int64(48*time.Hour))) + 1
		back, err := ParseDuration(Duration(d).String())
		require.NoError(t, err)
		require.Equal(t, d, back)

		z := Size(rng.Int64N(1 << 40))
		if rng.IntN(2) == 0 {
			z = Size(rng.Int64N(1<<20)) * Size([]int64{1, 1000, 1024, 1e6}[rng.IntN(4)])
		}
		zb, err := ParseSize(z.String())
		require.NoError(t, err, z.String())
		require.Equal(t, z, zb)

		r := Rate(math.Exp(rng.Float64()*30 - 15))
		if rng.IntN(2) == 0 {
			r = Rate(float64(rng.IntN(10000)+1) / []float64{1, 60, 3600}[rng.IntN(3)])
		}
		rb, err := ParseRate(r.String())
		require.NoError(t, err, r.String())
		require.Equal(t, r, rb, r.String())
	}
}
