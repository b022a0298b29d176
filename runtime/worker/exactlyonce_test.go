package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
)

const (
	eosGroup   = "connect-cluster"
	eosOffsets = "connect-offsets"
)

// newEOSHarness is a worker with exactly-once source support as a
// distributed worker has it: offsets in the offsets topic (read
// committed), written by each task in its own transactions.
func newEOSHarness(t *testing.T) *harness {
	t.Helper()
	var store *kafkastate.OffsetStore
	h := newHarness(t, harnessOpts{
		// Only the transaction boundaries may commit anything.
		workerProps: map[string]string{"offset.flush.interval.ms": "3600000"},
		offsets: func(h *harness) offsetstore.Store {
			h.createTopic(eosOffsets, 1)
			var err error
			if store, err = kafkastate.OpenOffsetStore(h.brokers, eosOffsets); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(store.Close)
			return store
		},
	})
	h.w.EnableExactlyOnce(ExactlyOnce{GroupID: eosGroup, Offsets: store})
	return h
}

// offsetRecords decodes the offsets topic records as "<key>=<value>".
func offsetRecords(recs []*kgo.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Key)+"="+string(r.Value))
	}
	return out
}

func values(recs []*kgo.Record) string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Value))
	}
	return strings.Join(out, ",")
}

// storedPos waits until the offset store holds pos for the partition.
func (h *harness) waitStoredPos(connector string, part map[string]any, pos int64) {
	h.t.Helper()
	var got map[string]any
	eventually(h.t, 20*time.Second, func() bool {
		got, _ = h.w.Offsets().Get(context.Background(), connector, part)
		return reflect.DeepEqual(got, map[string]any{"pos": pos})
	}, func() string { return fmt.Sprintf("stored offset %v, want pos %d", got, pos) })
}

// recs0ProducerID is the producer id of the first record in "out".
func recs0ProducerID(h *harness) int64 {
	h.t.Helper()
	recs := h.readTopic("out", false)
	if len(recs) == 0 {
		h.t.Fatal("no record in out")
	}
	return recs[0].ProducerID
}

// TestExactlyOncePollBoundary: with the default boundary every poll's
// records and the offsets covering them commit in one transaction of the
// task's producer, without waiting for the offset flush interval.
func TestExactlyOncePollBoundary(t *testing.T) {
	h := newEOSHarness(t)
	part := map[string]any{"file": "a"}
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)

	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a"), srcRec("out", part, 2, "b")}
	recs := h.waitRecords("out", true, 2)
	offs := h.waitRecords(eosOffsets, true, 1)
	if got, want := offsetRecords(offs), []string{`["src",{"file":"a"}]={"pos":2}`}; !reflect.DeepEqual(got, want) {
		t.Fatalf("offsets topic holds %v, want %v", got, want)
	}
	for _, r := range append(recs, offs...) {
		if !r.Attrs.IsTransactional() || r.ProducerID != recs[0].ProducerID {
			t.Fatalf("record %s@%d: transactional %v, producer %d; want all in transactions of producer %d",
				r.Topic, r.Offset, r.Attrs.IsTransactional(), r.ProducerID, recs[0].ProducerID)
		}
	}
	h.waitStoredPos("src", part, 2)

	// The next poll is a transaction of its own.
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 3, "c")}
	recs = h.waitRecords("out", true, 3)
	if got := values(recs); got != `"a","b","c"` {
		t.Fatalf("committed values %s", got)
	}
	h.waitStoredPos("src", part, 3)
}

// TestExactlyOnceIntervalBoundary: with transaction.boundary=interval (any
// case, as Connect reads it) the records of several polls stay invisible to read_committed consumers,
// with their offsets, until the transaction commits (here: at the pause,
// before the hour-long interval).
func TestExactlyOnceIntervalBoundary(t *testing.T) {
	h := newEOSHarness(t)
	part := map[string]any{"file": "a"}
	c := h.start(props(sourceProps("src"), "transaction.boundary", "Interval", "transaction.boundary.interval.ms", "3600000"))
	c.waitTask(0, status.Running)

	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 2, "b")}
	h.waitRecords("out", false, 2) // written, in the open transaction
	// The open transaction is the task's, under KIP-618's transactional id.
	txns, err := h.admin.DescribeTransactions(context.Background(), "connect-cluster-src-0")
	if err != nil {
		t.Fatalf("describing transaction connect-cluster-src-0: %v", err)
	}
	if d := txns["connect-cluster-src-0"]; d.Err != nil || d.State != "Ongoing" || len(d.Topics["out"]) == 0 || d.ProducerID != recs0ProducerID(h) {
		t.Fatalf("transaction connect-cluster-src-0: %+v, want Ongoing on out by the records' producer", d)
	}
	if recs := h.readTopic("out", true); len(recs) != 0 {
		t.Fatalf("read_committed sees %s before the transaction committed", values(recs))
	}
	if recs := h.readTopic(eosOffsets, true); len(recs) != 0 {
		t.Fatalf("read_committed sees offsets %v before the transaction committed", offsetRecords(recs))
	}
	if off, _ := h.w.Offsets().Get(context.Background(), "src", part); off != nil {
		t.Fatalf("offset %v stored before the transaction committed", off)
	}

	c.setPaused(true)
	recs := h.waitRecords("out", true, 2)
	if recs[0].ProducerID != recs[1].ProducerID || values(recs) != `"a","b"` {
		t.Fatalf("committed %s from producers %d and %d", values(recs), recs[0].ProducerID, recs[1].ProducerID)
	}
	h.waitStoredPos("src", part, 2)
}

// TestExactlyOnceAbortedTransactionInvisible: a record the converter
// cannot write fails the task and aborts its transaction: the records
// already sent in it never reach read_committed consumers, their offsets
// are not stored, and the restarted task resumes from the last committed
// transaction.
func TestExactlyOnceAbortedTransactionInvisible(t *testing.T) {
	h := newEOSHarness(t)
	part := map[string]any{"file": "a"}
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.waitRecords("out", true, 1)
	h.waitStoredPos("src", part, 1)

	// A Go channel has no JSON form: the second record fails the value
	// converter after the first is sent.
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 2, "b"), srcRec("out", part, 3, make(chan int))}
	c.waitTask(0, status.Failed)
	c.stopTask(0)
	c.startTask(0)
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 2, "b2")}
	recs := h.waitRecords("out", true, 2)
	if got := values(recs); got != `"a","b2"` {
		t.Fatalf("read_committed sees %s, want \"a\",\"b2\" (nothing of the aborted transaction)", got)
	}
	h.waitStoredPos("src", part, 2)
	var offs []map[string]any
	for _, r := range h.readTopic(eosOffsets, true) {
		var v map[string]any
		_ = json.Unmarshal(r.Value, &v)
		offs = append(offs, v)
	}
	if len(offs) != 2 {
		t.Fatalf("committed offsets %v, want pos 1 then pos 2", offs)
	}
}

// TestExactlyOnceFencing: fencing a task (as a new instance's start does)
// aborts the transaction its earlier instance left open, and that zombie
// can commit nothing afterwards; a new instance resumes from the last
// committed offsets.
func TestExactlyOnceFencing(t *testing.T) {
	// KIP-618's transactional id, which a Java worker fences too.
	if id := transactionalID(eosGroup, "src", 0); id != "connect-cluster-src-0" {
		t.Fatalf("transactional id %s, want connect-cluster-src-0", id)
	}
	h := newEOSHarness(t)
	part := map[string]any{"file": "a"}
	c := h.start(props(sourceProps("src"), "transaction.boundary", "interval", "transaction.boundary.interval.ms", "3600000"))
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.waitRecords("out", false, 1)

	cl, err := kgo.NewClient(kgo.SeedBrokers(h.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := FenceSourceTask(ctx, cl, eosGroup, "src", 0); err != nil {
		t.Fatal(err)
	}
	// The open transaction is aborted: its marker moves the last stable
	// offset past the record, which read_committed never returns.
	eventually(t, 20*time.Second, func() bool {
		ends, err := h.admin.ListCommittedOffsets(ctx, "out")
		lso, _ := ends.Lookup("out", 0)
		return err == nil && lso.Offset > 1
	}, func() string { return "no abort marker after fencing" })
	if recs := h.readTopic("out", true); len(recs) != 0 {
		t.Fatalf("read_committed sees %s from the fenced transaction", values(recs))
	}

	// The zombie goes on (or fails): nothing it sends can commit.
	c.feed(0, []connect.SourceRecord{srcRec("out", part, 2, "b")})
	c.setPaused(true) // commits the open transaction, or tries to
	c.setPaused(false)
	c.feed(0, []connect.SourceRecord{srcRec("out", part, 3, "c")})
	c.stopTask(0) // commits again, or tries to
	if recs := h.readTopic("out", true); len(recs) != 0 {
		t.Fatalf("read_committed sees %s written by the fenced instance", values(recs))
	}
	if off, _ := h.w.Offsets().Get(context.Background(), "src", part); off != nil {
		t.Fatalf("the fenced instance stored offset %v", off)
	}

	c.startTask(0)
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a2")}
	h.waitValue("out", false, `"a2"`)
	c.stopTask(0) // commits the interval's transaction
	if got := values(h.waitRecords("out", true, 1)); got != `"a2"` {
		t.Fatalf("read_committed sees %s, want the new instance's \"a2\" only", got)
	}
	h.waitStoredPos("src", part, 1)
}
