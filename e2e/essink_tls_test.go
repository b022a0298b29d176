//go:build e2e

package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/testpki"
)

// esTLSFront is a TLS-terminating proxy with basic auth in front of the
// services' Elasticsearch (which has no security module); its certificate
// names localhost only. It returns the port.
func esTLSFront(t *testing.T, ca *testpki.CA, user, pass string) string {
	t.Helper()
	target, err := url.Parse(esURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="security"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server("localhost").TLS()}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL[strings.LastIndex(srv.URL, ":")+1:]
}

// TestESSinkTLS runs two ES sinks in one worker against an HTTPS front with
// basic auth: one trusting the front's CA indexes every record, the other
// with a foreign CA goes FAILED with the reason in its trace.
func TestESSinkTLS(t *testing.T) {
	ca := testpki.NewCA(t, "es front CA")
	port := esTLSFront(t, ca, "elastic", "s3cret")
	topic := uniqueName(t, "es-tls")
	cl := esSinkTopic(t, topic, 1)
	var recs []*kgo.Record
	for i := 0; i < 20; i++ {
		recs = append(recs, &kgo.Record{Value: []byte(fmt.Sprintf(`{"n":%d}`, i))})
	}
	esSinkProduce(t, cl, recs...)
	ssl := []string{"connection.url", "https://localhost:" + port, "elastic.security.protocol", "SSL",
		"elastic.https.ssl.truststore.location", ca.TrustStore("PKCS12", "changeit"), "elastic.https.ssl.truststore.type", "PKCS12",
		"elastic.https.ssl.truststore.password", "changeit", "connection.username", "elastic", "connection.password", "s3cret",
		"transforms", "", "max.retries", "2"}
	good := esSinkConfig(topic+"-ok", topic, ssl...)
	bad := esSinkConfig(topic+"-untrusted", topic, append(ssl, "elastic.https.ssl.truststore.location",
		testpki.NewCA(t, "foreign CA").TrustStore("JKS", "changeit"), "elastic.https.ssl.truststore.type", "JKS")...)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	args := []string{"standalone", filepath.Join(dir, "worker.properties")}
	for i, c := range []map[string]string{good, bad} {
		b, err := json.Marshal(map[string]any{"name": c["name"], "config": c})
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("connector-%d.json", i))
		writeFile(t, f, string(b))
		args = append(args, f)
	}
	w := startWorker(t, args...)
	rest := restURL(t, w)
	esWaitCount(t, w, strings.ToLower(topic), 20, 60*time.Second)
	waitTaskState(t, rest, bad["name"], "FAILED", 60*time.Second)
	_, trace := taskState(t, rest, bad["name"])
	for _, want := range []string{"certificate signed by unknown authority", "elastic.https.ssl.truststore"} {
		if !strings.Contains(trace, want) {
			t.Fatalf("FAILED trace lacks %q:\n%s", want, trace)
		}
	}
	if state, _ := taskState(t, rest, good["name"]); state != "RUNNING" {
		t.Fatalf("the trusting sink is %s", state)
	}
}
