package worker

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/status"
)

// secureWorker is a standalone worker next to a broker that only speaks
// SASL_SSL with SCRAM-SHA-512.
type secureWorker struct {
	t      *testing.T
	b      *testkit.SecureCluster
	w      *Worker
	board  *status.Board
	reader *kadm.Client
}

func newSecureWorker(t *testing.T, b *testkit.SecureCluster, workerProps map[string]string) *secureWorker {
	t.Helper()
	w, board := newTestWorker(t, b.Bootstrap, workerProps, nil)
	sec, err := kafkaclient.Options(b.Client, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(b.Bootstrap, ",")...)}, sec...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &secureWorker{t: t, b: b, w: w, board: board, reader: kadm.NewClient(cl)}
}

func (e *secureWorker) datagen(name string, extra map[string]string) {
	e.t.Helper()
	props := map[string]string{"name": name, "connector.class": "DatagenConnector", "kafka.topic": name,
		"quickstart": "ratings", "max.interval": "1", "iterations": "20", "tasks.max": "1"}
	maps.Copy(props, extra)
	p, err := connectorconfig.Parse(e.w.reg, props)
	if err != nil {
		e.t.Fatal(err)
	}
	startWithTasks(context.Background(), e.w, p, status.TargetStarted)
}

// records waits until topic holds n records, read over SASL_SSL.
func (e *secureWorker) records(topic string, n int64) {
	e.t.Helper()
	testkit.WaitFor(e.t, topic+" records", 20*time.Second, func() bool {
		ends, err := e.reader.ListEndOffsets(context.Background(), topic)
		if err != nil {
			return false
		}
		o, ok := ends.Lookup(topic, 0)
		return ok && o.Err == nil && o.Offset >= n
	})
}

// failed waits for the task to be FAILED and returns its trace.
func (e *secureWorker) failed(connector string) string {
	e.t.Helper()
	var st status.Status
	testkit.WaitFor(e.t, connector+" task FAILED", 20*time.Second, func() bool {
		st, _ = e.board.Task(status.TaskID{Connector: connector})
		return st.State == status.Failed
	})
	return st.Trace
}

func producerSettings(b *testkit.SecureCluster, client map[string]string) map[string]string {
	return testkit.WithPrefix(map[string]string{}, "producer.", client)
}

func TestSourceTaskProducesOverSASLSSL(t *testing.T) {
	b := testkit.SecureBroker(t, "SCRAM-SHA-512", "connect", `s3"cr;et\`)
	// Worker-level settings for the worker's own clients, producer.* for
	// the task producer, as a Connect deployment writes both.
	props := maps.Clone(b.Client)
	maps.Copy(props, producerSettings(b, b.Client))
	e := newSecureWorker(t, b, props)
	e.datagen("ratings", nil)
	e.records("ratings", 20)
}

// endless keeps datagen polling (it fails by design after its iterations).
var endless = map[string]string{"iterations": "1000000", "max.interval": "5"}

func TestWrongPasswordFailsTheTask(t *testing.T) {
	b := testkit.SecureBroker(t, "SCRAM-SHA-512", "connect", "right")
	bad := maps.Clone(b.Client)
	bad["sasl.jaas.config"] = testkit.JAASConfig("SCRAM-SHA-512", "connect", "wrong")
	e := newSecureWorker(t, b, producerSettings(b, bad))
	start := time.Now()
	e.datagen("ratings", endless)
	trace := e.failed("ratings")
	if !strings.Contains(trace, "authentication failed") || !strings.Contains(trace, "SCRAM-SHA-512") || !strings.Contains(trace, "task producer") {
		t.Fatalf("trace does not say why: %s", trace)
	}
	t.Logf("FAILED after %v: %s", time.Since(start), strings.SplitN(trace, "\n", 2)[0])
}

// Connect's rule: the task producer does not inherit the worker-level
// security settings. With them alone it speaks plain text to the TLS
// listener and fails; the connector's producer.override.* settings fix it.
func TestWorkerLevelSecurityDoesNotReachTheTaskProducer(t *testing.T) {
	b := testkit.SecureBroker(t, "PLAIN", "connect", "pw")
	e := newSecureWorker(t, b, b.Client)
	e.datagen("plain", endless)
	trace := e.failed("plain")
	if !strings.Contains(trace, "task producer") || !strings.Contains(trace, "TLS") {
		t.Fatalf("trace: %s", trace)
	}
	e.datagen("overridden", testkit.WithPrefix(map[string]string{}, "producer.override.", b.Client))
	e.records("overridden", 20)
}

// A sink's consumer uses consumer.*, its dead letter queue producer
// producer.* and the DLQ topic's creation the task admin settings
// (worker-level, then admin.*): all reach a SASL_SSL-only broker.
func TestSinkAndDeadLetterQueueOverSASLSSL(t *testing.T) {
	b := testkit.SecureBroker(t, "SCRAM-SHA-256", "connect", "pw")
	props := maps.Clone(b.Client) // worker-level: the admin client starts from these
	testkit.WithPrefix(props, "producer.", b.Client)
	testkit.WithPrefix(props, "consumer.", b.Client)
	props["plugin.path"] = "/opt/kafka/libs/connect-file-4.1.1.jar"
	e := newSecureWorker(t, b, props)

	sec, err := kafkaclient.Options(b.Client, nil)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(b.Bootstrap, ",")...), kgo.AllowAutoTopicCreation()}, sec...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, v := range []string{`{"ok":1}`, `not json`, `{"ok":2}`} {
		if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "in", Key: []byte("k"), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir() + "/out.txt"
	p, err := connectorconfig.Parse(e.w.reg, map[string]string{"name": "sink", "connector.class": "FileStreamSink", "topics": "in",
		"file": out, "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq",
		"errors.deadletterqueue.topic.replication.factor": "1"})
	if err != nil {
		t.Fatal(err)
	}
	startWithTasks(context.Background(), e.w, p, status.TargetStarted)
	testkit.WaitFor(t, "both good records in the file", 20*time.Second, func() bool { return len(testkit.ReadLines(out)) == 2 })
	e.records("dlq", 1)
	if st, _ := e.board.Task(status.TaskID{Connector: "sink"}); st.State != status.Running {
		t.Fatalf("sink task %+v", st)
	}
}
