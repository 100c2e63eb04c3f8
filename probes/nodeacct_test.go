package probes

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
	tbcontainers "github.com/edgerig/edgerig/testbed/containers"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
)

// installProbe builds edgerig-probe and copies it into each node.
func installProbe(ctx context.Context, t *testing.T, tb *tbcontainers.Testbed, nodes ...string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "edgerig-probe")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/edgerig/edgerig/cmd/edgerig-probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	for _, n := range nodes {
		f, err := os.Open(bin)
		require.NoError(t, err)
		_, err = tb.Run(ctx, n, f, "sh", "-c", "cat > /usr/local/bin/edgerig-probe && chmod +x /usr/local/bin/edgerig-probe")
		f.Close()
		require.NoError(t, err)
	}
}

// hostSeries decodes a probe's output and returns each record's host
// series.
func hostSeries(t *testing.T, out string) []map[string]float64 {
	t.Helper()
	var hs []map[string]float64
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		rec, err := sample.Decode(sc.Bytes())
		require.NoError(t, err)
		for _, s := range rec.Series {
			if s.Kind == sample.KindHost {
				hs = append(hs, s.Values)
			}
		}
	}
	return hs
}

// TestNodeAccountingOnTestbed: the container testbed's nodes share one
// kernel, so only the node-cgroup accounting tells them apart. A bounded
// busy loop (7 s) in node2 shows on node2's host CPU and not on node3's,
// whatever else this shared machine runs meanwhile.
func TestNodeAccountingOnTestbed(t *testing.T) {
	tb := containerstest.Up(t, "probeacct", 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	installProbe(ctx, t, tb, "node2", "node3")

	var wg sync.WaitGroup
	outs := map[string]string{}
	errs := map[string]error{}
	var mu sync.Mutex
	for _, n := range []string{"node2", "node3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := tb.Run(ctx, n, slowEOF{time.Now().Add(6500 * time.Millisecond)}, "edgerig-probe", "--interval", "1s", "--containers=false")
			mu.Lock()
			outs[n], errs[n] = out, err
			mu.Unlock()
		}()
	}
	// `times` prints the shell's and then its children's user and system
	// time: what the loop got of this shared machine.
	busy, err := tb.Run(ctx, "node2", nil, "sh", "-c", "timeout 8 sh -c 'while :; do :; done'; times")
	require.NoError(t, err)
	wg.Wait()
	loop := loopRate(t, busy, 8)

	mean := map[string]float64{}
	for _, n := range []string{"node2", "node3"} {
		require.NoError(t, errs[n], n)
		hs := hostSeries(t, outs[n])
		require.GreaterOrEqual(t, len(hs), 4, "%s: %q", n, outs[n])
		// The busy loop starts after the probes' SSH sessions: skip the
		// first record.
		hs = hs[1:]
		for i, h := range hs {
			t.Logf("%s record %d: cpu_cores %.3f cpu_pct %.2f mem_used %.0f MB", n, i+2, h[sample.CPUCores], h[sample.CPUPct], h[sample.MemUsedBytes]/1e6)
			require.Equal(t, 1.0, h[sample.NodeCgroup], "%s reports its node's cgroup", n)
			require.Positive(t, h[sample.MemTotalBytes])
			mean[n] += h[sample.CPUCores] / float64(len(hs))
		}
	}
	t.Logf("host cpu_cores (node cgroup) while the loop ran: node2 %.3f, node3 %.3f; the loop itself got %.3f cores", mean["node2"], mean["node3"], loop)
	// On an idle machine the loop gets a whole core; on this shared one it
	// gets its share, which is what its node's cgroup must show.
	require.Greater(t, loop, 0.05, "the busy loop got almost no CPU: the machine is too loaded to tell")
	require.Greater(t, mean["node2"], 0.6*loop, "node2's busy loop shows on node2")
	require.Less(t, mean["node3"], 0.25*loop, "and not on node3")
}

// loopRate parses sh's `times` output (children's user and system time on
// its second line, e.g. "0m5.12s 0m0.03s") into cores used over secs.
func loopRate(t *testing.T, out string, secs float64) float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, "times output: %q", out)
	total := 0.0
	for _, f := range strings.Fields(lines[1]) {
		m, rest, ok := strings.Cut(strings.TrimSuffix(f, "s"), "m")
		require.True(t, ok, "times output: %q", out)
		mins, err := strconv.ParseFloat(m, 64)
		require.NoError(t, err, out)
		sec, err := strconv.ParseFloat(rest, 64)
		require.NoError(t, err, out)
		total += mins*60 + sec
	}
	return total / secs
}
