package healthcheck

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/runtime/restclient"
)

func TestHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/connectors":
			w.Write([]byte(`[]`))
		case "/slow":
			<-r.Context().Done() // answers only once the client gives up
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error_code":503,"message":"starting"}`))
		}
	}))
	defer srv.Close()
	if err := Healthcheck(context.Background(), srv.URL+"/connectors", restclient.Options{}); err != nil {
		t.Fatalf("200: %v", err)
	}
	err := Healthcheck(context.Background(), srv.URL+"/other", restclient.Options{})
	if err == nil || !strings.Contains(err.Error(), "status 503") || !strings.Contains(err.Error(), "starting") {
		t.Fatalf("503: %v", err)
	}
	start := time.Now()
	if err := check(context.Background(), srv.URL+"/slow", restclient.Options{}, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("hung server: %v", err)
	}
	if took := time.Since(start); took > Timeout {
		t.Errorf("hung server held the check %v", took)
	}
}

func TestHealthcheckRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if err := Healthcheck(context.Background(), "http://"+addr+"/connectors", restclient.Options{}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("nothing listening: %v", err)
	}
	if err := Healthcheck(context.Background(), "://bad", restclient.Options{}); err == nil {
		t.Fatal("malformed URL accepted")
	}
}

func TestURL(t *testing.T) {
	cases := map[string][]string{
		"http://localhost:8083/connectors":        nil,
		"http://kafka-connect-01:8083/connectors": {"CONNECT_REST_ADVERTISED_HOST_NAME=kafka-connect-01"},
		"http://w1:18083/connectors":              {"CONNECT_REST_ADVERTISED_HOST_NAME=w1", "CONNECT_REST_PORT=18083", "PATH=/bin"},
		"http://[::1]:8083/connectors":            {"CONNECT_REST_ADVERTISED_HOST_NAME=::1", "CONNECT_REST_PORT="},
		"https://w1:8443/connectors":              {"CONNECT_REST_ADVERTISED_HOST_NAME=w1", "CONNECT_LISTENERS=https://0.0.0.0:8443"},
		"http://w1:8083/connectors":               {"CONNECT_REST_ADVERTISED_HOST_NAME=w1", "CONNECT_LISTENERS=https://:8443,http://:8083"},
		"https://localhost:8443/connectors":       {"CONNECT_LISTENERS=https://:8443,http://:8083", "CONNECT_REST_ADVERTISED_LISTENER=HTTPS"},
	}
	for want, env := range cases {
		if got := URL(env); got != want {
			t.Errorf("URL(%v) = %s, want %s", env, got, want)
		}
	}
}
