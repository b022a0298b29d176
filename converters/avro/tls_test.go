package avro

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/internal/testpki"
	"github.com/goconnect/goconnect/schemaregistry"
)

// tlsRegistry serves goconnect's registry over HTTPS with a certificate
// for localhost only; it returns the port.
func tlsRegistry(t *testing.T, ca *testpki.CA, clientAuth tls.ClientAuthType, user, pass string) string {
	t.Helper()
	h := schemaregistry.Handler(schemaregistry.New(nil))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); user != "" && (u != user || p != pass) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server("localhost").TLS()}, ClientAuth: clientAuth, ClientCAs: ca.Pool()}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL[strings.LastIndex(srv.URL, ":")+1:]
}

// roundTrip writes a record through one converter and reads it with
// another, both configured with props.
func roundTrip(props map[string]string) error {
	s := ratingsdata.Schema()
	v := data.NewStruct(s).MustPut("rating_id", int64(1)).MustPut("user_id", int32(2)).MustPut("stars", int32(3)).
		MustPut("route_id", int32(4)).MustPut("rating_time", int64(5)).MustPut("channel", "ios").MustPut("message", "tls")
	w, r := New(), New()
	if err := w.Configure(props, false); err != nil {
		return err
	}
	if err := r.Configure(props, false); err != nil {
		return err
	}
	b, err := w.FromConnectData("ratings", nil, s, v)
	if err != nil {
		return err
	}
	_, got, err := r.ToConnectData("ratings", nil, b)
	if err != nil {
		return err
	}
	gs, ok := got.(*data.Struct)
	if !ok {
		return fmt.Errorf("read back %T", got)
	}
	for i := range s.Fields {
		if !data.ValuesEqual(gs.RawIndex(i), v.RawIndex(i)) {
			return fmt.Errorf("field %d: %v != %v", i, gs.RawIndex(i), v.RawIndex(i))
		}
	}
	return nil
}

func with(base map[string]string, kv ...string) map[string]string {
	p := map[string]string{}
	for k, v := range base {
		p[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func TestRegistryTLS(t *testing.T) {
	ca := testpki.NewCA(t, "registry CA")
	port := tlsRegistry(t, ca, tls.NoClientCert, "sr-user", "sr-pass")
	base := map[string]string{"schema.registry.url": "https://localhost:" + port,
		"schema.registry.ssl.truststore.location": ca.TrustStore("PKCS12", "changeit"),
		"schema.registry.ssl.truststore.password": "changeit", "schema.registry.ssl.truststore.type": "PKCS12",
		"basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "sr-user:sr-pass"}
	if err := roundTrip(base); err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(with(base, "schema.registry.ssl.truststore.location", ca.TrustStore("PEM", ""),
		"schema.registry.ssl.truststore.type", "PEM", "schema.registry.ssl.truststore.password", "")); err != nil {
		t.Fatalf("PEM trust store: %v", err)
	}
	other := testpki.NewCA(t, "another CA").TrustStore("JKS", "changeit")
	for _, c := range []struct {
		name  string
		props map[string]string
		want  string
	}{
		{"untrusted CA", with(base, "schema.registry.ssl.truststore.location", other, "schema.registry.ssl.truststore.type", "JKS"), "certificate signed by unknown authority"},
		{"host name mismatch", with(base, "schema.registry.url", "https://127.0.0.1:"+port), "127.0.0.1"},
		{"https without SSL settings: the system roots", map[string]string{"schema.registry.url": "https://localhost:" + port}, "certificate signed by unknown authority"},
		{"wrong credentials", with(base, "basic.auth.user.info", "sr-user:nope"), "401"},
	} {
		err := roundTrip(c.props)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		t.Logf("%s: %v", c.name, err)
	}
	// An empty endpoint identification algorithm turns off the host name
	// check only.
	if err := roundTrip(with(base, "schema.registry.url", "https://127.0.0.1:"+port, "schema.registry.ssl.endpoint.identification.algorithm", "")); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryTLSClientCertificate(t *testing.T) {
	ca := testpki.NewCA(t, "registry CA")
	port := tlsRegistry(t, ca, tls.RequireAndVerifyClientCert, "", "")
	base := map[string]string{"schema.registry.url": "https://localhost:" + port,
		"schema.registry.ssl.truststore.location": ca.TrustStore("JKS", "changeit"), "schema.registry.ssl.truststore.password": "changeit"}
	if err := roundTrip(base); err == nil {
		t.Fatal("a registry requiring a client certificate accepted none")
	}
	if err := roundTrip(with(base, "schema.registry.ssl.keystore.location", ca.Client("worker").KeyStore("PKCS12", "kspass"),
		"schema.registry.ssl.keystore.type", "PKCS12", "schema.registry.ssl.keystore.password", "kspass", "schema.registry.ssl.key.password", "kspass")); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryTLSConfigErrors(t *testing.T) {
	ca := testpki.NewCA(t, "registry CA")
	trust := ca.TrustStore("JKS", "changeit")
	for _, c := range []struct {
		props map[string]string
		key   string
	}{
		{map[string]string{"schema.registry.url": "http://localhost:8081", "schema.registry.ssl.truststore.location": trust}, "schema.registry.url"},
		{map[string]string{"schema.registry.url": "https://localhost:8081", "schema.registry.ssl.truststore.location": trust, "schema.registry.ssl.truststore.password": "wrong"}, "schema.registry.ssl.truststore.password"},
		{map[string]string{"schema.registry.url": "https://localhost:8081", "schema.registry.ssl.truststore.location": "/nonexistent.jks"}, "schema.registry.ssl.truststore.location"},
		{map[string]string{"schema.registry.url": "https://localhost:8081", "schema.registry.ssl.cipher.suites": "X"}, "schema.registry.ssl.cipher.suites"},
	} {
		err := New().Configure(c.props, false)
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%v: error %v does not name %s", c.props, err, c.key)
		}
		t.Log(err)
	}
}
