//go:build e2e

package e2e

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// referenceEnv is the reference pipeline's kafka-connect-01 environment,
// with only the addresses of Kafka and the registry pointed at the local
// services.
func referenceEnv(restPort int) []string {
	return []string{
		"CONNECT_BOOTSTRAP_SERVERS=" + kafkaAddr,
		"CONNECT_REST_PORT=" + strconv.Itoa(restPort),
		"CONNECT_GROUP_ID=kafka-connect-01",
		"CONNECT_CONFIG_STORAGE_TOPIC=_kafka-connect-01-configs",
		"CONNECT_OFFSET_STORAGE_TOPIC=_kafka-connect-01-offsets",
		"CONNECT_STATUS_STORAGE_TOPIC=_kafka-connect-01-status",
		"CONNECT_KEY_CONVERTER=io.confluent.connect.avro.AvroConverter",
		"CONNECT_KEY_CONVERTER_SCHEMA_REGISTRY_URL=http://127.0.0.1:8081",
		"CONNECT_VALUE_CONVERTER=io.confluent.connect.avro.AvroConverter",
		"CONNECT_VALUE_CONVERTER_SCHEMA_REGISTRY_URL=http://127.0.0.1:8081",
		"CONNECT_REST_ADVERTISED_HOST_NAME=kafka-connect-01",
		"CONNECT_LOG4J_ROOT_LOGLEVEL=INFO",
		"CONNECT_LOG4J_LOGGERS=org.apache.kafka.connect.runtime.rest=WARN,org.reflections=ERROR",
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_PLUGIN_PATH=/usr/share/java,/usr/share/confluent-hub-components/",
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// The container's environment alone starts a distributed worker: internal
// topics created compacted, Java-only settings logged as ignored, the
// healthcheck answering, an Avro connector running.
func TestContainerEnvironmentStartsDistributedWorker(t *testing.T) {
	port := freePort(t)
	w := &worker{done: make(chan error, 1)}
	w.cmd = exec.Command(binary, "distributed")
	w.cmd.Env = referenceEnv(port)
	w.cmd.Stdout, w.cmd.Stderr = w, w
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
		if t.Failed() {
			t.Logf("worker output:\n%s", w.output())
		}
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	waitUntil(t, 60*time.Second, "healthcheck passes", func() bool {
		return exec.Command(binary, "healthcheck", base+"/connectors").Run() == nil
	})
	// plugin.path is read now (it enables the file connectors), and so
	// are the log levels: nothing here is Java-only.
	if out := w.output(); strings.Contains(out, "log4j.loggers") || strings.Contains(out, "log4j.root.loglevel") {
		t.Fatalf("log levels reported as ignored:\n%s", out)
	}
	// CONNECT_LOG4J_LOGGERS sets org.apache.kafka.connect.runtime.rest to
	// WARN, which turns the request log off, as in the Java image.
	if out := w.output(); strings.Contains(out, `"GET /connectors HTTP/1.1"`) {
		t.Fatalf("request log written although CONNECT_LOG4J_LOGGERS turns it off:\n%s", out)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for _, topic := range []string{"_kafka-connect-01-configs", "_kafka-connect-01-offsets", "_kafka-connect-01-status"} {
		rc, err := adm.DescribeTopicConfigs(t.Context(), topic)
		if err != nil {
			t.Fatal(err)
		}
		c, err := rc.On(topic, nil)
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		policy := ""
		for _, kv := range c.Configs {
			if kv.Key == "cleanup.policy" && kv.Value != nil {
				policy = *kv.Value
			}
		}
		if policy != "compact" {
			t.Fatalf("%s has cleanup.policy %q, want compact", topic, policy)
		}
	}
	name := uniqueName(t, "avro-ratings")
	topic := name
	body := `{"name":"` + name + `","config":{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector",
"kafka.topic":"` + topic + `","quickstart":"ratings","tasks.max":"1","max.interval":"10"}}`
	if code, b := httpRetry(t, "POST", base+"/connectors", body); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	waitUntil(t, 60*time.Second, "Avro ratings connector RUNNING", func() bool { return allRunning(strings.TrimPrefix(base, "http://"), name, 1) })
	// Avro on the wire: Confluent's magic byte and a schema id.
	ids := firstRaw(t, topic, 1)
	if len(ids) == 0 || len(ids[0]) < 5 || ids[0][0] != 0 {
		t.Fatalf("record value is not Confluent Avro framing: %x", ids)
	}
	if code, b := httpRetry(t, "DELETE", base+"/connectors/"+name, ""); code != 204 {
		t.Fatalf("delete: %d %s", code, b)
	}
	w.stop(t, 30*time.Second)
}

// A missing required variable fails startup and names the variable.
func TestContainerEnvironmentMissingVariable(t *testing.T) {
	env := referenceEnv(freePort(t))
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CONNECT_GROUP_ID=") {
			kept = append(kept, kv)
		}
	}
	cmd := exec.Command(binary, "distributed")
	cmd.Env = kept
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("started without CONNECT_GROUP_ID:\n%s", out)
	}
	if !strings.Contains(string(out), "CONNECT_GROUP_ID") {
		t.Fatalf("error does not name the missing variable:\n%s", out)
	}
}

// firstRaw returns the values of the first n records of topic.
func firstRaw(t *testing.T, topic string, n int) [][]byte {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out [][]byte
	deadline := time.Now().Add(30 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { out = append(out, r.Value) })
		cancel()
	}
	return out
}
