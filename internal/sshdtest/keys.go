package sshdtest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"

	xssh "golang.org/x/crypto/ssh"
)

// KeyType names a key algorithm the helpers can generate.
type KeyType string

// Key types: ed25519 is the default everywhere; ECDSA exists so that tests
// can give a server two host keys of different algorithms.
const (
	Ed25519 KeyType = "ed25519"
	ECDSA   KeyType = "ecdsa"
)

// Key is a key pair written to disk in OpenSSH's format, as ssh-keygen
// would write it, so that both sshd and OpenSSH clients accept the file.
type Key struct {
	Path   string // the private key file (mode 0600); Path+".pub" holds the public key
	Public xssh.PublicKey
	Signer xssh.Signer
}

// NewKey generates a key of type typ and writes it to path and path.pub.
// Go generates it rather than ssh-keygen: faster, and no dependency on the
// OpenSSH client for tests that only need a key.
func NewKey(typ KeyType, path string) (*Key, error) {
	var priv any
	switch typ {
	case Ed25519, "":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate %s key: %w", typ, err)
		}
		priv = k
	case ECDSA:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate %s key: %w", typ, err)
		}
		priv = k
	default:
		return nil, fmt.Errorf("unknown key type %q", typ)
	}
	block, err := xssh.MarshalPrivateKey(priv, "edgerig test key")
	if err != nil {
		return nil, fmt.Errorf("marshal %s key: %w", typ, err)
	}
	signer, err := xssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("signer for %s key: %w", typ, err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	if err := os.WriteFile(path+".pub", xssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
		return nil, fmt.Errorf("write public key: %w", err)
	}
	return &Key{Path: path, Public: signer.PublicKey(), Signer: signer}, nil
}
