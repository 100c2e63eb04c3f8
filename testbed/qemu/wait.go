package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// waitSSH waits until v's sshd answers with the host key recorded for it,
// accepts the testbed's key, and runs `uname -m`; it returns what uname
// said. It gives up early when QEMU exits (the guest panicked or could not
// find its root disk) and at the deadline otherwise, with the serial log's
// last lines in the error either way.
func waitSSH(ctx context.Context, v *VM, signer ssh.Signer, timeout time.Duration, progress func(string)) (string, error) {
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(v.HostKey))
	if err != nil {
		return "", fmt.Errorf("%s: host key %q: %w", v.Name, v.HostKey, err)
	}
	cfg := &ssh.ClientConfig{
		User:              "root",
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   ssh.FixedHostKey(hostKey),
		HostKeyAlgorithms: []string{hostKey.Type()},
		Timeout:           10 * time.Second,
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	start, nextBeat := time.Now(), time.Now().Add(beatEvery)
	for {
		if progress != nil && time.Now().After(nextBeat) {
			progress(fmt.Sprintf("%s: no SSH yet after %s; console: %s", v.Name, time.Since(start).Round(time.Second), consoleLine(v)))
			nextBeat = nextBeat.Add(beatEvery)
		}
		if !v.alive() {
			return "", fmt.Errorf("%s: qemu exited before SSH answered on %s (last SSH error: %v)%s", v.Name, v.Addr(), last, serialTail(v))
		}
		out, err := sshUname(ctx, v.Addr(), cfg)
		if err == nil {
			return out, nil
		}
		last = err
		if strings.Contains(err.Error(), "unable to authenticate") || strings.Contains(err.Error(), "host key mismatch") {
			// sshd is up but refuses us or is not who we expect: waiting will not help.
			return "", fmt.Errorf("%s: SSH on %s: %w%s", v.Name, v.Addr(), err, serialTail(v))
		}
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", fmt.Errorf("%s: waiting for SSH: %w", v.Name, ctx.Err())
			}
			return "", fmt.Errorf("%s: no SSH answer on %s within %s (last error: %v)%s", v.Name, v.Addr(), timeout, last, serialTail(v))
		case <-time.After(2 * time.Second):
		}
	}
}

func sshUname(ctx context.Context, addr string, cfg *ssh.ClientConfig) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, cfg.Timeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// QEMU's user-mode network accepts the connection before the guest
	// does, so a guest that is not up yet shows as a handshake that hangs.
	// An emulated guest under load can be slow, but one that has not
	// finished its handshake in 30 s is stuck.
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		return "", err
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	s, err := client.NewSession()
	if err != nil {
		return "", err
	}
	defer s.Close()
	var out bytes.Buffer
	s.Stdout = &out
	if err := s.Run("uname -m"); err != nil {
		return "", fmt.Errorf("uname -m: %w", err)
	}
	return strings.TrimSpace(out.String()), nil
}

// ansi matches the terminal escapes systemd writes to the console.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// consoleLine is the last line the guest wrote to its console, readable.
func consoleLine(v *VM) string {
	b, err := os.ReadFile(v.SerialLog())
	if err != nil {
		return "(no serial log)"
	}
	s := ansi.ReplaceAllString(strings.ReplaceAll(string(b), "\r", "\n"), "")
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return "(nothing yet)"
}
