package standalone_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testkit"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/embedded"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/standalone"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// env is one worker against an in-process broker.
type env struct {
	t       *testing.T
	broker  *embedded.Broker
	offsets string
	herder  *standalone.Herder
}

func startWorker(t *testing.T, b *embedded.Broker, offsetsFile string, extra map[string]string) *env {
	t.Helper()
	props := map[string]string{
		"bootstrap.servers":              strings.Join(b.Addrs(), ","),
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
		"offset.storage.file.filename":   offsetsFile,
		"offset.flush.interval.ms":       "100",
		"plugin.path":                    "/usr/share/filestream-connectors",
	}
	for k, v := range extra {
		props[k] = v
	}
	cfg, err := workerconfig.ParseStandalone(props)
	if err != nil {
		t.Fatal(err)
	}
	offs, err := offsetstore.OpenFile(offsetsFile)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := plugins.NewRegistry(append(builtin.Descs(cfg.PluginPath), testPlugins()...)...)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h := standalone.New(cfg, reg, offs, log)
	e := &env{t: t, broker: b, offsets: offsetsFile, herder: h}
	t.Cleanup(func() { _ = h.Stop(context.Background()) })
	return e
}

func (e *env) taskState(name string, task int) status.Status {
	s, _ := e.herder.TaskStatus(name, task)
	return s
}

// TestFileSourceToKafkaToFileSink runs a source and a sink through a real
// Kafka protocol broker, then restarts the worker and checks that both
// continue where they stopped: no record lost, none duplicated.
func TestFileSourceToKafkaToFileSink(t *testing.T) {
	dir := t.TempDir()
	b := newBroker(t)
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	offsets := filepath.Join(dir, "connect.offsets")
	writeLines(t, in, 0, 500)

	ctx := context.Background()
	e := startWorker(t, b, offsets, nil)
	must(t, e.herder.Create(ctx, "file-source", map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "lines",
	}, ""))
	must(t, e.herder.Create(ctx, "file-sink", map[string]string{
		"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "file": out, "topics": "lines",
	}, ""))
	waitFor(t, "500 lines in the sink file", 20*time.Second, func() bool { return len(readLines(out)) >= 500 })
	must(t, e.herder.Stop(ctx))

	recs := consume(t, b, "lines", 500)
	if got := string(recs[499].Value); got != `"line-499"` {
		t.Fatalf("record 499 value = %s", got)
	}
	// The source offset is the byte position after the last line.
	st, err := offsetstore.OpenFile(offsets)
	must(t, err)
	off, err := st.Get(ctx, "file-source", map[string]any{"filename": in})
	must(t, err)
	fi, _ := os.Stat(in)
	if off["position"] != fi.Size() {
		t.Fatalf("stored position %v, file size %d", off["position"], fi.Size())
	}

	// Restart with more input: only the new lines flow.
	writeLines(t, in, 500, 600)
	e2 := startWorker(t, b, offsets, nil)
	must(t, e2.herder.Create(ctx, "file-source", map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": "lines"}, ""))
	must(t, e2.herder.Create(ctx, "file-sink", map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": "lines",
	}, ""))
	waitFor(t, "600 lines in the sink file", 20*time.Second, func() bool { return len(readLines(out)) >= 600 })
	must(t, e2.herder.Stop(ctx))
	lines := readLines(out)
	if len(lines) != 600 {
		t.Fatalf("sink file has %d lines, want exactly 600 (duplicates or loss)", len(lines))
	}
	for i, l := range lines {
		if l != fmt.Sprintf("line-%d", i) {
			t.Fatalf("sink line %d = %q", i, l)
		}
	}
}

func TestBadConnectorConfigsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	e := startWorker(t, newBroker(t), filepath.Join(dir, "o"), nil)
	ctx := context.Background()
	cases := []struct {
		props map[string]string
		key   string
	}{
		// Connect's own texts: no class is "contains no connector type",
		// an unknown one names the class.
		{map[string]string{"file": "x", "topic": "t"}, "contains no connector type"},
		{map[string]string{"connector.class": "NoSuchConnector", "topic": "t"}, "NoSuchConnector"},
		{map[string]string{"connector.class": "FileStreamSource", "topic": "t", "tasks.max": "two"}, "tasks.max"},
		{map[string]string{"connector.class": "FileStreamSource"}, "topic"},
		{map[string]string{"connector.class": "FileStreamSource", "topic": "t", "value.converter": "com.example.Missing"}, "value.converter"},
		{map[string]string{"connector.class": "FileStreamSink", "file": "x"}, "topics"},
		{map[string]string{"connector.class": "FileStreamSource", "topic": "t", "transforms": "a"}, "transforms.a.type"},
	}
	for i, c := range cases {
		err := e.herder.Create(ctx, fmt.Sprintf("bad-%d", i), c.props, "")
		var ce *config.Error
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("case %d: error %v does not name %s", i, err, c.key)
		}
	}
	if n := len(e.herder.Connectors()); n != 0 {
		t.Fatalf("%d bad connectors were registered", n)
	}
}

// TestFailingTasksDoNotStopTheWorker checks that a task whose poll returns
// an error or panics ends FAILED with a trace while other connectors run on.
func TestFailingTasksDoNotStopTheWorker(t *testing.T) {
	dir := t.TempDir()
	b := newBroker(t)
	e := startWorker(t, b, filepath.Join(dir, "o"), nil)
	ctx := context.Background()
	in := filepath.Join(dir, "in.txt")
	writeLines(t, in, 0, 3)
	must(t, e.herder.Create(ctx, "panics", map[string]string{"connector.class": "test.Failing", "mode": "panic"}, ""))
	must(t, e.herder.Create(ctx, "errors", map[string]string{"connector.class": "test.Failing", "mode": "error"}, ""))
	must(t, e.herder.Create(ctx, "healthy", map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": "ok"}, ""))
	for _, name := range []string{"panics", "errors"} {
		waitFor(t, name+" FAILED", 10*time.Second, func() bool { return e.taskState(name, 0).State == status.Failed })
		tr := e.taskState(name, 0).Trace
		if !strings.HasPrefix(tr, "org.apache.kafka.connect.errors.ConnectException: ") || !strings.Contains(tr, "boom") {
			t.Errorf("%s trace = %q", name, tr)
		}
	}
	if !strings.Contains(e.taskState("panics", 0).Trace, "\tat ") {
		t.Error("panic trace has no stack")
	}
	if got := consume(t, b, "ok", 3); string(got[2].Value) != `"line-2"` {
		t.Fatalf("healthy connector output %q", got[2].Value)
	}
	cs, err := e.herder.Status("healthy")
	must(t, err)
	if cs.Connector.State != status.Running || cs.Tasks[0].State != status.Running {
		t.Fatalf("healthy status %+v", cs)
	}
}

// TestPausedConnectorProducesNothing checks the PAUSED initial state.
func TestPausedConnectorProducesNothing(t *testing.T) {
	dir := t.TempDir()
	b := newBroker(t)
	e := startWorker(t, b, filepath.Join(dir, "o"), nil)
	in := filepath.Join(dir, "in.txt")
	writeLines(t, in, 0, 5)
	must(t, e.herder.Create(context.Background(), "p", map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": "paused"}, "PAUSED"))
	waitFor(t, "task PAUSED", 5*time.Second, func() bool { return e.taskState("p", 0).State == status.Paused })
	cs, _ := e.herder.Status("p")
	if cs.Connector.State != status.Paused {
		t.Fatalf("connector state %s", cs.Connector.State)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// failing is a source whose task fails on its first poll.
type failing struct{ mode string }

func testPlugins() []connect.PluginDesc {
	return []connect.PluginDesc{{Class: "test.Failing", Type: connect.TypeSource, New: func() any { return &failing{} }}}
}

func (*failing) Version() string        { return "test" }
func (*failing) ConfigDef() *config.Def { return config.NewDef() }
func (f *failing) Start(_ context.Context, p map[string]string) error {
	f.mode = p["mode"]
	return nil
}
func (f *failing) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{{"mode": f.mode}}, nil
}
func (*failing) Stop() error                 { return nil }
func (*failing) NewTask() connect.SourceTask { return &failingTask{} }

type failingTask struct{ mode string }

func (t *failingTask) Start(_ context.Context, _ connect.SourceTaskContext, p map[string]string) error {
	t.mode = p["mode"]
	return nil
}
func (t *failingTask) Poll(context.Context) ([]connect.SourceRecord, error) {
	if t.mode == "panic" {
		panic("boom")
	}
	return nil, errors.New("boom")
}
func (*failingTask) Stop() error { return nil }

func TestTransformConfigErrorsNameTheFullKey(t *testing.T) {
	e := startWorker(t, newBroker(t), filepath.Join(t.TempDir(), "o"), nil)
	err := e.herder.Create(context.Background(), "p", map[string]string{
		"connector.class": "FileStreamSource", "topic": "t",
		"transforms": "route", "transforms.route.type": "RegexRouter", "transforms.route.regex": "x",
	}, "")
	if err == nil || !strings.Contains(err.Error(), `"transforms.route.replacement"`) {
		t.Fatalf("error %v does not name transforms.route.replacement", err)
	}
}

// The shared helpers, under the names these tests use.
var (
	newBroker  = testkit.Broker
	waitFor    = testkit.WaitFor
	consume    = testkit.ReadRecords
	writeLines = testkit.WriteLines
	readLines  = testkit.ReadLines
)
