package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
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

// rest.console.enable=false: every console path is an unknown path, with
// the REST API's 404 body, and the REST API itself is unchanged.
func TestConsoleOff(t *testing.T) {
	e := newEnvLog(t, nil, nil, testSinkDesc())
	srv := rest.New(rest.Config{Herder: e.herder, NoConsole: true})
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	unknown := get("/no-such-path")
	if unknown.Code != http.StatusNotFound {
		t.Fatalf("unknown path: %d", unknown.Code)
	}
	for _, p := range []string{"/ui", "/ui/", "/ui/app.js", "/ui/api/metrics", "/ui/api/connectors/x/lag"} {
		w := get(p)
		var body struct {
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		}
		if w.Code != http.StatusNotFound || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.ErrorCode != 404 || body.Message != "HTTP 404 Not Found" {
			t.Errorf("GET %s with the console off: %d %s", p, w.Code, w.Body)
		}
	}
	if w := get("/connectors"); w.Code != http.StatusOK {
		t.Errorf("GET /connectors with the console off: %d", w.Code)
	}
	// And on (the default), the same server serves it, on the main
	// listeners only: separate admin listeners (admin.listeners) do not.
	on := rest.New(rest.Config{Herder: e.herder, Admin: rest.AdminSeparate})
	w := httptest.NewRecorder()
	on.ServeHTTP(w, httptest.NewRequest("GET", "/ui/", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("console on: %d", w.Code)
	}
	w = httptest.NewRecorder()
	on.AdminHandler().ServeHTTP(w, httptest.NewRequest("GET", "/ui/", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("console on the admin listeners: %d", w.Code)
	}
}

// The console's overview carries the REST API's own expanded connectors
// list, so a page needs one request per refresh.
func TestConsoleOverviewIsTheExpandedList(t *testing.T) {
	e := newEnvLog(t, nil, nil, testSinkDesc())
	if r := e.do("POST", "/connectors", map[string]any{"name": "snk", "config": map[string]string{
		"connector.class": "test.TestSinkConnector", "topics": "console-in", "file": e.dir + "/out"}}); r.code != 201 {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	srv := rest.New(rest.Config{Herder: e.herder})
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	list := get("/connectors?expand=status&expand=info")
	w := get("/ui/api/overview")
	var ov console.Overview
	if err := json.Unmarshal(w.Body.Bytes(), &ov); err != nil || w.Code != 200 {
		t.Fatalf("overview: %d %s %v", w.Code, w.Body, err)
	}
	if got, want := string(ov.Connectors), strings.TrimSpace(list.Body.String()); got != want {
		t.Fatalf("overview's connectors\n%s\nGET /connectors?expand=status&expand=info\n%s", got, want)
	}
}
