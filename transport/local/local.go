// Package local is the transport for the machine edgerig runs on: commands
// are executed directly, without a shell, and files are copied on disk.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/transport"
)

// Transport runs commands on this machine.
type Transport struct {
	name string
}

// New returns a transport for this machine, named name in errors.
func New(name string) *Transport {
	if name == "" {
		name = "local"
	}
	return &Transport{name: name}
}

// Run executes c.Args[0] with the rest as arguments. No shell is involved,
// so no element of Args is ever interpreted.
func (t *Transport) Run(ctx context.Context, c transport.Cmd) error {
	if len(c.Args) == 0 {
		return fmt.Errorf("%s: run: empty command", t.name)
	}
	// An ended context starts nothing: exec would start the process and
	// kill it at once, which for a short command is often too late.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: not started: %w", t.name, transport.Quote(c.Args), err)
	}
	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	var stdin io.WriteCloser
	if c.Stdin != nil {
		// Our own pipe and copier rather than exec's: exec.Cmd.Wait would
		// wait for its copier, i.e. for c.Stdin to end, even after the
		// command exited. Ours is left to end when the caller closes c.Stdin.
		p, err := cmd.StdinPipe()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", t.name, transport.Quote(c.Args), err)
		}
		stdin = p
	}
	cmd.Stdout = c.Stdout
	var stderr transport.Tail
	if c.Stderr != nil {
		cmd.Stderr = io.MultiWriter(c.Stderr, &stderr)
	} else {
		cmd.Stderr = &stderr
	}
	// A process group of its own, so that cancelling ends its children too
	// and a terminal's Ctrl-C reaches the runner first (teardown decides).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %s: %w", t.name, transport.Quote(c.Args), err)
	}
	if stdin != nil {
		go func() {
			_, _ = io.Copy(stdin, c.Stdin)
			stdin.Close()
		}()
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
		case <-done:
		}
	}()
	err := cmd.Wait()
	close(done)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: %w", t.name, transport.Quote(c.Args), ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &transport.ExitError{Host: t.name, Args: c.Args, Code: ee.ExitCode(), Stderr: stderr.String()}
	}
	return fmt.Errorf("%s: %s: %w", t.name, transport.Quote(c.Args), err)
}

// Copy copies src to dst through a temporary file in dst's directory and
// a rename, so dst is never seen half written.
func (t *Transport) Copy(ctx context.Context, src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("%s: copy: %w", t.name, err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return fmt.Errorf("%s: copy to %s: %w", t.name, dst, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: copy to %s: %w", t.name, dst, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: copy to %s: %w", t.name, dst, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: copy to %s: %w", t.name, dst, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: copy to %s: %w", t.name, dst, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("%s: copy to %s: %w", t.name, dst, err)
	}
	return nil
}

// Close does nothing: there is no connection to release.
func (t *Transport) Close() error { return nil }

// DialContext connects to addr on this machine; it lets the Docker Engine
// API (package engine) reach the local engine's socket the same way it
// reaches a remote one.
func (t *Transport) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("%s: dial %s %s: %w", t.name, network, addr, err)
	}
	return c, nil
}
