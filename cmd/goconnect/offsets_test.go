package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStandaloneRESTAndOffsetsCLI starts the standalone command (embedded
// broker, REST listener) and drives a connector's offsets with
// "goconnect offsets get|set|reset".
func TestStandaloneRESTAndOffsetsCLI(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	in := filepath.Join(dir, "in.txt")
	must(t, os.WriteFile(in, []byte("a\nb\nc\n"), 0o644))
	worker := filepath.Join(dir, "worker.properties")
	must(t, os.WriteFile(worker, []byte(fmt.Sprintf("key.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"value.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"offset.storage.file.filename=%s\noffset.flush.interval.ms=100\nlisteners=%s\nplugin.path=/opt/connectors,/opt/kafka/libs/connect-file-4.1.1.jar\n", filepath.Join(dir, "offsets"), base)), 0o644))
	conn := filepath.Join(dir, "src.json")
	must(t, os.WriteFile(conn, []byte(fmt.Sprintf(`{"name":"src","config":{"connector.class":"FileStreamSource","file":%q,"topic":"lines"}}`, in)), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runStandalone(ctx, []string{"--embedded-kafka-port", "0", "--embedded-schema-registry", "", worker, conn}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("standalone: %v", err)
		}
	}()

	offsets := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), append([]string{"offsets"}, args...), &out, &errb); code != 0 {
			t.Fatalf("goconnect offsets %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	waitFor(t, "healthy worker", func() bool { return httpCode(http.MethodGet, base+"/health") == http.StatusOK })
	want := fmt.Sprintf(`"position": %d`, len("a\nb\nc\n"))
	waitFor(t, "committed position", func() bool { return strings.Contains(offsets("get", "--url", base, "src"), want) })

	var errb bytes.Buffer
	if code := run(context.Background(), []string{"offsets", "reset", "--url", base, "src"}, io.Discard, &errb); code != 1 ||
		!strings.Contains(errb.String(), "Connectors must be in the STOPPED state") {
		t.Fatalf("reset of a running connector: exit %d: %s", code, errb.String())
	}
	if c := httpCode(http.MethodPut, base+"/connectors/src/stop"); c != http.StatusNoContent {
		t.Fatalf("stop: %d", c)
	}
	file := filepath.Join(dir, "offsets.json")
	must(t, os.WriteFile(file, []byte(fmt.Sprintf(`{"offsets":[{"partition":{"filename":%q},"offset":{"position":2}}]}`, in)), 0o644))
	if out := offsets("set", "--url", base, "src", "--file", file); !strings.Contains(out, "altered successfully") {
		t.Fatalf("set: %s", out)
	}
	if out := offsets("get", "--url", base, "src"); !strings.Contains(out, `"position": 2`) {
		t.Fatalf("get after set: %s", out)
	}
	if out := offsets("reset", "--url", base, "src"); !strings.Contains(out, "reset successfully") {
		t.Fatalf("reset: %s", out)
	}
	if out := offsets("get", "--url", base, "src"); strings.TrimSpace(out) != "{\n  \"offsets\": []\n}" {
		t.Fatalf("get after reset: %q", out)
	}
}

func httpCode(method, url string) int {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
