package qemu

import (
	"context"
	"crypto/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
)

// fakeImage makes a complete-looking image of arch under root whose parts
// are chosen by the test: a real qcow2 base with nothing on it, and a
// kernel of random bytes unless kernel is given.
func fakeImage(t *testing.T, root string, a Arch, base []byte) *Image {
	t.Helper()
	dir := ImageDir(root, a)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	junk := make([]byte, 64<<10)
	_, err := rand.Read(junk)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, kernelFile), junk, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, initrdFile), junk[:4096], 0o644))
	if base == nil {
		out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", filepath.Join(dir, baseFile), "64M").CombinedOutput()
		require.NoError(t, err, string(out))
	} else {
		require.NoError(t, os.WriteFile(filepath.Join(dir, baseFile), base, 0o644))
	}
	priv, pub, err := newKey("fake")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, userKeyFile), priv, 0o600))
	require.NoError(t, writeManifest(dir, Manifest{Arch: a.Name, Version: ImageVersion, HostKey: publicKeyLine(pub)}))
	im, err := OpenImage(dir, a)
	require.NoError(t, err)
	return im
}

// qemuPids lists the QEMU processes whose command line names dir: the
// ones a test started there and must not leave behind.
func qemuPids(t *testing.T, dir string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), "qemu-system") && strings.Contains(string(b), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cleanupTestbed stops whatever a test left in dir, whatever it asserted.
func cleanupTestbed(t *testing.T, dir string) {
	t.Cleanup(func() {
		if err := Down(dir); err != nil {
			t.Errorf("down %s: %v", dir, err)
		}
	})
}

func TestUpPortTaken(t *testing.T) {
	testenv.Command(t, "qemu-system-aarch64", "qemu-img", "mkfs.ext4")
	cache, dir := t.TempDir(), t.TempDir()
	cleanupTestbed(t, dir)
	a, _ := LookupArch("arm64")
	fakeImage(t, cache, a, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	t.Run("checked before QEMU starts", func(t *testing.T) {
		_, err := Up(context.Background(), Options{Dir: dir, Arches: []string{"arm64"}, Port: port, Cache: cache, NoBuild: true})
		require.ErrorIs(t, err, ErrPortTaken)
		require.Contains(t, err.Error(), "127.0.0.1:"+strconv.Itoa(port))
		require.Empty(t, qemuPids(t, dir))
	})
	t.Run("reported by QEMU itself", func(t *testing.T) {
		// The port was free when picked and taken before QEMU bound it.
		im, err := OpenImage(ImageDir(cache, a), a)
		require.NoError(t, err)
		v := &VM{Name: "arm64-1", Arch: "arm64", Port: port, Dir: filepath.Join(dir, "arm64-1"), HostKey: im.Manifest.HostKey}
		require.NoError(t, prepare(context.Background(), im, v, seedFiles{hostname: v.Name}))
		err = start(context.Background(), a, im, v)
		require.ErrorIs(t, err, ErrPortTaken)
		require.Contains(t, err.Error(), v.Addr())
		require.Empty(t, qemuPids(t, dir))
	})
}

func TestUpBadImage(t *testing.T) {
	testenv.Command(t, "qemu-system-aarch64", "qemu-img", "mkfs.ext4")
	a, _ := LookupArch("arm64")
	for _, tc := range []struct {
		name string
		base []byte // nil: a valid qcow2 with nothing on it
		want []string
	}{
		{"base is not a disk image", []byte("not a qcow2 image at all"), []string{"overlay on", "bad image?"}},
		{"kernel that never boots", nil, []string{"no SSH answer on 127.0.0.1:", "within 10s", "serial log", "bad kernel?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache, dir := t.TempDir(), t.TempDir()
			cleanupTestbed(t, dir)
			fakeImage(t, cache, a, tc.base)
			start := time.Now()
			_, err := Up(context.Background(), Options{Dir: dir, Arches: []string{"arm64"}, Cache: cache, NoBuild: true, BootTimeout: 10 * time.Second})
			require.Error(t, err)
			t.Log(err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.Less(t, time.Since(start), time.Minute)
			require.Empty(t, qemuPids(t, dir), "Up must stop what it started when it fails")
		})
	}
}

func TestUpMissingImage(t *testing.T) {
	cache, dir := t.TempDir(), t.TempDir()
	_, err := Up(context.Background(), Options{Dir: dir, Arches: []string{"armv7"}, Cache: cache, NoBuild: true})
	require.ErrorContains(t, err, "armv7-"+ImageVersion+": no complete image")
}

// TestUpKernelPanic boots the real arm64 kernel with an initramfs that is
// not one: the kernel panics, panic=5 and -no-reboot make QEMU exit, and Up
// must say so at once with the panic from the serial log, not wait for its
// SSH timeout.
func TestUpKernelPanic(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the arm64 image (built on first use: minutes)")
	}
	testenv.Root(t)
	testenv.Command(t, "qemu-system-aarch64", "qemu-img", "mkfs.ext4", "debootstrap")
	a, _ := LookupArch("arm64")
	real, err := (&Builder{Progress: logWriter{t}}).Image(context.Background(), a)
	require.NoError(t, err)
	cache, dir := t.TempDir(), t.TempDir()
	cleanupTestbed(t, dir)
	im := fakeImage(t, cache, a, nil)
	kernel, err := os.ReadFile(real.Path(kernelFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(im.Path(kernelFile), kernel, 0o644))
	require.NoError(t, writeManifest(im.Dir, im.Manifest))
	start := time.Now()
	_, err = Up(context.Background(), Options{Dir: dir, Arches: []string{"arm64"}, Cache: cache, NoBuild: true, BootTimeout: 5 * time.Minute})
	require.Error(t, err)
	t.Log(err)
	require.Contains(t, err.Error(), "qemu exited before SSH answered")
	require.Contains(t, err.Error(), "the guest said: [")
	require.Contains(t, err.Error(), "Kernel panic - not syncing")
	require.Less(t, time.Since(start), 3*time.Minute, "Up noticed QEMU's exit instead of waiting for its timeout")
	require.Empty(t, qemuPids(t, dir))
}
