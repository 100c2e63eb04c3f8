package probes

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
)

// rpiTree copies the hand-written Raspberry Pi 4 tree and puts
// get_throttled where the firmware driver has it (see testdata/README.md).
func rpiTree(t *testing.T) string {
	t.Helper()
	root := copyTree(t, filepath.Join("testdata", "hw-rpi4"))
	dir := filepath.Join(root, "sys/devices/platform/soc/soc:firmware")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.Rename(filepath.Join(root, "get_throttled"), filepath.Join(dir, "get_throttled")))
	return root
}

func TestHWRaspberryPi(t *testing.T) {
	root := rpiTree(t)
	h := newHW(root)
	defer h.close()
	for i, want := range []float64{1500, 1500, 600, 1000} {
		f, ok := h.freqMHz(i)
		require.True(t, ok, "core %d", i)
		require.Equal(t, want, f, "core %d", i)
	}
	_, ok := h.freqMHz(4)
	require.False(t, ok)

	out := h.sample(nil)
	require.Len(t, out, 2)
	require.Equal(t, sample.Series{Kind: sample.KindThermal, Label: "cpu-thermal",
		Values: map[string]float64{sample.TempC: 81.285, sample.TempLimitC: 80}}, out[0])
	// 0x50005: under-voltage and throttled now; both since boot.
	require.Equal(t, sample.Series{Kind: sample.KindThrottle, Values: map[string]float64{
		sample.UnderVoltage: 1, sample.FreqCapped: 0, sample.Throttled: 1, sample.SoftTempLimit: 0,
		sample.UnderVoltageBoot: 1, sample.FreqCappedBoot: 0, sample.ThrottledBoot: 1, sample.SoftTempLimitBoot: 0,
	}}, out[1])

	// The files are kept open and re-read: a new value shows at the next
	// sample.
	require.NoError(t, os.WriteFile(filepath.Join(root, "sys/devices/platform/soc/soc:firmware/get_throttled"), []byte("80000\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "sys/devices/system/cpu/cpu2/cpufreq/scaling_cur_freq"), []byte("1800000\n"), 0o644))
	out = h.sample(out[:0])
	require.Equal(t, 0.0, out[1].Values[sample.Throttled])
	require.Equal(t, 1.0, out[1].Values[sample.SoftTempLimitBoot])
	f, _ := h.freqMHz(2)
	require.Equal(t, 1800.0, f)

	allocs := testing.AllocsPerRun(20, func() {
		out = h.sample(out[:0])
		_, _ = h.freqMHz(0)
	})
	require.Zero(t, allocs, "reading clocks, zones and flags allocates nothing per tick")
}

func TestHWX86(t *testing.T) {
	h := newHW(filepath.Join("testdata", "hw-x86"))
	defer h.close()
	f, ok := h.freqMHz(0)
	require.True(t, ok)
	require.Equal(t, 2400.1, f)
	_, ok = h.freqMHz(1)
	require.False(t, ok, "cpu1 has no cpufreq")
	require.Nil(t, h.throttled)
	out := h.sample(nil)
	require.Equal(t, []sample.Series{
		{Kind: sample.KindThermal, Label: "acpitz", Values: map[string]float64{sample.TempC: 27.8, sample.TempLimitC: 105}},
		{Kind: sample.KindThermal, Label: "acpitz-1", Values: map[string]float64{sample.TempC: -2}},
	}, out, "an active trip point is no limit; a zone without temp is skipped")
}

// TestHWNone: a machine without any of the files (this VM) reads nothing
// and fails nothing.
func TestHWNone(t *testing.T) {
	h := newHW(t.TempDir())
	defer h.close()
	require.Empty(t, h.sample(nil))
	_, ok := h.freqMHz(0)
	require.False(t, ok)
}

func TestParseHexAndMilli(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{{"0\n", 0, true}, {"50005\n", 0x50005, true}, {"0x80008", 0x80008, true}, {"E0000", 0xe0000, true}, {"", 0, false}, {"throttled=0x5", 0, false}} {
		v, err := parseHex([]byte(tc.in))
		require.Equal(t, tc.ok, err == nil, tc.in)
		require.Equal(t, tc.want, v, tc.in)
	}
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"45277\n", 45277, true}, {"-2000\n", -2000, true}, {"-", 0, false}, {"4.5", 0, false}} {
		v, err := parseMilli([]byte(tc.in))
		require.Equal(t, tc.ok, err == nil, tc.in)
		require.Equal(t, tc.want, v, tc.in)
	}
}

// TestSamplerHW: the sampler puts each core's clock on its cpu series and
// the zones and throttle flags beside them, and does not allocate for them
// per tick.
func TestSamplerHW(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v1"))
	for _, p := range []string{"sys/devices", "sys/class"} {
		require.NoError(t, os.CopyFS(filepath.Join(root, p), os.DirFS(filepath.Join(rpiTree(t), p))))
	}
	s, err := New(Options{Root: root})
	require.NoError(t, err)
	defer s.Close()
	t0 := time.Unix(1_700_000_000, 0)
	_, _, err = s.Sample(t0)
	require.NoError(t, err)
	advance(t, root)
	rec, ok, err := s.Sample(t0.Add(time.Second))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 1500.0, series(rec, sample.KindCPU, "0")[sample.FreqMHz])
	require.Equal(t, 1.0, series(rec, sample.KindThrottle, "")[sample.Throttled])
	require.Equal(t, 81.285, series(rec, sample.KindThermal, "cpu-thermal")[sample.TempC])
	_, node := series(rec, sample.KindHost, "")[sample.NodeCgroup]
	require.False(t, node, "a probe on the host reports the whole machine")
	require.Equal(t, AccountingHost, s.Accounting())
}
