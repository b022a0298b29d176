package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// Trailing "/", OPTIONS and 405 as Connect 4.1.1 answers them (checked
// with curl against the Java worker: Jersey's generated OPTIONS resource
// lists the methods in its HashSet order, text/plain for a client that
// accepts anything, an empty body of the asked type otherwise; its 405
// carries no Allow header, the exception mapper rebuilds the response).
func TestTrailingSlashOptionsAnd405(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodGet, "/connectors/", nil, http.StatusOK, `[]`)
	e.expect(http.MethodGet, "/connectors/x/", nil, http.StatusNotFound, `{"error_code":404,"message":"Connector x not found"}`)
	e.expect(http.MethodGet, "/connectors/x/config/", nil, http.StatusNotFound, `{"error_code":404,"message":"Connector x not found"}`)
	if r := e.do(http.MethodGet, "/connector-plugins/", nil); r.code != http.StatusOK || !strings.HasPrefix(r.body, "[{") {
		t.Fatalf("GET /connector-plugins/ = %d %s", r.code, r.body)
	}
	if r := e.do(http.MethodGet, "/", nil); r.code != http.StatusOK || !strings.Contains(r.body, `"version"`) {
		t.Fatalf("GET / = %d %s", r.code, r.body)
	}

	for _, c := range []struct{ path, allow string }{
		{"/connectors", "HEAD,POST,GET,OPTIONS"},
		{"/connectors/", "HEAD,POST,GET,OPTIONS"},
		{"/connectors/x", "HEAD,DELETE,GET,OPTIONS"},
		{"/connectors/x/", "HEAD,DELETE,GET,OPTIONS"},
		{"/connectors/x/config", "HEAD,GET,OPTIONS,PUT,PATCH"},
		{"/connectors/x/offsets", "HEAD,DELETE,GET,OPTIONS,PATCH"},
		{"/connectors/x/tasks/0/restart", "POST,OPTIONS"},
		{"/connector-plugins", "HEAD,GET,OPTIONS"},
		{"/connector-plugins/x/config/validate", "OPTIONS,PUT"},
		{"/", "HEAD,GET,OPTIONS"},
		{"/connectors/x/status", "HEAD,GET,OPTIONS"},
		{"/connectors/x/tasks", "HEAD,POST,GET,OPTIONS"},
		{"/connectors/x/pause", "OPTIONS,PUT"},
		{"/connectors/x/topics/reset", "OPTIONS,PUT"},
		{"/connector-plugins/x/config", "HEAD,GET,OPTIONS"},
		{"/health", "HEAD,GET,OPTIONS"},
		{"/admin/loggers/x", "HEAD,GET,OPTIONS,PUT"},
	} {
		r := e.do(http.MethodOptions, c.path, nil)
		want := strings.ReplaceAll(c.allow, ",", ", ")
		if r.code != http.StatusOK || r.header.Get("Allow") != c.allow || r.body != want || r.header.Get("Content-Type") != "text/plain" {
			t.Errorf("OPTIONS %s = %d Allow %q %q (%s), want 200 Allow %q %q text/plain", c.path, r.code, r.header.Get("Allow"), r.body, r.header.Get("Content-Type"), c.allow, want)
		}
	}
	e.expect(http.MethodOptions, "/nope", nil, http.StatusNotFound, `{"error_code":404,"message":"HTTP 404 Not Found"}`)

	req, _ := http.NewRequest(http.MethodOptions, e.url+"/connectors", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Allow") != "HEAD,POST,GET,OPTIONS" || resp.Header.Get("Content-Type") != "application/json" || resp.ContentLength != 0 {
		t.Errorf("OPTIONS Accept json = %d %v length %d", resp.StatusCode, resp.Header, resp.ContentLength)
	}

	for _, c := range []struct{ method, path string }{{http.MethodDelete, "/connectors"}, {http.MethodPatch, "/connectors/x/"}, {http.MethodPatch, "/"}} {
		r := e.expect(c.method, c.path, nil, http.StatusMethodNotAllowed, `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`)
		if a := r.header.Get("Allow"); a != "" {
			t.Errorf("%s %s: Allow %q, Connect sends none", c.method, c.path, a)
		}
	}
}
