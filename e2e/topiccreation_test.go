//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestTopicCreationRealKafka: against Kafka 4.1.1, a datagen connector
// with KIP-158 settings creates its topic before the first record with the
// settings of its group (the broker's default replication, the configured
// partitions and topic configs, read back from the broker), and a topic
// config the broker does not know fails the task with Connect's message.
func TestTopicCreationRealKafka(t *testing.T) {
	dir := t.TempDir()
	topic := uniqueName(t, "kip158-orders")
	bad := uniqueName(t, "kip158-bad")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://%s
`, kafkaAddr, filepath.Join(dir, "offsets"), addr))
	writeFile(t, filepath.Join(dir, "orders.json"), fmt.Sprintf(`{"name":"orders","config":{
  "connector.class":"DatagenConnector","kafka.topic":"%s","quickstart":"ratings","max.interval":"5","tasks.max":"1",
  "topic.creation.groups":"orders",
  "topic.creation.default.replication.factor":"-1","topic.creation.default.partitions":"1",
  "topic.creation.orders.include":"kip158-orders.*","topic.creation.orders.partitions":"3",
  "topic.creation.orders.retention.ms":"7200000","topic.creation.orders.cleanup.policy":"delete"}}`, topic))
	writeFile(t, filepath.Join(dir, "bad.json"), fmt.Sprintf(`{"name":"bad","config":{
  "connector.class":"DatagenConnector","kafka.topic":"%s","quickstart":"ratings","max.interval":"5","tasks.max":"1",
  "topic.creation.default.replication.factor":"1","topic.creation.default.partitions":"1",
  "topic.creation.default.no.such.topic.config":"1"}}`, bad))
	startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "orders.json"), filepath.Join(dir, "bad.json"))

	readRatings(t, topic, 20, false)
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	td, err := adm.ListTopics(ctx, topic)
	if err != nil || td[topic].Err != nil {
		t.Fatalf("describe %s: %v %v", topic, err, td[topic].Err)
	}
	if n := len(td[topic].Partitions); n != 3 {
		t.Errorf("%s has %d partitions, want the orders group's 3", topic, n)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rc.Configs {
		if c.Key == "retention.ms" && (c.Value == nil || *c.Value != "7200000" || c.Source.String() != "DYNAMIC_TOPIC_CONFIG") {
			t.Errorf("retention.ms = %v from %s, want 7200000 set on the topic", c.MaybeValue(), c.Source)
		}
	}
	waitUntil(t, 60*time.Second, "the bad connector's task FAILED", func() bool {
		st, ok := status(addr, "bad")
		return ok && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	st, _ := status(addr, "bad")
	if tr := st.Tasks[0].Trace; !strings.Contains(tr, "Unable to create topic(s) '"+bad+"'") || !strings.Contains(tr, "no.such.topic.config") {
		t.Errorf("bad topic config trace: %s", tr)
	}
}
