package mysql

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/testpki"
)

// okHandler answers every query with OK (dial sends SET NAMES).
type okHandler struct{ server.EmptyHandler }

func (okHandler) HandleQuery(string) (*gomysql.Result, error) { return nil, nil }

// fakeMySQL is go-mysql's server speaking the MySQL protocol on a free
// port, with TLS when tc is set; it records whether each session
// switched to TLS.
type fakeMySQL struct {
	port  int
	tlsed chan bool
}

func startFakeMySQL(t *testing.T, tc *tls.Config) *fakeMySQL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	// go-mysql's client starts with caching_sha2_password; over a plain
	// connection its full authentication needs the server's RSA key.
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewServer("8.0.36", gomysql.DEFAULT_COLLATION_ID, gomysql.AUTH_CACHING_SHA2_PASSWORD, rsaKey, tc)
	f := &fakeMySQL{port: ln.Addr().(*net.TCPAddr).Port, tlsed: make(chan bool, 16)}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				c, err := srv.NewConn(nc, "dbz", "secret", okHandler{})
				if err != nil {
					return
				}
				_, isTLS := c.Conn.Conn.(*tls.Conn)
				f.tlsed <- isTLS
				for c.HandleCommand() == nil {
				}
			}()
		}
	}()
	return f
}

func tlsProps(port int, host string, extra map[string]string) map[string]string {
	p := map[string]string{
		"database.hostname": host, "database.port": strconv.Itoa(port), "database.user": "dbz", "database.password": "secret",
		"database.server.id": "1", "topic.prefix": "tls", "connect.timeout.ms": "5000",
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// dialWith parses props and dials once; it reports whether the session
// the server saw was TLS.
func dialWith(t *testing.T, f *fakeMySQL, props map[string]string) (tlsUsed bool, err error) {
	t.Helper()
	st, err := parse(props)
	if err != nil {
		return false, err
	}
	c, err := dial(context.Background(), st)
	if err != nil {
		return false, err
	}
	defer c.Close()
	return <-f.tlsed, nil
}

func TestSSLModes(t *testing.T) {
	ca := testpki.NewCA(t, "db CA")
	other := testpki.NewCA(t, "another CA")
	// The certificate names localhost only: 127.0.0.1 is a host name
	// mismatch for verify_identity.
	srvTLS := &tls.Config{Certificates: []tls.Certificate{ca.Server("localhost").TLS()}}
	withTLS := startFakeMySQL(t, srvTLS)
	plain := startFakeMySQL(t, nil)
	trust := ca.TrustStore("PKCS12", "changeit")
	trustJKS := ca.TrustStore("JKS", "changeit")
	wrongTrust := other.TrustStore("JKS", "changeit")

	cases := []struct {
		name    string
		srv     *fakeMySQL
		host    string
		extra   map[string]string
		wantTLS bool
		wantErr string
	}{
		{"default is preferred: TLS when offered", withTLS, "127.0.0.1", nil, true, ""},
		{"preferred falls back to plain", plain, "127.0.0.1", map[string]string{"database.ssl.mode": "preferred"}, false, ""},
		{"disabled stays plain", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "disabled"}, false, ""},
		{"required does not verify", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "REQUIRED", "database.ssl.truststore": wrongTrust, "database.ssl.truststore.password": "changeit"}, true, ""},
		{"required refuses a plain server", plain, "127.0.0.1", map[string]string{"database.ssl.mode": "required"}, false, "database.ssl.mode=required"},
		{"verify_ca trusts the CA (no host check)", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": trust, "database.ssl.truststore.password": "changeit"}, true, ""},
		{"verify_ca with a JKS trust store", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": trustJKS, "database.ssl.truststore.password": "changeit"}, true, ""},
		{"verify_ca rejects another CA", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": wrongTrust, "database.ssl.truststore.password": "changeit"}, false, "certificate signed by unknown authority"},
		{"verify_ca without a trust store uses the system roots", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "verify_ca"}, false, "certificate signed by unknown authority"},
		{"verify_ca refuses a plain server", plain, "127.0.0.1", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": trust, "database.ssl.truststore.password": "changeit"}, false, "does not support TLS"},
		{"verify_identity checks the host name", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": trust, "database.ssl.truststore.password": "changeit"}, false, "127.0.0.1"},
		{"verify_identity accepts the right host", withTLS, "localhost", map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": trust, "database.ssl.truststore.password": "changeit"}, true, ""},
		{"MariaDB 3.x name verify-full is verify_identity", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "verify-full", "database.ssl.truststore": trust, "database.ssl.truststore.password": "changeit"}, false, "127.0.0.1"},
		{"MariaDB 3.x name trust is required", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "trust", "database.ssl.truststore": wrongTrust, "database.ssl.truststore.password": "changeit"}, true, ""},
		{"MariaDB 3.x name disable", withTLS, "127.0.0.1", map[string]string{"database.ssl.mode": "disable"}, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := dialWith(t, c.srv, tlsProps(c.srv.port, c.host, c.extra))
			if c.wantErr != "" {
				t.Log(err)
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.wantTLS {
				t.Fatalf("TLS %v, want %v", got, c.wantTLS)
			}
		})
	}
}

func TestSSLKeystoreClientCertificate(t *testing.T) {
	ca := testpki.NewCA(t, "db CA")
	srvTLS := &tls.Config{Certificates: []tls.Certificate{ca.Server("localhost").TLS()}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool()}
	f := startFakeMySQL(t, srvTLS)
	trust := ca.TrustStore("PKCS12", "changeit")
	base := map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": trust, "database.ssl.truststore.password": "changeit"}
	if _, err := dialWith(t, f, tlsProps(f.port, "127.0.0.1", base)); err == nil {
		t.Fatal("a server requiring a client certificate accepted none")
	}
	for _, typ := range []string{"PKCS12", "JKS"} {
		extra := map[string]string{"database.ssl.keystore": ca.Client("dbz").KeyStore(typ, "kspass"), "database.ssl.keystore.password": "kspass"}
		for k, v := range base {
			extra[k] = v
		}
		tlsed, err := dialWith(t, f, tlsProps(f.port, "127.0.0.1", extra))
		if err != nil || !tlsed {
			t.Fatalf("%s key store: tls=%v err=%v", typ, tlsed, err)
		}
	}
}

func TestSSLBadStoresNameTheKey(t *testing.T) {
	ca := testpki.NewCA(t, "db CA")
	trust := ca.TrustStore("PKCS12", "changeit")
	cases := []struct {
		extra   map[string]string
		wantKey string
	}{
		{map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": "/nonexistent/trust.jks"}, keySSLTruststore},
		{map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": trust, "database.ssl.truststore.password": "wrong"}, keySSLTruststorePassword},
		{map[string]string{"database.ssl.mode": "required", "database.ssl.keystore": ca.Client("x").KeyStore("PKCS12", "kspass"), "database.ssl.keystore.password": "wrong"}, keySSLKeystorePassword},
		{map[string]string{"database.ssl.mode": "verify"}, keySSLMode},
	}
	for _, c := range cases {
		_, err := parse(tlsProps(3306, "127.0.0.1", c.extra))
		t.Log(err)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != c.wantKey || !strings.Contains(err.Error(), c.wantKey) {
			t.Errorf("%v: error %v, want a config error naming %s", c.extra, err, c.wantKey)
		}
		v := (&Connector{}).Validate(tlsProps(3306, "127.0.0.1", c.extra))
		if len(v[c.wantKey]) == 0 {
			t.Errorf("%v: Validate reported %v, nothing on %s", c.extra, v, c.wantKey)
		}
	}
	// disabled ignores the stores, as Debezium does.
	if _, err := parse(tlsProps(3306, "127.0.0.1", map[string]string{"database.ssl.mode": "disabled", "database.ssl.truststore": "/nonexistent"})); err != nil {
		t.Fatal(err)
	}
}
