package rest_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func running(body string) bool {
	return strings.Contains(body, `"connector":{"state":"RUNNING"`) && strings.Contains(body, `"tasks":[{"id":0,"state":"RUNNING"`)
}

// TestConnectorLifecycle drives one FileStream source through every
// connector endpoint, checking status codes and exact bodies.
func TestConnectorLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	in := filepath.Join(e.dir, "in.txt")
	writeLines(t, in, 0, 3)
	// The test env keeps configs as standalone Connect does (its memory
	// store): reads come in the request's order with the name added last.
	cfg := fmt.Sprintf(`{"connector.class":"FileStreamSource","file":%q,"topic":"lines","name":"src"}`, in)
	info := fmt.Sprintf(`{"name":"src","config":%s,"tasks":[{"connector":"src","task":0}],"type":"source"}`, cfg)

	// A write is answered in the request's key order with the name
	// added last.
	created := info
	r := e.expect(http.MethodPost, "/connectors", fmt.Sprintf(`{"name":" src ","config":{"connector.class":"FileStreamSource","file":%q,"topic":"lines"}}`, in),
		http.StatusCreated, created)
	if loc := r.header.Get("Location"); loc != e.url+"/connectors/src" {
		t.Fatalf("Location = %q", loc)
	}
	e.expect(http.MethodPost, "/connectors", fmt.Sprintf(`{"name":"src","config":%s}`, cfg),
		http.StatusConflict, `{"error_code":409,"message":"Connector src already exists"}`)

	e.expect(http.MethodGet, "/connectors", nil, http.StatusOK, `["src"]`)
	e.expect(http.MethodGet, "/connectors/src", nil, http.StatusOK, info)
	e.expect(http.MethodGet, "/connectors/src/config", nil, http.StatusOK, cfg)
	status := `{"name":"src","connector":{"state":"RUNNING","worker_id":"connect:8083","version":"4.1.0-goconnect"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"connect:8083","version":"4.1.0-goconnect"}],"type":"source"}`
	e.eventually("/connectors/src/status", "RUNNING", func(b string) bool { return b == status })
	e.expect(http.MethodGet, "/connectors?expand=status&expand=info", nil, http.StatusOK,
		fmt.Sprintf(`{"src":{"status":%s,"info":%s}}`, status, info))
	e.expect(http.MethodGet, "/connectors?expand=info", nil, http.StatusOK, fmt.Sprintf(`{"src":{"info":%s}}`, info))
	// Task configs carry task.class, as Connect's Worker adds it.
	e.expect(http.MethodGet, "/connectors/src/tasks", nil, http.StatusOK, fmt.Sprintf(`[{"id":{"connector":"src","task":0},"config":`+
		`{"connector.class":"FileStreamSource","file":%q,"task.class":"org.apache.kafka.connect.file.FileStreamSourceTask","name":"src","topic":"lines"}}]`, in))
	// Gone in Connect 4.0 (KIP-970).
	e.expect(http.MethodGet, "/connectors/src/tasks-config", nil, http.StatusNotFound, `{"error_code":404,"message":"HTTP 404 Not Found"}`)
	e.expect(http.MethodGet, "/connectors/src/tasks/0/status", nil, http.StatusOK, `{"id":0,"state":"RUNNING","worker_id":"connect:8083","version":"4.1.0-goconnect"}`)
	e.expect(http.MethodGet, "/connectors/src/tasks/7/status", nil, http.StatusNotFound, `{"error_code":404,"message":"No status found for task src-7"}`)

	// Topic tracking (KIP-558).
	e.eventually("/connectors/src/topics", "topic recorded", func(b string) bool { return b == `{"src":{"topics":["lines"]}}` })
	e.expect(http.MethodPut, "/connectors/src/topics/reset", nil, http.StatusAccepted, "")
	e.expect(http.MethodGet, "/connectors/src/topics", nil, http.StatusOK, `{"src":{"topics":[]}}`)
	writeLines(t, in, 3, 4)
	e.eventually("/connectors/src/topics", "topic recorded again", func(b string) bool { return b == `{"src":{"topics":["lines"]}}` })

	// Pause, resume, stop, resume from STOPPED.
	e.expect(http.MethodPut, "/connectors/src/pause", nil, http.StatusAccepted, "")
	e.eventually("/connectors/src/status", "PAUSED", func(b string) bool {
		return strings.Contains(b, `"connector":{"state":"PAUSED"`) && strings.Contains(b, `"tasks":[{"id":0,"state":"PAUSED"`)
	})
	e.expect(http.MethodPut, "/connectors/src/pause", nil, http.StatusAccepted, "")
	e.expect(http.MethodPut, "/connectors/src/resume", nil, http.StatusAccepted, "")
	e.eventually("/connectors/src/status", "RUNNING after resume", running)
	e.expect(http.MethodPut, "/connectors/src/stop", nil, http.StatusNoContent, "")
	e.expect(http.MethodGet, "/connectors/src/status", nil, http.StatusOK,
		`{"name":"src","connector":{"state":"STOPPED","worker_id":"connect:8083","version":"4.1.0-goconnect"},"tasks":[],"type":"source"}`)
	e.expect(http.MethodGet, "/connectors/src/tasks", nil, http.StatusOK, `[]`)
	e.expect(http.MethodGet, "/connectors/src", nil, http.StatusOK, fmt.Sprintf(`{"name":"src","config":%s,"tasks":[],"type":"source"}`, cfg))
	e.expect(http.MethodPut, "/connectors/src/stop", nil, http.StatusNoContent, "")
	e.expect(http.MethodPut, "/connectors/src/resume", nil, http.StatusAccepted, "")
	e.eventually("/connectors/src/status", "RUNNING after stop", running)

	// Restarts (KIP-745).
	e.expect(http.MethodPost, "/connectors/src/restart", nil, http.StatusNoContent, "")
	e.eventually("/connectors/src/status", "RUNNING after restart", running)
	e.expect(http.MethodPost, "/connectors/src/restart?onlyFailed=true", nil, http.StatusAccepted, status)
	e.expect(http.MethodPost, "/connectors/src/restart?includeTasks=true&onlyFailed=true", nil, http.StatusAccepted, status)
	e.expect(http.MethodPost, "/connectors/src/restart?includeTasks=true", nil, http.StatusAccepted,
		`{"name":"src","connector":{"state":"RESTARTING","worker_id":"connect:8083","version":"4.1.0-goconnect"},"tasks":[{"id":0,"state":"RESTARTING","worker_id":"connect:8083","version":"4.1.0-goconnect"}],"type":"source"}`)
	e.eventually("/connectors/src/status", "RUNNING after restart with tasks", running)
	e.expect(http.MethodPost, "/connectors/src/tasks/0/restart", nil, http.StatusNoContent, "")
	e.eventually("/connectors/src/status", "RUNNING after task restart", running)
	e.expect(http.MethodPost, "/connectors/src/tasks/5/restart", nil, http.StatusNotFound, `{"error_code":404,"message":"Unknown task: src-5"}`)

	// Every line is in the topic at least once.
	recs := countRecords(t, e.broker, "lines", 4)
	if got := string(recs[0].Value); got != `"line-0"` {
		t.Fatalf("first record %s", got)
	}

	// Config updates: PUT on an existing connector is 200, PATCH merges.
	cfg2 := fmt.Sprintf(`{"batch.size":"10","connector.class":"FileStreamSource","file":%q,"name":"src","topic":"lines"}`, in)
	e.expect(http.MethodPut, "/connectors/src/config", cfg2, http.StatusOK,
		fmt.Sprintf(`{"name":"src","config":%s,"tasks":[{"connector":"src","task":0}],"type":"source"}`, cfg2))
	e.eventually("/connectors/src/status", "RUNNING after update", running)
	e.expect(http.MethodPatch, "/connectors/src/config", `{"batch.size":null,"tasks.max":2}`, http.StatusOK,
		fmt.Sprintf(`{"name":"src","config":{"connector.class":"FileStreamSource","name":"src","topic":"lines","file":%q,"tasks.max":"2"},"tasks":[{"connector":"src","task":0}],"type":"source"}`, in))
	e.expect(http.MethodPatch, "/connectors/src/config", `{"tasks.max":"zero"}`, http.StatusBadRequest,
		"{\"error_code\":400,\"message\":\"Connector configuration is invalid and contains the following 1 error(s):\\nInvalid value zero for configuration tasks.max: Not a number of type INT\\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`\"}")

	// PUT creates a new connector: 201 with Location.
	r = e.expect(http.MethodPut, "/connectors/src2/config", fmt.Sprintf(`{"connector.class":"FileStreamSource","file":%q,"topic":"lines2"}`, in), http.StatusCreated, "")
	if loc := r.header.Get("Location"); loc != e.url+"/connectors/src2" {
		t.Fatalf("Location = %q", loc)
	}
	e.expect(http.MethodGet, "/connectors", nil, http.StatusOK, `["src","src2"]`)

	e.expect(http.MethodDelete, "/connectors/src", nil, http.StatusNoContent, "")
	e.expect(http.MethodGet, "/connectors/src", nil, http.StatusNotFound, `{"error_code":404,"message":"Connector src not found"}`)
	e.expect(http.MethodGet, "/connectors", nil, http.StatusOK, `["src2"]`)
}

// TestInitialStateAndFailedRestart covers initial_state and restarting
// only failed instances.
func TestInitialStateAndFailedRestart(t *testing.T) {
	e := newEnv(t, nil)
	in := filepath.Join(e.dir, "in.txt")
	writeLines(t, in, 0, 1)
	e.expect(http.MethodPost, "/connectors", fmt.Sprintf(`{"name":"s","config":{"connector.class":"FileStreamSource","file":%q,"topic":"t"},"initial_state":"stopped"}`, in),
		http.StatusCreated, fmt.Sprintf(`{"name":"s","config":{"connector.class":"FileStreamSource","file":%q,"topic":"t","name":"s"},"tasks":[],"type":"source"}`, in))
	e.expect(http.MethodGet, "/connectors/s/status", nil, http.StatusOK,
		`{"name":"s","connector":{"state":"STOPPED","worker_id":"connect:8083","version":"4.1.0-goconnect"},"tasks":[],"type":"source"}`)
	e.expect(http.MethodPut, "/connectors/s/pause", nil, http.StatusAccepted, "")
	e.eventually("/connectors/s/status", "PAUSED from STOPPED", func(b string) bool {
		return strings.Contains(b, `"connector":{"state":"PAUSED"`) && strings.Contains(b, `"tasks":[{"id":0,"state":"PAUSED"`)
	})

	// A sink whose directory does not exist fails its task; onlyFailed restarts only it.
	produce(t, e.broker, "in", "a")
	e.expect(http.MethodPost, "/connectors", `{"name":"bad","config":{"connector.class":"FileStreamSink","topics":"in","file":"/nonexistent/dir/out.txt"}}`, http.StatusCreated, "")
	e.eventually("/connectors/bad/status", "FAILED task", func(b string) bool { return strings.Contains(b, `"state":"FAILED"`) })
	r := e.expect(http.MethodPost, "/connectors/bad/restart?includeTasks=true&onlyFailed=true", nil, http.StatusAccepted, "")
	if !strings.HasPrefix(r.body, `{"name":"bad","connector":{"state":"RUNNING","worker_id":"connect:8083","version":"4.1.0-goconnect"},"tasks":[{"id":0,"state":"RESTARTING","worker_id":"connect:8083","version":"4.1.0-goconnect","trace":"org.apache.kafka.connect.errors.ConnectException: `) {
		t.Fatalf("restart body %s", r.body)
	}
	e.eventually("/connectors/bad/status", "FAILED again", func(b string) bool { return strings.Contains(b, `"state":"FAILED"`) })
}

// TestConcurrentRequests hammers one connector from several goroutines;
// run with -race.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t, nil)
	in := filepath.Join(e.dir, "in.txt")
	writeLines(t, in, 0, 10)
	e.expect(http.MethodPost, "/connectors", fmt.Sprintf(`{"name":"c","config":{"connector.class":"FileStreamSource","file":%q,"topic":"c"}}`, in), http.StatusCreated, "")
	paths := []struct{ method, path string }{
		{http.MethodGet, "/connectors?expand=status&expand=info"}, {http.MethodGet, "/connectors/c/status"},
		{http.MethodPut, "/connectors/c/pause"}, {http.MethodPut, "/connectors/c/resume"},
		{http.MethodPost, "/connectors/c/restart?includeTasks=true"}, {http.MethodGet, "/connectors/c/tasks"},
		{http.MethodGet, "/connectors/c/topics"}, {http.MethodGet, "/connectors/c/offsets"},
		{http.MethodPut, "/connectors/c/stop"}, {http.MethodPut, "/connectors/c/resume"},
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 10; i++ {
				p := paths[(g+i)%len(paths)]
				if r := e.do(p.method, p.path, nil); r.code >= 500 {
					t.Errorf("%s %s = %d %s", p.method, p.path, r.code, r.body)
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	e.expect(http.MethodPut, "/connectors/c/resume", nil, http.StatusAccepted, "")
	e.eventually("/connectors/c/status", "RUNNING at the end", running)
}
