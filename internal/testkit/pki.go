package testkit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goconnect/goconnect/internal/testpki"
)

// PKI is a test CA with a server certificate (localhost, 127.0.0.1) and a
// client certificate, written as files in a test folder: the set of files
// a REST listener test needs, issued by testpki.
type PKI struct {
	// CAFile is the CA certificate (PEM), a trust store.
	CAFile string
	// ServerPEM and ClientPEM are key stores of type PEM: the certificate
	// chain and the private key (PKCS#8) in one file.
	ServerPEM, ClientPEM string
	// ServerP12 and ClientP12 are the same as PKCS12 stores under Password;
	// ServerJKS is the server's as a JKS store (store and key under Password).
	ServerP12, ClientP12, ServerJKS string
	// ClientCert and ClientKey are the client certificate and key as
	// separate PEM files (curl's --cert and --key).
	ClientCert, ClientKey string
	Password              string
}

// NewPKI generates a PKI for the test.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	ca := testpki.NewCA(t, "goconnect test CA")
	srv, cl := ca.Server("localhost", "127.0.0.1"), ca.Client("client")
	p := &PKI{Password: "changeit"}
	p.CAFile = writeFile(t, dir, "ca.pem", ca.PEM())
	p.ServerPEM = srv.KeyStore("PEM", "")
	p.ClientPEM = cl.KeyStore("PEM", "")
	p.ClientCert = writeFile(t, dir, "client.crt", cl.CertPEM())
	p.ClientKey = writeFile(t, dir, "client.key", cl.KeyPEM())
	p.ServerP12 = srv.KeyStore("PKCS12", p.Password)
	p.ClientP12 = cl.KeyStore("PKCS12", p.Password)
	p.ServerJKS = srv.KeyStore("JKS", p.Password)
	return p
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
