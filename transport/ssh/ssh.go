// Package ssh is the transport for hosts reached over SSH (golang.org/x/crypto/ssh):
// strict known_hosts checking, key and agent authentication, ProxyJump,
// keepalives that notice a lost host within seconds, and redialling with
// backoff when a Run finds the connection dead.
//
// Commands go through the remote user's POSIX shell, so every argument is
// quoted with transport.Quote: values from a spec reach the program
// literally. The shell first prints its process ID and then execs the
// command; sshd made it a process group leader, so cancelling a Run can end
// the command and everything it started, as the local transport does.
package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/edgerig/edgerig/transport"
	xssh "golang.org/x/crypto/ssh"
)

// ErrDisconnected marks errors of a Run whose connection was lost while the
// command ran: the command's fate on the host is unknown.
var ErrDisconnected = errors.New("connection lost")

// ErrClosed is returned by a Run on a closed transport.
var ErrClosed = errors.New("transport closed")

// Transport runs commands on one host over one SSH connection, which it
// redials when it finds it dead. It is safe for concurrent use; every Run is
// a session of its own on the shared connection.
type Transport struct {
	cfg Config

	dialMu    sync.Mutex // held while dialling
	mu        sync.Mutex // guards the fields below
	client    *xssh.Client
	release   func() // closes the jump hosts and the agent connection of client
	stop      chan struct{}
	connected bool // was connected once: a nil client is then a lost one
	lastErr   error
	closed    bool
	running   map[*int]context.CancelFunc
	wg        sync.WaitGroup
}

// New returns a transport for cfg that dials on first use.
func New(cfg Config) *Transport {
	return &Transport{cfg: cfg.withDefaults(), running: map[*int]context.CancelFunc{}}
}

// Dial connects to the host of cfg and returns the transport.
func Dial(ctx context.Context, cfg Config) (*Transport, error) {
	t := New(cfg)
	if _, err := t.conn(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// Name is the host's name used in errors.
func (t *Transport) Name() string { return t.cfg.Name }

// Connected reports whether the connection is up, as far as the last
// keepalive knows.
func (t *Transport) Connected() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.client != nil
}

// Close ends the commands still running (as a cancelled Run does) and
// closes the connection.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	for _, cancel := range t.running {
		cancel()
	}
	t.mu.Unlock()
	t.wg.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.drop(ErrClosed)
	return nil
}

// conn returns the live client, dialling (or redialling with backoff) when
// there is none. One dial at a time (dialMu), and t.mu is not held while
// dialling, so that Close and Connected never wait for a slow host.
func (t *Transport) conn(ctx context.Context) (*xssh.Client, error) {
	if c, err := t.live(); c != nil || err != nil {
		return c, err
	}
	t.dialMu.Lock()
	defer t.dialMu.Unlock()
	if c, err := t.live(); c != nil || err != nil {
		return c, err // another Run redialled meanwhile
	}
	t.mu.Lock()
	redial, lastErr := t.connected, t.lastErr
	t.mu.Unlock()
	attempts := 1
	if redial {
		attempts += t.cfg.Redials
	}
	var err error
	for i := range attempts {
		if i > 0 {
			wait := min(250*time.Millisecond<<(i-1), 4*time.Second)
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%s: redial after %v: %w", t.cfg.Name, lastErr, ctx.Err())
			case <-time.After(wait):
			}
		}
		var c *xssh.Client
		var release func()
		c, release, err = dial(ctx, t.cfg)
		if err == nil {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.closed {
				c.Close()
				release()
				return nil, fmt.Errorf("%s: %w", t.cfg.Name, ErrClosed)
			}
			t.client, t.release, t.connected = c, release, true
			t.stop = make(chan struct{})
			go t.watch(c, t.stop)
			return c, nil
		}
		var hk *HostKeyError
		if errors.As(err, &hk) || ctx.Err() != nil {
			break
		}
	}
	if redial {
		return nil, fmt.Errorf("%s: redial (%d attempts) after %v: %w", t.cfg.Name, attempts, lastErr, err)
	}
	return nil, err
}

// live returns the current client, or ErrClosed, or neither.
func (t *Transport) live() (*xssh.Client, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("%s: %w", t.cfg.Name, ErrClosed)
	}
	return t.client, nil
}

// watch sends keepalives on c and drops it when the server stops
// answering or the connection ends.
func (t *Transport) watch(c *xssh.Client, stop chan struct{}) {
	ended := make(chan error, 1)
	go func() { ended <- c.Wait() }()
	tick := time.NewTicker(t.cfg.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case err := <-ended:
			t.lose(c, fmt.Errorf("connection ended: %v", err))
			return
		case <-tick.C:
		}
		reply := make(chan error, 1)
		go func() {
			// sshd answers an unknown global request with a failure: any
			// answer at all proves the connection alive.
			_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case <-stop:
			return
		case err := <-reply:
			if err != nil {
				t.lose(c, fmt.Errorf("keepalive: %w", err))
				return
			}
		case <-time.After(t.cfg.KeepAliveTimeout):
			t.lose(c, fmt.Errorf("no keepalive answer for %v", t.cfg.KeepAliveTimeout))
			return
		}
	}
}

// lose drops c if it is still the current client.
func (t *Transport) lose(c *xssh.Client, why error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.client == c {
		t.drop(why)
	}
}

// drop closes the current client; t.mu is held.
func (t *Transport) drop(why error) {
	if t.client == nil {
		return
	}
	close(t.stop)
	t.client.Close()
	t.release()
	t.client, t.release, t.lastErr = nil, nil, why
}

// dial opens a connection to cfg's host, through its jump hosts.
func dial(ctx context.Context, cfg Config) (*xssh.Client, func(), error) {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var (
		conn    net.Conn
		err     error
		release = func() {}
	)
	if cfg.Jump != nil {
		jump, jrelease, err := dial(ctx, *cfg.Jump)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: via jump host: %w", cfg.Name, err)
		}
		release = func() { jump.Close(); jrelease() }
		if conn, err = jump.DialContext(ctx, "tcp", cfg.Addr); err != nil {
			release()
			return nil, nil, fmt.Errorf("%s: connect to %s through %s: %w", cfg.Name, cfg.Addr, cfg.Jump.Name, err)
		}
	} else {
		var d net.Dialer
		if conn, err = d.DialContext(ctx, "tcp", cfg.Addr); err != nil {
			return nil, nil, fmt.Errorf("%s: connect: %w", cfg.Name, err)
		}
	}
	methods, releaseAuth, err := cfg.auth()
	if err != nil {
		conn.Close()
		release()
		return nil, nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	hk := hostKeys{name: cfg.Name, file: cfg.KnownHostsFile, acceptNew: cfg.AcceptNewHostKeys}
	known, err := hk.load()
	if err != nil {
		conn.Close()
		release()
		releaseAuth()
		return nil, nil, err
	}
	cc := &xssh.ClientConfig{
		// x/crypto's cipher order (AES-GCM first) is kept: ChaCha20 first
		// would spare a Pi's CPU (no AES instructions) on a 2 MB upload a
		// few milliseconds, but x/crypto's ChaCha20 for SSH has no assembly
		// on amd64 and cost the runner 4x the CPU on 100 hosts (bench-ssh).
		User:              cfg.User,
		Auth:              methods,
		HostKeyCallback:   hk.callback(known),
		HostKeyAlgorithms: hk.algorithms(known, cfg.Addr),
		Timeout:           cfg.Timeout,
	}
	// The handshake has no context: close the connection to end it early.
	type result struct {
		c     xssh.Conn
		chans <-chan xssh.NewChannel
		reqs  <-chan *xssh.Request
		err   error
	}
	done := make(chan result, 1)
	go func() {
		c, chans, reqs, err := xssh.NewClientConn(conn, cfg.Addr, cc)
		done <- result{c, chans, reqs, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		conn.Close()
		r = <-done
		if r.err == nil {
			r.c.Close()
		}
		r.err = ctx.Err()
	}
	releaseAuth() // the agent is needed only while authenticating
	if r.err != nil {
		conn.Close()
		release()
		var he *HostKeyError
		if errors.As(r.err, &he) {
			return nil, nil, he
		}
		return nil, nil, fmt.Errorf("%s: ssh handshake with %s@%s: %w", cfg.Name, cfg.User, cfg.Addr, r.err)
	}
	return xssh.NewClient(r.c, r.chans, r.reqs), release, nil
}

// DialAll dials every host of cfgs with at most limit handshakes at once.
// The transports and errors are by index; a failed host has a nil
// transport.
func DialAll(ctx context.Context, cfgs []Config, limit int) ([]*Transport, []error) {
	trs := make([]*Transport, len(cfgs))
	errs := transport.Each(ctx, len(cfgs), limit, func(ctx context.Context, i int) error {
		var err error
		trs[i], err = Dial(ctx, cfgs[i])
		return err
	})
	return trs, errs
}
