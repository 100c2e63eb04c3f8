package probes

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
	tbcontainers "github.com/edgerig/edgerig/testbed/containers"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
)

// slowEOF is a stdin that stays open for d, then ends: the probe's run
// over an SSH session that the runner closes after d.
type slowEOF struct{ until time.Time }

func (s slowEOF) Read(p []byte) (int, error) {
	time.Sleep(time.Until(s.until))
	return 0, io.EOF
}

// TestInsideTestbedNode runs the probe inside a docker-in-docker testbed
// node (cgroup v1, cgroupns=host), where /proc/self/cgroup shows the host's
// /docker/<node> prefix: the probe must report exactly the node's own
// containers, each by its full ID, and none of a neighbour node's.
func TestProbeInsideTestbedNode(t *testing.T) {
	tb := containerstest.Up(t, "probe", 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer cli.Close()
	dir := t.TempDir()
	img := burnImage(t, cli)
	require.NoError(t, tbcontainers.LoadImage(ctx, tb, img))

	// Two containers in node1, one in node2.
	ids := map[string][]string{}
	for node, n := range map[string]int{"node1": 2, "node2": 1} {
		for i := 0; i < n; i++ {
			out, err := tb.Run(ctx, node, nil, "docker", "run", "-d", "--network", "none", img, "--for", "2m", "cpu")
			require.NoError(t, err)
			ids[node] = append(ids[node], strings.TrimSpace(out))
		}
	}
	probeBin := filepath.Join(dir, "edgerig-probe")
	build := exec.CommandContext(ctx, "go", "build", "-o", probeBin, "github.com/edgerig/edgerig/cmd/edgerig-probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	bout, err := build.CombinedOutput()
	require.NoError(t, err, string(bout))
	bin, err := os.Open(probeBin)
	require.NoError(t, err)
	defer bin.Close()
	_, err = tb.Run(ctx, "node1", bin, "sh", "-c", "cat > /usr/local/bin/edgerig-probe && chmod +x /usr/local/bin/edgerig-probe")
	require.NoError(t, err)

	out, err := tb.Run(ctx, "node1", slowEOF{time.Now().Add(3500 * time.Millisecond)}, "edgerig-probe", "--interval", "1s")
	require.NoError(t, err)
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var last sample.Record
	n := 0
	for sc.Scan() {
		rec, err := sample.Decode(sc.Bytes())
		require.NoError(t, err)
		n++
		require.Equal(t, uint64(n), rec.Seq)
		last = rec
	}
	require.GreaterOrEqual(t, n, 2, "records from inside the node: %q", out)
	seen := map[string]float64{}
	for _, s := range last.Series {
		if s.Kind == sample.KindContainer {
			seen[s.Label] = s.Values[sample.CPUPct]
		}
	}
	t.Logf("container series inside node1: %v", seen)
	require.Len(t, seen, len(ids["node1"]), "exactly node1's containers")
	for _, id := range ids["node1"] {
		require.Contains(t, seen, id)
		require.Greater(t, seen[id], 5.0, "a busy loop reads as busy")
	}
	for _, id := range ids["node2"] {
		require.NotContains(t, seen, id, "a neighbour node's container")
	}
}
