package tlsconfig

import (
	"bytes"
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

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

// pki is a CA with a server certificate (localhost, 127.0.0.1) and a client
// certificate, generated per test.
type pki struct {
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	server identity
	client identity
}

type identity struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{}
	p.ca, p.caKey = issue(t, "test CA", nil, nil, true)
	p.server.cert, p.server.key = issue(t, "localhost", p.ca, p.caKey, false)
	p.client.cert, p.client.key = issue(t, "client", p.ca, p.caKey, false)
	return p
}

var serial int64

func issue(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		parent, parentKey = tmpl, key
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		if cn == "localhost" {
			tmpl.DNSNames = []string{"localhost"}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func certPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func keyPEM(t *testing.T, key *ecdsa.PrivateKey, password string) []byte {
	t.Helper()
	der, err := pkcs8.MarshalPrivateKey(key, []byte(password), nil)
	if err != nil {
		t.Fatal(err)
	}
	typ := "PRIVATE KEY"
	if password != "" {
		typ = "ENCRYPTED PRIVATE KEY"
	}
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func jksTrust(t *testing.T, password string, certs ...*x509.Certificate) string {
	t.Helper()
	ks := keystore.New()
	for i, c := range certs {
		if err := ks.SetTrustedCertificateEntry(string(rune('a'+i)), keystore.TrustedCertificateEntry{
			CreationTime: time.Now(), Certificate: keystore.Certificate{Type: "X509", Content: c.Raw},
		}); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	// keystore-go refuses to store without a password; a password-less trust
	// store is then simulated by reading it without one.
	if password == "" {
		password = "unused-password"
	}
	if err := ks.Store(&b, []byte(password)); err != nil {
		t.Fatal(err)
	}
	return write(t, "trust.jks", b.Bytes())
}

func jksKey(t *testing.T, id identity, chain []*x509.Certificate, storePassword, keyPassword string) string {
	t.Helper()
	ks := keystore.New()
	der, err := x509.MarshalPKCS8PrivateKey(id.key)
	if err != nil {
		t.Fatal(err)
	}
	entry := keystore.PrivateKeyEntry{CreationTime: time.Now(), PrivateKey: der}
	for _, c := range append([]*x509.Certificate{id.cert}, chain...) {
		entry.CertificateChain = append(entry.CertificateChain, keystore.Certificate{Type: "X509", Content: c.Raw})
	}
	if err := ks.SetPrivateKeyEntry("key", entry, []byte(keyPassword)); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := ks.Store(&b, []byte(storePassword)); err != nil {
		t.Fatal(err)
	}
	return write(t, "key.jks", b.Bytes())
}

func p12Trust(t *testing.T, password string, certs ...*x509.Certificate) string {
	t.Helper()
	data, err := pkcs12.Modern.EncodeTrustStore(certs, password)
	if err != nil {
		t.Fatal(err)
	}
	return write(t, "trust.p12", data)
}

func p12Key(t *testing.T, id identity, chain []*x509.Certificate, password string) string {
	t.Helper()
	data, err := pkcs12.Modern.Encode(id.key, id.cert, chain, password)
	if err != nil {
		t.Fatal(err)
	}
	return write(t, "key.p12", data)
}
