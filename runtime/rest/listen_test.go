package rest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/rest"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// noConnectors answers the few calls these tests make; anything else would
// hit the nil interface and fail the test.
type noConnectors struct{ rest.Herder }

func (noConnectors) Connectors() []string       { return []string{} }
func (noConnectors) Metrics() *metrics.Registry { return nil }

// restWorker parses a standalone worker config with extra settings and
// serves the REST API as the command does, until the test ends.
func restWorker(t *testing.T, extra map[string]string, sysProps ...string) *rest.Setup {
	t.Helper()
	props := map[string]string{
		"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "org.apache.kafka.connect.storage.StringConverter",
		"offset.storage.file.filename": filepath.Join(t.TempDir(), "offsets"), "rest.advertised.host.name": "localhost",
	}
	maps.Copy(props, extra)
	w, err := workerconfig.ParseStandalone(props)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rest.Listen(w, w.AdoptListenPort, sysProps, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := rest.New(rs.Config(noConnectors{}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeListeners(ctx, rs.Main, rs.Admin) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return rs
}

// jaasFile writes a JAAS file whose KafkaConnect entry reads creds.
func jaasFile(t *testing.T, creds string) string {
	t.Helper()
	dir := t.TempDir()
	cf := filepath.Join(dir, "credentials.properties")
	if err := os.WriteFile(cf, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	jf := filepath.Join(dir, "jaas.conf")
	text := "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\"" + cf + "\";\n};\n"
	if err := os.WriteFile(jf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return jf
}

type call struct {
	code   int
	body   string
	header http.Header
}

func get(t *testing.T, c *http.Client, url, user, pass string) (call, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		return call{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return call{resp.StatusCode, string(b), resp.Header}, nil
}

func tlsClient(t *testing.T, p *testkit.PKI, certPEM string) *http.Client {
	t.Helper()
	ca, err := os.ReadFile(p.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	cfg := &tls.Config{RootCAs: pool}
	if certPEM != "" {
		b, err := os.ReadFile(certPEM)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := tls.X509KeyPair(b, b)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

// TestSecuredRestAPI: an https listener from a PKCS12 key store with
// client certificates required, an http listener beside it, basic
// authentication from the JAAS file KAFKA_OPTS names, and /admin on its own
// listener.
func TestSecuredRestAPI(t *testing.T) {
	p := testkit.NewPKI(t)
	t.Setenv("KAFKA_OPTS", "-Xmx1g -Djava.security.auth.login.config="+jaasFile(t, "alice: s3cret\nbob=other\n")+" -Dfoo=bar")
	rs := restWorker(t, map[string]string{
		"listeners":       "https://127.0.0.1:0,http://127.0.0.1:0",
		"admin.listeners": "http://127.0.0.1:0,https://127.0.0.1:0",
		// The admin https listener: a JKS store, no client certificate.
		"admin.listeners.https.ssl.keystore.type":     "JKS",
		"admin.listeners.https.ssl.keystore.location": p.ServerJKS,
		"admin.listeners.https.ssl.keystore.password": p.Password,
		// The https listener's own settings win over the top-level ssl.*
		// ones (a broken key store that must not be read).
		"ssl.keystore.location":                   "/nonexistent.jks",
		"listeners.https.ssl.keystore.type":       "PKCS12",
		"listeners.https.ssl.keystore.location":   p.ServerP12,
		"listeners.https.ssl.keystore.password":   p.Password,
		"listeners.https.ssl.truststore.type":     "PEM",
		"listeners.https.ssl.truststore.location": p.CAFile,
		"listeners.https.ssl.client.auth":         "required",
		"rest.extension.classes":                  workerconfig.BasicAuthExtension,
	})
	httpsURL := "https://" + rs.Main[0].Addr().String()
	httpURL := "http://" + rs.Main[1].Addr().String()
	adminURL := "http://" + rs.Admin[0].Addr().String()

	// mTLS required: no client certificate, no connection.
	if _, err := get(t, tlsClient(t, p, ""), httpsURL+"/connectors", "alice", "s3cret"); err == nil {
		t.Fatal("https request without a client certificate was served")
	}
	withCert := tlsClient(t, p, p.ClientPEM)
	for _, base := range []string{httpsURL, httpURL} {
		c := withCert
		if strings.HasPrefix(base, "http:") {
			c = http.DefaultClient
		}
		for _, creds := range [][2]string{{"", ""}, {"alice", "wrong"}, {"mallory", "s3cret"}} {
			r, err := get(t, c, base+"/connectors", creds[0], creds[1])
			if err != nil {
				t.Fatal(err)
			}
			if r.code != http.StatusUnauthorized || r.body != "User cannot access the resource." || r.header.Get("WWW-Authenticate") != `Basic realm="KafkaConnect"` {
				t.Fatalf("%s as %q: %d %q %v", base, creds, r.code, r.body, r.header)
			}
		}
		for _, creds := range [][2]string{{"alice", "s3cret"}, {"bob", "other"}} {
			if r, err := get(t, c, base+"/connectors", creds[0], creds[1]); err != nil || r.code != http.StatusOK || r.body != "[]" {
				t.Fatalf("%s as %s: %+v %v", base, creds[0], r, err)
			}
		}
		// Unknown paths answer 404 before authentication, as in Connect.
		if r, _ := get(t, c, base+"/nope", "", ""); r.code != http.StatusNotFound {
			t.Fatalf("unknown path: %+v", r)
		}
		// /admin lives on the admin listener only.
		if r, _ := get(t, c, base+"/admin/loggers", "alice", "s3cret"); r.code != http.StatusNotFound {
			t.Fatalf("/admin on the main listener: %+v", r)
		}
	}
	// The internal endpoint is left to its signature check: no 401.
	req, _ := http.NewRequest(http.MethodPost, httpURL+"/connectors/c/tasks", strings.NewReader("[]"))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode == http.StatusUnauthorized {
		t.Fatalf("internal request: %v %v", resp, err)
	}
	// Connect registers extensions on the main listeners only.
	if r, _ := get(t, http.DefaultClient, adminURL+"/admin/loggers", "", ""); r.code != http.StatusOK || !strings.Contains(r.body, `"root"`) {
		t.Fatalf("admin listener: %+v", r)
	}
	if r, _ := get(t, http.DefaultClient, adminURL+"/connectors", "alice", "s3cret"); r.code != http.StatusNotFound {
		t.Fatalf("/connectors on the admin listener: %+v", r)
	}
	adminTLS := "https://" + rs.Admin[1].Addr().String()
	if r, err := get(t, tlsClient(t, p, ""), adminTLS+"/admin/loggers/root", "", ""); err != nil || r.code != http.StatusOK || !strings.Contains(r.body, `"level"`) {
		t.Fatalf("admin https listener (JKS, no client certificate): %+v %v", r, err)
	}
}

// TestRequestedClientAuth: with ssl.client.auth=requested a client may
// come without a certificate; one the trust store does not vouch for is
// refused. The listener takes the top-level ssl.* (PEM) settings.
func TestRequestedClientAuth(t *testing.T) {
	p := testkit.NewPKI(t)
	other := testkit.NewPKI(t)
	rs := restWorker(t, map[string]string{
		"listeners":               "https://127.0.0.1:0",
		"ssl.keystore.type":       "PEM",
		"ssl.keystore.location":   p.ServerPEM,
		"ssl.truststore.type":     "PEM",
		"ssl.truststore.location": p.CAFile,
		"ssl.client.auth":         "requested",
		"admin.listeners":         "",
	})
	base := "https://" + rs.Main[0].Addr().String()
	for name, c := range map[string]*http.Client{"no certificate": tlsClient(t, p, ""), "trusted certificate": tlsClient(t, p, p.ClientPEM)} {
		if r, err := get(t, c, base+"/connectors", "", ""); err != nil || r.code != http.StatusOK {
			t.Fatalf("%s: %+v %v", name, r, err)
		}
	}
	untrusted := tlsClient(t, p, other.ClientPEM)
	if _, err := get(t, untrusted, base+"/connectors", "", ""); err == nil {
		t.Fatal("a client certificate from an unknown CA was accepted")
	}
	// admin.listeners empty: no /admin endpoints.
	if r, _ := get(t, tlsClient(t, p, ""), base+"/admin/loggers", "", ""); r.code != http.StatusNotFound {
		t.Fatalf("/admin with admin.listeners empty: %+v", r)
	}
}

// TestBasicAuthSetupErrors: what Connect would only find at the first
// request refuses the start here; -D on the command line wins over
// KAFKA_OPTS.
func TestBasicAuthSetupErrors(t *testing.T) {
	props := map[string]string{"rest.extension.classes": workerconfig.BasicAuthExtension, "listeners": "http://127.0.0.1:0",
		"key.converter": "x", "value.converter": "y", "offset.storage.file.filename": "/tmp/o"}
	w, err := workerconfig.ParseStandalone(props)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAFKA_OPTS", "")
	if _, err := rest.Listen(w, w.AdoptListenPort, nil, nil); err == nil || !strings.Contains(err.Error(), "java.security.auth.login.config") {
		t.Fatalf("no JAAS file: %v", err)
	}
	dir := t.TempDir()
	noEntry := filepath.Join(dir, "other.conf")
	os.WriteFile(noEntry, []byte("KafkaServer { x.Y required; };"), 0o600)
	if _, err := rest.Listen(w, w.AdoptListenPort, []string{"-Djava.security.auth.login.config=" + noEntry}, nil); err == nil || !strings.Contains(err.Error(), "no KafkaConnect entry") {
		t.Fatalf("no KafkaConnect entry: %v", err)
	}
	t.Setenv("KAFKA_OPTS", "-Djava.security.auth.login.config="+noEntry)
	rs, err := rest.Listen(w, w.AdoptListenPort, []string{"-Djava.security.auth.login.config=" + jaasFile(t, "a=b")}, nil)
	if err != nil {
		t.Fatalf("-D flag must win over KAFKA_OPTS: %v", err)
	}
	rs.Close()
	badModule := filepath.Join(dir, "bad.conf")
	os.WriteFile(badModule, []byte("KafkaConnect { com.example.LdapLoginModule required; };"), 0o600)
	if _, err := rest.Listen(w, w.AdoptListenPort, []string{"-Djava.security.auth.login.config=" + badModule}, nil); err == nil || !strings.Contains(err.Error(), "com.example.LdapLoginModule") {
		t.Fatalf("unknown login module: %v", err)
	}
}
