package provision_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/provision"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/testbed/containers"
	"github.com/edgerig/edgerig/testbed/containers/containerstest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
)

// containerNodes brings up n container-testbed nodes (Debian, real sshd,
// apt reaching the Debian mirror) and returns their hosts and a connector.
func containerNodes(t *testing.T, n int) (*containers.Testbed, []inventory.Host, func(context.Context, inventory.Host) (transport.Transport, error)) {
	tb := containerstest.Up(t, "prov-", n)
	inv, err := inventory.Load(tb.HostsPath())
	require.NoError(t, err)
	hosts, err := inv.Testbed("")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, h := range hosts {
		// A node's kernel and clock are this machine's: no daemon that a
		// package brings (chronyd would discipline this machine's clock)
		// may start inside one. Docker's own Debian images do the same.
		_, err := tb.Run(ctx, h.Name, strings.NewReader("#!/bin/sh\nexit 101\n"),
			"sh", "-c", "cat > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d")
		require.NoError(t, err)
	}
	return tb, hosts, func(ctx context.Context, h inventory.Host) (transport.Transport, error) {
		cfg, err := ssh.ConfigFor(inv, h, false)
		if err != nil {
			return nil, err
		}
		return ssh.Dial(ctx, cfg)
	}
}

func states(res []provision.HostResult) map[string]provision.State {
	m := map[string]provision.State{}
	for _, r := range res {
		for _, a := range r.Actions {
			m[r.Host+" "+a.Requirement] = a.State
		}
	}
	return m
}

// TestProvisionContainerNodes provisions fresh container-testbed nodes:
// --check lists exactly what the first run then changes (chrony installed
// with apt, two network sysctls set and persisted), the hosts show it, and
// a second run reports everything ok.
func TestProvisionContainerNodes(t *testing.T) {
	tb, hosts, connect := containerNodes(t, 2)
	s, err := spec.Parse("containers.yaml", []byte(`name: prov-containers
provision:
  packages: [chrony]
  sysctls:
    net.ipv4.tcp_fin_timeout: "37"
    net.core.somaxconn: "1000"
`))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	o := provision.Options{Connect: connect, Progress: &progress}

	o.CheckOnly = true
	check := provision.Provision(ctx, provision.For(s, hosts), hosts, o)
	require.NoError(t, provision.Failed(check), progress.String())
	out, err := tb.Run(ctx, hosts[0].Name, nil, "sh", "-c", "dpkg-query -W -f='${Status}' chrony 2>&1; cat /proc/sys/net/ipv4/tcp_fin_timeout")
	require.NoError(t, err)
	require.NotContains(t, out, "install ok installed", "--check installed chrony")
	require.Contains(t, out, "60", "--check set a sysctl")

	progress.Reset()
	o.CheckOnly = false
	start := time.Now()
	first := provision.Provision(ctx, provision.For(s, hosts), hosts, o)
	t.Logf("first run: %s\n%s", time.Since(start).Round(time.Millisecond), progress.String())
	require.NoError(t, provision.Failed(first))
	want := map[string]provision.State{}
	for k, v := range states(check) {
		if v == provision.StateWouldChange {
			v = provision.StateChanged
		}
		want[k] = v
	}
	require.Equal(t, want, states(first))
	for _, h := range hosts {
		require.Equal(t, provision.StateChanged, states(first)[h.Name+" package chrony"])
		require.Equal(t, provision.StateChanged, states(first)[h.Name+" sysctl net.ipv4.tcp_fin_timeout=37"])
		require.Equal(t, provision.StateOK, states(first)[h.Name+" clock synchronised by an NTP client"])
		out, err := tb.Run(ctx, h.Name, nil, "sh", "-c", "dpkg-query -W -f='${Status}\n' chrony; cat /proc/sys/net/ipv4/tcp_fin_timeout /proc/sys/net/core/somaxconn /etc/sysctl.d/90-edgerig.conf")
		require.NoError(t, err)
		require.Equal(t, "install ok installed\n37\n1000\nnet.ipv4.tcp_fin_timeout = 37\nnet.core.somaxconn = 1000\n", out)
	}

	progress.Reset()
	second := provision.Provision(ctx, provision.For(s, hosts), hosts, o)
	require.NoError(t, provision.Failed(second))
	for k, v := range states(second) {
		require.Equal(t, provision.StateOK, v, k)
	}
	var table bytes.Buffer
	provision.Summary(&table, second)
	t.Logf("second run:\n%s%s", progress.String(), table.String())
}

// TestKubernetesOnContainerNodes: what Kubernetes needs of the kernel
// cannot be made true from inside a container, only found there: a module
// the machine's kernel has loaded is met, one it lacks fails by name rather
// than changing this machine, and a network sysctl already right is met
// for the container's lifetime.
func TestKubernetesOnContainerNodes(t *testing.T) {
	_, hosts, connect := containerNodes(t, 1)
	s, err := spec.Parse("k.yaml", []byte("name: k\norchestrator: {kind: kubernetes}\n"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	res := provision.Provision(ctx, provision.For(s, hosts), hosts, provision.Options{Connect: connect, Progress: &progress})
	t.Logf("%s", progress.String())
	got := states(res)
	require.Equal(t, provision.StateOK, got["node1 containerd running"], "the node's dockerd runs containerd")
	require.Equal(t, provision.StateOK, got["node1 unique hostname"])
	for _, mod := range []string{"overlay", "br_netfilter"} {
		_, statErr := os.Stat("/sys/module/" + mod)
		if mod == "br_netfilter" && statErr != nil {
			_, statErr = os.Stat("/proc/sys/net/bridge/bridge-nf-call-iptables")
		}
		if statErr == nil {
			require.Equal(t, provision.StateOK, got["node1 module "+mod], "loaded in this machine's kernel")
		} else {
			require.Equal(t, provision.StateFailed, got["node1 module "+mod])
			require.ErrorContains(t, provision.Failed(res), "node1: module "+mod+": the host is a container: loading module "+mod+" would change the kernel of the machine it runs on; set it there")
		}
	}
	require.Equal(t, provision.StateOK, got["node1 sysctl net.ipv4.ip_forward=1"], "a node's network namespace forwards (dockerd sets it)")
}
