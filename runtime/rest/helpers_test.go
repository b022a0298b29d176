package rest_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testkit"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/embedded"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/rest"
	"github.com/goconnect/goconnect/runtime/standalone"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// env is a standalone worker behind a real HTTP server, against an
// in-process Kafka broker.
type env struct {
	t      *testing.T
	broker *embedded.Broker
	dir    string
	herder *standalone.Herder
	server *rest.Server
	url    string
}

func newEnv(t *testing.T, extra map[string]string) *env {
	t.Helper()
	return newEnvLog(t, extra, nil)
}

// newEnvLog is newEnv with the worker logging to log (nil: discarded, or
// stderr with -v) and more plugins.
func newEnvLog(t *testing.T, extra map[string]string, log *slog.Logger, more ...connect.PluginDesc) *env {
	t.Helper()
	b, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	dir := t.TempDir()
	props := map[string]string{
		"bootstrap.servers":              strings.Join(b.Addrs(), ","),
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
		"offset.storage.file.filename":   dir + "/connect.offsets",
		"offset.flush.interval.ms":       "100",
		"rest.advertised.host.name":      "connect",
		"rest.advertised.port":           "8083",
		// The file connectors are off unless plugin.path names them.
		"plugin.path": "/opt/kafka/libs/connect-file-4.1.1.jar",
	}
	for k, v := range extra {
		props[k] = v
	}
	cfg, err := workerconfig.ParseStandalone(props)
	if err != nil {
		t.Fatal(err)
	}
	offs, err := offsetstore.OpenFile(cfg.OffsetFile)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := plugins.NewRegistry(append(append(builtin.Descs(cfg.PluginPath), testPlugins()...), more...)...)
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = newTestLog()
	}
	h := standalone.New(cfg, reg, offs, log)
	srv := rest.New(rest.Config{Herder: h, Commit: "test", Log: log, ConfigTransformer: cfg.ConfigTransformer, ClientOverridePolicy: cfg.ClientOverridePolicy})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = h.Stop(context.Background())
	})
	return &env{t: t, broker: b, dir: dir, herder: h, server: srv, url: hs.URL}
}

type response struct {
	code   int
	body   string
	header http.Header
}

// do sends a request; a string body is sent as application/json.
func (e *env) do(method, path string, body any) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{code: resp.StatusCode, body: string(b), header: resp.Header}
}

// expect checks status and, when body is not empty, the exact bytes.
func (e *env) expect(method, path string, reqBody any, code int, body string) response {
	e.t.Helper()
	r := e.do(method, path, reqBody)
	if r.code != code || (body != "" && r.body != body) {
		e.t.Fatalf("%s %s = %d %s\nwant %d %s", method, path, r.code, r.body, code, body)
	}
	return r
}

// eventually polls a GET until its body satisfies cond.
func (e *env) eventually(path, what string, cond func(string) bool) string {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.do(http.MethodGet, path, nil)
		if r.code == http.StatusOK && cond(r.body) {
			return r.body
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s: last GET %s = %d %s", what, path, r.code, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func produce(t *testing.T, b *embedded.Broker, topic string, values ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, v := range values {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func newTestLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// The shared helpers, under the names these tests use.
var (
	writeLines   = testkit.WriteLines
	readLines    = testkit.ReadLines
	countRecords = testkit.ReadRecords
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, 20*time.Second, cond)
}
