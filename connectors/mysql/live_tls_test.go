//go:build e2e

package mysql

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/internal/testpki"
)

// mariadbTLSDir is where scripts/services/mariadb.sh keeps its CA and
// client certificate.
func mariadbTLSDir(t *testing.T) string {
	t.Helper()
	return testkit.ServiceTLSDir(t, "mariadb-tls", "mariadb")
}

// tlsLiveProps connects as debezium_tls, a user the server only lets in
// over TLS, with verify_ca against the services' CA.
func tlsLiveProps(t *testing.T, prefix string) map[string]string {
	dir := mariadbTLSDir(t)
	p := liveProps(prefix)
	p["database.user"] = "debezium_tls"
	p["database.ssl.mode"] = "verify_ca"
	p["database.ssl.truststore"] = testpki.TrustStoreFromPEM(t, filepath.Join(dir, "ca.pem"), "PKCS12", "changeit")
	p["database.ssl.truststore.password"] = "changeit"
	return p
}

// sslCipher is the session's TLS cipher, "" for a plain session.
func sslCipher(t *testing.T, props map[string]string) (string, error) {
	t.Helper()
	st, err := parse(props)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dial(context.Background(), st)
	if err != nil {
		return "", err
	}
	defer c.Close()
	r, err := c.Execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := str(r, 0, 1)
	return v, nil
}

// TestLiveTLSVerifyCA snapshots and streams over TLS (verify_ca) as a user
// that REQUIRE SSL: the snapshot connections and the binlog connection.
func TestLiveTLSVerifyCA(t *testing.T) {
	props := tlsLiveProps(t, fmt.Sprintf("livetls%d", time.Now().UnixNano()))
	if c, err := sslCipher(t, props); err != nil || c == "" {
		t.Fatalf("verify_ca session: cipher %q, %v", c, err)
	}
	task := startTask(t, props, nil)
	defer task.Stop()
	snap := pollN(t, task, 20)
	db := liveDB(t)
	exec(t, db, "DELETE FROM demo.CUSTOMERS WHERE id = 4242",
		"INSERT INTO demo.CUSTOMERS (id, first_name, last_name) VALUES (4242, 'Tee', 'Ellis')")
	defer exec(t, db, "DELETE FROM demo.CUSTOMERS WHERE id = 4242")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range pollN(t, task, 1) {
			env := r.Value.(*data.Struct)
			after, _ := env.Get("after")
			op, _ := env.Get("op")
			if after, ok := after.(*data.Struct); ok && op == "c" {
				if id, _ := after.Get("id"); fmt.Sprint(id) == "4242" {
					t.Logf("snapshot %d records, then the insert streamed over TLS", len(snap))
					return
				}
			}
		}
	}
	t.Fatal("the insert did not arrive from the binlog")
}

// TestLiveTLSModes checks each mode against the real server: plain is
// refused for the REQUIRE SSL user, verify_identity checks the name in the
// certificate (localhost), a foreign CA is refused, and a REQUIRE X509
// user gets in with database.ssl.keystore.
func TestLiveTLSModes(t *testing.T) {
	dir := mariadbTLSDir(t)
	base := tlsLiveProps(t, "livetlsmodes")
	with := func(kv ...string) map[string]string {
		p := map[string]string{}
		for k, v := range base {
			p[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	other := testpki.NewCA(t, "not MariaDB's CA").TrustStore("JKS", "changeit")
	keystore := testpki.KeyStoreFromPEM(t, filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"), "PKCS12", "kspass")
	cases := []struct {
		name    string
		props   map[string]string
		wantErr string
	}{
		{"disabled: the REQUIRE SSL user is refused", with("database.ssl.mode", "disabled"), "Access denied"},
		{"required: TLS without verification", with("database.ssl.mode", "required", "database.ssl.truststore", other), ""},
		{"preferred: TLS when the server offers it", with("database.ssl.mode", "preferred"), ""},
		{"verify_ca: a foreign CA is refused", with("database.ssl.truststore", other), "certificate signed by unknown authority"},
		{"verify_identity: 127.0.0.1 is not in the certificate", with("database.ssl.mode", "verify_identity"), "127.0.0.1"},
		{"verify_identity: localhost is", with("database.ssl.mode", "verify_identity", "database.hostname", "localhost"), ""},
		{"REQUIRE X509 without a key store", with("database.user", "debezium_x509"), "Access denied"},
		{"REQUIRE X509 with database.ssl.keystore", with("database.user", "debezium_x509", "database.ssl.keystore", keystore, "database.ssl.keystore.password", "kspass"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cipher, err := sslCipher(t, c.props)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				t.Log(err)
				return
			}
			if err != nil || cipher == "" {
				t.Fatalf("cipher %q, error %v", cipher, err)
			}
		})
	}
	// A task with a certificate it cannot trust fails at once with the
	// reason, rather than retrying.
	task := &Task{}
	bad := with("database.ssl.truststore", other)
	if err := task.Start(context.Background(), taskCtx{&memOffsets{}, bad}, bad); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := task.Poll(context.Background()); err != nil {
			if !strings.Contains(err.Error(), "database.ssl.truststore") || !strings.Contains(err.Error(), "unknown authority") {
				t.Fatalf("task error does not say why: %v", err)
			}
			t.Log(err)
			return
		}
	}
	t.Fatal("the task did not fail on an untrusted server certificate")
}
