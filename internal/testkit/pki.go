package testkit

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// PKI is a test CA with a server certificate (localhost, 127.0.0.1) and a
// client certificate, written as files in a test folder.
type PKI struct {
	// CAFile is the CA certificate (PEM), a trust store.
	CAFile string
	// ServerPEM and ClientPEM are key stores of type PEM: the private key
	// (PKCS#8) followed by the certificate chain.
	ServerPEM, ClientPEM string
	// ServerP12 and ClientP12 are the same as PKCS12 stores under Password;
	// ServerJKS is the server's as a JKS store (store and key under Password).
	ServerP12, ClientP12, ServerJKS string
	// ClientCert and ClientKey are the client certificate and key as
	// separate PEM files (curl's --cert and --key).
	ClientCert, ClientKey string
	Password              string
}

var pkiSerial atomic.Int64

// NewPKI generates a PKI for the test.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	p := &PKI{Password: "changeit"}
	ca, caKey := issueCert(t, "goconnect test CA", nil, nil, true)
	p.CAFile = writePEM(t, dir, "ca.pem", pemBlock("CERTIFICATE", ca.Raw))
	srv, srvKey := issueCert(t, "localhost", ca, caKey, false)
	cl, clKey := issueCert(t, "client", ca, caKey, false)
	p.ServerPEM = writePEM(t, dir, "server.pem", keyPEM(t, srvKey), pemBlock("CERTIFICATE", srv.Raw), pemBlock("CERTIFICATE", ca.Raw))
	p.ClientPEM = writePEM(t, dir, "client.pem", keyPEM(t, clKey), pemBlock("CERTIFICATE", cl.Raw), pemBlock("CERTIFICATE", ca.Raw))
	p.ClientCert = writePEM(t, dir, "client.crt", pemBlock("CERTIFICATE", cl.Raw), pemBlock("CERTIFICATE", ca.Raw))
	p.ClientKey = writePEM(t, dir, "client.key", keyPEM(t, clKey))
	p.ServerP12 = writeP12(t, dir, "server.p12", srvKey, srv, ca, p.Password)
	p.ClientP12 = writeP12(t, dir, "client.p12", clKey, cl, ca, p.Password)
	p.ServerJKS = writeJKS(t, dir, "server.jks", srvKey, srv, ca, p.Password)
	return p
}

func issueCert(t testing.TB, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(pkiSerial.Add(1)),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage = nil
		parent, parentKey = tmpl, key
	} else {
		tmpl.DNSNames = []string{cn, "localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
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

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func keyPEM(t testing.TB, k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PRIVATE KEY", der)
}

func writePEM(t testing.TB, dir, name string, blocks ...[]byte) string {
	var all []byte
	for _, b := range blocks {
		all = append(all, b...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, all, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeP12(t testing.TB, dir, name string, key *ecdsa.PrivateKey, cert, ca *x509.Certificate, password string) string {
	data, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, password)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeJKS(t testing.TB, dir, name string, key *ecdsa.PrivateKey, cert, ca *x509.Certificate, password string) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ks := keystore.New()
	entry := keystore.PrivateKeyEntry{CreationTime: time.Now(), PrivateKey: der, CertificateChain: []keystore.Certificate{
		{Type: "X509", Content: cert.Raw}, {Type: "X509", Content: ca.Raw}}}
	if err := ks.SetPrivateKeyEntry("server", entry, []byte(password)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := ks.Store(f, []byte(password)); err != nil {
		t.Fatal(err)
	}
	return path
}
