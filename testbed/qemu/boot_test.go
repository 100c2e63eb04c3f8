package qemu

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/sample"
)

// logWriter sends progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sshVM runs a shell command line on v with the plain OpenSSH client, as a
// person would with the files Up wrote: StrictHostKeyChecking=yes against
// DIR/known_hosts, so a wrong host key fails.
func sshVM(t *testing.T, dir string, v *VM, stdin []byte, command string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile="+filepath.Join(dir, "known_hosts"), "-o", "IdentitiesOnly=yes",
		"-o", "ConnectTimeout=20", "-i", filepath.Join(dir, "id_ed25519"), "-p", strconv.Itoa(v.Port),
		"root@127.0.0.1", command)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), &sshError{err: err, stderr: stderr.String()}
	}
	return string(out), nil
}

type sshError struct {
	err    error
	stderr string
}

func (e *sshError) Error() string { return e.err.Error() + ": " + e.stderr }

// repoRoot is where `make probes` put bin/probes: two levels up.
func repoRoot(t *testing.T) string {
	d, err := filepath.Abs("../..")
	require.NoError(t, err)
	return d
}

// TestBoot brings up two copies of the arm64 image and one armv7 host (the
// images are built first if the cache has none: about 10-15 minutes each),
// reaches them with OpenSSH and the files Up wrote, runs the cross-compiled
// probe in each guest on its cgroup v2 kernel, kills one VM like a lost
// node, and checks that down leaves no QEMU behind.
func TestBoot(t *testing.T) {
	if testing.Short() {
		t.Skip("boots emulated ARM hosts (minutes; the first run also builds the images)")
	}
	testenv.Root(t)
	testenv.Command(t, "qemu-system-aarch64", "qemu-system-arm", "qemu-img", "mkfs.ext4", "debootstrap", "ssh")
	probes := map[string][]byte{}
	for _, a := range []string{"arm64", "armv7"} {
		p := filepath.Join(repoRoot(t), "bin", "probes", "edgerig-probe-linux-"+a)
		b, err := os.ReadFile(p)
		if err != nil {
			testenv.Missing(t, "the cross-compiled probe "+p+" (make probes)")
		}
		probes[a] = b
	}
	dir := t.TempDir()
	cleanupTestbed(t, dir)
	start := time.Now()
	tb, err := Up(context.Background(), Options{Dir: dir, Arches: []string{"arm64", "arm64", "armv7"}, Log: logWriter{t}})
	require.NoError(t, err)
	t.Logf("up took %s", time.Since(start).Round(time.Second))
	require.Len(t, tb.VMs, 3)
	require.Equal(t, []string{"arm64-1", "arm64-2", "armv7-1"}, []string{tb.VMs[0].Name, tb.VMs[1].Name, tb.VMs[2].Name})
	require.NotEqual(t, tb.VMs[0].HostKey, tb.VMs[1].HostKey, "two copies of one image need host keys of their own")

	_, err = Up(context.Background(), Options{Dir: dir, Arches: []string{"arm64"}})
	require.ErrorContains(t, err, "is already up")

	for _, v := range tb.VMs {
		a, err := LookupArch(v.Arch)
		require.NoError(t, err)
		t.Run(v.Name, func(t *testing.T) {
			out, err := sshVM(t, dir, v, nil, "uname -m; hostname; stat -fc %T /sys/fs/cgroup; nproc")
			require.NoError(t, err)
			require.Equal(t, []string{a.Uname, v.Name, "cgroup2fs", "2"}, strings.Fields(out))

			// The probe, copied over and run for about three ticks: its stdin
			// closes when sleep ends, and it exits.
			_, err = sshVM(t, dir, v, probes[a.ProbeBuild], "cat >/tmp/edgerig-probe && chmod +x /tmp/edgerig-probe")
			require.NoError(t, err)
			out, err = sshVM(t, dir, v, nil, "sleep 3.5 | /tmp/edgerig-probe --interval 1s")
			require.NoError(t, err)
			var recs []sample.Record
			sc := bufio.NewScanner(strings.NewReader(out))
			for sc.Scan() {
				r, err := sample.Decode(sc.Bytes())
				require.NoError(t, err, sc.Text())
				recs = append(recs, r)
			}
			require.GreaterOrEqual(t, len(recs), 2, out)
			seen := map[sample.Kind]int{}
			for _, s := range recs[len(recs)-1].Series {
				seen[s.Kind]++
				switch s.Kind {
				case sample.KindHost:
					require.InDelta(t, 1000e6, s.Values[sample.MemTotalBytes], 100e6, "1 GB of guest memory")
					require.GreaterOrEqual(t, s.Values[sample.CPUPct], 0.0)
					require.LessOrEqual(t, s.Values[sample.CPUPct], 100.0)
					require.Greater(t, s.Values[sample.MemUsedBytes], 10e6)
				case sample.KindProbe:
					require.Greater(t, s.Values[sample.RSSBytes], 1e6)
				}
			}
			require.Equal(t, map[sample.Kind]int{sample.KindHost: 1, sample.KindCPU: 2, sample.KindProbe: 1}, seen,
				"one host series, one per vCPU, the probe's own")
		})
	}

	t.Run("killed VM is gone", func(t *testing.T) {
		require.NoError(t, tb.Kill("arm64-2"))
		require.Eventually(t, func() bool { return !tb.VMs[1].alive() }, 10*time.Second, 100*time.Millisecond)
		_, err := sshVM(t, dir, tb.VMs[1], nil, "true")
		require.Error(t, err)
		_, err = sshVM(t, dir, tb.VMs[0], nil, "true")
		require.NoError(t, err, "the other VMs keep running")
	})

	require.NoError(t, Down(dir))
	require.Empty(t, qemuPids(t, dir))
	require.NoError(t, Down(dir), "a second down finds nothing to stop")
	for _, v := range tb.VMs {
		_, err := os.Stat(filepath.Join(v.Dir, overlayFile))
		require.ErrorIs(t, err, os.ErrNotExist)
	}
}
