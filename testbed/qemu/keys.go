package qemu

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// userKey returns the testbed's user key, DIR/id_ed25519, making it on the
// first Up; its public half goes on every VM's seed disk as root's
// authorized key.
func userKey(dir string) (ssh.Signer, []byte, error) {
	path := filepath.Join(dir, userKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		priv, pub, gerr := newKey("edgerig-qemu-testbed")
		if gerr != nil {
			return nil, nil, gerr
		}
		if err := os.WriteFile(path, priv, 0o600); err != nil {
			return nil, nil, fmt.Errorf("user key: %w", err)
		}
		if err := os.WriteFile(path+".pub", pub, 0o644); err != nil {
			return nil, nil, fmt.Errorf("user key: %w", err)
		}
		b, err = priv, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("user key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, nil, fmt.Errorf("user key %s: %w", path, err)
	}
	return signer, ssh.MarshalAuthorizedKey(signer.PublicKey()), nil
}

// newHostKey makes an ed25519 host key for one copy of an image.
func newHostKey(name string) (priv, pub []byte, err error) {
	return newKey(name)
}

// newKey makes an ed25519 key pair in OpenSSH's formats (private key file,
// authorized_keys line).
func newKey(comment string) (priv, pub []byte, err error) {
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(sk, comment)
	if err != nil {
		return nil, nil, err
	}
	spk, err := ssh.NewPublicKey(pk)
	if err != nil {
		return nil, nil, err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spk))) + " " + comment + "\n"
	return pem.EncodeToMemory(block), []byte(line), nil
}

// publicKeyLine keeps the type and key of an authorized_keys line (no comment).
func publicKeyLine(b []byte) string {
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return ""
	}
	return f[0] + " " + f[1]
}
