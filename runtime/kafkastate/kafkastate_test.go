package kafkastate

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
)

func cluster(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func ensure(t *testing.T, brokers []string, spec TopicSpec, one bool) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := EnsureTopic(context.Background(), kadm.NewClient(cl), spec, one); err != nil {
		t.Fatal(err)
	}
}

// javaWrites produces raw records as a Java worker would have written them.
func javaWrites(t *testing.T, brokers []string, topic string, kv [][2]string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, p := range kv {
		r := &kgo.Record{Key: []byte(p[0])}
		if p[1] != "null" {
			r.Value = []byte(p[1])
		}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A config topic written by a Java worker is read as Connect reads it:
// configs, target states (state.v2 winning over state), committed task
// generations only, tombstones.
func TestConfigStoreReadsJavaRecords(t *testing.T) {
	brokers := cluster(t)
	ensure(t, brokers, TopicSpec{Name: "cfg", Partitions: 1, Replication: 1}, true)
	javaWrites(t, brokers, "cfg", [][2]string{
		{"connector-src", `{"properties":{"connector.class":"DatagenConnector","name":"src","tasks.max":"2"}}`},
		{"task-src-0", `{"properties":{"task.class":"x","n":"0"}}`},
		{"task-src-1", `{"properties":{"task.class":"x","n":"1"}}`},
		{"commit-src", `{"tasks":2}`},
		{"target-state-src", `{"state":"PAUSED","state.v2":"STOPPED"}`},
		{"connector-my-sink-1", `{"properties":{"connector.class":"MongoSinkConnector","name":"my-sink-1"}}`},
		{"task-my-sink-1-0", `{"properties":{"n":"0"}}`},
		{"commit-my-sink-1", `{"tasks":2}`}, // task 1 never written: incomplete, ignored
		{"connector-gone", `{"properties":{"connector.class":"X","name":"gone"}}`},
		{"connector-gone", "null"},
		{"session-key", `{"key":"AAAA","algorithm":"HmacSHA256","creation-timestamp":1}`},
		{"target-state-old", `{"state":"PAUSED"}`},
	})
	s, err := OpenConfigStore(brokers, "cfg", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.ReadToEnd(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if len(snap.Connectors) != 2 || snap.Connectors["src"]["tasks.max"] != "2" || snap.Connectors["my-sink-1"] == nil {
		t.Fatalf("connectors %v", snap.Connectors)
	}
	if got := snap.Target("src"); got != status.TargetStopped {
		t.Fatalf("target of src %s, want STOPPED from state.v2", got)
	}
	if got := snap.Target("old"); got != status.TargetPaused {
		t.Fatalf("target of old %s", got)
	}
	if got := snap.Target("my-sink-1"); got != status.TargetStarted {
		t.Fatalf("absent target %s", got)
	}
	if len(snap.Tasks["src"]) != 2 || snap.Tasks["src"][1]["n"] != "1" {
		t.Fatalf("tasks of src %v", snap.Tasks["src"])
	}
	if _, ok := snap.Tasks["my-sink-1"]; ok {
		t.Fatalf("an incomplete task generation was applied: %v", snap.Tasks["my-sink-1"])
	}
	if snap.Offset != 12 {
		t.Fatalf("offset %d, want 12", snap.Offset)
	}
}

// What goconnect writes is what a Java worker writes, byte for byte.
func TestConfigStoreWritesConnectFormat(t *testing.T) {
	brokers := cluster(t)
	ensure(t, brokers, TopicSpec{Name: "cfg", Partitions: 1, Replication: 1}, true)
	s, err := OpenConfigStore(brokers, "cfg", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := ctxT(t)
	must(t, s.PutConnector(ctx, "c", map[string]string{"name": "c"}, status.TargetStopped))
	must(t, s.PutTaskConfigs(ctx, "c", []map[string]string{{"a": "1"}}))
	must(t, s.PutTarget(ctx, "c", status.TargetPaused))
	must(t, s.RemoveConnector(ctx, "c"))
	got := readAll(t, brokers, "cfg")
	want := [][2]string{
		{"target-state-c", `{"state":"PAUSED","state.v2":"STOPPED"}`},
		{"connector-c", `{"properties":{"name":"c"}}`},
		{"task-c-0", `{"properties":{"a":"1"}}`},
		{"commit-c", `{"tasks":1}`},
		{"target-state-c", `{"state":"PAUSED","state.v2":"PAUSED"}`},
		{"connector-c", "null"},
		{"target-state-c", "null"},
	}
	if len(got) != len(want) {
		t.Fatalf("records %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("record %d = %v, want %v", i, got[i], want[i])
		}
	}
	if snap := s.Snapshot(); len(snap.Connectors) != 0 {
		t.Fatalf("removed connector still there: %v", snap.Connectors)
	}
}

func readAll(t *testing.T, brokers []string, topic string) [][2]string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	var out [][2]string
	ctx := ctxT(t)
	for int64(len(out)) < total {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records", len(out), total)
		}
		fs.EachRecord(func(r *kgo.Record) {
			v := "null"
			if r.Value != nil {
				v = string(r.Value)
			}
			out = append(out, [2]string{string(r.Key), v})
		})
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Statuses round-trip through the topic in Connect's shape, tombstones
// remove them, and a Java worker's records are read.
func TestStatusStore(t *testing.T) {
	brokers := cluster(t)
	ensure(t, brokers, TopicSpec{Name: "st", Partitions: 5, Replication: 1}, false)
	javaWrites(t, brokers, "st", [][2]string{
		{"status-connector-java", `{"state":"RUNNING","trace":null,"worker_id":"10.0.0.5:8083","generation":7}`},
		{"status-task-java-0", `{"state":"FAILED","trace":"boom","worker_id":"10.0.0.5:8083","generation":7}`},
		// Connect 4.1 adds the plugin version (KIP-891).
		{"status-task-java-1", `{"state":"RUNNING","trace":null,"worker_id":"10.0.0.5:8083","generation":7,"version":"3.4.1.Final"}`},
	})
	s, err := OpenStatusStore(brokers, "st", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := ctxT(t)
	s.Publish(ctx, status.Change{Connector: "go", Task: -1, Status: status.Status{State: status.Running, WorkerID: "w:1"}}, 3)
	s.Publish(ctx, status.Change{Connector: "go", Task: 2, Status: status.Status{State: status.Running, WorkerID: "w:1"}}, 3)
	s.Publish(ctx, status.Change{Connector: "go", Task: 2, Removed: true}, 3)
	must(t, s.Flush(ctx))
	must(t, s.ReadToEnd(ctx))
	b := s.Board()
	if st, ok := b.Connector("java"); !ok || st.State != status.Running || st.WorkerID != "10.0.0.5:8083" {
		t.Fatalf("java connector status %v %v", st, ok)
	}
	if st, ok := b.Task(status.TaskID{Connector: "java", Task: 0}); !ok || st.Trace != "boom" {
		t.Fatalf("java task status %v", st)
	}
	if st, ok := b.Connector("go"); !ok || st.State != status.Running {
		t.Fatalf("go connector status %v", st)
	}
	if _, ok := b.Task(status.TaskID{Connector: "go", Task: 2}); ok {
		t.Fatal("tombstoned task status still there")
	}
	// Active topics (KIP-558): a Java worker's record, ours, and a reset.
	javaWrites(t, brokers, "st", [][2]string{
		{"status-topic-ratings:connector-java", `{"topic":{"name":"ratings","connector":"java","task":0,"discoverTimestamp":1700000000000}}`},
	})
	var resets []string
	s.OnTopicsReset(func(c string) { resets = append(resets, c) })
	s.PublishTopic("java", "more", 1, time.UnixMilli(1700000000001))
	must(t, s.Flush(ctx))
	must(t, s.ReadToEnd(ctx))
	if got := s.ActiveTopics("java"); len(got) != 2 || got[0] != "more" || got[1] != "ratings" {
		t.Fatalf("active topics %v", got)
	}
	must(t, s.ResetTopics(ctx, "java"))
	if got := s.ActiveTopics("java"); len(got) != 0 || len(resets) != 2 {
		t.Fatalf("after reset: topics %v, reset callbacks %v", got, resets)
	}
	recs := readAll(t, brokers, "st")
	found := false
	for _, r := range recs {
		if r[0] == "status-topic-more:connector-java" && r[1] == `{"topic":{"name":"more","connector":"java","task":1,"discoverTimestamp":1700000000001}}` {
			found = true
		}
	}
	if !found {
		t.Fatalf("no active topic record in Connect's format among %v", recs)
	}

	if st, ok := b.Task(status.TaskID{Connector: "java", Task: 1}); !ok || st.Version != "3.4.1.Final" {
		t.Fatalf("java task 1 status %v %v, want version 3.4.1.Final", st, ok)
	}
	// As Connect 4.1 writes them: the version last, null when unknown.
	v, _ := EncodeStatus(status.Status{State: status.Running, WorkerID: "w:1", Version: "4.1.0"}, 3)
	if string(v) != `{"state":"RUNNING","trace":null,"worker_id":"w:1","generation":3,"version":"4.1.0"}` {
		t.Fatalf("status value %s", v)
	}
	v, _ = EncodeStatus(status.Status{State: status.Unassigned, WorkerID: "w:1"}, 3)
	if string(v) != `{"state":"UNASSIGNED","trace":null,"worker_id":"w:1","generation":3,"version":null}` {
		t.Fatalf("status value %s", v)
	}
}

// Offsets written by a Java worker (its own key order) are found by a
// logically equal partition, and overwriting reuses the Java key bytes.
func TestOffsetStoreKeepsJavaKeys(t *testing.T) {
	brokers := cluster(t)
	ensure(t, brokers, TopicSpec{Name: "off", Partitions: 25, Replication: 1}, false)
	javaKey := `["mysql",{"server":"asgard","b":1}]`
	javaWrites(t, brokers, "off", [][2]string{{javaKey, `{"file":"binlog.000003","pos":154}`}})
	s, err := OpenOffsetStore(brokers, "off")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := ctxT(t)
	must(t, s.ReadToEnd(ctx))
	part := map[string]any{"b": int64(1), "server": "asgard"}
	off, err := s.Get(ctx, "mysql", part)
	if err != nil || off["pos"] != int64(154) {
		t.Fatalf("offset %v %v", off, err)
	}
	must(t, s.Put(ctx, "mysql", []offsetstore.Offset{{Partition: part, Offset: map[string]any{"pos": int64(200)}}}))
	off, _ = s.Get(ctx, "mysql", part)
	if off["pos"] != int64(200) {
		t.Fatalf("own write not read back: %v", off)
	}
	recs := readAll(t, brokers, "off")
	if len(recs) != 2 || recs[1][0] != javaKey {
		t.Fatalf("records %v: the overwrite must reuse the Java key bytes", recs)
	}
	s.SetGuard(func() error { return context.Canceled })
	if err := s.Put(ctx, "mysql", []offsetstore.Offset{{Partition: part, Offset: map[string]any{"pos": int64(300)}}}); err == nil {
		t.Fatal("a failing guard let offsets through")
	}
}

// A connector config record is written in the REST request's key order
// (Connect's LinkedHashMap), its order kept in the snapshot; a write with
// no request order (a PATCH's merge) is in the order of Connect's
// new HashMap<>(stored config): a table sized for 5 keys (8 buckets),
// keys sharing a bucket in the stored order.
func TestConfigStoreKeepsKeyOrder(t *testing.T) {
	brokers := cluster(t)
	ensure(t, brokers, TopicSpec{Name: "cfg", Partitions: 1, Replication: 1}, true)
	s, err := OpenConfigStore(brokers, "cfg", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := ctxT(t)
	props := map[string]string{"connector.class": "FileStreamSink", "topics": "in", "file": "/x", "tasks.max": "1", "name": "c"}
	order := []string{"connector.class", "topics", "file", "tasks.max"}
	must(t, s.PutConnector(storage.WithKeyOrder(ctx, order), "c", props, ""))
	// topics and tasks.max share a bucket of 16: the patch keeps topics first.
	props["a<b"] = "x&y"
	must(t, s.PutConnector(ctx, "c", props, ""))
	recs := readAll(t, brokers, "cfg")
	want := []string{
		`{"properties":{"connector.class":"FileStreamSink","topics":"in","file":"/x","tasks.max":"1","name":"c"}}`,
		`{"properties":{"connector.class":"FileStreamSink","name":"c","file":"/x","topics":"in","tasks.max":"1","a<b":"x&y"}}`,
	}
	if len(recs) != 2 || recs[0][1] != want[0] || recs[1][1] != want[1] {
		t.Fatalf("records %v\nwant %v", recs, want)
	}
	if got := s.Snapshot().ConnectorKeys["c"]; strings.Join(got, ",") != "connector.class,file,topics,tasks.max,a<b,name" {
		t.Fatalf("stored key order %v", got)
	}
}

// Task config records come in the HashMap order Connect's Worker writes
// them in: the keys and the order seen on Connect 4.1.1's GET tasks for
// this config.
func TestConfigStoreTaskConfigOrder(t *testing.T) {
	brokers := cluster(t)
	ensure(t, brokers, TopicSpec{Name: "cfg", Partitions: 1, Replication: 1}, true)
	s, err := OpenConfigStore(brokers, "cfg", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := ctxT(t)
	props := map[string]string{"connector.class": "FileStreamSink", "topics": "sa-in", "file": "/x", "tasks.max": "1", "zeta": "1", "alpha": "2", "name": "sa1"}
	order := []string{"connector.class", "topics", "file", "tasks.max", "zeta", "alpha"}
	must(t, s.PutConnector(storage.WithKeyOrder(ctx, order), "sa1", props, ""))
	task := map[string]string{"task.class": "org.apache.kafka.connect.file.FileStreamSinkTask"}
	for k, v := range props {
		task[k] = v
	}
	must(t, s.PutTaskConfigs(ctx, "sa1", []map[string]string{task}))
	recs := readAll(t, brokers, "cfg")
	want := `{"properties":{"connector.class":"FileStreamSink","zeta":"1","file":"/x","task.class":"org.apache.kafka.connect.file.FileStreamSinkTask",` +
		`"topics":"sa-in","tasks.max":"1","alpha":"2","name":"sa1"}}`
	if len(recs) != 3 || recs[1][0] != "task-sa1-0" || recs[1][1] != want {
		t.Fatalf("records %v\nwant task-sa1-0 %s", recs, want)
	}
}

// TestReadToEndWaitsForANewTopic: end offsets of a topic the broker does
// not know yet (created by another worker a moment ago, not yet in the
// answering broker's metadata) are retried, as Connect's KafkaBasedLog
// retries them, instead of failing the worker's start.
func TestReadToEndWaitsForANewTopic(t *testing.T) {
	brokers := cluster(t)
	l, err := OpenLog(brokers, "late", func(*kgo.Record) {})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() { done <- l.ReadToEnd(ctxT(t)) }()
	select {
	case err := <-done:
		t.Fatalf("ReadToEnd of a topic that does not exist yet returned %v, want it to wait", err)
	case <-time.After(300 * time.Millisecond):
	}
	ensure(t, brokers, TopicSpec{Name: "late", Partitions: 3, Replication: 1}, false)
	if err := <-done; err != nil {
		t.Fatalf("ReadToEnd after the topic was created: %v", err)
	}
}
