package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/fixtures/testbed/nodeimage"
	"github.com/edgerig/edgerig/transport"
)

// buildRootfs debootstraps the node's root filesystem and stores it as the
// tarball dst, written under a temporary name and renamed, so that a build
// cut short never leaves a tarball that looks complete.
func buildRootfs(ctx context.Context, dst, mirror string, progress io.Writer) error {
	root := strings.TrimSuffix(dst, ".tar") + ".rootfs"
	if err := removeRootfs(root); err != nil {
		return err
	}
	defer removeRootfs(root)
	args := []string{"debootstrap", "--variant=minbase", "--include=" + strings.Join(Packages, ","), Suite, root, mirror}
	if err := runLogged(ctx, progress, args...); err != nil {
		return err
	}
	// Downloaded packages and index files are half the size and useless in
	// a node.
	for _, g := range []string{"var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_Packages"} {
		m, _ := filepath.Glob(filepath.Join(root, g))
		for _, p := range m {
			os.Remove(p)
		}
	}
	tmp := dst + ".tmp"
	if err := runLogged(ctx, progress, "tar", "--numeric-owner", "-C", root, "-cf", tmp, "."); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("storing the root filesystem: %w", err)
	}
	return nil
}

// removeRootfs removes a (partial) root filesystem. A debootstrap that was
// interrupted can leave /proc and /sys mounted inside it: those are
// detached first, and nothing is removed while anything stays mounted, so
// that RemoveAll never walks into a live file system.
func removeRootfs(root string) error {
	for _, m := range mountsUnder(root) {
		syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if left := mountsUnder(root); len(left) > 0 {
		return fmt.Errorf("%s still has mounts (%s): unmount them and remove it by hand", root, strings.Join(left, ", "))
	}
	if err := os.RemoveAll(root); err != nil {
		return fmt.Errorf("removing %s: %w", root, err)
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
		// Field 5 is the mount point, with spaces and the like octal-escaped.
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

// nodeLayer copies the root filesystem tarball r to w, without the host
// keys and machine id that the package scripts generated at build time (each
// node gets its own), followed by the node's files.
func nodeLayer(r io.Reader, w io.Writer) error {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the root filesystem tarball: %w", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if strings.HasPrefix(name, "etc/ssh/ssh_host_") || name == "etc/machine-id" {
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing the node layer: %s: %w", h.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return fmt.Errorf("writing the node layer: %s: %w", h.Name, err)
		}
	}
	now := time.Now()
	for _, f := range []struct {
		path string
		mode int64
		data []byte
	}{
		{nodeimage.EntrypointPath, 0o755, nodeimage.Entrypoint},
		{nodeimage.SSHDConfigPath, 0o644, nodeimage.SSHDConfig},
	} {
		if err := writeFile(tw, f.path, f.mode, f.data, now); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeFile(tw *tar.Writer, path string, mode int64, data []byte, mtime time.Time) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(path, "/"), Mode: mode, Size: int64(len(data)), ModTime: mtime}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("tar %s: %w", path, err)
	}
	if _, err := io.Copy(tw, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("tar %s: %w", path, err)
	}
	return nil
}
