package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/status"
)

// sinkProps is the recording sink on topic "in" with string keys and values.
func sinkProps(name string) map[string]string {
	return map[string]string{"name": name, "connector.class": recordingSinkClass, "tasks.max": "1", "topics": "in",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter"}
}

// rec is a record of topic "in" for partition p.
func rec(p int32, value string) *kgo.Record {
	return &kgo.Record{Topic: "in", Partition: p, Key: []byte(fmt.Sprintf("k-%s", value)), Value: []byte(value)}
}

// delivered lists the values of the records Put accepted, in order.
func (s *sinkScript) deliveredValues() []string {
	_, d := s.snapshot()
	out := make([]string, 0, len(d))
	for _, r := range d {
		out = append(out, fmt.Sprint(r.Value))
	}
	return out
}

// waitDelivered waits until Put accepted records with all the values.
func (h *harness) waitDelivered(values ...string) {
	h.t.Helper()
	eventually(h.t, 20*time.Second, func() bool {
		got := h.sink.deliveredValues()
		for _, v := range values {
			if !slices.Contains(got, v) {
				return false
			}
		}
		return true
	}, func() string {
		return fmt.Sprintf("delivered %v, want %v among them", h.sink.deliveredValues(), values)
	})
}

// waitGroupOffsets waits until the sink's consumer group committed want.
func (h *harness) waitGroupOffsets(group string, want map[int32]int64) {
	h.t.Helper()
	var got map[int32]int64
	eventually(h.t, 20*time.Second, func() bool { got = h.groupOffsets(group); return maps.Equal(got, want) },
		func() string { return fmt.Sprintf("group %s committed %v, want %v", group, got, want) })
}

// holdsFor checks that cond stays true for d: the window in which a
// missing feature would show (records delivered while they must not be).
func holdsFor(t *testing.T, d time.Duration, cond func() bool, what func() string) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if !cond() {
			t.Fatal(what())
		}
	}
}

func noDuplicates(t *testing.T, values []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, v := range values {
		if seen[v] {
			t.Fatalf("%s delivered twice: %v", v, values)
		}
		seen[v] = true
	}
}

// TestSinkDeliversAndCommitsGroupOffsets: consumed records reach Put as
// the converters read them, in partition order, and the group
// connect-<name> commits the offsets the task flushed.
func TestSinkDeliversAndCommitsGroupOffsets(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 2)
	h.produce(rec(0, "a0"), rec(0, "a1"), rec(0, "a2"), rec(1, "b0"), rec(1, "b1"))
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.waitDelivered("a0", "a1", "a2", "b0", "b1")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 3, 1: 2})

	_, d := h.sink.snapshot()
	next := map[int32]int64{}
	for _, r := range d {
		if r.Topic != "in" || r.Key != "k-"+fmt.Sprint(r.Value) || r.KafkaOffset != next[r.Partition] || r.OriginalOffset != r.KafkaOffset {
			t.Errorf("record %s-%d@%d key %v value %v: want offset %d and key k-<value>", r.Topic, r.Partition, r.KafkaOffset, r.Key, r.Value, next[r.Partition])
		}
		next[r.Partition] = r.KafkaOffset + 1
	}
	h.sink.mu.Lock()
	flushed := maps.Clone(h.sink.flushed)
	h.sink.mu.Unlock()
	if want := map[connect.TopicPartition]int64{{Topic: "in", Partition: 0}: 3, {Topic: "in", Partition: 1}: 2}; !maps.Equal(flushed, want) {
		t.Errorf("task flushed %v before the commit, want %v", flushed, want)
	}
}

// TestSinkPauseStopsDeliveriesResumeLosesNothing: a paused connector's
// task reports PAUSED and gets no records; resumed, it gets every record
// produced meanwhile, once.
func TestSinkPauseStopsDeliveriesResumeLosesNothing(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 2)
	h.produce(rec(0, "a0"), rec(1, "b0"))
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.waitDelivered("a0", "b0")

	c.setPaused(true)
	c.waitTask(0, status.Paused)
	h.produce(rec(0, "a1"), rec(1, "b1"), rec(0, "a2"))
	h.waitRecords("in", false, 5)
	holdsFor(t, time.Second, func() bool { return len(h.sink.deliveredValues()) == 2 },
		func() string { return fmt.Sprintf("paused task was handed %v", h.sink.deliveredValues()) })

	c.setPaused(false)
	c.waitTask(0, status.Running)
	h.waitDelivered("a0", "b0", "a1", "b1", "a2")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 3, 1: 2})
	noDuplicates(t, h.sink.deliveredValues())
}

// TestSinkTaskPausesAndResumesPartitions: partitions the task pauses
// through its context get no records, also across a pause and resume of
// the connector (as Connect's resumeAll skips them), until the task
// resumes them; then nothing is lost.
func TestSinkTaskPausesAndResumesPartitions(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 2)
	p0 := connect.TopicPartition{Topic: "in", Partition: 0}
	h.sink.onPut = func(tc connect.SinkTaskContext, _ int, recs []connect.SinkRecord) error {
		for _, r := range recs {
			switch r.Value {
			case "pause-p0":
				tc.Pause(p0)
			case "resume-p0":
				tc.Resume(p0)
			}
		}
		return nil
	}
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"), rec(1, "pause-p0"))
	h.waitDelivered("a0", "pause-p0")

	h.produce(rec(0, "a1"))
	h.produce(rec(1, "b1"))
	h.waitDelivered("b1")
	notA1 := func() bool { return !slices.Contains(h.sink.deliveredValues(), "a1") }
	if !notA1() {
		t.Fatalf("a record of the partition the task paused was delivered: %v", h.sink.deliveredValues())
	}

	c.setPaused(true)
	c.waitTask(0, status.Paused)
	c.setPaused(false)
	c.waitTask(0, status.Running)
	h.produce(rec(1, "b2"))
	h.waitDelivered("b2")
	holdsFor(t, 500*time.Millisecond, notA1, func() string {
		return fmt.Sprintf("resuming the connector resumed the partition the task paused: %v", h.sink.deliveredValues())
	})

	h.produce(rec(1, "resume-p0"))
	h.waitDelivered("resume-p0", "a1")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 2, 1: 4})
	noDuplicates(t, h.sink.deliveredValues())
}

// TestSinkRequestCommit: a task asking for a commit gets its offsets
// committed at once, not at the (hour-long) flush interval.
func TestSinkRequestCommit(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "3600000"}})
	h.createTopic("in", 1)
	h.sink.onPut = func(tc connect.SinkTaskContext, _ int, recs []connect.SinkRecord) error {
		if slices.ContainsFunc(recs, func(r connect.SinkRecord) bool { return r.Value == "commit-now" }) {
			tc.RequestCommit()
		}
		return nil
	}
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"))
	h.waitDelivered("a0")
	if got := h.groupOffsets("connect-snk"); len(got) != 0 {
		t.Fatalf("offsets %v committed before the interval without a request", got)
	}
	h.produce(rec(0, "a1"), rec(0, "commit-now"))
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 3})
}

// TestSinkRetriablePutRedelivers: a Put failing with a retriable error
// gets the same records again until it succeeds; the task keeps running,
// nothing is lost or delivered twice, and the offsets are committed.
func TestSinkRetriablePutRedelivers(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	h.sink.onPut = func(_ connect.SinkTaskContext, call int, _ []connect.SinkRecord) error {
		if call <= 2 {
			return connect.Retriable(errors.New("store busy"))
		}
		return nil
	}
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"), rec(0, "a1"), rec(0, "a2"))
	h.waitDelivered("a0", "a1", "a2")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 3})

	puts, _ := h.sink.snapshot()
	offsets := func(b []connect.SinkRecord) []int64 {
		var out []int64
		for _, r := range b {
			out = append(out, r.KafkaOffset)
		}
		return out
	}
	if len(puts) < 3 || !reflect.DeepEqual(offsets(puts[0]), offsets(puts[1])) || !reflect.DeepEqual(offsets(puts[0]), offsets(puts[2])) {
		var got [][]int64
		for _, p := range puts {
			got = append(got, offsets(p))
		}
		t.Fatalf("puts of offsets %v: want the failed batch handed over again, twice", got)
	}
	noDuplicates(t, h.sink.deliveredValues())
	if st, _ := h.board.Task(c.id(0)); st.State != status.Running {
		t.Fatalf("task %s after retriable failures, want RUNNING: %s", st.State, st.Trace)
	}
}

// TestSinkErrantRecordToDLQ: a record the task reports through its errant
// record reporter goes to the DLQ topic with its original bytes and
// headers plus Connect's error context headers; the others are delivered
// and the offsets pass over it.
func TestSinkErrantRecordToDLQ(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	h.sink.onPut = func(tc connect.SinkTaskContext, _ int, recs []connect.SinkRecord) error {
		for _, r := range recs {
			if r.Value == "bad" {
				if err := tc.ErrantRecordReporter().Report(context.Background(), r, errors.New("cannot write bad")); err != nil {
					return err
				}
			}
		}
		return nil
	}
	c := h.start(props(sinkProps("snk"), "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dlq",
		"errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"))
	c.waitTask(0, status.Running)
	bad := rec(0, "bad")
	bad.Headers = []kgo.RecordHeader{{Key: "orig", Value: []byte("x")}}
	h.produce(rec(0, "a0"), bad, rec(0, "a2"))
	h.waitDelivered("a0", "a2")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 3})

	dlq := h.waitRecords("dlq", false, 1)[0]
	if string(dlq.Key) != "k-bad" || string(dlq.Value) != "bad" {
		t.Errorf("DLQ record key %q value %q, want the original bytes", dlq.Key, dlq.Value)
	}
	hdrs := map[string]string{}
	for _, hd := range dlq.Headers {
		hdrs[hd.Key] = string(hd.Value)
	}
	for k, v := range map[string]string{
		"orig":                            "x",
		"__connect.errors.topic":          "in",
		"__connect.errors.partition":      "0",
		"__connect.errors.offset":         "1",
		"__connect.errors.connector.name": "snk",
		"__connect.errors.task.id":        "0",
		"__connect.errors.stage":          "TASK_PUT",
		"__connect.errors.class.name":     "org.apache.kafka.connect.sink.SinkTask",
	} {
		if hdrs[k] != v {
			t.Errorf("DLQ header %s = %q, want %q", k, hdrs[k], v)
		}
	}
	if !strings.Contains(hdrs["__connect.errors.exception.message"], "cannot write bad") || hdrs["__connect.errors.exception.class.name"] == "" {
		t.Errorf("DLQ exception headers: class %q message %q", hdrs["__connect.errors.exception.class.name"], hdrs["__connect.errors.exception.message"])
	}
}

// TestSinkRetriablePutWithinRetryTimeout: with errors.retry.timeout set, a
// Put that keeps asking for a retry fails the task once the timeout has
// passed, and the records it never accepted are not committed.
func TestSinkRetriablePutWithinRetryTimeout(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	h.sink.onPut = func(connect.SinkTaskContext, int, []connect.SinkRecord) error {
		return connect.Retriable(errors.New("store busy"))
	}
	c := h.start(props(sinkProps("snk"), "errors.retry.timeout", "500", "errors.retry.delay.max.ms", "100"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"))
	st := c.waitTask(0, status.Failed)
	if !strings.Contains(st.Trace, "store busy") {
		t.Errorf("trace does not give Put's error:\n%s", st.Trace)
	}
	if puts, _ := h.sink.snapshot(); len(puts) < 2 {
		t.Errorf("Put called %d times, want retries before failing", len(puts))
	}
	if got := h.groupOffsets("connect-snk"); len(got) != 0 {
		t.Fatalf("offsets %v committed for records Put never accepted", got)
	}
}

// TestSinkStopCommitsAndRestartResumes: a stopped sink task flushes and
// commits what it was handed (before the hour-long interval), and the
// task started again gets only the records after them.
func TestSinkStopCommitsAndRestartResumes(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "3600000"}})
	h.createTopic("in", 1)
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"), rec(0, "a1"))
	h.waitDelivered("a0", "a1")
	c.stopTask(0)
	if got, want := h.groupOffsets("connect-snk"), map[int32]int64{0: 2}; !maps.Equal(got, want) {
		t.Fatalf("after the stop the group has %v, want %v", got, want)
	}

	h.produce(rec(0, "a2"))
	c.startTask(0)
	c.waitTask(0, status.Running)
	h.waitDelivered("a2")
	if got := h.sink.deliveredValues(); !slices.Equal(got, []string{"a0", "a1", "a2"}) {
		t.Fatalf("delivered %v, want a0 a1 then a2 once", got)
	}
}

// TestSinkTasksShareTheGroup: two tasks of a connector consume in one
// group, connect-<name>; when one stops, the other takes its partitions
// over from their committed offsets, losing nothing.
func TestSinkTasksShareTheGroup(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 2)
	c := h.start(props(sinkProps("snk"), "tasks.max", "2"))
	c.waitTask(0, status.Running)
	c.waitTask(1, status.Running)
	h.produce(rec(0, "a0"), rec(1, "b0"))
	h.waitDelivered("a0", "b0")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 1, 1: 1})

	c.stopTask(1)
	h.produce(rec(0, "a1"), rec(1, "b1"))
	h.waitDelivered("a1", "b1")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 2, 1: 2})
	noDuplicates(t, h.sink.deliveredValues())
}

// TestSinkPartitionsOpenedAndClosed: a partition-aware task has its
// assigned partitions opened before records arrive, sees them in its
// context's Assignment, and has them closed when it stops.
func TestSinkPartitionsOpenedAndClosed(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.createTopic("in", 2)
	var assigned []connect.TopicPartition
	h.sink.onPut = func(tc connect.SinkTaskContext, call int, _ []connect.SinkRecord) error {
		if call == 1 {
			assigned = tc.Assignment()
		}
		return nil
	}
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"))
	h.waitDelivered("a0")
	both := []connect.TopicPartition{{Topic: "in", Partition: 0}, {Topic: "in", Partition: 1}}
	h.sink.mu.Lock()
	open := slices.Collect(maps.Keys(h.sink.open))
	h.sink.mu.Unlock()
	byPartition := func(a, b connect.TopicPartition) int { return int(a.Partition - b.Partition) }
	slices.SortFunc(open, byPartition)
	slices.SortFunc(assigned, byPartition)
	if !slices.Equal(open, both) || !slices.Equal(assigned, both) {
		t.Fatalf("opened %v, Assignment %v; want %v", open, assigned, both)
	}
	c.stopTask(0)
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	if len(h.sink.open) != 0 || h.sink.closed != 2 {
		t.Fatalf("after the stop %v still open, %d closed; want both closed", h.sink.open, h.sink.closed)
	}
}

// TestSinkErrantRecordNotTolerated: with the default errors.tolerance=none
// a record the task reports fails the task after Put, even though Put
// returned no error, and its offset is not committed.
func TestSinkErrantRecordNotTolerated(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	h.sink.onPut = func(tc connect.SinkTaskContext, _ int, recs []connect.SinkRecord) error {
		for _, r := range recs {
			if r.Value == "bad" {
				_ = tc.ErrantRecordReporter().Report(context.Background(), r, errors.New("cannot write bad"))
			}
		}
		return nil
	}
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"))
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 1})
	h.produce(rec(0, "bad"))
	st := c.waitTask(0, status.Failed)
	if !strings.Contains(st.Trace, "cannot write bad") {
		t.Errorf("trace does not give the reported error:\n%s", st.Trace)
	}
	if got := h.groupOffsets("connect-snk"); got[0] != 1 {
		t.Fatalf("group committed %v, want 0:1 (not past the reported record)", got)
	}
}

// TestSinkErrantRecordReportedLater: a record reported after its batch
// (a task that writes asynchronously) is rebuilt with the task's
// converters for the DLQ, keeping its original coordinates.
func TestSinkErrantRecordReportedLater(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	var held []connect.SinkRecord
	h.sink.onPut = func(tc connect.SinkTaskContext, _ int, recs []connect.SinkRecord) error {
		for _, r := range recs {
			switch r.Value {
			case "late":
				held = append(held, r)
			case "now":
				for _, l := range held {
					if err := tc.ErrantRecordReporter().Report(context.Background(), l, errors.New("late failure")); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	c := h.start(props(sinkProps("snk"), "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dlq",
		"errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "late"))
	h.waitDelivered("late")
	h.produce(rec(0, "now"))
	dlq := h.waitRecords("dlq", false, 1)[0]
	hdrs := map[string]string{}
	for _, hd := range dlq.Headers {
		hdrs[hd.Key] = string(hd.Value)
	}
	if string(dlq.Key) != "k-late" || string(dlq.Value) != "late" || hdrs["__connect.errors.offset"] != "0" || hdrs["__connect.errors.topic"] != "in" {
		t.Fatalf("DLQ record key %q value %q headers %v; want the late record with offset 0", dlq.Key, dlq.Value, hdrs)
	}
}

// TestSinkFailedTaskRestartRedeliversUncommitted: at least once — a task
// failing in Put still commits, as it closes, what Put accepted (Connect's
// closeAllPartitions, long before the hour-long interval); its restarted
// instance gets the failed record again and nothing before it.
func TestSinkFailedTaskRestartRedeliversUncommitted(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "3600000"}})
	h.createTopic("in", 1)
	var failPoison atomic.Bool
	failPoison.Store(true)
	h.sink.onPut = func(_ connect.SinkTaskContext, _ int, recs []connect.SinkRecord) error {
		if failPoison.Load() && slices.ContainsFunc(recs, func(r connect.SinkRecord) bool { return r.Value == "poison" }) {
			return errors.New("cannot store poison")
		}
		return nil
	}
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"), rec(0, "a1"))
	h.waitDelivered("a0", "a1")
	h.produce(rec(0, "poison"))
	c.waitTask(0, status.Failed)
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 2})

	failPoison.Store(false)
	before := len(h.sink.deliveredValues())
	c.stopTask(0)
	c.startTask(0)
	c.waitTask(0, status.Running)
	h.waitDelivered("poison")
	if got := h.sink.deliveredValues()[before:]; !slices.Equal(got, []string{"poison"}) {
		t.Fatalf("restarted task got %v, want the failed record only", got)
	}
}
