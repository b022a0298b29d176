// Package testpki issues throwaway certificates for tests: a CA, server
// certificates for chosen host names and client certificates, written into
// the test's temporary directory as PEM, PKCS12 or JKS files, the forms the
// connectors' Java-style trust and key store settings read.
package testpki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// CA is a self-signed certificate authority.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
	t    testing.TB
}

// Identity is a certificate with its key, issued by a CA.
type Identity struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	ca   *CA
}

var serial atomic.Int64

// NewCA creates a CA named cn.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	ca := &CA{t: t}
	ca.Cert, ca.key = ca.issue(pkix.Name{CommonName: cn}, nil, true)
	return ca
}

// Server issues a server certificate for the given host names and IP
// addresses (its subject alternative names).
func (ca *CA) Server(hosts ...string) Identity {
	ca.t.Helper()
	cert, key := ca.issue(pkix.Name{CommonName: hosts[0]}, hosts, false)
	return Identity{Cert: cert, Key: key, ca: ca}
}

// Client issues a client certificate with the common name cn.
func (ca *CA) Client(cn string) Identity {
	ca.t.Helper()
	cert, key := ca.issue(pkix.Name{CommonName: cn}, nil, false)
	return Identity{Cert: cert, Key: key, ca: ca}
}

func (ca *CA) issue(subject pkix.Name, hosts []string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t := ca.t
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	parent, parentKey := ca.Cert, ca.key
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		parent, parentKey = tmpl, key
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
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

// Pool is a certificate pool holding the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// PEM is the CA certificate in PEM form.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// TrustStore writes a trust store holding the CA certificate and returns
// its path; typ is JKS, PKCS12 or PEM (which takes no password).
func (ca *CA) TrustStore(typ, password string) string {
	ca.t.Helper()
	return trustStore(ca.t, []*x509.Certificate{ca.Cert}, typ, password)
}

// TrustStoreFromPEM writes a trust store (JKS or PKCS12) with the
// certificates of a PEM file, for CAs made by other tools.
func TrustStoreFromPEM(t testing.TB, pemFile, typ, password string) string {
	t.Helper()
	return trustStore(t, readCerts(t, pemFile), typ, password)
}

// KeyStoreFromPEM writes a key store (JKS or PKCS12) with the key of
// keyFile and the certificate chain of certFile.
func KeyStoreFromPEM(t testing.TB, certFile, keyFile, typ, password string) string {
	t.Helper()
	data, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("testpki: no PEM block in %s", keyFile)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			t.Fatalf("testpki: %s: %v", keyFile, err)
		}
	}
	return keyStore(t, key, readCerts(t, certFile), typ, password)
}

func readCerts(t testing.TB, pemFile string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		if block, data = pem.Decode(data); block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("testpki: %s: %v", pemFile, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		t.Fatalf("testpki: no certificate in %s", pemFile)
	}
	return certs
}

func trustStore(t testing.TB, certs []*x509.Certificate, typ, password string) string {
	t.Helper()
	var data []byte
	switch strings.ToUpper(typ) {
	case "PEM":
		for _, c := range certs {
			data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
	case "PKCS12":
		var err error
		if data, err = pkcs12.Modern.EncodeTrustStore(certs, password); err != nil {
			t.Fatal(err)
		}
	case "JKS":
		ks := keystore.New()
		for i, c := range certs {
			if err := ks.SetTrustedCertificateEntry("ca"+strconv.Itoa(i), keystore.TrustedCertificateEntry{
				CreationTime: time.Now(), Certificate: keystore.Certificate{Type: "X509", Content: c.Raw},
			}); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := ks.Store(&b, []byte(password)); err != nil {
			t.Fatal(err)
		}
		data = b.Bytes()
	default:
		t.Fatalf("testpki: unknown store type %s", typ)
	}
	return write(t, "truststore."+strings.ToLower(typ), data)
}

// TLS is the identity as a tls.Certificate (for test servers).
func (id Identity) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{id.Cert.Raw, id.ca.Cert.Raw}, PrivateKey: id.Key, Leaf: id.Cert}
}

// CertPEM is the certificate followed by its CA's, in PEM form.
func (id Identity) CertPEM() []byte {
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Cert.Raw}), id.ca.PEM()...)
}

// KeyPEM is the unencrypted PKCS#8 private key in PEM form.
func (id Identity) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		id.ca.t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// KeyStore writes a key store with the identity (its key password is the
// store password) and returns its path; typ is JKS or PKCS12, or PEM for a
// file with the certificate chain followed by the key.
func (id Identity) KeyStore(typ, password string) string {
	id.ca.t.Helper()
	if strings.EqualFold(typ, "PEM") {
		return write(id.ca.t, "keystore.pem", append(id.CertPEM(), id.KeyPEM()...))
	}
	return keyStore(id.ca.t, id.Key, []*x509.Certificate{id.Cert, id.ca.Cert}, typ, password)
}

func keyStore(t testing.TB, key any, chain []*x509.Certificate, typ, password string) string {
	t.Helper()
	var data []byte
	switch strings.ToUpper(typ) {
	case "PKCS12":
		var err error
		if data, err = pkcs12.Modern.Encode(key, chain[0], chain[1:], password); err != nil {
			t.Fatal(err)
		}
	case "JKS":
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		entry := keystore.PrivateKeyEntry{CreationTime: time.Now(), PrivateKey: der}
		for _, c := range chain {
			entry.CertificateChain = append(entry.CertificateChain, keystore.Certificate{Type: "X509", Content: c.Raw})
		}
		ks := keystore.New()
		if err := ks.SetPrivateKeyEntry("key", entry, []byte(password)); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := ks.Store(&b, []byte(password)); err != nil {
			t.Fatal(err)
		}
		data = b.Bytes()
	default:
		t.Fatalf("testpki: unknown key store type %s", typ)
	}
	return write(t, "keystore."+strings.ToLower(typ), data)
}

// write stores data in a fresh file of the test's temporary directory.
func write(t testing.TB, name string, data []byte) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*-"+name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(f.Name())
}
