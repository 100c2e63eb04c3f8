package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgerig/edgerig/internal/sshdtest"
	"github.com/edgerig/edgerig/results"
	"github.com/stretchr/testify/require"
	xssh "golang.org/x/crypto/ssh"
)

// TestHostsCheck checks this machine directly and through Debian's sshd,
// and a host whose key is not known yet, strictly and with
// --accept-new-host-keys.
func TestHostsCheck(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh_known_hosts")
	inv := filepath.Join(dir, "hosts.yaml")
	require.NoError(t, os.WriteFile(inv, []byte(fmt.Sprintf(`hosts:
  - name: here
    local: true
  - name: sshd
    address: 127.0.0.1
    port: %[1]d
    user: %[2]s
    identity: %[3]s
    known_hosts: %[4]s
  - name: stranger
    address: 127.0.0.1
    port: %[1]d
    user: %[2]s
    identity: %[3]s
    known_hosts: %[5]s
testbeds:
  ok: [here, sshd]
  strange: [stranger]
default_testbed: ok
`, s.Port, s.User, s.Client.Path, s.KnownHostsFile, fresh)), 0o600))

	out, errOut, code := edgerig("hosts", "check", "--hosts", inv)
	require.Equal(t, 0, code, "stderr: %s", errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	require.Regexp(t, `^HOST\s+ARCH\s+MODEL\s+KERNEL\s+CGROUP\s+DOCKER\s+CPUS\s+MEMORY\s+DISK\s+CLOCK OFFSET$`, lines[0])
	for i, name := range []string{"here", "sshd"} {
		require.Regexp(t, `^`+name+`\s+x86_64\s+.+\s+v[12]\s+.+\s+\d+\s+[\d.]+ GiB\s+[\d.]+ GiB\s+[+-]\S+ ±\S+$`, lines[i+1])
	}
	require.Contains(t, errOut, "checked 2 hosts")

	fp := xssh.FingerprintSHA256(s.HostKeys[0].Public)
	_, errOut, code = edgerig("hosts", "check", "--hosts", inv, "--testbed", "strange")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "stranger")
	require.Contains(t, errOut, fp)
	require.NoFileExists(t, fresh)

	out, errOut, code = edgerig("hosts", "check", "--hosts", inv, "--testbed", "strange", "--accept-new-host-keys")
	require.Equal(t, 0, code, "stderr: %s", errOut)
	require.Contains(t, out, "stranger")
	b, err := os.ReadFile(fresh)
	require.NoError(t, err)
	require.Contains(t, string(b), fmt.Sprintf("[127.0.0.1]:%d ssh-ed25519 ", s.Port))

	_, errOut, code = edgerig("hosts", "check", "--hosts", inv, "--testbed", "strange")
	require.Equal(t, 0, code, "recorded now, so strict checking passes: %s", errOut)
}

func TestHostsUsage(t *testing.T) {
	_, errOut, code := edgerig("hosts")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "Usage: edgerig hosts check")
	_, _, code = edgerig("hosts", "check", "--help")
	require.Equal(t, 0, code)
	_, errOut, code = edgerig("hosts", "inspect")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "inspect"`)
}

func TestOffsetWarning(t *testing.T) {
	for _, tc := range []struct {
		off  time.Duration
		want string
	}{
		{50 * time.Millisecond, ""},
		{-100 * time.Millisecond, ""},
		{250 * time.Millisecond, "pi1: clock is 250ms (±2ms) ahead of this machine's, beyond 100ms"},
		{-3 * time.Second, "pi1: clock is 3s (±2ms) behind this machine's, beyond 100ms"},
	} {
		w := offsetWarning(results.HostFacts{Name: "pi1", ClockOffset: tc.off, ClockError: 2 * time.Millisecond}, 100*time.Millisecond)
		if tc.want == "" {
			require.Empty(t, w)
			continue
		}
		require.True(t, strings.HasPrefix(w, tc.want), w)
		require.Contains(t, w, "NameNode")
	}
}
