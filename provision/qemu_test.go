package provision_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/provision"
	"github.com/edgerig/edgerig/testbed/qemu"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
)

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestBootFlagsOnQEMU sets the Pi's memory cgroup boot flags on an emulated
// arm64 host whose testbed plays the Pi firmware's part (cmdline.txt on a
// FAT boot partition, read before every boot): provision edits the file
// over SSH, reboots the guest, waits for SSH, and the running kernel's
// /proc/cmdline shows the flags; a second run changes nothing.
func TestBootFlagsOnQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("boots an emulated ARM host (minutes; the first run also builds its image)")
	}
	testenv.Root(t)
	testenv.Command(t, "qemu-system-aarch64", "qemu-img", "mkfs.ext4", "mkfs.vfat", "mcopy", "debootstrap")
	dir := t.TempDir()
	t.Cleanup(func() {
		if err := qemu.Down(dir); err != nil {
			t.Errorf("down: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	tb, err := qemu.Up(ctx, qemu.Options{Dir: dir, Arches: []string{"arm64"}, Log: testLog{t}})
	require.NoError(t, err)
	inv, err := inventory.Load(filepath.Join(dir, "hosts.yaml"))
	require.NoError(t, err)
	hosts, err := inv.Testbed(qemu.TestbedName)
	require.NoError(t, err)
	connect := func(ctx context.Context, h inventory.Host) (transport.Transport, error) {
		cfg, err := ssh.ConfigFor(inv, h, false)
		if err != nil {
			return nil, err
		}
		return ssh.Dial(ctx, cfg)
	}
	run := func(args ...string) string {
		tr, err := connect(ctx, hosts[0])
		require.NoError(t, err)
		defer tr.Close()
		out, err := transport.Output(ctx, tr, args...)
		require.NoError(t, err)
		return out
	}
	require.NotContains(t, run("cat", "/proc/cmdline"), "cgroup_memory=1")
	require.Equal(t, qemu.DefaultCmdline+"\n", run("cat", "/boot/firmware/cmdline.txt"), "the boot partition is mounted where Raspberry Pi OS has it")

	plan := func() provision.Plan {
		return provision.NewPlan(map[string][]provision.Requirement{hosts[0].Name: {provision.MemoryCgroup()}})
	}
	var log strings.Builder
	o := provision.Options{Connect: connect, PollEvery: 2 * time.Second, RebootTimeout: 10 * time.Minute, Progress: &log}
	o.CheckOnly = true
	res := provision.Provision(ctx, plan(), hosts, o)
	require.NoError(t, provision.Failed(res))
	require.Equal(t, provision.StateWouldChange, res[0].Actions[0].State)
	require.Contains(t, res[0].Actions[0].Found, "/boot/firmware/cmdline.txt lacks cgroup_enable=memory cgroup_memory=1")

	o.CheckOnly = false
	start := time.Now()
	res = provision.Provision(ctx, plan(), hosts, o)
	t.Logf("provision with a reboot took %s:\n%s", time.Since(start).Round(time.Second), log.String())
	require.NoError(t, provision.Failed(res))
	require.True(t, res[0].Rebooted)
	require.Equal(t, provision.StateChanged, res[0].Actions[0].State)

	cmdline := run("cat", "/proc/cmdline")
	require.Contains(t, cmdline, "cgroup_enable=memory cgroup_memory=1", "the kernel booted with the edited cmdline.txt")
	require.True(t, provision.MemoryInProcCgroups(run("cat", "/proc/cgroups")), "memory cgroup enabled")
	file := run("cat", "/boot/firmware/cmdline.txt")
	require.Equal(t, qemu.DefaultCmdline+" cgroup_enable=memory cgroup_memory=1\n", file, "one line")
	require.Contains(t, run("cat", "/boot/firmware/cmdline.txt.edgerig-backup"), qemu.DefaultCmdline)
	line, err := qemu.ReadCmdline(ctx, tb.VMs[0])
	require.NoError(t, err)
	require.Equal(t, strings.TrimSpace(file), line, "what the testbed's firmware reads")
	_, err = os.Stat(filepath.Join(tb.VMs[0].Dir, "serial-1.log"))
	require.NoError(t, err, "the first boot's console log, kept by the relaunch")

	log.Reset()
	res = provision.Provision(ctx, plan(), hosts, o)
	require.NoError(t, provision.Failed(res))
	require.False(t, res[0].Rebooted)
	require.Equal(t, provision.StateOK, res[0].Actions[0].State, log.String())
}
