package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestEmbeddedSchemaRegistry runs the ratings generator as Avro against
// the embedded broker and registry, and reads the registered schema back.
func TestEmbeddedSchemaRegistry(t *testing.T) {
	dir := t.TempDir()
	sr := freeAddr(t)
	worker := filepath.Join(dir, "worker.properties")
	must(t, os.WriteFile(worker, []byte(fmt.Sprintf("key.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"value.converter=io.confluent.connect.avro.AvroConverter\nvalue.converter.schema.registry.url=http://%s\n"+
		"offset.storage.file.filename=%s\nlisteners=http://%s\n", sr, filepath.Join(dir, "offsets"), freeAddr(t))), 0o644))
	conn := filepath.Join(dir, "ratings.json")
	must(t, os.WriteFile(conn, []byte(`{"name":"r","config":{"connector.class":"DatagenConnector","kafka.topic":"ratings","quickstart":"ratings","max.interval":"5"}}`), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runStandalone(ctx, []string{"--embedded-kafka-port", "0", "--embedded-schema-registry", sr, worker, conn}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("standalone: %v", err)
		}
	}()
	var body string
	waitFor(t, "the ratings schema in the embedded registry", func() bool {
		resp, err := http.Get("http://" + sr + "/subjects/ratings-value/versions/latest")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == http.StatusOK
	})
	if !strings.Contains(body, `\"connect.name\":\"ksql.ratings\"`) || !strings.Contains(body, `"id":1`) {
		t.Fatalf("registered version: %s", body)
	}
}
