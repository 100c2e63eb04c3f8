package ssh_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgerig/edgerig/internal/sshdtest"
	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/stretchr/testify/require"
)

// TestAgent logs in with a key held only by OpenSSH's real ssh-agent.
func TestAgent(t *testing.T) {
	testenv.Command(t, "ssh-agent", "ssh-add")
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	require.NoError(t, agent.Start())
	t.Cleanup(func() { _ = agent.Process.Kill(); _ = agent.Wait() })
	require.Eventually(t, func() bool { _, err := os.Stat(sock); return err == nil }, 5*time.Second, 20*time.Millisecond)
	add := exec.Command("ssh-add", s.Client.Path)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	out, err := add.CombinedOutput()
	require.NoError(t, err, "ssh-add: %s", out)

	cfg := config(s)
	cfg.IdentityFile = ""
	cfg.UseAgent = true
	cfg.AgentSocket = sock
	tr := dial(t, cfg)
	got, err := transport.Output(context.Background(), tr, "echo", "agent")
	require.NoError(t, err)
	require.Equal(t, "agent\n", got)

	cfg.UseAgent = false
	_, err = tryDial(cfg)
	require.ErrorContains(t, err, "no way to authenticate")
}

// TestProxyJump reaches a host through a jump host, whose sshd logs the
// forwarded connection to the target.
func TestProxyJump(t *testing.T) {
	target := sshdtest.Start(t, sshdtest.Options{})
	jump := sshdtest.Start(t, sshdtest.Options{Config: []string{"LogLevel DEBUG1"}})
	jcfg := config(jump)
	jcfg.Name = "jump"
	cfg := config(target)
	cfg.Jump = &jcfg
	tr := dial(t, cfg)
	got, err := transport.Output(context.Background(), tr, "echo", "through")
	require.NoError(t, err)
	require.Equal(t, "through\n", got)
	require.Contains(t, jump.Log(), fmt.Sprintf("target 127.0.0.1 port %d", target.Port))

	// The jump host's key is checked as strictly as the target's.
	bad := jcfg
	bad.KnownHostsFile = target.KnownHostsFile
	cfg.Jump = &bad
	_, err = tryDial(cfg)
	var he *ssh.HostKeyError
	require.ErrorAs(t, err, &he)
	require.Equal(t, "jump", he.Host)
}

func signalAll(pids []int, sig syscall.Signal) {
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
}

// TestKeepAliveDetectsDeadConnection freezes the server side of the
// connection (no FIN, no RST: a host that lost power) and expects the
// keepalive to notice, then a Run to redial.
func TestKeepAliveDetectsDeadConnection(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := config(s)
	cfg.KeepAlive = 300 * time.Millisecond
	cfg.KeepAliveTimeout = time.Second
	tr := dial(t, cfg)
	require.True(t, tr.Connected())
	frozen := s.Connections()
	require.NotEmpty(t, frozen)
	signalAll(frozen, syscall.SIGSTOP)
	t.Cleanup(func() { signalAll(frozen, syscall.SIGKILL); signalAll(frozen, syscall.SIGCONT) })
	start := time.Now()
	require.Eventually(t, func() bool { return !tr.Connected() }, 5*time.Second, 20*time.Millisecond)
	t.Logf("dead connection noticed after %v", time.Since(start))
	require.Less(t, time.Since(start), 3*time.Second)

	out, err := transport.Output(context.Background(), tr, "echo", "back")
	require.NoError(t, err, "a Run after the connection died redials")
	require.Equal(t, "back\n", out)
	require.True(t, tr.Connected())
}

// TestConnectionLost: a command whose connection is killed under it fails
// with ErrDisconnected; the next Run redials; a server gone for good fails
// after the redials, within a bounded time.
func TestConnectionLost(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	tr := dial(t, config(s))
	var out syncWriter
	done := make(chan error, 1)
	go func() {
		done <- tr.Run(context.Background(), transport.Cmd{Args: []string{"sh", "-c", "echo started; sleep 30"}, Stdout: &out})
	}()
	require.Eventually(t, func() bool { return out.String() == "started\n" }, 10*time.Second, 10*time.Millisecond)
	signalAll(s.Connections(), syscall.SIGKILL)
	select {
	case err := <-done:
		require.ErrorIs(t, err, ssh.ErrDisconnected)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not notice that its connection was killed")
	}
	got, err := transport.Output(context.Background(), tr, "echo", "again")
	require.NoError(t, err)
	require.Equal(t, "again\n", got)

	s.Stop()
	start := time.Now()
	_, err = transport.Output(context.Background(), tr, "echo", "never")
	require.ErrorContains(t, err, "redial")
	require.Less(t, time.Since(start), 10*time.Second)
	t.Logf("gave up after %v", time.Since(start))
}

// TestCloseEndsCommands: Close ends what still runs, on the host too.
func TestCloseEndsCommands(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	tr := dial(t, config(s))
	var out syncWriter
	done := make(chan error, 1)
	go func() {
		done <- tr.Run(context.Background(), transport.Cmd{Args: []string{"sh", "-c", "echo $$; exec sleep 60"}, Stdout: &out})
	}()
	require.Eventually(t, func() bool { return len(out.String()) > 0 && out.String()[len(out.String())-1] == '\n' }, 10*time.Second, 10*time.Millisecond)
	pid, err := strconv.Atoi(out.String()[:len(out.String())-1])
	require.NoError(t, err)
	require.NoError(t, tr.Close())
	require.Error(t, <-done)
	require.Eventually(t, func() bool { return syscall.Kill(pid, 0) != nil }, 5*time.Second, 20*time.Millisecond)
	require.ErrorIs(t, tr.Run(context.Background(), transport.Cmd{Args: []string{"true"}}), ssh.ErrClosed)
}

// TestMaxSessions: a server that refuses more sessions on a connection
// (sshd's MaxSessions) makes a Run wait for a free one, on the same
// connection, instead of taking the refusal for a dead connection.
func TestMaxSessions(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{Config: []string{"MaxSessions 2"}})
	tr := dial(t, config(s))
	ctx := context.Background()
	busy := make(chan error, 2)
	for range 2 {
		go func() { busy <- tr.Run(ctx, transport.Cmd{Args: []string{"sleep", "2"}}) }()
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	out, err := transport.Output(ctx, tr, "echo", "third")
	require.NoError(t, err)
	require.Equal(t, "third\n", out)
	require.NoError(t, <-busy)
	require.NoError(t, <-busy)
	t.Logf("third session waited %v", time.Since(start))
	require.Equal(t, 1, strings.Count(s.Log(), "Accepted publickey"), "one connection for all three")
}

// TestHandshakeTimeout: a server that accepts TCP but never speaks SSH
// fails the dial after Timeout.
func TestHandshakeTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	key, err := sshdtest.NewKey(sshdtest.Ed25519, filepath.Join(t.TempDir(), "id"))
	require.NoError(t, err)
	start := time.Now()
	_, err = tryDial(ssh.Config{Name: "mute", Addr: l.Addr().String(), IdentityFile: key.Path, Timeout: 500 * time.Millisecond})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "mute: ssh handshake")
	require.Greater(t, time.Since(start), 400*time.Millisecond)
	require.Less(t, time.Since(start), 3*time.Second)
}

// TestCloseDuringRedial: Close does not wait for a Run that redials a host
// gone for good; the Run ends with it.
func TestCloseDuringRedial(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := config(s)
	cfg.Redials = 10 // backoff alone would take ~25 s
	tr := dial(t, cfg)
	s.Stop()
	require.Eventually(t, func() bool { return !tr.Connected() }, 10*time.Second, 10*time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- tr.Run(context.Background(), transport.Cmd{Args: []string{"true"}}) }()
	time.Sleep(600 * time.Millisecond) // into the backoff
	start := time.Now()
	require.NoError(t, tr.Close())
	require.Less(t, time.Since(start), 2*time.Second)
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("the redialling Run did not end with Close")
	}
}
