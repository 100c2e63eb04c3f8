package qemu

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// guestPackages are installed by debootstrap; the kernel comes after, once
// the initramfs is configured (see initramfsFiles).
var guestPackages = []string{
	"openssh-server", "systemd-sysv", "ifupdown", "iproute2", "procps", "udev", "kmod",
	"isc-dhcp-client", "initramfs-tools",
	// An NTP client, as every experiment's hosts need (see package
	// provision); with no network outside it keeps the clock QEMU gave.
	"systemd-timesyncd",
}

// Builder builds images into a cache. The build runs the foreign
// architecture's binaries under qemu-user (binfmt_misc), which is slow: each
// stage leaves a marker in a work directory, so an interrupted build resumes
// where it stopped, and the finished image appears in the cache atomically.
type Builder struct {
	Root     string    // the cache: CacheRoot() unless set
	Mirror   string    // the Debian mirror: DebianMirror() unless set
	Progress io.Writer // human progress (stderr); nil discards
}

// Image returns arch's image from the cache, building it first if the
// cache has none. Concurrent callers (two test binaries, two users) wait
// for one build through a lock file.
func (b *Builder) Image(ctx context.Context, a Arch) (*Image, error) {
	root := b.Root
	if root == "" {
		root = CacheRoot()
	}
	dir := ImageDir(root, a)
	if im, err := OpenImage(dir, a); err == nil {
		return im, nil
	} else if _, statErr := os.Stat(dir); statErr == nil {
		// A directory that is there but does not open is damaged, not
		// missing: say so rather than silently rebuilding over it.
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("image cache: %w", err)
	}
	unlock, err := b.lock(ctx, dir+".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if im, err := OpenImage(dir, a); err == nil { // built while we waited
		return im, nil
	}
	start := time.Now()
	if err := b.build(ctx, a, dir); err != nil {
		return nil, fmt.Errorf("build %s image (log: %s): %w", a.Name, filepath.Join(dir+".work", "build.log"), err)
	}
	b.logf("qemu: %s image built in %s: %s", a.Name, time.Since(start).Round(time.Second), dir)
	return OpenImage(dir, a)
}

func (b *Builder) logf(format string, args ...any) {
	if b.Progress != nil {
		fmt.Fprintf(b.Progress, format+"\n", args...)
	}
}

func (b *Builder) lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("image lock: %w", err)
	}
	said := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !said {
			b.logf("qemu: waiting for another build of this image (%s)", path)
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// build runs the stages into dir.work and renames its output to dir.
func (b *Builder) build(ctx context.Context, a Arch, dir string) error {
	work := dir + ".work"
	rootfs := filepath.Join(work, "rootfs")
	out := filepath.Join(work, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(work, "build.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	if _, err := os.Stat(filepath.Join(work, "started")); err != nil {
		os.WriteFile(filepath.Join(work, "started"), nil, 0o644)
	}
	r := &stepRunner{log: logf, beat: func(elapsed time.Duration, last string) {
		b.logf("qemu: %s image: still building (%s): %s", a.Name, elapsed.Round(time.Second), last)
	}}
	mirror := b.Mirror
	if mirror == "" {
		mirror = DebianMirror()
	}
	if err := ensureBinfmt(ctx, a); err != nil {
		return err
	}
	stages := []struct {
		name, what string
		run        func() error
	}{
		{"debootstrap", "Debian " + Suite + " root filesystem (debootstrap under emulation, the slow part)", func() error {
			os.RemoveAll(rootfs) // a half-done debootstrap cannot be resumed
			return r.run(ctx, "nice", "-n", "10", "debootstrap", "--arch="+a.DebArch, "--variant=minbase",
				"--include="+strings.Join(guestPackages, ","), Suite, rootfs, mirror)
		}},
		{"kernel", "kernel " + a.Kernel + " and a small initramfs", func() error { return installKernel(ctx, r, a, rootfs, out) }},
		{"config", "network, sshd, keys", func() error { return configure(ctx, r, a, rootfs, out) }},
		{"disk", "ext4 disk image", func() error { return makeDisk(ctx, r, rootfs, work, out) }},
	}
	for i, s := range stages {
		marker := filepath.Join(work, "stage-"+s.name+".done")
		if _, err := os.Stat(marker); err == nil {
			b.logf("qemu: %s image: stage %d/%d %s: done earlier, reused", a.Name, i+1, len(stages), s.name)
			continue
		}
		b.logf("qemu: %s image: stage %d/%d %s: %s", a.Name, i+1, len(stages), s.name, s.what)
		start := time.Now()
		if err := s.run(); err != nil {
			return fmt.Errorf("stage %s: %w", s.name, err)
		}
		fmt.Fprintf(logf, "== stage %s took %s\n", s.name, time.Since(start).Round(time.Second))
		b.logf("qemu: %s image: stage %s took %s", a.Name, s.name, time.Since(start).Round(time.Second))
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			return err
		}
	}
	m, err := readBuildFacts(out)
	if err != nil {
		return err
	}
	m.Arch, m.Version, m.Mirror, m.Built = a.Name, ImageVersion, mirror, time.Now().UTC()
	if st, err := os.Stat(filepath.Join(work, "started")); err == nil {
		m.BuildTime = time.Since(st.ModTime()) // wall time since the build first began
	}
	if err := writeManifest(out, m); err != nil {
		return err
	}
	if err := os.Rename(out, dir); err != nil {
		return fmt.Errorf("publish image: %w", err)
	}
	logf.Close()
	os.Rename(filepath.Join(work, "build.log"), filepath.Join(dir, "build.log"))
	// The image is published; a work directory that cannot be removed
	// (a mount left by an interrupted build) only costs disk space.
	unmountUnder(work)
	if err := os.RemoveAll(work); err != nil {
		b.logf("qemu: could not remove %s: %v", work, err)
	}
	return nil
}
