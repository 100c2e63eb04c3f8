package facts_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/internal/sshdtest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/local"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/stretchr/testify/require"
)

// hosts returns this machine reached both ways: directly and through a real
// sshd. Both must tell the same facts, and a clock offset of about zero.
func hosts(t *testing.T) map[string]transport.Transport {
	s := sshdtest.Start(t, sshdtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr, err := ssh.Dial(ctx, ssh.Config{Name: "sshd", Addr: s.Addr, User: s.User, IdentityFile: s.Client.Path, KnownHostsFile: s.KnownHostsFile})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close() })
	return map[string]transport.Transport{"local": local.New("local"), "ssh": tr}
}

func TestGatherAndClock(t *testing.T) {
	for name, tr := range hosts(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			f, err := facts.Gather(ctx, tr)
			require.NoError(t, err)
			require.Equal(t, map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH], f.Arch)
			require.Equal(t, runtime.NumCPU(), f.CPUs)
			require.NotEmpty(t, f.Kernel)
			require.NotEmpty(t, f.Model)
			require.Positive(t, f.MemBytes)
			require.Positive(t, f.DiskBytes)
			require.Contains(t, []int{1, 2}, f.CgroupVersion)

			off, bound, err := facts.ClockOffset(ctx, tr, 20)
			require.NoError(t, err)
			t.Logf("%s: offset %v ± %v", name, off, bound)
			// Same clock on both ends: the true offset, zero, must lie
			// within the bound the measure claims.
			require.LessOrEqual(t, off.Abs(), bound+time.Microsecond)
			require.Less(t, bound, 250*time.Millisecond)
		})
	}
}
