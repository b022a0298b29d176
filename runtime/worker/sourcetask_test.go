package worker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/runtime/status"
)

func sourceProps(name string) map[string]string {
	return map[string]string{"name": name, "connector.class": scriptedSourceClass, "tasks.max": "1"}
}

// srcRec is a schemaless source record for topic with the given source offset.
func srcRec(topic string, part map[string]any, pos int64, value any) connect.SourceRecord {
	return connect.SourceRecord{
		Record:          connect.Record{Topic: topic, Partition: connect.NoPartition, Key: fmt.Sprintf("k%d", pos), Value: value},
		SourcePartition: part, SourceOffset: map[string]any{"pos": pos},
	}
}

// TestSourceRecordsReachKafkaAsConverted: a polled record reaches its topic
// with the bytes of the worker's converters (StringConverter keys,
// schemaless JsonConverter values, SimpleHeaderConverter headers), its
// timestamp, its explicit partition, and null key and value kept null.
func TestSourceRecordsReachKafkaAsConverted(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.createTopic("out", 2)
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)

	ts := time.UnixMilli(1_700_000_000_123)
	part := map[string]any{"file": "a"}
	h.src.polls <- []connect.SourceRecord{{
		Record: connect.Record{Topic: "out", Partition: 1, KeySchema: data.StringSchema, Key: "k1",
			Value: map[string]any{"n": int64(7)}, Timestamp: ts,
			Headers: connect.Headers{{Key: "h-str", Schema: data.StringSchema, Value: "v1"}, {Key: "h-int", Schema: data.Int32Schema, Value: int32(42)}}},
		SourcePartition: part, SourceOffset: map[string]any{"pos": int64(1)},
	}, {
		Record:          connect.Record{Topic: "out", Partition: 0},
		SourcePartition: part, SourceOffset: map[string]any{"pos": int64(2)},
	}}

	recs := h.waitRecords("out", false, 2)
	tomb, first := recs[0], recs[1] // sorted by partition
	if first.Partition != 1 || string(first.Key) != "k1" || string(first.Value) != `{"n":7}` || !first.Timestamp.Equal(ts) {
		t.Errorf("first record: partition %d key %q value %q timestamp %v; want 1 \"k1\" {\"n\":7} %v",
			first.Partition, first.Key, first.Value, first.Timestamp, ts)
	}
	var hdrs []string
	for _, hd := range first.Headers {
		hdrs = append(hdrs, hd.Key+"="+string(hd.Value))
	}
	if got := strings.Join(hdrs, ","); got != "h-str=v1,h-int=42" {
		t.Errorf("headers %s, want h-str=v1,h-int=42", got)
	}
	if tomb.Partition != 0 || tomb.Key != nil || tomb.Value != nil {
		t.Errorf("null record: partition %d key %q value %q; want 0 and nulls", tomb.Partition, tomb.Key, tomb.Value)
	}
}

// TestSourceOffsetsCommittedAfterAcknowledgement: the offsets of produced
// records reach the offset store at the next flush, the task's Commit hook
// runs after they are stored, and a restarted task reads them back from
// its context to resume.
func TestSourceOffsetsCommittedAfterAcknowledgement(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	part := map[string]any{"file": "a"}
	stored := func() map[string]any {
		off, err := h.w.Offsets().Get(context.Background(), "src", part)
		if err != nil {
			t.Fatal(err)
		}
		return off
	}
	sawAtCommit := make(chan map[string]any, 100)
	h.src.onCommit = func() { sawAtCommit <- stored() }
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)

	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a"), srcRec("out", part, 2, "b")}
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 3, "c")}
	h.waitRecords("out", false, 3)
	want := map[string]any{"pos": int64(3)}
	eventually(t, 10*time.Second, func() bool { return reflect.DeepEqual(stored(), want) },
		func() string { return fmt.Sprintf("stored offset %v, want %v", stored(), want) })
	eventually(t, 10*time.Second, func() bool { return h.src.commits.Load() > 0 },
		func() string { return "the task's Commit hook was not called" })
	if saw := <-sawAtCommit; saw == nil {
		t.Errorf("Commit hook ran before any offset was stored")
	}

	c.stopTask(0)
	<-h.src.started // the first start
	c.startTask(0)
	var tc connect.SourceTaskContext
	select {
	case tc = <-h.src.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the task did not start again")
	}
	got, err := tc.Offsets().Offset(context.Background(), part)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("restarted task reads offset %v (%v), want %v", got, err, want)
	}
}

// TestSourceOffsetsOfUnwrittenRecordsNotCommitted: when the broker
// refuses a batch (its topic does not exist and is not created), the task
// fails naming the topic once its next poll returns, and only the offsets of the batches written
// before it are committed, so a restart produces the refused records again.
func TestSourceOffsetsOfUnwrittenRecordsNotCommitted(t *testing.T) {
	h := newHarness(t, harnessOpts{noAutoCreate: true, workerProps: map[string]string{"offset.flush.interval.ms": "3600000"}})
	h.createTopic("out", 1)
	part := map[string]any{"file": "a"}
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)

	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.waitRecords("out", false, 1)
	h.src.polls <- []connect.SourceRecord{srcRec("missing", part, 2, "b")}
	// The task sees the failed send when its next poll returns: keep
	// offering empty polls.
	var st status.Status
	eventually(t, 20*time.Second, func() bool {
		select {
		case h.src.polls <- nil:
		default:
		}
		st, _ = h.board.Task(c.id(0))
		return st.State == status.Failed
	}, func() string { return "task state " + string(st.State) + ", want FAILED" })
	if !strings.Contains(st.Trace, "missing") {
		t.Errorf("trace does not name the missing topic:\n%s", st.Trace)
	}
	off, err := h.w.Offsets().Get(context.Background(), "src", part)
	if want := map[string]any{"pos": int64(1)}; err != nil || !reflect.DeepEqual(off, want) {
		t.Fatalf("stored offset %v (%v), want %v: the written batch only", off, err, want)
	}
}

// TestSourcePauseCommitsAndStopsPolling: pausing a source task commits
// the offsets of what it sent (here long before the hour-long flush
// interval) and stops its polls until it is resumed.
func TestSourcePauseCommitsAndStopsPolling(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "3600000"}})
	part := map[string]any{"file": "a"}
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.waitRecords("out", false, 1)

	c.setPaused(true)
	c.waitTask(0, status.Paused)
	h.waitStoredPos("src", part, 1)
	holdsFor(t, 500*time.Millisecond, func() bool {
		select {
		case h.src.polls <- []connect.SourceRecord{srcRec("out", part, 2, "b")}:
			return false
		default:
			return true
		}
	}, func() string { return "a paused task polled" })

	c.setPaused(false)
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 2, "b")}
	h.waitRecords("out", false, 2)
}

// TestSourcePollErrors: a Poll failing with a retriable error is polled
// again and the task keeps running; any other error fails the task with
// it, after committing the offsets of what was already written.
func TestSourcePollErrors(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "3600000"}})
	part := map[string]any{"file": "a"}
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)
	h.src.pollErrs <- connect.Retriable(errors.New("source database away"))
	h.src.pollErrs <- connect.Retriable(errors.New("source database away"))
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.waitRecords("out", false, 1)
	if st, _ := h.board.Task(c.id(0)); st.State != status.Running {
		t.Fatalf("task %s after retriable poll failures, want RUNNING: %s", st.State, st.Trace)
	}

	h.src.pollErrs <- errors.New("source schema changed incompatibly")
	st := c.waitTask(0, status.Failed)
	if !strings.Contains(st.Trace, "source schema changed incompatibly") {
		t.Errorf("trace does not give Poll's error:\n%s", st.Trace)
	}
	h.waitStoredPos("src", part, 1)
}

// TestSourceCancelledTaskStaysQuiet: a task that does not stop within
// task.shutdown.graceful.timeout.ms is given up on (cancelled, as Connect
// does). When it ends later, with its records in flight cut off, it must
// neither report a status (it would turn the newer instance's RUNNING
// into FAILED: seen after a REST restart in the issue-20 restart test)
// nor commit offsets (they could overwrite the newer instance's).
func TestSourceCancelledTaskStaysQuiet(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{
		"offset.flush.interval.ms": "3600000", "task.shutdown.graceful.timeout.ms": "200"}})
	part := map[string]any{"file": "a"}
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.waitRecords("out", false, 1)

	h.src.stopGate = make(chan struct{})
	old := h.w.tasks[c.id(0)].h
	delete(c.running, 0)
	if err := h.w.StopTask(context.Background(), c.id(0)); err == nil || !strings.Contains(err.Error(), "did not stop in time") {
		t.Fatalf("StopTask: %v, want the graceful timeout", err)
	}
	c.startTask(0)
	c.waitTask(0, status.Running)
	close(h.src.stopGate) // the old instance now ends
	select {
	case <-old.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the cancelled task did not end")
	}
	if st, _ := h.board.Task(c.id(0)); st.State != status.Running {
		t.Errorf("task 0 after the cancelled instance ended: %s %s, want the new instance's RUNNING", st.State, st.Trace)
	}
	if off, err := h.w.Offsets().Get(context.Background(), "src", part); err != nil || off != nil {
		t.Errorf("stored offset %v (%v): the cancelled instance committed", off, err)
	}
}
