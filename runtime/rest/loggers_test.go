package rest_test

import (
	"net/http"
	"regexp"
	"testing"
)

func TestLoggers(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodGet, "/admin/loggers", nil, http.StatusOK, `{"root":{"level":"INFO","last_modified":null}}`)
	e.expect(http.MethodGet, "/admin/loggers/root", nil, http.StatusOK, `{"level":"INFO","last_modified":null}`)
	e.expect(http.MethodGet, "/admin/loggers/org.example", nil, http.StatusNotFound, `{"error_code":404,"message":"Logger org.example not found."}`)
	e.expect(http.MethodPut, "/admin/loggers/org.example.a", `{"level":"debug"}`, http.StatusOK, `["org.example.a"]`)
	e.expect(http.MethodPut, "/admin/loggers/org.example", `{"level":"WARN"}`, http.StatusOK, `["org.example","org.example.a"]`)
	e.expect(http.MethodPut, "/admin/loggers/org.example", `{"level":"LOUD"}`, http.StatusNotFound, `{"error_code":404,"message":"invalid log level 'LOUD'."}`)
	e.expect(http.MethodPut, "/admin/loggers/org.example", `{}`, http.StatusBadRequest,
		`{"error_code":400,"message":"Desired 'level' parameter was not specified in request."}`)
	e.expect(http.MethodPut, "/admin/loggers/org.example?scope=cluster", `{"level":"ERROR"}`, http.StatusNoContent, "")
	r := e.expect(http.MethodGet, "/admin/loggers/org.example.a", nil, http.StatusOK, "")
	if !regexp.MustCompile(`^\{"level":"ERROR","last_modified":\d{13}\}$`).MatchString(r.body) {
		t.Fatalf("logger body %s", r.body)
	}
	e.expect(http.MethodPut, "/admin/loggers/root", `{"level":"TRACE"}`, http.StatusOK, `["org.example","org.example.a","root"]`)
}
