package ssh_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgerig/edgerig/internal/sshdtest"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/edgerig/edgerig/transport/transporttest"
	"github.com/stretchr/testify/require"
)

// config is how a test reaches s: its client key and known_hosts.
func config(s *sshdtest.Server) ssh.Config {
	return ssh.Config{Name: "sshd-test", Addr: s.Addr, User: s.User, IdentityFile: s.Client.Path, KnownHostsFile: s.KnownHostsFile}
}

func dial(t *testing.T, cfg ssh.Config) *ssh.Transport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr, err := ssh.Dial(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close() })
	return tr
}

// TestConformance runs the transport suite against Debian's real sshd.
func TestConformance(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	transporttest.Run(t, func(t *testing.T) transport.Transport { return dial(t, config(s)) })
}
