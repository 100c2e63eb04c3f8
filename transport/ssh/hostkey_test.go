package ssh_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgerig/edgerig/internal/sshdtest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/stretchr/testify/require"
	xssh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func tryDial(cfg ssh.Config) (*ssh.Transport, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return ssh.Dial(ctx, cfg)
}

func TestHostKeys(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	fp := xssh.FingerprintSHA256(s.HostKeys[0].Public)
	other, err := sshdtest.NewKey(sshdtest.Ed25519, filepath.Join(t.TempDir(), "other"))
	require.NoError(t, err)
	swapped := filepath.Join(t.TempDir(), "swapped")
	require.NoError(t, os.WriteFile(swapped, []byte(knownhosts.Line([]string{s.Addr}, other.Public)+"\n"), 0o600))

	t.Run("unknown refused", func(t *testing.T) {
		cfg := config(s)
		cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts") // does not exist
		_, err := tryDial(cfg)
		var he *ssh.HostKeyError
		require.ErrorAs(t, err, &he)
		require.False(t, he.Changed)
		for _, want := range []string{"sshd-test", "[127.0.0.1]:", fp, "unknown host key"} {
			require.Contains(t, err.Error(), want)
		}
		require.NoFileExists(t, cfg.KnownHostsFile, "strict checking must not record anything")
	})
	t.Run("accept new records", func(t *testing.T) {
		cfg := config(s)
		cfg.KnownHostsFile = filepath.Join(t.TempDir(), "new", "known_hosts")
		cfg.AcceptNewHostKeys = true
		tr, err := tryDial(cfg)
		require.NoError(t, err)
		tr.Close()
		b, err := os.ReadFile(cfg.KnownHostsFile)
		require.NoError(t, err)
		require.Equal(t, knownhosts.Line([]string{s.Addr}, s.HostKeys[0].Public)+"\n", string(b))
		// Now known: strict checking lets it in.
		cfg.AcceptNewHostKeys = false
		tr, err = tryDial(cfg)
		require.NoError(t, err)
		tr.Close()
	})
	t.Run("accept new by many at once records once", func(t *testing.T) {
		cfg := config(s)
		cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
		cfg.AcceptNewHostKeys = true
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				tr, err := tryDial(cfg)
				if err == nil {
					tr.Close()
				}
				require.NoError(t, err)
			})
		}
		wg.Wait()
		b, err := os.ReadFile(cfg.KnownHostsFile)
		require.NoError(t, err)
		require.Equal(t, 1, strings.Count(string(b), "\n"), "known_hosts:\n%s", b)
	})
	for _, accept := range []bool{false, true} {
		t.Run("swapped key refused/accept-new="+map[bool]string{false: "no", true: "yes"}[accept], func(t *testing.T) {
			cfg := config(s)
			cfg.KnownHostsFile = swapped
			cfg.AcceptNewHostKeys = accept
			_, err := tryDial(cfg)
			var he *ssh.HostKeyError
			require.ErrorAs(t, err, &he)
			require.True(t, he.Changed)
			for _, want := range []string{"sshd-test", "CHANGED", fp, xssh.FingerprintSHA256(other.Public), swapped + ":1"} {
				require.Contains(t, err.Error(), want)
			}
			b, err := os.ReadFile(swapped)
			require.NoError(t, err)
			require.Equal(t, 1, strings.Count(string(b), "\n"), "a changed key must never be recorded")
		})
	}
}

// TestHostKeyAlgorithms: a host with two host keys, of which known_hosts
// records only one, is not mistaken for a changed host.
func TestHostKeyAlgorithms(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{HostKeys: []sshdtest.KeyType{sshdtest.Ed25519, sshdtest.ECDSA}})
	for i, k := range s.HostKeys {
		t.Run(k.Public.Type(), func(t *testing.T) {
			cfg := config(s)
			cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
			require.NoError(t, os.WriteFile(cfg.KnownHostsFile, []byte(knownhosts.Line([]string{s.Addr}, s.HostKeys[i].Public)+"\n"), 0o600))
			tr, err := tryDial(cfg)
			require.NoError(t, err)
			out, err := transport.Output(context.Background(), tr, "echo", "in")
			require.NoError(t, err)
			require.Equal(t, "in\n", out)
			tr.Close()
		})
	}
}
