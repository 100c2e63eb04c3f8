package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	xssh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is a host key that was refused: unknown to known_hosts (and
// AcceptNewHostKeys not set), or different from the one recorded there.
type HostKeyError struct {
	Host        string // the inventory name
	Addr        string // as written in known_hosts: host or [host]:port
	KeyType     string
	Fingerprint string // SHA256:...
	File        string // the known_hosts file
	Known       []string
	Changed     bool // a different key is recorded: possibly a man in the middle
}

func (e *HostKeyError) Error() string {
	if e.Changed {
		return fmt.Sprintf("%s: host key for %s CHANGED: it offers %s %s, but %s records another key (%s); "+
			"refused, also with --accept-new-host-keys: if the host was reinstalled, remove the old line (ssh-keygen -R '%s -f %s')",
			e.Host, e.Addr, e.KeyType, e.Fingerprint, e.File, strings.Join(e.Known, ", "), e.Addr, e.File)
	}
	return fmt.Sprintf("%s: unknown host key for %s: %s %s is not in %s; check the fingerprint on the host "+
		"(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and add it, or allow recording new keys (--accept-new-host-keys)",
		e.Host, e.Addr, e.KeyType, e.Fingerprint, e.File)
}

// hostKeys checks the keys of one host against a known_hosts file.
type hostKeys struct {
	name      string
	file      string
	acceptNew bool
}

// load reads the known_hosts file; a missing file knows no host.
func (h hostKeys) load() (xssh.HostKeyCallback, error) {
	if h.file == "" {
		return nil, fmt.Errorf("%s: no known_hosts file (set one, or HOME)", h.name)
	}
	if _, err := os.Stat(h.file); errors.Is(err, os.ErrNotExist) {
		return func(string, net.Addr, xssh.PublicKey) error { return &knownhosts.KeyError{} }, nil
	}
	cb, err := knownhosts.New(h.file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", h.name, err)
	}
	return cb, nil
}

// algorithms returns the host key algorithms to ask addr for: those of the
// keys known_hosts records for it, so that a host with several host keys
// is not taken as changed because it offered another type first (OpenSSH
// orders its preferences the same way). Nil: no key is known, any will do.
func (h hostKeys) algorithms(cb xssh.HostKeyCallback, addr string) []string {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	probe, err := xssh.NewSignerFromKey(priv)
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if !errors.As(cb(addr, &net.TCPAddr{}, probe.PublicKey()), &ke) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, k := range ke.Want {
		types := []string{k.Key.Type()}
		if k.Key.Type() == xssh.KeyAlgoRSA {
			types = []string{xssh.KeyAlgoRSASHA512, xssh.KeyAlgoRSASHA256, xssh.KeyAlgoRSA}
		}
		for _, t := range types {
			if !seen[t] {
				seen[t] = true
				algos = append(algos, t)
			}
		}
	}
	return algos
}

// callback wraps the known_hosts check with the refusal messages and
// accept-new.
func (h hostKeys) callback(cb xssh.HostKeyCallback) xssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key xssh.PublicKey) error {
		err := cb(hostname, remote, key)
		if err == nil {
			return nil
		}
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("%s: host key of %s: %w", h.name, hostname, err)
		}
		he := &HostKeyError{
			Host: h.name, Addr: knownhosts.Normalize(hostname), KeyType: key.Type(),
			Fingerprint: xssh.FingerprintSHA256(key), File: h.file,
			Changed: len(ke.Want) > 0,
		}
		for _, k := range ke.Want {
			he.Known = append(he.Known, fmt.Sprintf("%s:%d %s %s", k.Filename, k.Line, k.Key.Type(), xssh.FingerprintSHA256(k.Key)))
		}
		if he.Changed || !h.acceptNew {
			return he
		}
		return h.record(hostname, key)
	}
}

// record appends hostname's key to the known_hosts file under an flock, so
// that many hosts dialled at once, or two edgerig processes, neither lose
// nor duplicate lines; it checks again under the lock in case another
// dial recorded a key for the same host meanwhile.
func (h hostKeys) record(hostname string, key xssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(h.file), 0o700); err != nil {
		return fmt.Errorf("%s: record host key: %w", h.name, err)
	}
	f, err := os.OpenFile(h.file, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("%s: record host key: %w", h.name, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("%s: lock %s: %w", h.name, h.file, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	again, err := knownhosts.New(h.file)
	if err != nil {
		return fmt.Errorf("%s: %w", h.name, err)
	}
	strict := hostKeys{name: h.name, file: h.file}
	if err := strict.callback(again)(hostname, &net.TCPAddr{}, key); err == nil {
		return nil // recorded meanwhile
	} else if he, ok := err.(*HostKeyError); ok && he.Changed {
		return he
	}
	if _, err := f.WriteString(knownhosts.Line([]string{hostname}, key) + "\n"); err != nil {
		return fmt.Errorf("%s: record host key in %s: %w", h.name, h.file, err)
	}
	return nil
}
