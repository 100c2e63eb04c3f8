package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/edgerig/edgerig/transport"
	xssh "golang.org/x/crypto/ssh"
)

// grace is how long a cancelled command has between SIGTERM and SIGKILL,
// as in the local transport.
const grace = 3 * time.Second

// sessionWait is how long a Run waits for a server that refuses new
// sessions to accept one again.
const sessionWait = 30 * time.Second

// Run runs c on the host, streaming its output to c.Stdout and c.Stderr as
// it comes. Cancelling ctx sends SIGTERM to the command's process group,
// SIGKILL after a grace period, and closes the session.
func (t *Transport) Run(ctx context.Context, c transport.Cmd) error {
	if len(c.Args) == 0 {
		return fmt.Errorf("%s: run: empty command", t.cfg.Name)
	}
	ctx, cancel, done, err := t.track(ctx)
	if err != nil {
		return err
	}
	defer done()
	defer cancel()
	quoted := transport.Quote(c.Args)
	if err := ctx.Err(); err != nil {
		// Nothing is started on an ended context.
		return fmt.Errorf("%s: %s: %w", t.cfg.Name, quoted, err)
	}
	sess, client, err := t.session(ctx)
	if err != nil {
		return fmt.Errorf("%w (to run %s)", err, quoted)
	}
	defer sess.Close()

	stdout := c.Stdout
	if stdout == nil {
		stdout = io.Discard
	}
	pw := &pidWriter{w: stdout}
	sess.Stdout = pw
	var tail transport.Tail
	sess.Stderr = &tail
	if c.Stderr != nil {
		sess.Stderr = io.MultiWriter(c.Stderr, &tail)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fmt.Errorf("%s: %s: %w", t.cfg.Name, quoted, err)
	}
	if err := sess.Start("echo " + pidMarker + "$$; exec " + quoted); err != nil {
		return fmt.Errorf("%s: %s: %w", t.cfg.Name, quoted, err)
	}
	// Our own copy, so that Run returns when the command exits even if
	// c.Stdin never ends; closing stdin is the remote command's EOF.
	go func() {
		if c.Stdin != nil {
			_, _ = io.Copy(stdin, c.Stdin)
		}
		stdin.Close()
	}()
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()

	select {
	case err = <-waited:
	case <-ctx.Done():
		t.interrupt(client, sess, pw.PID(), waited)
		return fmt.Errorf("%s: %s: %w", t.cfg.Name, quoted, ctx.Err())
	}
	if err == nil {
		return nil
	}
	var ee *xssh.ExitError
	if errors.As(err, &ee) {
		return &transport.ExitError{Host: t.cfg.Name, Args: c.Args, Code: ee.ExitStatus(), Stderr: tail.String()}
	}
	// The session ended without an exit status: the connection died (or
	// the server dropped the session), so what the command did is unknown.
	return fmt.Errorf("%s: %s: %w (%v)", t.cfg.Name, quoted, ErrDisconnected, err)
}

// track registers a running command so that Close can end it.
func (t *Transport) track(ctx context.Context) (context.Context, context.CancelFunc, func(), error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, nil, nil, fmt.Errorf("%s: %w", t.cfg.Name, ErrClosed)
	}
	ctx, cancel := context.WithCancel(ctx)
	key := new(int)
	t.running[key] = cancel
	t.wg.Add(1)
	return ctx, cancel, func() {
		t.mu.Lock()
		delete(t.running, key)
		t.mu.Unlock()
		t.wg.Done()
	}, nil
}

// session opens a session, redialling once if the connection turns out to
// be dead: nothing has run yet, so trying again is safe. A server that
// refuses the session (sshd's MaxSessions, 10 by default, is reached while
// the runner streams probes and runs commands on the same host) is waited
// for with backoff; the connection and its other sessions are kept.
func (t *Transport) session(ctx context.Context) (*xssh.Session, *xssh.Client, error) {
	redialled := false
	wait := 50 * time.Millisecond
	deadline := time.Now().Add(sessionWait)
	for {
		c, err := t.conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		s, err := c.NewSession()
		if err == nil {
			return s, c, nil
		}
		var refused *xssh.OpenChannelError
		if errors.As(err, &refused) {
			if time.Now().After(deadline) {
				return nil, nil, fmt.Errorf("%s: new session refused for %v (sshd MaxSessions?): %w", t.cfg.Name, sessionWait, err)
			}
			select {
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("%s: new session: %w (after: %v)", t.cfg.Name, ctx.Err(), err)
			case <-time.After(wait):
			}
			wait = min(2*wait, time.Second)
			continue
		}
		t.lose(c, fmt.Errorf("new session: %w", err))
		if redialled {
			return nil, nil, fmt.Errorf("%s: new session: %w", t.cfg.Name, err)
		}
		redialled = true
	}
}

// interrupt ends a cancelled command: SIGTERM to its process group (and to
// the process through the session, for servers that place it otherwise),
// SIGKILL after the grace period, then the session is closed.
func (t *Transport) interrupt(c *xssh.Client, sess *xssh.Session, pid int, waited <-chan error) {
	signal := func(sig xssh.Signal) {
		_ = sess.Signal(sig)
		if pid <= 0 {
			return
		}
		ks, err := c.NewSession()
		if err != nil {
			return
		}
		defer ks.Close()
		p := strconv.Itoa(pid)
		cmd := fmt.Sprintf("kill -s %s -- -%s 2>/dev/null || kill -s %s -- %s 2>/dev/null", sig, p, sig, p)
		ran := make(chan struct{})
		go func() { _ = ks.Run(cmd); close(ran) }()
		select {
		case <-ran:
		case <-time.After(grace):
		}
	}
	signal(xssh.SIGTERM)
	select {
	case <-waited:
		return
	case <-time.After(grace):
	}
	signal(xssh.SIGKILL)
	sess.Close()
	select {
	case <-waited:
	case <-time.After(grace):
	}
}

// Copy uploads src to dst through a session (cat into a temporary file
// beside dst, chmod, then mv over dst), so dst is never seen half written.
// A shell and coreutils are all it needs on the host: no SFTP subsystem,
// which small images often leave out.
func (t *Transport) Copy(ctx context.Context, src, dst string, perm os.FileMode) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("%s: copy: %w", t.cfg.Name, err)
	}
	defer f.Close()
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(dst), "."+path.Base(dst)+".edgerig-"+hex.EncodeToString(rnd[:])+".tmp")
	q, qt := transport.QuoteArg(dst), transport.QuoteArg(tmp)
	script := fmt.Sprintf("umask 077 && cat > %s && chmod %o %s && mv -f %s %s || { rc=$?; rm -f %s; exit $rc; }",
		qt, perm.Perm(), qt, qt, q, qt)
	err = t.Run(ctx, transport.Cmd{Args: []string{"sh", "-c", script}, Stdin: f})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		// Killed part way: remove what cat left, best effort.
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = t.Run(cctx, transport.Cmd{Args: []string{"rm", "-f", tmp}})
	}
	return fmt.Errorf("%s: copy %s to %s: %w", t.cfg.Name, src, dst, err)
}

// pidMarker starts the line on which the remote shell reports its process
// ID before it execs the command.
const pidMarker = "edgerig-pid:"

// pidWriter takes the line with the remote shell's process ID, and drops
// what came before it (noise printed by the user's shell start-up files,
// which is not the command's output), then passes the rest on.
type pidWriter struct {
	w    io.Writer
	mu   sync.Mutex
	line []byte
	done bool
	pid  int
}

func (p *pidWriter) Write(b []byte) (int, error) {
	n := len(b)
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return p.w.Write(b)
	}
	for len(b) > 0 && !p.done {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.line = append(p.line, b...)
			b = nil
			break
		}
		p.line = append(p.line, b[:i]...)
		b = b[i+1:]
		if rest, ok := bytes.CutPrefix(p.line, []byte(pidMarker)); ok {
			p.pid, _ = strconv.Atoi(string(rest))
			p.done = true
		}
		p.line = p.line[:0]
	}
	if !p.done && len(p.line) > 64<<10 {
		// No marker in 64 KiB: not a shell we understand; pass everything.
		b, p.line, p.done = append(p.line, b...), nil, true
	}
	p.mu.Unlock()
	if len(b) > 0 {
		if _, err := p.w.Write(b); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// PID is the remote command's process ID, 0 until known.
func (p *pidWriter) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}
