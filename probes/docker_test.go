package probes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	docker "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/probes/internal/loadimage"
	"github.com/edgerig/edgerig/sample"
)

// owner labels every container and the image this test binary makes.
var owner = fmt.Sprintf("probes-%d-%d", os.Getpid(), time.Now().UnixNano()%1_000_000)

var (
	imgOnce sync.Once
	imgTag  string
	imgErr  error
	imgCli  *client.Client
)

// burnImage builds the FROM scratch burn image once per test binary; it is
// removed in TestMain.
func burnImage(t *testing.T, cli *client.Client) string {
	t.Helper()
	bin := burnBinary(t)
	imgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			imgErr = err
			return
		}
		imgCli = c
		imgTag, imgErr = loadimage.Build(ctx, c, bin, owner)
	})
	require.NoError(t, imgErr)
	return imgTag
}

func cleanupImage() {
	if imgCli == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = loadimage.RemoveAll(ctx, imgCli, owner)
	if imgTag != "" {
		_ = loadimage.RemoveImage(ctx, imgCli, imgTag)
	}
	imgCli.Close()
}

// run starts a burn container and removes it when the test ends.
func run(t *testing.T, cli *client.Client, img, role string, hc *docker.HostConfig, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := fmt.Sprintf("edgerig-test-probes-%s-%s", owner, role)
	id, err := loadimage.Run(ctx, cli, img, name, owner, hc, append([]string{"--for", "2m"}, args...)...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = loadimage.Remove(ctx, cli, id)
	})
	return id
}

// TestContainersOnDocker checks the container series against real
// containers on the Docker engine: --cpus=0.5 with a busy loop reads 50 % of
// a core ± 5 points, 64 MiB allocated and touched reads 64 MiB ± 5 %, an idle
// container reads about 0, a removed container is gone from the next record,
// and every label is Docker's full container ID.
func TestContainersOnDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs containers for ~15 s")
	}
	testenv.Root(t)
	cli := testenv.Docker(t)
	img := burnImage(t, cli)

	// The limited container runs under a cgroup parent of its own with a
	// large CPU weight, so that it gets its half core even while others
	// compile on this machine (under docker/ it would compete, as one
	// weight-1024 group, with every process of the root cgroup).
	parent := weightyParent(t)
	cpuID := run(t, cli, img, "cpu", &docker.HostConfig{Resources: docker.Resources{CgroupParent: parent, NanoCPUs: 5e8}}, "cpu")
	cpuPid := pidOf(t, cli, cpuID)
	memID := run(t, cli, img, "mem", nil, "--after", "5s", "mem", "64")
	idleID := run(t, cli, img, "idle", nil, "idle")
	start := time.Now()

	s, err := New(Options{Containers: true})
	require.NoError(t, err)
	defer s.Close()
	_, _, err = s.Sample(time.Now())
	require.NoError(t, err)

	var cpuPct, truth []float64
	lastTicks, lastT := procTicks(t, cpuPid), time.Now()
	var memBefore, memAfter float64
	var idleMax float64
	for i := 0; i < 9; i++ {
		rec := tick(t, s)
		for _, se := range rec.Series {
			if se.Kind == sample.KindContainer {
				require.Regexp(t, "^[0-9a-f]{64}$", se.Label)
			}
		}
		c, m, idle := series(rec, sample.KindContainer, cpuID), series(rec, sample.KindContainer, memID), series(rec, sample.KindContainer, idleID)
		require.NotNil(t, c, "tick %d: no series for the cpu container %s", i, cpuID)
		require.NotNil(t, m, "tick %d: no series for the mem container", i)
		require.NotNil(t, idle, "tick %d: no series for the idle container", i)
		ticks, now := procTicks(t, cpuPid), time.Now()
		share := float64(ticks-lastTicks) / ticksPerSecond / now.Sub(lastT).Seconds() * 100
		lastTicks, lastT = ticks, now
		if i >= 1 {
			cpuPct = append(cpuPct, c[sample.CPUPct])
			truth = append(truth, share)
			require.InDelta(t, c[sample.CPUPct]/100, c[sample.CPUCores], 0.001)
		}
		el := time.Since(start)
		if el < 4*time.Second {
			memBefore = m[sample.MemWorkingSet]
		}
		if el > 7500*time.Millisecond {
			memAfter = m[sample.MemWorkingSet]
		}
		if i >= 1 {
			idleMax = max(idleMax, idle[sample.CPUPct])
		}
	}
	t.Logf("cpu container (--cpus=0.5, busy loop): %v %%; its process's own CPU time says %v", cpuPct, truth)
	// Against the busy process's own accounting (/proc/PID/stat, a source
	// independent of the cgroup's cpuacct), tick by tick.
	for i := range cpuPct {
		require.InDelta(t, truth[i], cpuPct[i], 5, "tick %d: probe %v, process %v", i, cpuPct, truth)
	}
	// The mean over 3-tick windows must be within ±5 points in at least one
	// window: a burst of contention may starve one window, a misreading
	// probe is off in all of them.
	best := 1e9
	for i := 0; i+3 <= len(cpuPct); i += 3 {
		mean := (cpuPct[i] + cpuPct[i+1] + cpuPct[i+2]) / 3
		if d := mean - 50; abs(d) < abs(best) {
			best = d
		}
	}
	require.InDelta(t, 0, best, 5, "cpu container read %v", cpuPct)
	for _, v := range cpuPct {
		require.InDelta(t, 50, v, 15, "one tick of a 0.5-core quota: %v", cpuPct)
	}

	t.Logf("mem container working set: %.2f MiB before, %.2f MiB after allocating 64 MiB", memBefore/(1<<20), memAfter/(1<<20))
	require.Greater(t, memBefore, 0.0)
	require.InEpsilon(t, 64<<20, memAfter-memBefore, 0.05)

	t.Logf("idle container: at most %.3f %% of a core", idleMax)
	require.Less(t, idleMax, 1.0)

	// Removing a container: gone from the very next record.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, loadimage.Remove(ctx, cli, idleID))
	rec, ok, err := s.Sample(time.Now())
	require.NoError(t, err)
	require.True(t, ok)
	require.Nil(t, series(rec, sample.KindContainer, idleID), "a removed container is still reported")
	require.NotNil(t, series(rec, sample.KindContainer, cpuID))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// weightyParent makes a cgroup parent (v1: in the cpu, cpuacct and memory
// hierarchies) with the largest CPU weight, removed when the test ends
// (after the containers in it, cleanups run last-in first-out).
func weightyParent(t *testing.T) string {
	t.Helper()
	name := "edgerig-test-probes-" + owner
	lay, err := discoverLayout("/")
	require.NoError(t, err)
	var dirs []string
	if lay.version == 1 {
		for _, h := range []string{"cpu", "cpuacct", "memory"} {
			dirs = append(dirs, filepath.Join("/sys/fs/cgroup", h, name))
		}
	} else {
		dirs = append(dirs, filepath.Join(lay.cpuBase, name))
	}
	for _, d := range dirs {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	t.Cleanup(func() {
		for _, d := range dirs {
			for i := 0; i < 50; i++ {
				if err := os.Remove(d); err == nil || os.IsNotExist(err) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
	if lay.version == 1 {
		require.NoError(t, os.WriteFile(filepath.Join("/sys/fs/cgroup/cpu", name, "cpu.shares"), []byte("262144"), 0o644))
	} else {
		require.NoError(t, os.WriteFile(filepath.Join(lay.cpuBase, name, "cpu.weight"), []byte("10000"), 0o644))
	}
	return "/" + name
}

func pidOf(t *testing.T, cli *client.Client, id string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := cli.ContainerInspect(ctx, id)
	require.NoError(t, err)
	require.NotZero(t, info.State.Pid)
	return info.State.Pid
}

func procTicks(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	require.NoError(t, err)
	ps, err := parsePidStat(b)
	require.NoError(t, err)
	return ps.ticks
}
