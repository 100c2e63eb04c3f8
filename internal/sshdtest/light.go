package sshdtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	xssh "golang.org/x/crypto/ssh"
)

// Light is an in-process SSH server (golang.org/x/crypto/ssh) that runs
// every exec request with /bin/sh -c on this machine, the way sshd runs it
// (a session of its own, stdin/stdout/stderr on the channel, exit status,
// signals). It is for benchmarks that need a hundred SSH endpoints, which
// a hundred real sshd processes would cost more to start than to measure;
// correctness is tested against the real sshd (Start).
type Light struct {
	Addr    string
	HostKey *Key

	ln     net.Listener
	config *xssh.ServerConfig
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

// StartLight starts a Light server on a loopback port that accepts the
// client key authorized, with the given host key; t stops it.
func StartLight(t testing.TB, hostKey *Key, authorized xssh.PublicKey) *Light {
	t.Helper()
	l, err := NewLight(hostKey, authorized)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	t.Cleanup(l.Close)
	return l
}

// NewLight is StartLight for callers without a testing.TB; Close stops it.
func NewLight(hostKey *Key, authorized xssh.PublicKey) (*Light, error) {
	want := authorized.Marshal()
	cfg := &xssh.ServerConfig{
		PublicKeyCallback: func(_ xssh.ConnMetadata, k xssh.PublicKey) (*xssh.Permissions, error) {
			if bytes.Equal(k.Marshal(), want) {
				return nil, nil
			}
			return nil, errors.New("key not authorized")
		},
	}
	cfg.AddHostKey(hostKey.Signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("light sshd: %w", err)
	}
	l := &Light{Addr: ln.Addr().String(), HostKey: hostKey, ln: ln, config: cfg, conns: map[net.Conn]bool{}}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// Close stops accepting, closes every connection and waits for the
// commands to end.
func (l *Light) Close() {
	l.mu.Lock()
	l.closed = true
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	l.ln.Close()
	l.wg.Wait()
}

func (l *Light) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return
		}
		l.conns[c] = true
		l.mu.Unlock()
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer func() { l.mu.Lock(); delete(l.conns, c); l.mu.Unlock(); c.Close() }()
			sc, chans, reqs, err := xssh.NewServerConn(c, l.config)
			if err != nil {
				return
			}
			defer sc.Close()
			go xssh.DiscardRequests(reqs) // keepalives get their (negative) answer
			for nc := range chans {
				if nc.ChannelType() != "session" {
					_ = nc.Reject(xssh.UnknownChannelType, "only sessions")
					continue
				}
				ch, creqs, err := nc.Accept()
				if err != nil {
					continue
				}
				l.wg.Add(1)
				go func() { defer l.wg.Done(); session(ch, creqs) }()
			}
		}()
	}
}

// session serves one session channel: one exec, signals, exit status.
func session(ch xssh.Channel, reqs <-chan *xssh.Request) {
	defer ch.Close()
	var cmd *exec.Cmd
	exited := make(chan struct{})
	for {
		var req *xssh.Request
		select {
		case req = <-reqs:
		case <-exited:
			return
		}
		if req == nil {
			if cmd != nil && cmd.Process != nil {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGHUP)
			}
			return
		}
		switch {
		case req.Type == "exec" && cmd == nil:
			if len(req.Payload) < 4 {
				_ = req.Reply(false, nil)
				continue
			}
			line := string(req.Payload[4:])
			cmd = exec.Command("/bin/sh", "-c", line)
			cmd.Stdout = ch
			cmd.Stderr = ch.Stderr()
			// A session of its own, as sshd gives, so that a process
			// group kill reaches what the command started.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			stdin, err := cmd.StdinPipe()
			if err == nil {
				err = cmd.Start()
			}
			if err != nil {
				_ = req.Reply(false, nil)
				return
			}
			_ = req.Reply(true, nil)
			go func() { _, _ = io.Copy(stdin, ch); stdin.Close() }()
			go func() {
				err := cmd.Wait()
				status := uint32(0)
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
						status = 128 + uint32(ws.Signal())
					} else {
						status = uint32(ee.ExitCode())
					}
				} else if err != nil {
					status = 255
				}
				var b [4]byte
				binary.BigEndian.PutUint32(b[:], status)
				_, _ = ch.SendRequest("exit-status", false, b[:])
				close(exited)
			}()
		case req.Type == "signal" && cmd != nil && cmd.Process != nil:
			sig := syscall.SIGTERM
			if len(req.Payload) > 4 && string(req.Payload[4:]) == "KILL" {
				sig = syscall.SIGKILL
			}
			_ = cmd.Process.Signal(sig)
		default:
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}
}
