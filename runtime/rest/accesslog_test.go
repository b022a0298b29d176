package rest_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/goconnect/goconnect/runtime/rest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAccessLog checks one line per request in Connect's request-log
// format, and that the logger levels (at start, and through /admin/loggers)
// turn it off and on again.
func TestAccessLog(t *testing.T) {
	e := newEnv(t, nil)
	var out syncBuffer
	loggers := rest.NewLoggers(nil)
	if err := loggers.Configure("org.reflections=ERROR"); err != nil {
		t.Fatal(err)
	}
	srv := rest.New(rest.Config{Herder: e.herder, Loggers: loggers, Log: slog.New(slog.NewJSONHandler(&out, nil))})
	base := "http://" + serveReal(t, srv)
	call := func(method, path, agent string) int {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(`{"level":"WARN"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("User-Agent", agent)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	lines := func() []map[string]any {
		t.Helper()
		var got []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var m map[string]any
			if l == "" {
				continue
			}
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("log line %q: %v", l, err)
			}
			if m["logger"] == rest.AccessLogger {
				got = append(got, m)
			}
		}
		return got
	}

	call(http.MethodGet, "/connectors?expand=status", "probe/1")
	call(http.MethodGet, "/connectors/nope", "")
	waitFor(t, "two request log lines", func() bool { return len(lines()) == 2 })
	l := lines()
	ok := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET /connectors\?expand=status HTTP/1\.1" 200 2 "" "probe/1" \d+$`)
	if msg, _ := l[0]["msg"].(string); !ok.MatchString(msg) {
		t.Errorf("request line %q is not Connect's format", msg)
	}
	notFound := regexp.MustCompile(`"GET /connectors/nope HTTP/1\.1" 404 \d+ "" "" \d+$`)
	if msg, _ := l[1]["msg"].(string); !notFound.MatchString(msg) {
		t.Errorf("404 line %q", msg)
	}

	// Setting an ancestor namespace to WARN turns the log off from the
	// next request on, as log4j does for Connect.
	if c := call(http.MethodPut, "/admin/loggers/org.apache.kafka.connect.runtime.rest", "x"); c != http.StatusOK {
		t.Fatalf("PUT /admin/loggers: %d", c)
	}
	n := len(lines())
	call(http.MethodGet, "/connectors", "after")
	call(http.MethodGet, "/", "after")
	if got := lines(); len(got) != n {
		t.Errorf("request log still written at WARN: %v", got[n:])
	}
	if err := rest.NewLoggers(nil).Configure("org.apache.kafka=LOUD"); err == nil || !strings.Contains(err.Error(), "org.apache.kafka=LOUD") {
		t.Errorf("a bad level must be refused naming the entry, got %v", err)
	}
}
