package sparkimage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/transport"
)

// Build records how a root filesystem was made; it is kept beside the
// tarball, so that the build times can be set beside the ones published for
// images cross-built under QEMU.
type Build struct {
	Arch     string        `json:"arch"`
	Suite    string        `json:"suite"`
	Packages []string      `json:"packages"`
	Mirror   string        `json:"mirror"`
	Emulated bool          `json:"emulated"` // built under qemu-user
	Duration time.Duration `json:"duration_ns"`
	Seconds  float64       `json:"seconds"`
	Bytes    int64         `json:"tarball_bytes"`
	HostCPUs int           `json:"host_cpus"`
	Load     string        `json:"host_load,omitempty"` // /proc/loadavg when the build ended
	Built    time.Time     `json:"built"`
}

// slimmed are removed from the root filesystem before it is stored:
// downloaded packages, package lists, documentation and translations are
// a third of a minbase system and useless in a container.
var slimmed = []string{
	"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*",
	"usr/share/doc/*", "usr/share/man/*", "usr/share/info/*", "usr/share/lintian/*",
	"usr/share/locale/*", "var/cache/debconf/*-old", "var/log/*.log",
}

// buildRootfs debootstraps a's root filesystem and stores it as the tarball
// dst, written under a temporary name and renamed, so that a build cut
// short never leaves a tarball that looks complete. The record of the
// build goes beside it (recordPath).
func buildRootfs(ctx context.Context, a Arch, dst, mirror string, progress io.Writer) (Build, error) {
	start := time.Now()
	if a.Binfmt != "" {
		if err := ensureBinfmt(ctx, a); err != nil {
			return Build{}, err
		}
	}
	root := strings.TrimSuffix(dst, ".tar") + ".rootfs"
	if err := removeTree(root); err != nil {
		return Build{}, err
	}
	defer removeTree(root)
	// nice: the build shares the machine with whatever else runs on it.
	args := []string{"nice", "-n", "10", "debootstrap", "--arch=" + a.DebArch, "--variant=minbase",
		"--include=" + strings.Join(Packages, ","), Suite, root, mirror}
	if err := runLogged(ctx, progress, args...); err != nil {
		return Build{}, fmt.Errorf("sparkimage: %s root filesystem: %w", a.Name, err)
	}
	for _, g := range slimmed {
		m, _ := filepath.Glob(filepath.Join(root, g))
		for _, p := range m {
			os.RemoveAll(p)
		}
	}
	tmp := dst + ".tmp"
	if err := runLogged(ctx, progress, "tar", "--numeric-owner", "-C", root, "-cf", tmp, "."); err != nil {
		os.Remove(tmp)
		return Build{}, fmt.Errorf("sparkimage: %s root filesystem: %w", a.Name, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return Build{}, fmt.Errorf("sparkimage: storing the %s root filesystem: %w", a.Name, err)
	}
	b := Build{Arch: a.Name, Suite: Suite, Packages: Packages, Mirror: mirror, Emulated: a.Binfmt != "",
		Duration: time.Since(start), HostCPUs: runtime.NumCPU(), Built: time.Now().UTC()}
	b.Seconds = b.Duration.Seconds()
	if st, err := os.Stat(dst); err == nil {
		b.Bytes = st.Size()
	}
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Load = strings.TrimSpace(string(l))
	}
	data, _ := json.MarshalIndent(b, "", "  ")
	if err := os.WriteFile(recordPath(dst), append(data, '\n'), 0o644); err != nil {
		return b, fmt.Errorf("sparkimage: recording the build: %w", err)
	}
	return b, nil
}

// recordPath is where the record of the tarball's build is kept.
func recordPath(tarball string) string { return strings.TrimSuffix(tarball, ".tar") + ".json" }

// ReadBuild returns the record of the build of a's current root filesystem
// in the cache dir ("" means the default cache).
func ReadBuild(dir string, a Arch) (Build, error) {
	p := recordPath(rootfsPath(cacheDir(dir), a))
	data, err := os.ReadFile(p)
	if err != nil {
		return Build{}, fmt.Errorf("sparkimage: build record: %w", err)
	}
	var b Build
	if err := json.Unmarshal(data, &b); err != nil {
		return Build{}, fmt.Errorf("sparkimage: build record %s: %w", p, err)
	}
	return b, nil
}

// ensureBinfmt makes sure the kernel runs a's binaries through qemu-user:
// debootstrap runs the packages' scripts with them, and the engine runs the
// image's containers with them. The entry must have the F flag (Debian's
// qemu-user-static sets it) so that the interpreter works inside a
// container's root filesystem too.
func ensureBinfmt(ctx context.Context, a Arch) error {
	entry := filepath.Join("/proc/sys/fs/binfmt_misc", a.Binfmt)
	read := func() string { b, _ := os.ReadFile(entry); return string(b) }
	if !strings.HasPrefix(read(), "enabled") {
		if _, err := os.Stat("/proc/sys/fs/binfmt_misc/register"); err != nil {
			exec.CommandContext(ctx, "mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc").Run()
		}
		exec.CommandContext(ctx, "update-binfmts", "--enable", a.Binfmt).Run()
	}
	s := read()
	if !strings.HasPrefix(s, "enabled") {
		return fmt.Errorf("sparkimage: %s binaries cannot run here: binfmt_misc entry %s is not enabled (install qemu-user-static and binfmt-support, then run fixtures/setup/deps.sh as root)", a.Name, entry)
	}
	if !binfmtFixed(s) {
		return fmt.Errorf("sparkimage: binfmt_misc entry %s lacks the F flag, so containers of %s images cannot find the emulator (re-register it: update-binfmts --disable %s && update-binfmts --enable %s, with Debian's qemu-user-static, whose entries set fix_binary)", entry, a.Name, a.Binfmt, a.Binfmt)
	}
	return nil
}

// binfmtFixed reports whether a binfmt_misc entry's text has the F flag:
// the kernel opens the interpreter when the entry is registered, so it is
// found from inside any mount namespace.
func binfmtFixed(entry string) bool {
	for _, l := range strings.Split(entry, "\n") {
		if f, ok := strings.CutPrefix(l, "flags: "); ok {
			return strings.Contains(f, "F")
		}
	}
	return false
}

// removeTree removes a (partial) root filesystem. An interrupted
// debootstrap can leave /proc and /sys mounted inside it: those are
// detached first, and nothing is removed while anything stays mounted.
func removeTree(root string) error {
	for _, m := range mountsUnder(root) {
		syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if left := mountsUnder(root); len(left) > 0 {
		return fmt.Errorf("sparkimage: %s still has mounts (%s): unmount them and remove it by hand", root, strings.Join(left, ", "))
	}
	if err := os.RemoveAll(root); err != nil {
		return fmt.Errorf("sparkimage: removing %s: %w", root, err)
	}
	return nil
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		mp := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// runLogged runs a host command with its output going to progress, and
// keeps the end of that output for the error.
func runLogged(ctx context.Context, progress io.Writer, args ...string) error {
	tail := &transport.Tail{}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout = io.MultiWriter(progress, tail)
	cmd.Stderr = io.MultiWriter(progress, tail)
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", transport.Quote(args), err, strings.TrimSpace(tail.String()))
	}
	return nil
}
