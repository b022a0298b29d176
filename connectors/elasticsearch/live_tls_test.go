//go:build e2e

package elasticsearch

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/internal/testpki"
)

// liveES is the services' Elasticsearch node (no security module).
const liveES = "http://127.0.0.1:9200"

// tlsFront is a TLS-terminating reverse proxy in front of the real node,
// with a certificate for localhost only and HTTP basic authentication, as a
// secured cluster's HTTP layer answers.
func tlsFront(t *testing.T, ca *testpki.CA, user, pass string) string {
	t.Helper()
	target, _ := url.Parse(liveES)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"type":"security_exception","reason":"unable to authenticate user [%s] for REST request [%s]"},"status":401}`, u, r.URL.Path)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server("localhost").TLS()}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL[strings.LastIndex(srv.URL, ":")+1:]
}

func liveCount(t *testing.T, index string) int {
	t.Helper()
	if _, err := http.Post(liveES+"/"+index+"/_refresh", "application/json", nil); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(liveES + "/" + index + "/_count")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct {
		Count int `json:"count"`
	}
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c.Count
}

// TestLiveTLSThroughFront indexes into the real node over HTTPS with
// elastic.https.ssl.* and basic auth, and checks that an untrusted CA, a
// host name the certificate does not carry and a wrong password each fail
// with their reason.
func TestLiveTLSThroughFront(t *testing.T) {
	ca := testpki.NewCA(t, "es front CA")
	port := tlsFront(t, ca, "elastic", "s3cret")
	trust := ca.TrustStore("PKCS12", "changeit")
	topic := fmt.Sprintf("tls-live-%d", time.Now().UnixNano())
	recs := make([]connect.SinkRecord, 3)
	for i := range recs {
		recs[i] = sinkRec(topic, 0, int64(i), nil, nil, nil, map[string]any{"n": int64(i)})
	}
	run := func(host string, kv ...string) error {
		props := map[string]string{"name": "es-tls", "connection.url": "https://" + host + ":" + port, "key.ignore": "true",
			"schema.ignore": "true", "max.retries": "3", "retry.backoff.ms": "100",
			"elastic.security.protocol": "SSL", "elastic.https.ssl.truststore.location": trust,
			"elastic.https.ssl.truststore.password": "changeit", "elastic.https.ssl.truststore.type": "PKCS12",
			"connection.username": "elastic", "connection.password": "s3cret"}
		for i := 0; i < len(kv); i += 2 {
			props[kv[i]] = kv[i+1]
		}
		task := &SinkTask{}
		if err := task.Start(context.Background(), &fakeContext{props: props}, props); err != nil {
			return err
		}
		defer task.Stop()
		ctx := context.Background()
		if err := task.Put(ctx, recs); err != nil {
			return err
		}
		return task.Flush(ctx, nil)
	}
	if err := run("localhost"); err != nil {
		t.Fatal(err)
	}
	if n := liveCount(t, topic); n != 3 {
		t.Fatalf("%d documents in %s, want 3", n, topic)
	}
	other := testpki.NewCA(t, "not the front's CA").TrustStore("JKS", "changeit")
	for _, c := range []struct {
		name, host string
		kv         []string
		want       []string
	}{
		{"untrusted CA", "localhost", []string{"elastic.https.ssl.truststore.location", other, "elastic.https.ssl.truststore.type", "JKS"},
			[]string{"certificate signed by unknown authority", "elastic.https.ssl.truststore"}},
		{"host name mismatch", "127.0.0.1", nil, []string{"127.0.0.1", "endpoint.identification.algorithm"}},
		{"wrong password", "localhost", []string{"connection.password", "wrong"}, []string{"401", "security_exception"}},
	} {
		err := run(c.host, c.kv...)
		if err == nil {
			t.Fatalf("%s: indexed anyway", c.name)
		}
		t.Logf("%s: %v", c.name, err)
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("%s: error %q lacks %q", c.name, err, w)
			}
		}
	}
}
