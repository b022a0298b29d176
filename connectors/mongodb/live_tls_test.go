//go:build e2e

package mongodb

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/internal/testpki"
)

// mongoTLSDir is where scripts/services/mongo.sh keeps FerretDB's CA and
// the client certificate its TLS listener (127.0.0.1:27018) requires.
func mongoTLSDir(t *testing.T) string {
	t.Helper()
	return testkit.ServiceTLSDir(t, "mongo-tls", "mongo")
}

// TestLiveTLS writes through FerretDB's TLS listener with the URI's TLS
// options and with connection.ssl.* stores, and checks each refusal.
func TestLiveTLS(t *testing.T) {
	dir := mongoTLSDir(t)
	ca := filepath.Join(dir, "ca.pem")
	combined := filepath.Join(dir, "client-combined.pem")
	trust := testpki.TrustStoreFromPEM(t, ca, "PKCS12", "changeit")
	keys := testpki.KeyStoreFromPEM(t, filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"), "PKCS12", "kspass")
	other := testpki.NewCA(t, "not FerretDB's CA").TrustStore("JKS", "changeit")
	plain, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:27017"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Disconnect(context.Background())
	db := fmt.Sprintf("tls%d", time.Now().UnixNano())
	defer plain.Database(db).Drop(context.Background())
	const opts = "serverSelectionTimeoutMS=5000&connectTimeoutMS=3000"

	write := func(marker string, kv ...string) error {
		p := map[string]string{"topics": "orders", "database": db, "collection": "c"}
		for i := 0; i < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		task := &SinkTask{}
		if err := task.Start(context.Background(), nil, p); err != nil {
			return err
		}
		defer task.Stop()
		return task.Put(context.Background(), []connect.SinkRecord{*rec(nil, map[string]any{"marker": marker})})
	}
	written := func(marker string) bool {
		n, err := plain.Database(db).Collection("c").CountDocuments(context.Background(), bson.D{{Key: "marker", Value: marker}})
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	ok := []struct {
		name, uri string
		kv        []string
	}{
		{"URI options", "mongodb://localhost:27018/?tls=true&tlsCAFile=" + url.QueryEscape(ca) + "&tlsCertificateKeyFile=" + url.QueryEscape(combined) + "&" + opts, nil},
		{"connection.ssl stores", "mongodb://localhost:27018/?tls=true&" + opts, []string{"connection.ssl.truststore", trust,
			"connection.ssl.truststorePassword", "changeit", "connection.ssl.keystore", keys, "connection.ssl.keystorePassword", "kspass"}},
		{"tlsInsecure with a host name the certificate lacks", "mongodb://127.0.0.1:27018/?tls=true&tlsInsecure=true&tlsCertificateKeyFile=" + url.QueryEscape(combined) + "&" + opts, nil},
	}
	for _, c := range ok {
		marker := strings.ReplaceAll(c.name, " ", "-")
		if err := write(marker, append([]string{"connection.uri", c.uri}, c.kv...)...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !written(marker) {
			t.Fatalf("%s: the document is not in FerretDB", c.name)
		}
	}
	bad := []struct {
		name, uri string
		kv        []string
		want      string
	}{
		{"untrusted CA", "mongodb://localhost:27018/?tls=true&" + opts, []string{"connection.ssl.truststore", other,
			"connection.ssl.truststorePassword", "changeit", "connection.ssl.keystore", keys, "connection.ssl.keystorePassword", "kspass"}, "unknown authority"},
		{"host name mismatch", "mongodb://127.0.0.1:27018/?tls=true&tlsCAFile=" + url.QueryEscape(ca) + "&tlsCertificateKeyFile=" + url.QueryEscape(combined) + "&" + opts, nil, "127.0.0.1"},
		{"no client certificate", "mongodb://localhost:27018/?tls=true&tlsCAFile=" + url.QueryEscape(ca) + "&" + opts, nil, "certificate"},
		{"stores without tls=true", "mongodb://localhost:27017/?" + opts, []string{"connection.ssl.truststore", trust, "connection.ssl.truststorePassword", "changeit"}, "does not enable TLS"},
	}
	for _, c := range bad {
		err := write("bad", append([]string{"connection.uri", c.uri}, c.kv...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if connect.IsRetriable(err) {
			t.Fatalf("%s: retriable: %v", c.name, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
	if written("bad") {
		t.Fatal("a refused connection wrote a document")
	}
}
