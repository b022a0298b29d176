package testkit

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/goconnect/goconnect/internal/testpki"
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
	ca := testpki.NewCA(t, "goconnect test CA")
	srv := ca.Server("localhost", "127.0.0.1")
	caFile := ca.TrustStore("PEM", "")
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1),
		kfake.EnableSASL(), kfake.Superuser(mechanism, user, pass),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{srv.TLS()},
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
