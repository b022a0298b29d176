package rest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/rest"
)

// forwardErr asks the server to replay a request on url.
type forwardErr struct{ url string }

func (e *forwardErr) Error() string      { return "forward to " + e.url }
func (e *forwardErr) ForwardURL() string { return e.url }

// follower is a herder that is not the leader: every create is forwarded.
// Other methods are not called by these tests (the embedded nil interface
// would panic, failing the test).
type follower struct {
	rest.Herder
	leader string
}

func (f *follower) Metrics() *metrics.Registry { return nil }

func (f *follower) Create(context.Context, string, map[string]string, string) error {
	return &forwardErr{url: f.leader}
}

func post(t *testing.T, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A write on a worker that is not the leader is replayed on the leader,
// body and all, and the leader's answer comes back unchanged.
func TestWritesAreForwardedToTheLeader(t *testing.T) {
	var got string
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.Method + " " + r.URL.Path + " " + string(b) + " hop=" + r.Header.Get("X-Goconnect-Forwarded")
		w.Header().Set("Location", "http://leader/connectors/c")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"name":"c"}`)
	}))
	defer leader.Close()
	srv := httptest.NewServer(rest.New(rest.Config{Herder: &follower{leader: leader.URL}}))
	defer srv.Close()
	body := `{"name":"c","config":{"connector.class":"X"}}`
	code, resp := post(t, srv.URL+"/connectors", body, nil)
	if code != http.StatusCreated || resp != `{"name":"c"}` {
		t.Fatalf("forwarded create answered %d %s", code, resp)
	}
	if want := "POST /connectors " + body + " hop=1"; got != want {
		t.Fatalf("leader got %q, want %q", got, want)
	}
}

// With no leader known, or after two hops, Connect answers 409.
func TestForwardingConflicts(t *testing.T) {
	srv := httptest.NewServer(rest.New(rest.Config{Herder: &follower{leader: ""}}))
	defer srv.Close()
	code, resp := post(t, srv.URL+"/connectors", `{"name":"c","config":{}}`, nil)
	if code != http.StatusConflict || !strings.Contains(resp, `"error_code":409`) || !strings.Contains(resp, "no known leader URL") {
		t.Fatalf("no leader: %d %s", code, resp)
	}
	loop := httptest.NewServer(rest.New(rest.Config{Herder: &follower{leader: "http://127.0.0.1:1"}}))
	defer loop.Close()
	code, resp = post(t, loop.URL+"/connectors", `{"name":"c","config":{}}`, map[string]string{"X-Goconnect-Forwarded": "2"})
	if code != http.StatusConflict || !strings.Contains(resp, "conflicting operation") {
		t.Fatalf("third hop: %d %s", code, resp)
	}
}
