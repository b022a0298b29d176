package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestConnectorsCLI drives "goconnect connectors" against a standalone
// worker (embedded broker, real REST listener): every action, both output
// forms, and the worker's error for an unknown name.
func TestConnectorsCLI(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close()
	in := filepath.Join(dir, "in.txt")
	must(t, os.WriteFile(in, []byte("a\nb\n"), 0o644))
	worker := filepath.Join(dir, "worker.properties")
	must(t, os.WriteFile(worker, []byte(fmt.Sprintf("key.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"value.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"offset.storage.file.filename=%s\nlisteners=%s\nplugin.path=/opt/kafka/libs/connect-file-4.1.1.jar\n", filepath.Join(dir, "offsets"), base)), 0o644))
	src := filepath.Join(dir, "src.json")
	must(t, os.WriteFile(src, []byte(fmt.Sprintf(`{"name":"src","config":{"connector.class":"FileStreamSource","file":%q,"topic":"lines","tasks.max":"1"}}`, in)), 0o644))
	// The sink's file is in a directory that does not exist: its task
	// fails at start, with a trace.
	sink := filepath.Join(dir, "sink.json")
	must(t, os.WriteFile(sink, []byte(fmt.Sprintf(`{"name":"broken","config":{"connector.class":"FileStreamSink","file":%q,"topics":"lines"}}`,
		filepath.Join(dir, "missing", "out.txt"))), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runStandalone(ctx, []string{"--embedded-kafka-port", "0", "--embedded-schema-registry", "", worker, src, sink}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("standalone: %v", err)
		}
	}()
	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"connectors"}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	ok := func(args ...string) string {
		t.Helper()
		out, errs, code := cli(args...)
		if code != 0 {
			t.Fatalf("goconnect connectors %v: exit %d: %s", args, code, errs)
		}
		return out
	}
	waitFor(t, "both connectors listed with their tasks' states", func() bool {
		out, _, code := cli("list", "--url", base)
		return code == 0 && regexp.MustCompile(`(?m)^src\s+source\s+RUNNING\s+1 RUNNING\s+\S+\s+FileStreamSource`).MatchString(out) &&
			regexp.MustCompile(`(?m)^broken\s+sink\s+RUNNING\s+1 FAILED\s+`).MatchString(out)
	})

	var listed map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(ok("list", "--url", base, "-o", "json")), &listed); err != nil || listed["src"]["status"] == nil || listed["src"]["info"] == nil {
		t.Fatalf("list -o json is not the expanded listing: %v %v", err, listed)
	}
	t.Logf("list:\n%s", ok("list", "--url", base))
	status := ok("status", "broken", "--url", base)
	t.Logf("status:\n%s", status)
	if !regexp.MustCompile(`(?m)^0\s+FAILED\s+\S+`).MatchString(status) || !strings.Contains(status, "task 0 trace:\n  ") {
		t.Fatalf("status of the failed sink lacks its task's state or trace:\n%s", status)
	}
	config := ok("config", "--url", base, "src")
	if !regexp.MustCompile(`(?m)^file\s+`+regexp.QuoteMeta(in)+`$`).MatchString(config) || !strings.HasPrefix(config, "KEY") {
		t.Fatalf("config:\n%s", config)
	}

	restStatus := func() connectorState {
		t.Helper()
		resp, err := http.Get(base + "/connectors/src/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s connectorState
		must(t, json.NewDecoder(resp.Body).Decode(&s))
		return s
	}
	for _, step := range []struct{ action, want, state string }{
		{"pause", "src paused\n", "PAUSED"},
		{"resume", "src resumed\n", "RUNNING"},
		{"stop", "src stopped\n", "STOPPED"},
		{"resume", "src resumed\n", "RUNNING"},
	} {
		if out := ok(step.action, "src", "--url", base); out != step.want {
			t.Fatalf("%s printed %q", step.action, out)
		}
		waitFor(t, "src "+step.state, func() bool { return restStatus().Connector.State == step.state })
	}
	if out := ok("restart", "src", "--url", base); out != "src restarted\n" {
		t.Fatalf("plain restart printed %q", out)
	}
	if out := ok("restart", "--include-tasks", "--only-failed", "broken", "--url", base, "-o", "json"); !strings.Contains(out, `"name": "broken"`) {
		t.Fatalf("restart with tasks answers the status being restarted, got %q", out)
	}
	if _, errs, code := cli("status", "nope", "--url", base); code != 1 || !strings.Contains(errs, "404: No status found for connector nope") {
		t.Fatalf("status of an unknown connector: exit %d: %s", code, errs)
	}
	if _, errs, code := cli("pause", "--url", base); code != 1 || !strings.Contains(errs, "needs exactly one connector name") {
		t.Fatalf("pause without a name: exit %d: %s", code, errs)
	}
	if _, errs, code := cli("list", "-o", "yaml", "--url", base); code != 1 || !strings.Contains(errs, "-o must be table or json") {
		t.Fatalf("unknown format: exit %d: %s", code, errs)
	}
	if out := ok("delete", "broken", "--url", base); out != "broken deleted\n" {
		t.Fatalf("delete printed %q", out)
	}
	if c := httpCode(http.MethodGet, base+"/connectors/broken"); c != http.StatusNotFound {
		t.Fatalf("deleted connector still answers %d", c)
	}
}
