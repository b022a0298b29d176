package elasticsearch

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/internal/testpki"
)

// tlsES is the fake Elasticsearch behind HTTPS with a certificate for
// localhost only, recording the Authorization headers it gets.
type tlsES struct {
	*fakeES
	srv   *httptest.Server
	mu    sync.Mutex
	auths []string
}

func newTLSES(t *testing.T, ca *testpki.CA, clientAuth tls.ClientAuthType) *tlsES {
	t.Helper()
	f := &tlsES{fakeES: &fakeES{docs: map[string]string{}}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		f.serve(w, r)
	}))
	f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server("localhost").TLS()}, ClientAuth: clientAuth, ClientCAs: ca.Pool()}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

// url is the server's https URL with the given host name.
func (f *tlsES) url(host string) string {
	return "https://" + host + ":" + f.srv.URL[strings.LastIndex(f.srv.URL, ":")+1:]
}

func startTLSTask(t *testing.T, url string, kv ...string) (*SinkTask, error) {
	t.Helper()
	props := map[string]string{"name": "es", "connection.url": url, "key.ignore": "true", "schema.ignore": "true",
		"retry.backoff.ms": "200", "max.retries": "10"}
	for i := 0; i < len(kv); i += 2 {
		props[kv[i]] = kv[i+1]
	}
	task := &SinkTask{}
	if err := task.Start(context.Background(), &fakeContext{props: props}, props); err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task, nil
}

func putAndFlush(task *SinkTask, n int) error {
	ctx := context.Background()
	if err := task.Put(ctx, records(n)); err != nil {
		return err
	}
	return task.Flush(ctx, nil)
}

func TestTLSTrustStoresAndBasicAuth(t *testing.T) {
	ca := testpki.NewCA(t, "es CA")
	f := newTLSES(t, ca, tls.NoClientCert)
	for _, typ := range []string{"JKS", "PKCS12", "PEM"} {
		pass := "changeit"
		if typ == "PEM" {
			pass = ""
		}
		kv := []string{"elastic.security.protocol", "SSL", "elastic.https.ssl.truststore.location", ca.TrustStore(typ, pass),
			"elastic.https.ssl.truststore.type", typ, "connection.username", "elastic", "connection.password", "s3cret"}
		if pass != "" {
			kv = append(kv, "elastic.https.ssl.truststore.password", pass)
		}
		task, err := startTLSTask(t, f.url("localhost"), kv...)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if err := putAndFlush(task, 2); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	if f.count() != 2 {
		t.Fatalf("%d documents indexed, want 2", f.count())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.auths {
		if a != "Basic ZWxhc3RpYzpzM2NyZXQ=" { // elastic:s3cret
			t.Fatalf("Authorization %q", a)
		}
	}
}

func TestTLSRejectedCertificatesFailAtOnce(t *testing.T) {
	ca := testpki.NewCA(t, "es CA")
	f := newTLSES(t, ca, tls.NoClientCert)
	other := testpki.NewCA(t, "another CA").TrustStore("JKS", "changeit")
	trust := ca.TrustStore("JKS", "changeit")
	cases := []struct {
		name, url string
		kv        []string
		want      []string
	}{
		{"untrusted CA", f.url("localhost"), []string{"elastic.security.protocol", "SSL",
			"elastic.https.ssl.truststore.location", other, "elastic.https.ssl.truststore.password", "changeit"},
			[]string{"certificate", "elastic.https.ssl.truststore"}},
		{"host name mismatch", f.url("127.0.0.1"), []string{"elastic.security.protocol", "SSL",
			"elastic.https.ssl.truststore.location", trust, "elastic.https.ssl.truststore.password", "changeit"},
			[]string{"127.0.0.1", "endpoint.identification.algorithm"}},
		{"https without SSL settings: the system roots", f.url("localhost"), nil,
			[]string{"certificate", "system's trusted roots"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			task, err := startTLSTask(t, c.url, c.kv...)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = putAndFlush(task, 1)
			if err == nil {
				t.Fatal("indexed through a rejected certificate")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
			if connect.IsRetriable(err) || time.Since(start) > 3*time.Second {
				t.Fatalf("a certificate failure was retried (%v, retriable %v)", time.Since(start), connect.IsRetriable(err))
			}
		})
	}
	// An empty endpoint identification algorithm turns the host check off,
	// not the chain check.
	task, err := startTLSTask(t, f.url("127.0.0.1"), "elastic.security.protocol", "SSL",
		"elastic.https.ssl.truststore.location", trust, "elastic.https.ssl.truststore.password", "changeit",
		"elastic.https.ssl.endpoint.identification.algorithm", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := putAndFlush(task, 1); err != nil {
		t.Fatal(err)
	}
}

func TestTLSClientCertificate(t *testing.T) {
	ca := testpki.NewCA(t, "es CA")
	f := newTLSES(t, ca, tls.RequireAndVerifyClientCert)
	trust := []string{"elastic.security.protocol", "SSL", "elastic.https.ssl.truststore.location", ca.TrustStore("PKCS12", "changeit"),
		"elastic.https.ssl.truststore.password", "changeit"}
	task, err := startTLSTask(t, f.url("localhost"), trust...)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := putAndFlush(task, 1); err == nil || !strings.Contains(err.Error(), "refused the TLS client certificate") || time.Since(start) > 3*time.Second {
		t.Fatalf("without a client certificate: %v after %v; want a refusal at once", err, time.Since(start))
	}
	task, err = startTLSTask(t, f.url("localhost"), append(trust, "elastic.https.ssl.keystore.location", ca.Client("sink").KeyStore("JKS", "kspass"),
		"elastic.https.ssl.keystore.password", "kspass", "elastic.https.ssl.key.password", "kspass")...)
	if err != nil {
		t.Fatal(err)
	}
	if err := putAndFlush(task, 1); err != nil {
		t.Fatal(err)
	}
}

func TestTLSSettingsValidation(t *testing.T) {
	ca := testpki.NewCA(t, "es CA")
	trust := ca.TrustStore("JKS", "changeit")
	cases := []struct {
		kv      []string
		wantKey string
		wantMsg string
	}{
		{[]string{"connection.url", "https://es:9200", "elastic.https.ssl.truststore.location", trust}, "elastic.security.protocol", "must be set to 'SSL'"},
		{[]string{"connection.url", "https://es:9200", "elastic.security.protocol", "SSL"}, "elastic.security.protocol", "At least these SSL configs"},
		{[]string{"connection.url", "http://es:9200", "elastic.security.protocol", "SSL", "elastic.https.ssl.truststore.location", trust, "elastic.https.ssl.truststore.password", "changeit"}, "connection.url", "not an https:// URL"},
		{[]string{"connection.url", "https://es:9200", "elastic.security.protocol", "SSL", "elastic.https.ssl.truststore.location", trust, "elastic.https.ssl.truststore.password", "nope"}, "elastic.https.ssl.truststore.password", "wrong password"},
		{[]string{"connection.url", "https://es:9200", "elastic.security.protocol", "SSL", "elastic.https.ssl.truststore.location", "/nonexistent.jks"}, "elastic.https.ssl.truststore.location", "no such file"},
		{[]string{"connection.url", "https://es:9200", "elastic.security.protocol", "SSL", "elastic.https.ssl.truststore.location", trust, "elastic.https.ssl.truststore.password", "changeit", "elastic.https.ssl.cipher.suites", "TLS_AES_128_GCM_SHA256"}, "elastic.https.ssl.cipher.suites", "not supported"},
	}
	for _, c := range cases {
		props := map[string]string{}
		for i := 0; i < len(c.kv); i += 2 {
			props[c.kv[i]] = c.kv[i+1]
		}
		msgs := (&SinkConnector{}).Validate(props)
		if !strings.Contains(strings.Join(msgs[c.wantKey], " "), c.wantMsg) {
			t.Errorf("%v: Validate gave %v, want %q on %s", c.kv, msgs, c.wantMsg, c.wantKey)
		}
		if _, err := parseSettings(props); err == nil || !strings.Contains(err.Error(), c.wantKey) {
			t.Errorf("%v: parse error %v does not name %s", c.kv, err, c.wantKey)
		}
	}
	// An empty store location counts as unset (Confluent drops it with its
	// password), so this is a valid SSL config with the system roots.
	if _, err := parseSettings(map[string]string{"connection.url": "https://es:9200", "elastic.security.protocol": "SSL",
		"elastic.https.ssl.keystore.location": "", "elastic.https.ssl.keystore.password": "x",
		"elastic.https.ssl.truststore.location": trust, "elastic.https.ssl.truststore.password": "changeit"}); err != nil {
		t.Fatal(err)
	}
}
