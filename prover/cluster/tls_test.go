package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCerts writes a CA and a server certificate for 127.0.0.1 signed by it (PEM files).
func writeCerts(t *testing.T) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, kind string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "zkexex test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caTmpl, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER), write("server.key", "EC PRIVATE KEY", keyDER)
}

// TestTLS: the embedded server serves TLS with its certificate; a client that trusts the CA
// connects (with the token), one that does not is refused; Open wires the embedded server's
// CA into its own connection.
func TestTLS(t *testing.T) {
	ca, cert, key := writeCerts(t)
	auth := Auth{Token: "tls-token"}
	s, err := StartServer(ServerConfig{Dir: t.TempDir(), Auth: auth, TLS: TLS{Cert: cert, Key: key}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nc, err := Connect(s.URL(), ConnConfig{Auth: auth, TLS: TLS{CA: ca}})
	if err != nil {
		t.Fatal(err)
	}
	if !nc.TLSRequired() {
		t.Fatal("connection not over TLS")
	}
	nc.Close()
	if nc, err := Connect(s.URL(), ConnConfig{Auth: auth}); err == nil {
		nc.Close()
		t.Fatal("a client that does not trust the CA connected")
	}
	// With a CA the server requires client certificates: this client has none.
	if _, _, closeFn, err := Open(Endpoint{Embedded: ServerConfig{Dir: t.TempDir(), Auth: auth, TLS: TLS{Cert: cert, Key: key, CA: ca}}}); err == nil {
		closeFn()
		t.Fatal("connected without a client certificate")
	}
	nc, srv, closeFn, err := Open(Endpoint{Embedded: ServerConfig{Dir: t.TempDir(), Auth: auth, TLS: TLS{Cert: cert, Key: key}}, Conn: ConnConfig{TLS: TLS{CA: ca}}})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if srv == nil || !nc.TLSRequired() {
		t.Fatal("Open did not start a TLS server")
	}
}
