package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/goconnect/goconnect/runtime/console"
	"github.com/goconnect/goconnect/runtime/rest"
)

type userAuth struct{}

func (userAuth) Authenticate(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && u == "u" && p == "p"
}
func (userAuth) Unauthorized(w http.ResponseWriter) { w.WriteHeader(http.StatusUnauthorized) }

// The console is served behind the REST API's authentication, and its lag
// endpoint reaches Kafka through the herder's admin client.
func TestConsoleBehindAuthWithSinkLag(t *testing.T) {
	e := newEnvLog(t, nil, nil, testSinkDesc())
	if r := e.do("POST", "/connectors", map[string]any{"name": "snk", "config": map[string]string{
		"connector.class": "test.TestSinkConnector", "topics": "console-in", "file": e.dir + "/out"}}); r.code != 201 {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	srv := rest.New(rest.Config{Herder: e.herder, Auth: userAuth{}})
	call := func(path string, auth bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if auth {
			r.SetBasicAuth("u", "p")
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
	for _, p := range []string{"/ui/", "/ui/app.js", "/ui/api/metrics", "/ui"} {
		if w := call(p, false); w.Code != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d", p, w.Code)
		}
	}
	if w := call("/ui", true); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/ui/" {
		t.Errorf("GET /ui: %d %v", w.Code, w.Header())
	}
	if w := call("/ui/", true); w.Code != 200 {
		t.Errorf("GET /ui/: %d", w.Code)
	}
	w := call("/ui/api/connectors/snk/lag", true)
	var lag console.Lag
	if err := json.Unmarshal(w.Body.Bytes(), &lag); err != nil || w.Code != 200 || lag.Group != "connect-snk" {
		t.Fatalf("lag: %d %s %v", w.Code, w.Body, err)
	}
}
