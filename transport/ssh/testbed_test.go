package ssh_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/edgerig/edgerig/transport/transporttest"
	"github.com/stretchr/testify/require"
)

// TestContainerTestbed runs the conformance suite against a node of the
// container testbed (a Debian host of its own: its own file system, PID
// namespace, sshd and dockerd, reached as hosts.yaml says), reaches the
// second node through the first as a jump host, and gathers both nodes'
// facts. It costs a few seconds once the node image is cached (the testbed
// package's own tests build it).
func TestContainerTestbed(t *testing.T) {
	tb := containerstest.Up(t, "tssh-", 2)
	inv, err := inventory.Load(tb.HostsPath())
	require.NoError(t, err)
	hosts, err := inv.Testbed("")
	require.NoError(t, err)
	require.Len(t, hosts, 2)
	cfgs := make([]ssh.Config, len(hosts))
	for i, h := range hosts {
		cfgs[i], err = ssh.ConfigFor(inv, h, false)
		require.NoError(t, err)
	}

	t.Run("conformance", func(t *testing.T) {
		transporttest.Run(t, func(t *testing.T) transport.Transport { return dial(t, cfgs[0]) })
	})
	t.Run("jump", func(t *testing.T) {
		via := cfgs[1]
		via.Jump = &cfgs[0]
		tr := dial(t, via)
		out, err := transport.Output(context.Background(), tr, "hostname")
		require.NoError(t, err)
		direct, err := transport.Output(context.Background(), dial(t, cfgs[1]), "hostname")
		require.NoError(t, err)
		require.Equal(t, direct, out)
	})
	t.Run("facts", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		trs, errs := ssh.DialAll(ctx, cfgs, 2)
		for i, err := range errs {
			require.NoError(t, err, hosts[i].Name)
			t.Cleanup(func() { trs[i].Close() })
			f, err := facts.Gather(ctx, trs[i])
			require.NoError(t, err)
			require.NotEmpty(t, f.DockerVersion, "each node runs its own dockerd")
			require.NotContains(t, f.DockerVersion, "client only")
			require.Positive(t, f.CPUs)
			off, bound, err := facts.ClockOffset(ctx, trs[i], 20)
			require.NoError(t, err)
			t.Logf("%s: %s %s docker %s, cgroup v%d, offset %v ± %v", hosts[i].Name, f.Arch, f.OS, f.DockerVersion, f.CgroupVersion, off, bound)
			require.LessOrEqual(t, off.Abs(), bound+time.Microsecond, "the nodes share this machine's clock")
		}
	})
}
