package qemu

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// installKernel installs the Debian kernel in the root filesystem after the
// initramfs configuration is in place, so that its postinst builds a small
// initramfs once (MODULES=list: about a minute under emulation instead of
// 10+), and takes the kernel and the initramfs out for QEMU's -kernel/-initrd.
func installKernel(ctx context.Context, r *stepRunner, a Arch, rootfs, out string) error {
	if err := installFiles(rootfs, initramfsFiles); err != nil {
		return err
	}
	// No service may start inside the chroot.
	policy := filepath.Join(rootfs, "usr/sbin/policy-rc.d")
	if err := os.WriteFile(policy, []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
		return err
	}
	defer os.Remove(policy)
	proc := filepath.Join(rootfs, "proc")
	unmountUnder(rootfs) // left by an interrupted build
	if err := r.run(ctx, "mount", "-t", "proc", "proc", proc); err != nil {
		return err
	}
	defer exec.Command("umount", "-l", proc).Run()
	cr := &stepRunner{log: r.log, beat: r.beat, env: []string{"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}}
	if err := cr.run(ctx, "nice", "-n", "10", "chroot", rootfs, "apt-get", "-q", "update"); err != nil {
		return err
	}
	if err := cr.run(ctx, "nice", "-n", "10", "chroot", rootfs, "apt-get", "-q", "-y", "install", "--no-install-recommends", a.Kernel); err != nil {
		return err
	}
	kernels, _ := filepath.Glob(filepath.Join(rootfs, "boot", "vmlinuz-*"))
	initrds, _ := filepath.Glob(filepath.Join(rootfs, "boot", "initrd.img-*"))
	if len(kernels) != 1 || len(initrds) != 1 {
		return fmt.Errorf("want one kernel and one initramfs in %s/boot, found %d and %d", rootfs, len(kernels), len(initrds))
	}
	release := strings.TrimPrefix(filepath.Base(kernels[0]), "vmlinuz-")
	if err := copyFile(kernels[0], filepath.Join(out, kernelFile)); err != nil {
		return err
	}
	if err := copyFile(initrds[0], filepath.Join(out, initrdFile)); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "kernel-release"), []byte(release+"\n"), 0o644)
}

// configure makes the root filesystem an SSH host: network by DHCP, a user
// key authorized for root, one host key (generated here on the host, which
// is fast, and recorded for known_hosts), the seed unit, and no timers that
// would reach out to the network or load the emulated CPU.
func configure(ctx context.Context, r *stepRunner, a Arch, rootfs, out string) error {
	if err := installFiles(rootfs, configFiles); err != nil {
		return err
	}
	links := map[string]string{
		"etc/systemd/system/sysinit.target.wants/edgerig-seed.service": "/etc/systemd/system/edgerig-seed.service",
	}
	for _, t := range []string{"apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer", "man-db.timer"} {
		links["etc/systemd/system/"+t] = "/dev/null"
	}
	for l, target := range links {
		p := filepath.Join(rootfs, l)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.Remove(p)
		if err := os.Symlink(target, p); err != nil {
			return err
		}
	}
	// Where Raspberry Pi OS mounts its boot partition (see firmware.go).
	if err := os.MkdirAll(filepath.Join(rootfs, "boot/firmware"), 0o755); err != nil {
		return err
	}
	name := "edgerig-" + a.Name
	if err := os.WriteFile(filepath.Join(rootfs, "etc/hostname"), []byte(name+"\n"), 0o644); err != nil {
		return err
	}
	hosts := "127.0.0.1\tlocalhost\n127.0.1.1\t" + name + "\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	if err := os.WriteFile(filepath.Join(rootfs, "etc/hosts"), []byte(hosts), 0o644); err != nil {
		return err
	}
	// Each boot makes its own machine id.
	os.WriteFile(filepath.Join(rootfs, "etc/machine-id"), nil, 0o444)
	os.Remove(filepath.Join(rootfs, "var/lib/dbus/machine-id"))

	userKey := filepath.Join(out, userKeyFile)
	os.Remove(userKey)
	os.Remove(userKey + ".pub")
	if err := r.run(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "edgerig-qemu", "-f", userKey); err != nil {
		return err
	}
	sshDir := filepath.Join(rootfs, "root/.ssh")
	if err := os.MkdirAll(sshDir, 0o700); err != nil {
		return err
	}
	if err := copyFile(userKey+".pub", filepath.Join(sshDir, "authorized_keys")); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(rootfs, "etc/ssh/ssh_host_*"))
	for _, f := range old {
		os.Remove(f)
	}
	hostKey := filepath.Join(rootfs, "etc/ssh/ssh_host_ed25519_key")
	if err := r.run(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", hostKey); err != nil {
		return err
	}
	if err := copyFile(hostKey+".pub", filepath.Join(out, hostKeyFile)); err != nil {
		return err
	}
	// Smaller image: no package downloads or lists.
	for _, g := range []string{"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*"} {
		m, _ := filepath.Glob(filepath.Join(rootfs, g))
		for _, f := range m {
			os.Remove(f)
		}
	}
	return nil
}

// makeDisk turns the root filesystem into a sparse ext4 disk (labelled, so
// the kernel finds it whatever order the virtio disks come in) and then a
// qcow2 base that overlays can name as their backing file.
func makeDisk(ctx context.Context, r *stepRunner, rootfs, work, out string) error {
	raw := filepath.Join(work, "root.raw")
	os.Remove(raw)
	f, err := os.Create(raw)
	if err != nil {
		return err
	}
	err = f.Truncate(2 << 30)
	f.Close()
	if err != nil {
		return err
	}
	defer os.Remove(raw)
	if err := r.run(ctx, "mkfs.ext4", "-q", "-L", rootLabel, "-d", rootfs, raw); err != nil {
		return err
	}
	return r.run(ctx, "qemu-img", "convert", "-O", "qcow2", raw, filepath.Join(out, baseFile))
}

// readBuildFacts gathers what the stages left in out for the manifest.
func readBuildFacts(out string) (Manifest, error) {
	var m Manifest
	rel, err := os.ReadFile(filepath.Join(out, "kernel-release"))
	if err != nil {
		return m, err
	}
	key, err := os.ReadFile(filepath.Join(out, hostKeyFile))
	if err != nil {
		return m, err
	}
	m.Kernel = strings.TrimSpace(string(rel))
	f := strings.Fields(string(key))
	if len(f) < 2 {
		return m, fmt.Errorf("%s: not a public key", hostKeyFile)
	}
	m.HostKey = f[0] + " " + f[1]
	return m, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return out.Close()
}

// unmountUnder detaches every mount below dir, deepest first, so that
// removing a work directory never descends into a mounted /proc.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], abs+"/") {
			points = append(points, f[1])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		exec.Command("umount", "-l", points[i]).Run()
	}
}
