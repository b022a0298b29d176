package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnknownConnector checks Connect's exact 404 texts per endpoint.
func TestUnknownConnector(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ method, path, msg string }{
		{http.MethodGet, "/connectors/nope", "Connector nope not found"},
		{http.MethodGet, "/connectors/nope/config", "Connector nope not found"},
		{http.MethodPatch, "/connectors/nope/config", "Connector nope not found"},
		{http.MethodGet, "/connectors/nope/tasks", "Connector nope not found"},
		{http.MethodDelete, "/connectors/nope", "Connector nope not found"},
		{http.MethodGet, "/connectors/nope/status", "No status found for connector nope"},
		{http.MethodGet, "/connectors/nope/tasks/0/status", "No status found for task nope-0"},
		{http.MethodPut, "/connectors/nope/pause", "Unknown connector nope"},
		{http.MethodPut, "/connectors/nope/resume", "Unknown connector nope"},
		{http.MethodPut, "/connectors/nope/stop", "Unknown connector nope"},
		{http.MethodPost, "/connectors/nope/restart", "Unknown connector: nope"},
		{http.MethodPost, "/connectors/nope/restart?includeTasks=true", "Unknown connector: nope"},
		{http.MethodPost, "/connectors/nope/tasks/0/restart", "Unknown connector: nope"},
		{http.MethodGet, "/connectors/nope/offsets", "Connector nope not found"},
		{http.MethodDelete, "/connectors/nope/offsets", "Connector nope not found"},
	} {
		var body any
		if c.method == http.MethodPatch {
			body = `{"a":"b"}`
		}
		e.expect(c.method, c.path, body, http.StatusNotFound, `{"error_code":404,"message":"`+c.msg+`"}`)
	}
	e.expect(http.MethodPatch, "/connectors/nope/offsets", `{"offsets":[{"partition":{"a":"b"},"offset":null}]}`,
		http.StatusNotFound, `{"error_code":404,"message":"Connector nope not found"}`)
	// Like Connect, topics answer for any name.
	e.expect(http.MethodGet, "/connectors/nope/topics", nil, http.StatusOK, `{"nope":{"topics":[]}}`)
}

func TestRoutingAndBodyErrors(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodDelete, "/connectors", nil, http.StatusMethodNotAllowed, `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`)
	e.expect(http.MethodPost, "/connectors/x/pause", nil, http.StatusMethodNotAllowed, `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`)
	e.expect(http.MethodPost, "/", nil, http.StatusMethodNotAllowed, `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`)
	e.expect(http.MethodGet, "/no/such/route", nil, http.StatusNotFound, `{"error_code":404,"message":"HTTP 404 Not Found"}`)
	e.expect(http.MethodGet, "/connectors/x/tasks/abc/status", nil, http.StatusNotFound, `{"error_code":404,"message":"HTTP 404 Not Found"}`)

	req, _ := http.NewRequest(http.MethodPost, e.url+"/connectors", strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("form body: %d", resp.StatusCode)
	}
	// Connect answers Jackson's parse errors with 500.
	r := e.expect(http.MethodPost, "/connectors", `{"name":`, http.StatusInternalServerError, "")
	if !strings.HasPrefix(r.body, `{"error_code":500,"message":"Cannot deserialize`) {
		t.Fatalf("malformed JSON body: %s", r.body)
	}
	e.expect(http.MethodPut, "/connectors/x/config", `{"nested":{"a":1}}`, http.StatusInternalServerError, "")
}

func TestInvalidConfigs(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodPost, "/connectors", `{"name":"a","config":{"connector.class":"FileStreamSource","tasks.max":"two"}}`, http.StatusBadRequest,
		"{\"error_code\":400,\"message\":\"Connector configuration is invalid and contains the following 2 error(s):\\n"+
			"Invalid value two for configuration tasks.max: Not a number of type INT\\n"+
			"Missing required configuration \\\"topic\\\" which has no default value.\\n"+
			"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`\"}")
	e.expect(http.MethodPost, "/connectors", `{"name":"a","config":{"topic":"t"}}`, http.StatusBadRequest,
		`{"error_code":400,"message":"Connector config {name=a, topic=t} contains no connector type"}`)
	// Connect 4.1's CachedConnectors: the loader's message the first time
	// a class is refused, a ConnectException wrapping it afterwards.
	var r response
	for _, prefix := range []string{"", "org.apache.kafka.connect.errors.ConnectException: "} {
		r = e.expect(http.MethodPost, "/connectors", `{"name":"a","config":{"connector.class":"com.example.Nope"}}`, http.StatusBadRequest, "")
		if !strings.Contains(r.body, `"message":"`+prefix+`Failed to find any class that implements Connector and which name matches com.example.Nope, available connectors are: PluginDesc{klass=class `) {
			t.Fatalf("unknown class, want the message prefixed %q: %s", prefix, r.body)
		}
	}
	e.expect(http.MethodPost, "/connectors", `{"name":"a","config":{"name":"b","connector.class":"FileStreamSource","topic":"t"}}`, http.StatusBadRequest,
		`{"error_code":400,"message":"Connector name configuration (b) doesn't match connector name in the URL (a)"}`)
	e.expect(http.MethodPut, "/connectors/a/config", `{"name":"b","connector.class":"FileStreamSource","topic":"t"}`, http.StatusBadRequest,
		`{"error_code":400,"message":"Connector name configuration (b) doesn't match connector name in the URL (a)"}`)
	r = e.expect(http.MethodPut, "/connectors/a/config", `{"connector.class":"FileStreamSink","file":"/tmp/x"}`, http.StatusBadRequest, "")
	if !strings.Contains(r.body, "topics") {
		t.Fatalf("sink without topics: %s", r.body)
	}
	// Numbers and booleans are coerced to strings, as Jackson does.
	e.expect(http.MethodPost, "/connectors", `{"name":"n","config":{"connector.class":"FileStreamSource","topic":"t","tasks.max":1,"errors.log.enable":true}}`,
		http.StatusCreated, `{"name":"n","config":{"connector.class":"FileStreamSource","topic":"t","tasks.max":"1","errors.log.enable":"true","name":"n"},"tasks":[{"connector":"n","task":0}],"type":"source"}`)
	e.expect(http.MethodGet, "/connectors", nil, http.StatusOK, `["n"]`)
}

func TestRootAndHealth(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodGet, "/health", nil, http.StatusServiceUnavailable, `{"status":"starting","message":"Worker is still starting up."}`)
	e.server.SetReady()
	e.expect(http.MethodGet, "/health", nil, http.StatusOK, `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`)
	e.expect(http.MethodGet, "/", nil, http.StatusOK, `{"version":"4.1.0","commit":"test","kafka_cluster_id":"goconnect-embedded"}`)
}

func TestTopicTrackingDisabled(t *testing.T) {
	e := newEnv(t, map[string]string{"topic.tracking.enable": "false"})
	e.expect(http.MethodGet, "/connectors/x/topics", nil, http.StatusForbidden, `{"error_code":403,"message":"Topic tracking is disabled."}`)
	e.expect(http.MethodPut, "/connectors/x/topics/reset", nil, http.StatusForbidden, `{"error_code":403,"message":"Topic tracking is disabled."}`)
	e = newEnv(t, map[string]string{"topic.tracking.allow.reset": "false"})
	e.expect(http.MethodGet, "/connectors/x/topics", nil, http.StatusOK, `{"x":{"topics":[]}}`)
	e.expect(http.MethodPut, "/connectors/x/topics/reset", nil, http.StatusForbidden, `{"error_code":403,"message":"Topic tracking reset is disabled."}`)
}
