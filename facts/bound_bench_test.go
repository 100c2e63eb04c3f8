package facts_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
)

// BenchmarkDelayBoundContainerTestbed measures, as a run does, the clock
// offset of a container-testbed node through its sshd and the placed
// probe's clock mode (best of 20 exchanges), 50 times, and prints the
// error bound that every word-count delay measured on such a node carries
// (the submitters run on the runner's clock, so the driver's host's bound
// is the delay's). A node shares this machine's kernel clock, so its true
// offset is zero: the share of measurements whose ± bound covers zero is
// printed beside. Target: bound ≤ 2 ms.
//
//	go test -run '^$' -bench DelayBound -benchtime 1x ./facts/
func BenchmarkDelayBoundContainerTestbed(b *testing.B) {
	tb := containerstest.Up(b, "bound", 1)
	probe := filepath.Join(b.TempDir(), "edgerig-probe")
	build := exec.Command("go", "build", "-o", probe, "../cmd/edgerig-probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v: %s", err, out)
	}
	inv, err := inventory.Load(tb.HostsPath())
	if err != nil {
		b.Fatal(err)
	}
	hosts, err := inv.Testbed("")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg, err := ssh.ConfigFor(inv, hosts[0], false)
	if err != nil {
		b.Fatal(err)
	}
	st, err := ssh.Dial(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const remote = "/tmp/edgerig-probe"
	if err := st.Copy(ctx, probe, remote, 0o755); err != nil {
		b.Fatal(err)
	}
	defer st.Run(context.Background(), transport.Cmd{Args: []string{"rm", "-f", remote}})
	b.ResetTimer()
	for range b.N {
		const n = 50
		var bounds []time.Duration
		covered := 0
		for range n {
			off, bound, err := facts.ClockOffsetProbe(ctx, st, 20, remote)
			if err != nil {
				b.Fatal(err)
			}
			bounds = append(bounds, bound)
			if off.Abs() <= bound+time.Microsecond {
				covered++
			}
		}
		sort.Slice(bounds, func(i, j int) bool { return bounds[i] < bounds[j] })
		q := func(p float64) time.Duration { return bounds[int(p*float64(len(bounds)-1))] }
		b.ReportMetric(float64(q(0.5).Microseconds())/1000, "bound-p50-ms")
		b.ReportMetric(float64(bounds[len(bounds)-1].Microseconds())/1000, "bound-max-ms")
		fmt.Printf("delay error bound on a container-testbed node (over SSH, probe clock mode, best of 20 exchanges; %d measurements): p50 %v, p90 %v, max %v (target ≤ 2 ms); true offset 0 within ± bound in %d of %d\n",
			n, q(0.5), q(0.9), bounds[len(bounds)-1], covered, n)
	}
}
