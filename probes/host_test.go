package probes

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/edgerig/edgerig/sample"
)

// tick sleeps one second and samples.
func tick(t *testing.T, s *Sampler) sample.Record {
	t.Helper()
	time.Sleep(time.Second)
	rec, ok, err := s.Sample(time.Now())
	require.NoError(t, err)
	require.True(t, ok)
	return rec
}

func series(rec sample.Record, k sample.Kind, label string) map[string]float64 {
	for _, s := range rec.Series {
		if s.Kind == k && s.Label == label {
			return s.Values
		}
	}
	return nil
}

// startPinned starts cmd with its CPU affinity limited to one core: the
// fork happens on this goroutine's locked thread, whose mask the child
// inherits.
func startPinned(t *testing.T, cmd *exec.Cmd, core int) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old, one unix.CPUSet
	require.NoError(t, unix.SchedGetaffinity(0, &old))
	one.Set(core)
	require.NoError(t, unix.SchedSetaffinity(0, &one))
	err := cmd.Start()
	require.NoError(t, unix.SchedSetaffinity(0, &old))
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// TestHostCPUBusyLoop is the foundation's acceptance test: a busy loop
// bound to one core makes that core read 100 % ± 5 points. Pinning makes it
// robust to the compiles others run on this 2-core machine (a core with an
// always-runnable loop on it is never idle, whoever else runs there), while a
// probe that misreads /proc/stat (wrong fields, wrong core, wrong delta)
// still fails.
func TestHostCPUBusyLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("samples for 5 s")
	}
	ncpu := runtime.NumCPU()
	core := ncpu - 1
	s, err := New(Options{})
	require.NoError(t, err)
	defer s.Close()
	_, _, err = s.Sample(time.Now())
	require.NoError(t, err)
	before := tick(t, s)
	t.Logf("core %d before the loop: %.1f %%", core, series(before, sample.KindCPU, strconv.Itoa(core))[sample.CPUPct])

	cmd := exec.Command(burnBinary(t), "--for", "30s", "cpu")
	startPinned(t, cmd, core)
	time.Sleep(200 * time.Millisecond)
	_, _, err = s.Sample(time.Now()) // the next deltas start with the loop running
	require.NoError(t, err)
	var sum float64
	const n = 3
	for i := 0; i < n; i++ {
		rec := tick(t, s)
		c := series(rec, sample.KindCPU, strconv.Itoa(core))
		require.NotNil(t, c, "no series for core %d", core)
		h := series(rec, sample.KindHost, "")
		require.NotNil(t, h)
		require.GreaterOrEqual(t, h[sample.CPUCores], 0.95, "the machine runs at least the loop's core")
		require.GreaterOrEqual(t, h[sample.CPUPct], 100/float64(ncpu)-5)
		sum += c[sample.CPUPct]
	}
	mean := sum / n
	t.Logf("core %d with a pinned busy loop: %.2f %% (mean of %d ticks)", core, mean, n)
	require.InDelta(t, 100, mean, 5)

	st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "stat"))
	require.NoError(t, err)
	ps, err := parsePidStat(st)
	require.NoError(t, err)
	require.Greater(t, ps.ticks, uint64(0), "the loop ran")
}
