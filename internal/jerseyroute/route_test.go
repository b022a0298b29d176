package jerseyroute

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTrimSlashKeepsEscapedSlashes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /s/{name}", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(r.PathValue("name"))) })
	for path, want := range map[string]string{"/s/a/": "a", "/s/a%2F": "a/", "/s/a%2F/": "a/", "/s/a": "a"} {
		req := httptest.NewRequest("GET", path, nil)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, TrimSlash(req))
		if rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("%s: %d %q, want %q", path, rec.Code, rec.Body.String(), want)
		}
	}
	if got := TrimSlash(httptest.NewRequest("GET", "/", nil)).URL.Path; got != "/" {
		t.Errorf("root became %q", got)
	}
}

func TestAllowedAndOptions(t *testing.T) {
	mux := http.NewServeMux()
	noop := func(http.ResponseWriter, *http.Request) {}
	mux.HandleFunc("GET /c/{x}/config", noop)
	mux.HandleFunc("PUT /c/{x}/config", noop)
	mux.HandleFunc("PATCH /c/{x}/config", noop)
	mux.HandleFunc("/", noop)
	req := httptest.NewRequest("OPTIONS", "/c/x/config", nil)
	allowed := Allowed(mux, req, "/")
	if strings.Join(allowed, ",") != "HEAD,GET,OPTIONS,PUT,PATCH" {
		t.Fatalf("allowed %v", allowed)
	}
	if got := Allowed(mux, httptest.NewRequest("OPTIONS", "/nope", nil), "/"); got != nil {
		t.Errorf("unknown path allowed %v", got)
	}
	for accept, want := range map[string][2]string{
		"":                         {"text/plain", "HEAD, GET, OPTIONS, PUT, PATCH"},
		"*/*":                      {"text/plain", "HEAD, GET, OPTIONS, PUT, PATCH"},
		"application/json":         {"application/json", ""},
		"application/json, text/*": {"text/plain", "HEAD, GET, OPTIONS, PUT, PATCH"},
		"application/xml;q=0.9":    {"application/xml", ""},
	} {
		req := httptest.NewRequest("OPTIONS", "/c/x/config", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		WriteOptions(rec, req, allowed)
		if rec.Code != 200 || rec.Header().Get("Allow") != "HEAD,GET,OPTIONS,PUT,PATCH" || rec.Header().Get("Content-Type") != want[0] || rec.Body.String() != want[1] {
			t.Errorf("Accept %q: %d %v %q", accept, rec.Code, rec.Header(), rec.Body.String())
		}
	}
}
