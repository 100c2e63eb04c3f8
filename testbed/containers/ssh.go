package containers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/edgerig/edgerig/transport"
)

// Dial opens an SSH connection to node as root, accepting only the host key
// the testbed wrote into it. It is the testbed's own way in (readiness,
// image loading); the runner uses the SSH transport with hosts.yaml.
func (tb *Testbed) Dial(ctx context.Context, node string) (*ssh.Client, error) {
	n, err := tb.Node(node)
	if err != nil {
		return nil, err
	}
	hk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(n.HostKey))
	if err != nil {
		return nil, fmt.Errorf("%s: host key: %w", node, err)
	}
	addr := net.JoinHostPort(n.Address, "22")
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", node, err)
	}
	// The handshake is bounded too (by the context's deadline, or 15 s): a
	// node cut off the network accepts nothing and answers nothing.
	dl := time.Now().Add(15 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	conn.SetDeadline(dl)
	cc, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User:            "root",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(tb.key.signer)},
		HostKeyCallback: ssh.FixedHostKey(hk),
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: ssh %s: %w", node, addr, err)
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(cc, chans, reqs), nil
}

// Run runs args on node over SSH, with stdin as its input, and returns its
// standard output.
func (tb *Testbed) Run(ctx context.Context, node string, stdin io.Reader, args ...string) (string, error) {
	c, err := tb.Dial(ctx, node)
	if err != nil {
		return "", err
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return "", fmt.Errorf("%s: ssh session: %w", node, err)
	}
	defer s.Close()
	var out bytes.Buffer
	tail := &transport.Tail{}
	s.Stdin, s.Stdout, s.Stderr = stdin, &out, tail
	done := make(chan error, 1)
	go func() { done <- s.Run(transport.Quote(args)) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		c.Close()
		return "", fmt.Errorf("%s: %s: %w", node, transport.Quote(args), ctx.Err())
	}
	if err != nil {
		code := -1
		if ee, ok := err.(*ssh.ExitError); ok {
			code = ee.ExitStatus()
		}
		return out.String(), &transport.ExitError{Host: node, Args: args, Code: code, Stderr: tail.String()}
	}
	return out.String(), nil
}

// WaitReady waits until every node answers ssh and its own dockerd answers
// docker info with the node's name, reporting each on progress (nil
// discards it). Up calls it; fault tests call it after Start.
func (tb *Testbed) WaitReady(ctx context.Context, timeout time.Duration, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for _, n := range tb.Nodes {
		wg.Go(func() {
			if err := tb.waitNode(ctx, n.Name, start, progress, &mu); err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("testbed %s: not ready within %s: %s", tb.ID, timeout, strings.Join(errs, "; "))
	}
	return nil
}

func (tb *Testbed) waitNode(ctx context.Context, node string, start time.Time, progress io.Writer, mu *sync.Mutex) error {
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(progress, "testbed %s: %s: %s (%.1fs)\n", tb.ID, node, fmt.Sprintf(format, a...), time.Since(start).Seconds())
	}
	var last error
	sshUp := false
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		out, err := tb.Run(actx, node, nil, "docker", "info", "--format", "{{.Name}}")
		cancel()
		if err == nil && strings.TrimSpace(out) == node {
			say("ssh and dockerd answer")
			return nil
		}
		if err == nil {
			err = fmt.Errorf("docker info names %q, want %q", strings.TrimSpace(out), node)
		}
		if _, ok := err.(*transport.ExitError); ok && !sshUp {
			sshUp = true
			say("ssh answers, waiting for dockerd")
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %v)", node, ctx.Err(), last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
