// Package sshdtest starts a real OpenSSH server (Debian's /usr/sbin/sshd) on
// a loopback port for tests, with host keys, a client key and a known_hosts
// file generated in the test's temporary directory. The SSH transport's
// conformance tests, the runner's and the testbed's tests share it, so that
// all of them talk to the same sshd a Raspberry Pi runs rather than to a
// fake.
//
// sshd runs in the foreground (-D) as a child of the test, logs to stderr
// (-e, kept in memory and shown when the test fails), and is stopped with
// every process it forked when the test ends.
package sshdtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgerig/edgerig/internal/testenv"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Path is where Debian's openssh-server installs sshd; sshd must be started
// by its absolute path (it re-executes itself for every connection).
const Path = "/usr/sbin/sshd"

// Options changes the server Start makes. The zero value is a server with
// one ed25519 host key that lets the current user in with Server.Client.
type Options struct {
	// HostKeys lists the host key types, in order; default {Ed25519}.
	HostKeys []KeyType
	// Config holds extra sshd_config lines ("MaxSessions 4").
	Config []string
}

// Server is a running sshd.
type Server struct {
	Addr           string // 127.0.0.1:PORT
	Port           int
	User           string // the user tests log in as: the current user
	Dir            string // holds the config, keys and known_hosts
	Client         *Key   // an authorized client key (Client.Path is the identity file)
	HostKeys       []*Key
	KnownHostsFile string // a known_hosts file that lists every host key for Addr
	ConfigFile     string

	cmd  *exec.Cmd
	log  *testenv.Buffer
	done chan struct{}
}

// Start starts sshd for t and stops it when t ends. It skips (or fails in
// CI) when sshd is not installed.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if _, err := os.Stat(Path); err != nil {
		testenv.Missing(t, Path+" is not installed (Debian package openssh-server)")
	}
	if os.Geteuid() == 0 {
		// sshd refuses to start without its privilege separation directory,
		// which Debian creates only when its service starts.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("sshdtest: %v", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshdtest: current user: %v", err)
	}
	s := &Server{Dir: t.TempDir(), User: u.Username}
	if len(opts.HostKeys) == 0 {
		opts.HostKeys = []KeyType{Ed25519}
	}
	for i, typ := range opts.HostKeys {
		k, err := NewKey(typ, filepath.Join(s.Dir, fmt.Sprintf("ssh_host_%d_%s_key", i, typ)))
		if err != nil {
			t.Fatalf("sshdtest: %v", err)
		}
		s.HostKeys = append(s.HostKeys, k)
	}
	if s.Client, err = NewKey(Ed25519, filepath.Join(s.Dir, "id_ed25519")); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	if err := s.Authorize(s.Client.Path + ".pub"); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	// A port picked free can be taken by someone else before sshd binds it:
	// try a few.
	var lastErr error
	for range 5 {
		if lastErr = s.start(opts); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("sshdtest: %v", lastErr)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("sshd log (%s):\n%s", s.Addr, s.Log())
		}
	})
	return s
}

func (s *Server) start(opts Options) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var known bytes.Buffer
	for _, k := range s.HostKeys {
		known.WriteString(knownhosts.Line([]string{s.Addr}, k.Public) + "\n")
	}
	s.KnownHostsFile = filepath.Join(s.Dir, "known_hosts")
	if err := os.WriteFile(s.KnownHostsFile, known.Bytes(), 0o600); err != nil {
		return err
	}
	// sshd takes the first value of a keyword: the test's lines go first.
	conf := append([]string{}, opts.Config...)
	conf = append(conf,
		"Port "+strconv.Itoa(port),
		"ListenAddress 127.0.0.1",
		"PidFile none",
		"AuthorizedKeysFile "+filepath.Join(s.Dir, "authorized_keys"),
		"StrictModes no", // t.TempDir's parents are not owned the way sshd wants
		"UsePAM no",
		"PermitRootLogin prohibit-password",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"AllowTcpForwarding yes",
		"AllowStreamLocalForwarding yes",
		"MaxSessions 32",
		"MaxStartups 200",
		"LogLevel VERBOSE", // DEBUG1 would log into the sessions' stderr too (with -e)
		"Subsystem sftp internal-sftp",
		// bash sources ~/.bashrc for commands run by sshd unless it is
		// nested (SHLVL); this machine's root .bashrc starts pyenv, which
		// costs ~0.4 s per command and would make the tests about it.
		"SetEnv SHLVL=1",
	)
	for _, k := range s.HostKeys {
		conf = append(conf, "HostKey "+k.Path)
	}
	s.ConfigFile = filepath.Join(s.Dir, "sshd_config")
	if err := os.WriteFile(s.ConfigFile, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	s.log = &testenv.Buffer{}
	s.done = make(chan struct{})
	s.cmd = exec.Command(Path, "-D", "-e", "-f", s.ConfigFile)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", Path, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	ready := fmt.Sprintf("Server listening on 127.0.0.1 port %d", port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("sshd -f %s exited at start: %s", s.ConfigFile, s.Log())
		case <-time.After(20 * time.Millisecond):
		}
		if strings.Contains(s.Log(), ready) {
			return nil
		}
	}
	s.Stop()
	return fmt.Errorf("sshd -f %s not listening after 10 s: %s", s.ConfigFile, s.Log())
}

// Authorize adds the public key in file pub (authorized_keys format) to the
// keys the server accepts.
func (s *Server) Authorize(pub string) error {
	b, err := os.ReadFile(pub)
	if err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "authorized_keys"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("authorize: %w", err)
	}
	return f.Close()
}

// Log returns what sshd has logged so far.
func (s *Server) Log() string { return s.log.String() }

// PID is the listening sshd's process ID.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Connections returns the process IDs serving connections: every process
// below the listening sshd (the per-connection sshd processes and what they
// run). Tests stop or kill them to cut a connection from the server's side.
func (s *Server) Connections() []int {
	return Descendants(s.PID())
}

// Stop ends sshd and every process it forked (connections, commands).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	for _, pid := range Descendants(s.PID()) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = syscall.Kill(s.PID(), syscall.SIGKILL)
	<-s.done
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
