package ssh

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	xssh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Config says how to reach one host. It mirrors an inventory host entry.
type Config struct {
	// Name names the host in errors and logs; default Addr.
	Name string
	// Addr is host or host:port (port 22 when left out).
	Addr string
	// User to log in as; default the current user.
	User string
	// IdentityFile is a private key (OpenSSH or PEM format, unencrypted).
	IdentityFile string
	// UseAgent offers the keys of the SSH agent at AgentSocket.
	UseAgent bool
	// AgentSocket defaults to $SSH_AUTH_SOCK.
	AgentSocket string
	// KnownHostsFile is checked strictly; default ~/.ssh/known_hosts.
	KnownHostsFile string
	// AcceptNewHostKeys records the key of a host that KnownHostsFile does
	// not know yet (OpenSSH's StrictHostKeyChecking=accept-new). A key that
	// differs from a recorded one is refused all the same.
	AcceptNewHostKeys bool
	// Jump is a host to tunnel through (ProxyJump); it may have its own Jump.
	Jump *Config
	// Timeout bounds the TCP connect and the SSH handshake; default 10 s.
	Timeout time.Duration
	// KeepAlive is the interval of keepalive requests; default 1 s. A
	// connection that answers none for KeepAliveTimeout (default 3 s) is
	// closed as dead, so a lost host is noticed within a few seconds.
	KeepAlive        time.Duration
	KeepAliveTimeout time.Duration
	// Redials is how many times a Run redials a dead connection, with
	// backoff from 250 ms doubling up to 4 s; default 3.
	Redials int
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = c.Addr
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		c.Addr = net.JoinHostPort(strings.Trim(c.Addr, "[]"), "22")
	}
	if c.User == "" {
		// As OpenSSH: the local user's name ($USER may be unset in CI).
		if u, err := user.Current(); err == nil {
			c.User = u.Username
		}
	}
	if c.AgentSocket == "" {
		c.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
	}
	if c.KnownHostsFile == "" {
		if home, err := os.UserHomeDir(); err == nil {
			c.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = time.Second
	}
	if c.KeepAliveTimeout <= 0 {
		c.KeepAliveTimeout = 3 * c.KeepAlive
	}
	if c.Redials == 0 {
		c.Redials = 3
	}
	return c
}

// auth returns the authentication methods of c and a function that
// releases what they hold (the agent connection).
func (c Config) auth() ([]xssh.AuthMethod, func(), error) {
	var methods []xssh.AuthMethod
	release := func() {}
	if c.IdentityFile != "" {
		b, err := os.ReadFile(c.IdentityFile)
		if err != nil {
			return nil, release, fmt.Errorf("identity file: %w", err)
		}
		signer, err := xssh.ParsePrivateKey(b)
		if err != nil {
			return nil, release, fmt.Errorf("identity file %s: %w", c.IdentityFile, err)
		}
		methods = append(methods, xssh.PublicKeys(signer))
	}
	if c.UseAgent {
		if c.AgentSocket == "" {
			return nil, release, fmt.Errorf("agent: SSH_AUTH_SOCK is not set")
		}
		conn, err := net.Dial("unix", c.AgentSocket)
		if err != nil {
			return nil, release, fmt.Errorf("agent: %w", err)
		}
		release = func() { conn.Close() }
		methods = append(methods, xssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	if len(methods) == 0 {
		return nil, release, fmt.Errorf("no way to authenticate: give an identity file or use the agent")
	}
	return methods, release, nil
}
