package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testpki"
)

func readRegistryConfig(t *testing.T, text string) (registrySettings, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "schema-registry.properties")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var s registrySettings
	err := s.readConfig(path)
	return s, err
}

// Confluent's timing and identity keys are applied.
func TestRegistryConfigTimings(t *testing.T) {
	s, err := readRegistryConfig(t, "listeners=http://127.0.0.1:18181\nhost.name=sr1\n")
	if err != nil {
		t.Fatal(err)
	}
	e := s.election
	if e.connectTimeout != time.Minute || e.readTimeout != time.Minute || e.initTimeout != time.Minute || e.session != 0 || e.delay || e.storeTimeout != 0 {
		t.Fatalf("defaults: %+v", e)
	}
	s, err = readRegistryConfig(t, `listeners=http://127.0.0.1:18181
host.name=sr1
host.port=9999
kafkagroup.session.timeout.ms=6000
kafkagroup.heartbeat.interval.ms=2000
kafkagroup.rebalance.timeout.ms=30000
leader.connect.timeout.ms=1500
leader.read.timeout.ms=0
kafkastore.init.timeout.ms=5000
kafkastore.timeout.ms=700
leader.election.delay=true
leader.election.sticky=false
`)
	if err != nil {
		t.Fatal(err)
	}
	e = s.election
	if e.session != 6*time.Second || e.heartbeat != 2*time.Second || e.rebalance != 30*time.Second ||
		e.connectTimeout != 1500*time.Millisecond || e.readTimeout != 0 || e.initTimeout != 5*time.Second ||
		e.storeTimeout != 700*time.Millisecond || !e.delay || e.hostPort != 9999 {
		t.Fatalf("read: %+v", e)
	}
	if s.listen != "127.0.0.1:18181" {
		t.Fatalf("listen %q", s.listen)
	}
	// host.port is the identity's port, over the listener's.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := e.complete(ln.Addr()); err != nil {
		t.Fatal(err)
	}
	if got := e.identity.URL(); got != "http://sr1:9999" {
		t.Fatalf("identity %s", got)
	}
	tr, ok := e.forwardingClient().Transport.(*http.Transport)
	if !ok || tr.ResponseHeaderTimeout != 0 || tr.TLSClientConfig != nil {
		t.Fatalf("forwarding transport %+v", tr)
	}
	e.readTimeout = 1500 * time.Millisecond
	if tr := e.forwardingClient().Transport.(*http.Transport); tr.ResponseHeaderTimeout != 1500*time.Millisecond {
		t.Fatalf("leader.read.timeout.ms not applied: %v", tr.ResponseHeaderTimeout)
	}
}

// Keys goconnect cannot honour are refused with an error naming them.
func TestRegistryConfigRefused(t *testing.T) {
	for _, tc := range []struct{ props, want string }{
		{"leader.election.sticky=true\n", "leader.election.sticky=true is not supported"},
		{"leader.election.delay=maybe\n", `leader.election.delay: "maybe" is not a boolean`},
		{"kafkagroup.session.timeout.ms=abc\n", `kafkagroup.session.timeout.ms: "abc" is not a positive number of milliseconds`},
		{"kafkagroup.session.timeout.ms=3000\nkafkagroup.heartbeat.interval.ms=3000\n", "must be below kafkagroup.session.timeout.ms"},
		{"leader.read.timeout.ms=-1\n", `leader.read.timeout.ms: "-1" is not a number of milliseconds, 0 for no limit`},
		{"kafkastore.timeout.ms=0\n", `kafkastore.timeout.ms: "0" is not a positive number of milliseconds`},
		{"host.port=0\n", `host.port: "0" is not a port number`},
		{"inter.instance.listener.name=internal\n", "inter.instance.listener.name=internal: named listeners"},
		{"listeners=http://0.0.0.0:8081,https://0.0.0.0:8082\n", "https listener: ssl.keystore.location: a TLS server needs a key store"},
		{"listeners=internal://0.0.0.0:8081\n", "named listeners (listener.protocol.map) are not served"},
		{"listeners=http://0.0.0.0\n", "is not a URL with a port"},
		{"inter.instance.protocol=https\n", "inter.instance.protocol=https: no listener configured with requested scheme https"},
		{"listeners=http://0.0.0.0:8081,http://0.0.0.0:8082\ninter.instance.protocol=https\n", "inter.instance.protocol=https: no listener configured with requested scheme https (listeners: [http://0.0.0.0:8081 http://0.0.0.0:8082])"},
		{"listeners=https://0.0.0.0:8081\n", "inter.instance.protocol=http: no listener configured with requested scheme http"},
		{"listeners=https://0.0.0.0:8081\ninter.instance.protocol=https\n", "https listener: ssl.keystore.location: a TLS server needs a key store"},
		{"listeners=https://0.0.0.0:8081\ninter.instance.protocol=https\nssl.client.authentication=WANT\n", `ssl.client.authentication: "WANT" is not one of NONE, REQUESTED, REQUIRED`},
		{"listeners=https://0.0.0.0:8081\ninter.instance.protocol=https\nssl.client.auth=maybe\n", `ssl.client.auth: "maybe" is not a boolean`},
		{"listeners=https://0.0.0.0:8081\ninter.instance.protocol=https\nssl.endpoint.identification.algorithm=ldaps\n", "ssl.endpoint.identification.algorithm ldaps not supported"},
		{"listeners=https://0.0.0.0:8081\ninter.instance.protocol=https\nssl.cipher.suites=TLS_AES_128_GCM_SHA256\n", "ssl.cipher.suites: not supported"},
		{"listeners=https://0.0.0.0:8081\ninter.instance.protocol=https\nssl.keystore.reload=true\n", "ssl.keystore.reload=true: reloading the key store is not supported"},
	} {
		_, err := readRegistryConfig(t, tc.props)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error with %q", tc.props, err, tc.want)
		}
	}
}

// An https listener: rest-utils' key store, client authentication and
// the forwarding client's trust (no host name check unless asked).
func TestRegistryConfigHTTPS(t *testing.T) {
	ca := testpki.NewCA(t, "registry-ca")
	ks := ca.Server("127.0.0.1", "localhost").KeyStore("PKCS12", "kspass")
	ts := ca.TrustStore("JKS", "tspass")
	base := "listeners=https://127.0.0.1:0\ninter.instance.protocol=https\nssl.keystore.location=" + ks +
		"\nssl.keystore.password=kspass\nssl.keystore.type=PKCS12\nssl.truststore.location=" + ts + "\nssl.truststore.password=tspass\n"
	for _, tc := range []struct {
		extra     string
		auth      tls.ClientAuthType
		checkHost bool
	}{
		{"", tls.NoClientCert, false},
		{"ssl.client.authentication=REQUIRED\n", tls.RequireAndVerifyClientCert, false},
		{"ssl.client.authentication=REQUESTED\nssl.client.auth=true\n", tls.VerifyClientCertIfGiven, false},
		{"ssl.client.auth=true\nssl.endpoint.identification.algorithm=https\n", tls.RequireAndVerifyClientCert, true},
		{"listener.name.https.ssl.client.authentication=REQUIRED\nssl.client.authentication=NONE\n", tls.RequireAndVerifyClientCert, false},
	} {
		s, err := readRegistryConfig(t, base+tc.extra)
		if err != nil {
			t.Fatalf("%q: %v", tc.extra, err)
		}
		if s.serverTLS == nil || len(s.serverTLS.Certificates) != 1 || s.serverTLS.ClientAuth != tc.auth {
			t.Errorf("%q: server TLS %+v", tc.extra, s.serverTLS)
		}
		c := s.election.clientTLS
		if c == nil || c.RootCAs == nil || len(c.Certificates) != 1 || c.InsecureSkipVerify == tc.checkHost {
			t.Errorf("%q: forwarding TLS %+v", tc.extra, c)
		}
		if s.election.identity.Scheme != "https" {
			t.Errorf("%q: identity scheme %q", tc.extra, s.election.identity.Scheme)
		}
	}
}

// Confluent's refusals (Jetty 12's BasicAuthenticator and SecurityHandler,
// the registry's JsonErrorHandler): 401 with the challenge, 403 for a
// user without the role; a JSON body for GET and POST only.
func TestRegistryAuthAnswers(t *testing.T) {
	a := &registryAuth{realm: "SchemaRegistry-Props", roles: []string{"admin"},
		users: map[string]jettyUser{"alice": {password: "secret", roles: []string{"admin"}}, "bob": {password: "secret", roles: []string{"reader"}}}}
	h := a.wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	for _, tc := range []struct {
		method, user, pass string
		status             int
		challenge, body    string
	}{
		{"GET", "", "", 401, `basic realm="SchemaRegistry-Props"`, `{"error_code":401,"message":"Unauthorized"}`},
		{"POST", "alice", "wrong", 401, `basic realm="SchemaRegistry-Props"`, `{"error_code":401,"message":"Unauthorized"}`},
		{"PUT", "", "", 401, `basic realm="SchemaRegistry-Props"`, ""},
		{"DELETE", "nobody", "x", 401, `basic realm="SchemaRegistry-Props"`, ""},
		{"GET", "bob", "secret", 403, "", `{"error_code":403,"message":"!authorized"}`},
		{"DELETE", "bob", "secret", 403, "", ""},
		{"DELETE", "alice", "secret", 200, "", "ok"},
	} {
		req := httptest.NewRequest(tc.method, "/subjects", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status || rec.Header().Get("WWW-Authenticate") != tc.challenge || rec.Body.String() != tc.body {
			t.Errorf("%s as %q: %d %q %q, want %d %q %q", tc.method, tc.user, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String(), tc.status, tc.challenge, tc.body)
		}
	}
}

// http and https listeners side by side: the instance's URL is the last
// listener of inter.instance.protocol's scheme, as Confluent's
// getInterInstanceListener picks it; the others are served too.
func TestRegistryConfigListeners(t *testing.T) {
	ca := testpki.NewCA(t, "registry-ca")
	ks := ca.Server("127.0.0.1").KeyStore("PKCS12", "kspass")
	tlsKeys := "ssl.keystore.location=" + ks + "\nssl.keystore.password=kspass\n"
	for _, tc := range []struct {
		props, listen, more string
		listenTLS, client   bool
	}{
		{"listeners=http://127.0.0.1:8081,https://127.0.0.1:8082\n" + tlsKeys, "127.0.0.1:8081", "[https://127.0.0.1:8082]", false, false},
		{"listeners=http://127.0.0.1:8081,https://127.0.0.1:8082\ninter.instance.protocol=https\n" + tlsKeys, "127.0.0.1:8082", "[http://127.0.0.1:8081]", true, true},
		{"listeners=https://127.0.0.1:8083,http://127.0.0.1:8081,https://127.0.0.1:8082\nschema.registry.inter.instance.protocol=https\ninter.instance.protocol=http\n" + tlsKeys, "127.0.0.1:8082", "[https://127.0.0.1:8083 http://127.0.0.1:8081]", true, true},
	} {
		s, err := readRegistryConfig(t, tc.props)
		if err != nil {
			t.Fatalf("%q: %v", tc.props, err)
		}
		if s.listen != tc.listen || s.listenTLS != tc.listenTLS || fmt.Sprint(s.more) != tc.more || s.serverTLS == nil || (s.election.clientTLS != nil) != tc.client {
			t.Errorf("%q: listen %s tls %v more %v server TLS %v client TLS %v", tc.props, s.listen, s.listenTLS, s.more, s.serverTLS != nil, s.election.clientTLS != nil)
		}
		want := "http"
		if tc.listenTLS {
			want = "https"
		}
		if s.election.identity.Scheme != want {
			t.Errorf("%q: identity scheme %s", tc.props, s.election.identity.Scheme)
		}
	}
}
