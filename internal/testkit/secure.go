package testkit

import (
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
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// SecureCluster is an in-process broker that requires SASL over TLS.
type SecureCluster struct {
	*kfake.Cluster
	// Bootstrap is the comma-separated broker list.
	Bootstrap string
	// CAFile is the PEM file of the CA that signed the broker certificate.
	CAFile string
	// Client holds the unprefixed Java client settings that reach the
	// broker: security.protocol=SASL_SSL, sasl.mechanism, sasl.jaas.config
	// and a PEM trust store.
	Client map[string]string
}

// SecureBroker starts a broker requiring SASL_SSL with one user of the given
// mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512). The broker certificate
// is valid for 127.0.0.1 and localhost, signed by a CA made for the test.
func SecureBroker(t testing.TB, mechanism, user, pass string) *SecureCluster {
	t.Helper()
	caCert, caKey := newCert(t, "goconnect test CA", nil, nil)
	srvCert, srvKey := newCert(t, "localhost", caCert, caKey)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1),
		kfake.EnableSASL(), kfake.Superuser(mechanism, user, pass),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw, caCert.Raw}, PrivateKey: srvKey, Leaf: srvCert}},
			MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &SecureCluster{Cluster: c, Bootstrap: strings.Join(c.ListenAddrs(), ","), CAFile: caFile, Client: map[string]string{
		"security.protocol":       "SASL_SSL",
		"sasl.mechanism":          mechanism,
		"sasl.jaas.config":        JAASConfig(mechanism, user, pass),
		"ssl.truststore.type":     "PEM",
		"ssl.truststore.location": caFile,
	}}
}

// JAASConfig renders a sasl.jaas.config value for a user, quoting as Java
// expects.
func JAASConfig(mechanism, user, pass string) string {
	module := "org.apache.kafka.common.security.scram.ScramLoginModule"
	if mechanism == "PLAIN" {
		module = "org.apache.kafka.common.security.plain.PlainLoginModule"
	}
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return module + ` required username="` + q.Replace(user) + `" password="` + q.Replace(pass) + `";`
}

// WithPrefix copies settings with every key prefixed, merged into dst.
func WithPrefix(dst map[string]string, prefix string, src map[string]string) map[string]string {
	for k, v := range src {
		dst[prefix+k] = v
	}
	return dst
}

func newCert(t testing.TB, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		parent, parentKey = tmpl, key
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames = []string{"localhost"}
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
