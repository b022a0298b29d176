package worker

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/status"
)

// noAutoCreate is a broker that, like managed clusters, does not create
// topics on first use (kfake's default), with a worker on it.
type noAutoCreate struct {
	t     *testing.T
	w     *Worker
	board *status.Board
	adm   *kadm.Client
}

func newNoAutoCreate(t *testing.T, workerProps map[string]string) *noAutoCreate {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	w, board := newTestWorker(t, strings.Join(c.ListenAddrs(), ","), workerProps, nil)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &noAutoCreate{t: t, w: w, board: board, adm: kadm.NewClient(cl)}
}

// datagen starts a ratings datagen connector named after its topic.
func (e *noAutoCreate) datagen(topic string, extra map[string]string) {
	e.t.Helper()
	props := map[string]string{"name": topic, "connector.class": "DatagenConnector", "kafka.topic": topic,
		"quickstart": "ratings", "max.interval": "1", "iterations": "20", "tasks.max": "1"}
	maps.Copy(props, extra)
	p, err := connectorconfig.Parse(e.w.reg, props)
	if err != nil {
		e.t.Fatal(err)
	}
	startWithTasks(context.Background(), e.w, p, status.TargetStarted)
}

// records waits until topic holds at least n records over its partitions.
func (e *noAutoCreate) records(topic string, n int64) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ends, err := e.adm.ListEndOffsets(context.Background(), topic)
		var sum int64
		if err == nil {
			ends.Each(func(o kadm.ListedOffset) {
				if o.Err == nil {
					sum += o.Offset
				}
			})
		}
		if sum >= n {
			return
		}
		if time.Now().After(deadline) {
			st, _ := e.board.Task(status.TaskID{Connector: topic})
			e.t.Fatalf("%s: %d of %d records after 20 s; task %+v", topic, sum, n, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// topic returns a topic's partition count and the configs set on it.
func (e *noAutoCreate) topic(name string) (int, map[string]string) {
	e.t.Helper()
	ctx := context.Background()
	td, err := e.adm.ListTopics(ctx, name)
	if err != nil || td[name].Err != nil {
		e.t.Fatalf("describing %s: %v %v", name, err, td[name].Err)
	}
	rcs, err := e.adm.DescribeTopicConfigs(ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	rc, err := rcs.On(name, nil)
	if err != nil || rc.Err != nil {
		e.t.Fatalf("configs of %s: %v %v", name, err, rc.Err)
	}
	set := map[string]string{}
	for _, c := range rc.Configs {
		if c.Source == 1 && c.Value != nil { // DYNAMIC_TOPIC_CONFIG: set on the topic
			set[c.Key] = *c.Value
		}
	}
	return len(td[name].Partitions), set
}

// TestTopicCreationGroups: on a broker that does not create topics, source
// connectors with KIP-158 settings create their topics before the first
// record, with the settings of the first matching group (exclusion wins,
// the default group last), and leave an existing topic as it is.
func TestTopicCreationGroups(t *testing.T) {
	e := newNoAutoCreate(t, nil)
	kip158 := map[string]string{
		"topic.creation.groups":                       "orders,compacted",
		"topic.creation.default.replication.factor":   "-1",
		"topic.creation.default.partitions":           "2",
		"topic.creation.default.retention.ms":         "3600000",
		"topic.creation.orders.include":               "orders-.*, sales",
		"topic.creation.orders.exclude":               "orders-tmp.*",
		"topic.creation.orders.partitions":            "3",
		"topic.creation.orders.cleanup.policy":        "delete",
		"topic.creation.orders.min.insync.replicas":   "1",
		"topic.creation.compacted.include":            "orders-tmp-keys,.*-state",
		"topic.creation.compacted.replication.factor": "1",
		"topic.creation.compacted.cleanup.policy":     "compact",
	}
	if _, err := e.adm.CreateTopic(context.Background(), 1, 1, nil, "existing-state"); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"orders-eu", "sales", "orders-tmp-1", "orders-tmp-keys", "clicks", "existing-state"} {
		e.datagen(topic, kip158)
	}
	for _, c := range []struct {
		topic      string
		partitions int
		configs    map[string]string
	}{
		{"orders-eu", 3, map[string]string{"cleanup.policy": "delete", "min.insync.replicas": "1"}},
		{"sales", 3, map[string]string{"cleanup.policy": "delete", "min.insync.replicas": "1"}},
		// Excluded from orders: the next group, then the default.
		{"orders-tmp-1", 2, map[string]string{"retention.ms": "3600000"}},
		{"orders-tmp-keys", 2, map[string]string{"cleanup.policy": "compact"}},
		{"clicks", 2, map[string]string{"retention.ms": "3600000"}},
		// Existing topics are left alone.
		{"existing-state", 1, map[string]string{}},
	} {
		e.records(c.topic, 20)
		parts, cfg := e.topic(c.topic)
		if parts != c.partitions || !maps.Equal(cfg, c.configs) {
			t.Errorf("%s: %d partitions, configs %v; want %d, %v", c.topic, parts, cfg, c.partitions, c.configs)
		}
	}
}

// failedTask waits for the connector's task to go FAILED and returns its trace.
func (e *noAutoCreate) failedTask(connector string, within time.Duration) string {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, ok := e.board.Task(status.TaskID{Connector: connector})
		if ok && st.State == status.Failed {
			return st.Trace
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: task not FAILED within %v: %+v", connector, within, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTopicCreationFailures: without topic creation a missing topic fails
// the task in bounded time with a trace saying what to do (Connect's
// producer times out after max.block.ms instead), and so does a topic the
// broker refuses to create.
func TestTopicCreationFailures(t *testing.T) {
	// The ratings generator stops (FAILED) after its iterations: many here.
	forever := map[string]string{"iterations": "100000000"}
	kip158 := map[string]string{"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1", "iterations": "100000000"}
	t.Run("no KIP-158 settings", func(t *testing.T) {
		e := newNoAutoCreate(t, nil)
		start := time.Now()
		e.datagen("plain", forever)
		trace := e.failedTask("plain", 30*time.Second)
		t.Logf("FAILED after %v", time.Since(start).Round(time.Millisecond))
		for _, want := range []string{"topic plain does not exist", "topic.creation.default.replication.factor", "UNKNOWN_TOPIC_OR_PARTITION"} {
			if !strings.Contains(trace, want) {
				t.Errorf("trace lacks %q:\n%s", want, trace)
			}
		}
	})
	t.Run("topic creation disabled on the worker", func(t *testing.T) {
		e := newNoAutoCreate(t, map[string]string{"topic.creation.enable": "false"})
		e.datagen("disabled", kip158)
		if trace := e.failedTask("disabled", 30*time.Second); !strings.Contains(trace, "topic disabled does not exist") {
			t.Errorf("trace: %s", trace)
		}
		if td, err := e.adm.ListTopics(context.Background(), "disabled"); err != nil || td["disabled"].Err == nil {
			t.Errorf("the topic was created with topic.creation.enable=false: %v", td)
		}
	})
	t.Run("broker refuses the topic", func(t *testing.T) {
		e := newNoAutoCreate(t, nil)
		e.datagen("refused", map[string]string{"topic.creation.default.replication.factor": "3", "topic.creation.default.partitions": "1", "iterations": "100000000"})
		trace := e.failedTask("refused", 30*time.Second)
		for _, want := range []string{"Error while attempting to create/find topic(s) 'refused'",
			"(name=refused, numPartitions=1, replicationFactor=3, replicasAssignments=null, configs={})", "INVALID_REPLICATION_FACTOR"} {
			if !strings.Contains(trace, want) {
				t.Errorf("trace lacks %q:\n%s", want, trace)
			}
		}
	})
}
