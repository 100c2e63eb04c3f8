package ssh_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/internal/sshdtest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/edgerig/edgerig/transport/transporttest"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh/knownhosts"
)

// fleet is n light SSH endpoints on loopback ports with one known_hosts
// file listing their (distinct) host keys.
type fleet struct {
	cfgs []ssh.Config
	dir  string
}

func newFleet(tb testing.TB, n int) fleet {
	dir := tb.TempDir()
	client, err := sshdtest.NewKey(sshdtest.Ed25519, filepath.Join(dir, "id_ed25519"))
	require.NoError(tb, err)
	known := filepath.Join(dir, "known_hosts")
	var lines strings.Builder
	f := fleet{dir: dir}
	for i := range n {
		hk, err := sshdtest.NewKey(sshdtest.Ed25519, filepath.Join(dir, fmt.Sprintf("host%d_key", i)))
		require.NoError(tb, err)
		l := sshdtest.StartLight(tb, hk, client.Public)
		lines.WriteString(knownhosts.Line([]string{l.Addr}, hk.Public) + "\n")
		f.cfgs = append(f.cfgs, ssh.Config{Name: fmt.Sprintf("host%03d", i), Addr: l.Addr, IdentityFile: client.Path, KnownHostsFile: known, User: "edgerig"})
	}
	require.NoError(tb, os.WriteFile(known, []byte(lines.String()), 0o600))
	return f
}

// TestConformanceLight: the benchmark's light endpoints behave as the real
// sshd does, so what the benchmark measures is the transport's real path.
func TestConformanceLight(t *testing.T) {
	f := newFleet(t, 1)
	transporttest.Run(t, func(t *testing.T) transport.Transport { return dial(t, f.cfgs[0]) })
}

// BenchmarkHundredHosts connects to 100 SSH endpoints, gathers their facts
// and uploads a 2 MB file to each (standing in for placing the probe), at
// most `parallel` hosts at once; the target is ≤ 10 s wall on 2 cores.
// A second figure adds the clock offset (20 exchanges) per host.
//
//	make bench-ssh   (go test -run '^$' -bench HundredHosts -benchtime 1x ./transport/ssh/)
func BenchmarkHundredHosts(b *testing.B) {
	const hosts = 100
	f := newFleet(b, hosts)
	probe := filepath.Join(f.dir, "probe")
	data := make([]byte, 2<<20)
	_, _ = rand.Read(data)
	require.NoError(b, os.WriteFile(probe, data, 0o755))
	for _, parallel := range []int{16, 32} {
		for _, clock := range []bool{false, true} {
			name := fmt.Sprintf("parallel=%d/clock=%v", parallel, clock)
			b.Run(name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var connect, gather, copying, clk atomic.Int64
					start := time.Now()
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					errs := transport.Each(ctx, hosts, parallel, func(ctx context.Context, h int) error {
						t0 := time.Now()
						tr, err := ssh.Dial(ctx, f.cfgs[h])
						if err != nil {
							return err
						}
						defer tr.Close()
						t1 := time.Now()
						if _, err := facts.Gather(ctx, tr); err != nil {
							return err
						}
						t2 := time.Now()
						dst := filepath.Join(f.dir, fmt.Sprintf("dst-%s-%d", strings.ReplaceAll(name, "/", "-"), h))
						if err := tr.Copy(ctx, probe, dst, 0o755); err != nil {
							return err
						}
						t3 := time.Now()
						if clock {
							if _, _, err := facts.ClockOffset(ctx, tr, 20); err != nil {
								return err
							}
						}
						connect.Add(int64(t1.Sub(t0)))
						gather.Add(int64(t2.Sub(t1)))
						copying.Add(int64(t3.Sub(t2)))
						clk.Add(int64(time.Since(t3)))
						return nil
					})
					wall := time.Since(start)
					cancel()
					for h, err := range errs {
						require.NoError(b, err, "host %d", h)
					}
					avg := func(v *atomic.Int64) time.Duration { return (time.Duration(v.Load()) / hosts).Round(time.Millisecond) }
					fmt.Printf("edgerig bench-ssh: %d hosts, parallel %d, clock offset %v: wall %v (target ≤ 10s) — per host avg: connect %v, facts %v, 2 MB copy %v, clock %v\n",
						hosts, parallel, clock, wall.Round(time.Millisecond), avg(&connect), avg(&gather), avg(&copying), avg(&clk))
					b.ReportMetric(wall.Seconds(), "s/100hosts")
				}
			})
		}
	}
}
