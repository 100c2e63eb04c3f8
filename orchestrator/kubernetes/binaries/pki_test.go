package binaries

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func parseCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(data)
	require.NotNil(t, b)
	c, err := x509.ParseCertificate(b.Bytes)
	require.NoError(t, err)
	return c
}

// Every certificate verifies against the CA for its usage, and only for
// it; the apiserver's names cover every way it is reached.
func TestPKI(t *testing.T) {
	now := time.Now()
	ca, err := NewCA(now)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	other, err := NewCA(now)
	require.NoError(t, err)
	otherPool := x509.NewCertPool()
	otherPool.AddCert(other.Cert)

	api, err := ca.Issue(APIServerCertSpec("node1", "172.30.0.2", "10.96.0.1"), now)
	require.NoError(t, err)
	cert := parseCert(t, api.Cert)
	for _, name := range []string{"node1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", "172.30.0.2", "10.96.0.1", "127.0.0.1"} {
		_, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		require.NoError(t, err, name)
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "node2"})
	require.Error(t, err, "a name not in the certificate")
	_, err = cert.Verify(x509.VerifyOptions{Roots: otherPool, DNSName: "node1"})
	require.Error(t, err, "another CA")
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.Error(t, err, "a serving certificate is no client certificate")

	kubelet, err := ca.Issue(CertSpec{CN: "system:node:node2", Orgs: []string{"system:nodes"}, Client: true}, now)
	require.NoError(t, err)
	kc := parseCert(t, kubelet.Cert)
	require.Equal(t, "system:node:node2", kc.Subject.CommonName)
	require.Equal(t, []string{"system:nodes"}, kc.Subject.Organization)
	_, err = kc.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)
	_, err = kc.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.Error(t, err, "a client certificate cannot serve")

	serving, err := ca.Issue(CertSpec{CN: "node2", DNS: []string{"node2"}, IPs: []net.IP{net.ParseIP("172.30.0.3")}, Server: true}, now)
	require.NoError(t, err)
	_, err = parseCert(t, serving.Cert).Verify(x509.VerifyOptions{Roots: pool, DNSName: "172.30.0.3"})
	require.NoError(t, err)

	require.True(t, ca.Cert.IsCA)
	require.True(t, cert.NotAfter.After(now.Add(24*time.Hour)))
	require.False(t, cert.IsCA)

	priv, pub, err := ServiceAccountKey()
	require.NoError(t, err)
	b, _ := pem.Decode(pub)
	require.Equal(t, "PUBLIC KEY", b.Type)
	_, err = x509.ParsePKIXPublicKey(b.Bytes)
	require.NoError(t, err)
	b, _ = pem.Decode(priv)
	_, err = x509.ParseECPrivateKey(b.Bytes)
	require.NoError(t, err)
}
