package worker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/status"
)

// Tests of what the task loops do around the connector: transformations,
// converters, tolerance of failed records, producer settings, topic
// selection. They assert what reaches Kafka, the sink, the DLQ and the
// stored offsets.

// TestSourceTransformsAndDroppedRecordOffsets: the connector's
// transformation chain applies before the converters, with predicates; a
// record the chain drops is not produced and, as in Connect's
// WorkerSourceTask (recordDropped submits nothing), its offset is not
// stored: the stored offset is the last produced record's, even after the
// commit a graceful stop makes.
func TestSourceTransformsAndDroppedRecordOffsets(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	part := map[string]any{"file": "a"}
	c := h.start(props(sourceProps("src"),
		"transforms", "drop,tag",
		"transforms.drop.type", "org.apache.kafka.connect.transforms.Filter",
		"transforms.drop.predicate", "tomb",
		"transforms.tag.type", "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.tag.static.field", "origin",
		"transforms.tag.static.value", "test",
		"predicates", "tomb",
		"predicates.tomb.type", "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"))
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, map[string]any{"n": int64(1)}), srcRec("out", part, 2, nil)}
	h.waitStoredPos("src", part, 1)
	recs := h.readTopic("out", false)
	if len(recs) != 1 || string(recs[0].Value) != `{"n":1,"origin":"test"}` {
		t.Fatalf("topic holds %q, want the first record only, with the inserted field", values(recs))
	}
	c.stopTask(0)
	if got, _ := h.w.Offsets().Get(context.Background(), "src", part); !reflect.DeepEqual(got, map[string]any{"pos": int64(1)}) {
		t.Fatalf("stored offset after the final commit %v, want pos 1 (the dropped record's offset is not submitted)", got)
	}
}

// TestSourceToleratedConverterFailure: with errors.tolerance=all a record
// the converter cannot write is skipped and the task goes on; its offset is
// not submitted (Connect's recordDropped), the next produced record's is.
func TestSourceToleratedConverterFailure(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	part := map[string]any{"file": "a"}
	c := h.start(props(sourceProps("src"), "errors.tolerance", "all"))
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a"), srcRec("out", part, 2, make(chan int)), srcRec("out", part, 3, "c")}
	h.waitStoredPos("src", part, 3)
	if got := values(h.readTopic("out", false)); got != `"a","c"` {
		t.Fatalf("topic holds %s, want \"a\",\"c\"", got)
	}
	if st, _ := h.board.Task(c.id(0)); st.State != status.Running {
		t.Fatalf("task %s, want RUNNING: %s", st.State, st.Trace)
	}
}

// TestSourceConverterFailureFailsTask: with the default tolerance a record
// the converter cannot write fails the task with a trace naming the
// stage, and its offset is not committed.
func TestSourceConverterFailureFailsTask(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	part := map[string]any{"file": "a"}
	c := h.start(sourceProps("src"))
	c.waitTask(0, status.Running)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 1, "a")}
	h.waitStoredPos("src", part, 1)
	h.src.polls <- []connect.SourceRecord{srcRec("out", part, 2, make(chan int))}
	st := c.waitTask(0, status.Failed)
	if !strings.Contains(st.Trace, "VALUE_CONVERTER") {
		t.Errorf("trace does not name the stage VALUE_CONVERTER:\n%s", st.Trace)
	}
	h.waitStoredPos("src", part, 1)
}

// TestSourceProducerCompression: source records are written uncompressed
// by default, as by Connect's Java producer (franz-go's default would be
// snappy), and producer.override.compression.type changes that.
func TestSourceProducerCompression(t *testing.T) {
	for _, tc := range []struct {
		override string
		want     uint8 // the record batch's compression codec
	}{{"", 0}, {"gzip", 1}} {
		t.Run("override="+tc.override, func(t *testing.T) {
			h := newHarness(t, harnessOpts{})
			p := sourceProps("src")
			if tc.override != "" {
				p = props(p, "producer.override.compression.type", tc.override)
			}
			c := h.start(p)
			c.waitTask(0, status.Running)
			h.src.polls <- []connect.SourceRecord{srcRec("out", map[string]any{"f": "a"}, 1, strings.Repeat("x", 1000))}
			rec := h.waitRecords("out", false, 1)[0]
			if got := rec.Attrs.CompressionType(); got != tc.want {
				t.Fatalf("compression codec %d, want %d", got, tc.want)
			}
		})
	}
}

// TestSinkConverterFailureToDLQ: a record the sink's value converter
// cannot read goes, under errors.tolerance=all, to the DLQ with the
// converter's stage and class; the others are delivered and the offsets
// pass over it.
func TestSinkConverterFailureToDLQ(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	c := h.start(props(sinkProps("snk"),
		"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dlq",
		"errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, `"a0"`), rec(0, `{not json`), rec(0, `"a2"`))
	h.waitDelivered("a0", "a2")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 3})
	dlq := h.waitRecords("dlq", false, 1)[0]
	hdrs := map[string]string{}
	for _, hd := range dlq.Headers {
		hdrs[hd.Key] = string(hd.Value)
	}
	if string(dlq.Value) != `{not json` || hdrs["__connect.errors.stage"] != "VALUE_CONVERTER" ||
		hdrs["__connect.errors.class.name"] != "org.apache.kafka.connect.json.JsonConverter" || hdrs["__connect.errors.offset"] != "1" {
		t.Fatalf("DLQ record %q with headers %v", dlq.Value, hdrs)
	}
	if got := h.sink.deliveredValues(); !slices.Equal(got, []string{"a0", "a2"}) {
		t.Fatalf("delivered %v", got)
	}
}

// TestSinkPutFailureFailsTask: a Put failing with an error that is not
// retriable fails the task with that error and the records it names, and
// their offsets are not committed.
func TestSinkPutFailureFailsTask(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	h.sink.onPut = func(_ connect.SinkTaskContext, _ int, recs []connect.SinkRecord) error {
		if slices.ContainsFunc(recs, func(r connect.SinkRecord) bool { return r.Value == "poison" }) {
			return errors.New("cannot store poison")
		}
		return nil
	}
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.produce(rec(0, "a0"))
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 1})
	h.produce(rec(0, "poison"))
	st := c.waitTask(0, status.Failed)
	if !strings.Contains(st.Trace, "cannot store poison") || !strings.Contains(st.Trace, "in-0@1") {
		t.Errorf("trace does not give Put's error and the record:\n%s", st.Trace)
	}
	if got := h.groupOffsets("connect-snk"); got[0] != 1 {
		t.Fatalf("group committed %v after the failed Put, want 0:1", got)
	}
}

// TestSinkTopicsRegex: topics.regex selects topics by a full match, as
// Java's Pattern.matches: pre-in-a is not consumed by in-.*.
func TestSinkTopicsRegex(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	for _, topic := range []string{"in-a", "in-b", "pre-in-a"} {
		h.createTopic(topic, 1)
	}
	p := sinkProps("snk")
	delete(p, "topics")
	c := h.start(props(p, "topics.regex", "in-.*"))
	c.waitTask(0, status.Running)
	var recs []*kgo.Record
	for _, topic := range []string{"pre-in-a", "in-a", "in-b"} {
		recs = append(recs, &kgo.Record{Topic: topic, Value: []byte("from-" + topic)})
	}
	h.produce(recs...)
	h.waitDelivered("from-in-a", "from-in-b")
	holdsFor(t, 500*time.Millisecond, func() bool { return !slices.Contains(h.sink.deliveredValues(), "from-pre-in-a") },
		func() string { return fmt.Sprintf("pre-in-a consumed: %v", h.sink.deliveredValues()) })
}
