package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

func TestRequirementCheckApply(t *testing.T) {
	names := &hostnames{byHost: map[string]string{"pi-1": "raspberrypi", "pi-2": "raspberrypi"}}
	cases := []struct {
		req       Requirement
		setup     func(f *fakeHost)
		found     string // what Check finds on the fresh host
		applyErr  string // "" when Apply must succeed
		reboot    bool
		foundThen string // what Check finds after Apply (and a reboot)
	}{
		{req: pkg{name: "chrony"}, found: "not installed", foundThen: "installed"},
		{req: pkg{name: "docker.io", cmd: "docker"}, found: "not installed", foundThen: "docker found"},
		{req: newClock(), found: "none of chronyd, systemd-timesyncd, ntpd, openntpd running", foundThen: "chronyd running"},
		{req: newClock(), setup: func(f *fakeHost) { f.pkgs["systemd-timesyncd"] = true }, found: "none of", foundThen: "systemd-timesyncd running"},
		{req: newClock(), setup: func(f *fakeHost) { f.container = true }, found: "a container: its clock is its machine's"},
		{req: newClock(), setup: func(f *fakeHost) { f.init = "docker-init" }, found: "none of", applyErr: `no systemd on the host (PID 1 is "docker-init") to start chrony or systemd-timesyncd: start it by hand`},
		{req: dockerAccess{}, setup: func(f *fakeHost) { f.pkgs["docker.io"] = true; f.procs["dockerd"] = true; f.uid, f.user = "1000", "pi" },
			found: "user pi may not use the Docker socket", foundThen: "docker info answers"},
		{req: dockerAccess{}, found: "docker not installed", applyErr: "root cannot use Docker"},
		{req: module{"br_netfilter"}, found: "not loaded", foundThen: "loaded, in /etc/modules-load.d/edgerig.conf"},
		{req: module{"overlay"}, setup: func(f *fakeHost) { f.container = true }, found: "not loaded",
			applyErr: "the host is a container: loading module overlay would change the kernel of the machine it runs on; set it there"},
		{req: module{"overlay"}, setup: func(f *fakeHost) { f.container = true; f.modules["overlay"] = true },
			found: "a container: loaded in its machine's kernel"},
		{req: module{"br_netfilter"}, setup: func(f *fakeHost) {
			f.container = true
			f.files["/proc/sys/net/bridge/bridge-nf-call-iptables"] = "1\n"
		}, found: "a container: loaded in its machine's kernel"},
		{req: sysctl{"net.ipv4.ip_forward", "1"}, setup: func(f *fakeHost) {
			f.container = true
			f.files["/proc/sys/net/ipv4/ip_forward"] = "1\n"
		}, found: "1 (a container: set for its lifetime)"},
		{req: sysctl{"net.ipv4.ip_forward", "1"}, found: "0", foundThen: "1, in /etc/sysctl.d/90-edgerig.conf"},
		{req: sysctl{"net.ipv4.ip_forward", "1"}, setup: func(f *fakeHost) { f.files["/proc/sys/net/ipv4/ip_forward"] = "1\n" },
			found: "1 but not in /etc/sysctl.d/90-edgerig.conf", foundThen: "1, in"},
		{req: sysctl{"net.bridge.bridge-nf-call-iptables", "1"}, found: "no such parameter (a module not loaded?)", applyErr: "cannot stat"},
		{req: sysctl{"vm.swappiness", "0"}, setup: func(f *fakeHost) { f.container = true }, found: "no such parameter",
			applyErr: "the host is a container: sysctl vm.swappiness would change the kernel"},
		{req: swapOff{}, setup: func(f *fakeHost) {
			f.pkgs["dphys-swapfile"] = true
			f.files["dphys-enabled"] = "yes"
			f.files["/etc/fstab"] += "/swapfile none swap sw 0 0\n"
		}, found: "1 swap area(s) active, 1 swap line(s) in /etc/fstab, dphys-swapfile enabled", foundThen: "no swap"},
		{req: uniqueHostname{names}, found: `"raspberrypi", shared by 2 hosts`, foundThen: "pi-1"},
		{req: memoryCgroup{}, setup: func(f *fakeHost) {
			f.files["/boot/firmware/cmdline.txt"] = "console=serial0,115200 root=PARTUUID=1-02 rootwait\n"
		}, found: "disabled; /boot/firmware/cmdline.txt lacks cgroup_enable=memory cgroup_memory=1", reboot: true, foundThen: "enabled, flags in /boot/firmware/cmdline.txt"},
		{req: memoryCgroup{}, found: "disabled, and no cmdline.txt", applyErr: "add cgroup_enable=memory cgroup_memory=1 to the kernel command line"},
		{req: pkg{name: "chrony"}, setup: func(f *fakeHost) { f.os = "fedora" }, applyErr: `unsupported distribution "fedora"`},
		{req: pkg{name: "chrony"}, setup: func(f *fakeHost) { f.noNetwork = true }, found: "not installed", applyErr: "apt-get update (does the host reach its package mirror?)"},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%d-%s", i, tc.req.Name()), func(t *testing.T) {
			ctx := context.Background()
			f := newFake()
			if tc.setup != nil {
				tc.setup(f)
			}
			h := NewHost("pi-1", f)
			require.NoError(t, h.Learn(ctx))
			got, err := tc.req.Check(ctx, h)
			if tc.found == "" { // the check itself refuses (unsupported distribution)
				require.ErrorContains(t, err, tc.applyErr)
				return
			}
			require.NoError(t, err)
			require.Contains(t, got.Found, tc.found)
			if tc.foundThen == "" && tc.applyErr == "" {
				require.True(t, got.OK)
				return
			}
			require.False(t, got.OK)
			reboot, err := tc.req.Apply(ctx, h)
			if tc.applyErr != "" {
				require.ErrorContains(t, err, tc.applyErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.reboot, reboot)
			if reboot {
				f.reboot()
			}
			require.NoError(t, h.Learn(ctx))
			got, err = tc.req.Check(ctx, h)
			require.NoError(t, err)
			require.True(t, got.OK, "after apply: %s", got.Found)
			require.Contains(t, got.Found, tc.foundThen)
		})
	}
}

// TestWritesKeepBackups: a file edgerig replaces is kept beside it, and the
// one-line cmdline.txt stays one line.
func TestWritesKeepBackups(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.files["/boot/firmware/cmdline.txt"] = "console=tty1 root=/dev/mmcblk0p2\n"
	f.files["/etc/fstab"] += "/swap none swap sw 0 0\n"
	h := NewHost("pi-1", f)
	require.NoError(t, h.Learn(ctx))
	_, err := memoryCgroup{}.Apply(ctx, h)
	require.NoError(t, err)
	_, err = swapOff{}.Apply(ctx, h)
	require.NoError(t, err)
	require.Equal(t, "console=tty1 root=/dev/mmcblk0p2\n", f.files["/boot/firmware/cmdline.txt.edgerig-backup"])
	require.Equal(t, "console=tty1 root=/dev/mmcblk0p2 cgroup_enable=memory cgroup_memory=1\n", f.files["/boot/firmware/cmdline.txt"])
	require.Contains(t, f.files["/etc/fstab.edgerig-backup"], "\n/swap none swap sw 0 0\n")
	require.Contains(t, f.files["/etc/fstab"], "\n#/swap none swap sw 0 0 # swap off")
}

func parseSpec(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("test.yaml", []byte(src))
	require.NoError(t, err)
	return s
}

const kubeSpec = `name: k
orchestrator: {kind: kubernetes}
provision:
  packages: [jq]
  sysctls: {net.ipv4.tcp_fin_timeout: "30"}
`

func piHosts(n int) ([]inventory.Host, []*fakeHost) {
	var hs []inventory.Host
	var fs []*fakeHost
	for i := 1; i <= n; i++ {
		role := "worker"
		if i == 1 {
			role = "master"
		}
		hs = append(hs, inventory.Host{Name: fmt.Sprintf("pi-%d", i), Roles: []string{role}})
		f := newFake()
		f.uid, f.user = "1000", "pi"
		f.files["/boot/firmware/cmdline.txt"] = "console=serial0,115200 root=PARTUUID=1-02 rootwait\n"
		fs = append(fs, f)
	}
	return hs, fs
}

func fakeConnect(hs []inventory.Host, fs []*fakeHost, fail map[string]error) func(context.Context, inventory.Host) (transport.Transport, error) {
	return func(_ context.Context, h inventory.Host) (transport.Transport, error) {
		if err := fail[h.Name]; err != nil {
			return nil, err
		}
		for i := range hs {
			if hs[i].Name == h.Name {
				return fs[i], nil
			}
		}
		return nil, errors.New("no such host")
	}
}

func states(res []HostResult) map[string]State {
	m := map[string]State{}
	for _, r := range res {
		for _, a := range r.Actions {
			m[r.Host+" "+a.Requirement] = a.State
		}
	}
	return m
}

// TestProvisionPiCluster provisions fresh Raspberry Pis for Kubernetes:
// --check lists exactly what the first run then changes (rebooting for the
// boot flags), and a second run changes nothing.
func TestProvisionPiCluster(t *testing.T) {
	ctx := context.Background()
	hs, fs := piHosts(3)
	s := parseSpec(t, kubeSpec)
	o := Options{Connect: fakeConnect(hs, fs, nil), PollEvery: time.Millisecond, Progress: &bytes.Buffer{}}

	o.CheckOnly = true
	check := Provision(ctx, For(s, hs), hs, o)
	require.NoError(t, Failed(check))
	for _, f := range fs {
		require.Equal(t, 1, f.bootID, "--check rebooted a host")
		require.NotContains(t, strings.Join(f.cmds, "\n"), "apt-get", "--check changed a host")
	}

	o.CheckOnly = false
	first := Provision(ctx, For(s, hs), hs, o)
	require.NoError(t, Failed(first))
	want := map[string]State{}
	for k, v := range states(check) {
		if v == StateWouldChange {
			v = StateChanged
		}
		want[k] = v
	}
	require.Equal(t, want, states(first))
	require.Equal(t, StateChanged, states(first)["pi-2 memory cgroup (cgroup_enable=memory cgroup_memory=1)"])
	require.Equal(t, StateChanged, states(first)["pi-2 unique hostname"])
	for i, f := range fs {
		require.True(t, first[i].Rebooted)
		require.Equal(t, 2, f.bootID)
		require.Equal(t, hs[i].Name, f.hostname)
		require.True(t, f.pkgs["jq"] && f.pkgs["containerd"] && f.pkgs["chrony"])
	}

	second := Provision(ctx, For(s, hs), hs, o)
	for k, v := range states(second) {
		require.Equal(t, StateOK, v, k)
	}
	var table bytes.Buffer
	Summary(&table, second)
	require.Contains(t, table.String(), "pi-3  12  0        0             0       false")
}

// TestHostFailuresStayTheirs: an unreachable host, a host without network
// and an unsupported distribution each fail with their own cause, and the
// other hosts are provisioned.
func TestHostFailuresStayTheirs(t *testing.T) {
	ctx := context.Background()
	hs, fs := piHosts(4)
	fs[1].noNetwork = true
	fs[2].os = "fedora"
	s := parseSpec(t, "name: p\nprovision: {packages: [jq]}\n")
	var progress bytes.Buffer
	res := Provision(ctx, For(s, hs), hs, Options{
		Connect:  fakeConnect(hs, fs, map[string]error{"pi-4": errors.New("dial tcp 192.0.2.4:22: connect: no route to host")}),
		Progress: &progress,
	})
	err := Failed(res)
	require.ErrorContains(t, err, "apt-get update (does the host reach its package mirror?)")
	require.ErrorContains(t, err, `pi-3: package jq: unsupported distribution "fedora": edgerig installs packages with apt`)
	require.ErrorContains(t, err, "pi-4: connect: dial tcp 192.0.2.4:22: connect: no route to host")
	require.Equal(t, StateChanged, states(res)["pi-1 package jq"])
	require.Equal(t, StateChanged, states(res)["pi-1 clock synchronised by an NTP client"])
	require.Contains(t, progress.String(), "edgerig: pi-4: unreachable")

	lines := Unmet(Check(ctx, For(s, hs), hs[:3], []transport.Transport{fs[0], fs[1], fs[2]}), "run edgerig provision p.yaml --hosts hosts.yaml")
	require.Equal(t, []string{
		"pi-2: package jq: missing (found: not installed); run edgerig provision p.yaml --hosts hosts.yaml",
		"pi-2: clock synchronised by an NTP client: missing (found: none of chronyd, systemd-timesyncd, ntpd, openntpd running); run edgerig provision p.yaml --hosts hosts.yaml",
		`pi-3: package jq: failed: unsupported distribution "fedora": edgerig installs packages with apt (Debian, Raspberry Pi OS, Ubuntu); install them by hand; run edgerig provision p.yaml --hosts hosts.yaml`,
		"pi-3: clock synchronised by an NTP client: missing (found: none of chronyd, systemd-timesyncd, ntpd, openntpd running); run edgerig provision p.yaml --hosts hosts.yaml",
	}, lines)
}

// TestRebootTimeout: a host that does not come back is reported, not
// waited for forever.
func TestRebootTimeout(t *testing.T) {
	hs, fs := piHosts(1)
	s := parseSpec(t, "name: k\norchestrator: {kind: kubernetes}\n")
	o := Options{PollEvery: time.Millisecond, RebootTimeout: 50 * time.Millisecond}
	// The host goes down at the reboot and never answers again.
	fs[0].files["/boot/firmware/cmdline.txt"] = "root=/dev/mmcblk0p2\n"
	o.Connect = func(ctx context.Context, h inventory.Host) (transport.Transport, error) {
		if fs[0].bootID > 1 {
			return nil, errors.New("connection refused")
		}
		return fs[0], nil
	}
	res := Provision(context.Background(), For(s, hs), hs, o)
	err := Failed(res)
	require.ErrorContains(t, err, "pi-1: no SSH within 50ms after the reboot (last: connection refused)")
	require.ErrorContains(t, err, "memory cgroup (cgroup_enable=memory cgroup_memory=1): changed, but the reboot it needs failed")
}
