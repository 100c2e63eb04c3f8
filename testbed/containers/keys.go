package containers

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// keyPair is an ed25519 key in the forms the testbed writes out.
type keyPair struct {
	private []byte // OpenSSH PEM, as ssh-keygen writes it
	public  ssh.PublicKey
	signer  ssh.Signer
}

func newKeyPair(comment string) (keyPair, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("generating an ed25519 key: %w", err)
	}
	return keyPairFrom(priv, comment)
}

func keyPairFrom(priv ed25519.PrivateKey, comment string) (keyPair, error) {
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return keyPair{}, fmt.Errorf("encoding an ed25519 key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return keyPair{}, fmt.Errorf("ed25519 signer: %w", err)
	}
	return keyPair{private: pem.EncodeToMemory(block), public: signer.PublicKey(), signer: signer}, nil
}

// parseKeyPair reads back a private key written by newKeyPair.
func parseKeyPair(pemBytes []byte) (keyPair, error) {
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	if err != nil {
		return keyPair{}, fmt.Errorf("parsing a private key: %w", err)
	}
	priv, ok := raw.(*ed25519.PrivateKey)
	if !ok {
		return keyPair{}, fmt.Errorf("private key is a %T, want ed25519", raw)
	}
	return keyPairFrom(*priv, "")
}

// authorizedKey is k's public half as an authorized_keys line.
func authorizedKey(k keyPair) []byte { return ssh.MarshalAuthorizedKey(k.public) }
