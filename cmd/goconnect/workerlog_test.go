package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a bytes.Buffer the worker's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// jsonLines decodes every line of out, failing on any that is not a JSON
// object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("a line of --log-json output is not JSON: %q\nall output:\n%s", l, out)
		}
		lines = append(lines, m)
	}
	return lines
}

// With --log-json the error that ends a worker command is a JSON line
// too, for both modes.
func TestLogJSONFatalError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-worker.properties")
	for _, mode := range []string{"standalone", "distributed"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{mode, "--log-json", missing}, &out, &errb); code != 1 {
			t.Fatalf("%s with a missing worker file: exit %d", mode, code)
		}
		lines := jsonLines(t, errb.String())
		last := lines[len(lines)-1]
		if last["level"] != "ERROR" || !strings.Contains(fmt.Sprint(last["error"]), "no-such-worker.properties") {
			t.Errorf("%s: last line %v, want the error at ERROR", mode, last)
		}
		// Text mode keeps the command-line form.
		errb.Reset()
		if code := run(context.Background(), []string{mode, missing}, &out, &errb); code != 1 || !strings.HasPrefix(errb.String(), "goconnect: reading worker config") {
			t.Errorf("%s in text mode: exit %d, %q", mode, code, errb.String())
		}
	}
}

// Lines written through slog's and the log package's defaults while a
// worker runs (go-mysql's package mysql warns through slog.Warn) come out
// as the worker's JSON lines, and the defaults are put back at the end.
func TestLogJSONRoutesGlobalLoggers(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close()
	worker := filepath.Join(dir, "worker.properties")
	must(t, os.WriteFile(worker, []byte(fmt.Sprintf("key.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"value.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"offset.storage.file.filename=%s\nlisteners=%s\n", filepath.Join(dir, "offsets"), base)), 0o644))
	prevSlog, prevLog := slog.Default(), log.Writer()
	var stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runStandalone(ctx, []string{"--log-json", "--embedded-kafka-port", "0", "--embedded-schema-registry", "", worker}, io.Discard, &stderr)
	}()
	waitFor(t, "the worker's REST API", func() bool { return httpCode(http.MethodGet, base+"/connectors") == http.StatusOK })
	slog.Warn("out of order binlog", "new", "0-1-7", "current", "0-1-9")
	log.Printf("go-mysql: failed to send LOCAL INFILE terminator after read error: %v", io.ErrUnexpectedEOF)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("standalone: %v", err)
	}
	found := map[string]bool{}
	for _, l := range jsonLines(t, stderr.String()) {
		msg, _ := l["msg"].(string)
		switch {
		case msg == "out of order binlog" && l["level"] == "WARN" && l["new"] == "0-1-7":
			found["slog"] = true
		case strings.HasPrefix(msg, "go-mysql: failed to send LOCAL INFILE terminator") && l["level"] == "INFO":
			found["log"] = true
		}
	}
	if !found["slog"] || !found["log"] {
		t.Errorf("global loggers' lines in the worker's output: %v\n%s", found, stderr.String())
	}
	if slog.Default() != prevSlog || log.Writer() != prevLog {
		t.Error("the worker left its logger as the process's default")
	}
}
