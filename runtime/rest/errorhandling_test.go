package rest_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	sinkName = "es-like"
	inTopic  = "in"
	dlqTopic = "in-dlq"
)

// sinkConfig is a FileStream (or test) sink on inTopic with extra settings.
func sinkConfig(class, file string, extra map[string]string) map[string]any {
	c := map[string]string{"connector.class": class, "topics": inTopic, "file": file, "tasks.max": "1"}
	for k, v := range extra {
		c[k] = v
	}
	return map[string]any{"name": sinkName, "config": c}
}

const fileSink = "org.apache.kafka.connect.file.FileStreamSinkConnector"

var dlqAll = map[string]string{
	"errors.tolerance":                                "all",
	"errors.log.enable":                               "true",
	"errors.deadletterqueue.topic.name":               dlqTopic,
	"errors.deadletterqueue.topic.replication.factor": "3",
	"errors.deadletterqueue.context.headers.enable":   "true",
}

func waitLines(t *testing.T, path string, want ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%v in %s", want, path), func() bool {
		lines := readLines(path)
		for _, w := range want {
			if !slices.Contains(lines, w) {
				return false
			}
		}
		return true
	})
}

// checkDLQ reads the one DLQ record and checks its bytes and every
// context header.
func checkDLQ(t *testing.T, e *env, value string, offset int, stage, class, excClass, msgPart string) {
	t.Helper()
	recs := countRecords(t, e.broker, dlqTopic, 1)
	r := recs[0]
	if string(r.Value) != value || string(r.Key) != "k" {
		t.Fatalf("DLQ record key %q value %q, want original bytes k / %q", r.Key, r.Value, value)
	}
	h := headerMap(r)
	want := map[string]string{
		"original-header":                       "kept",
		"__connect.errors.topic":                inTopic,
		"__connect.errors.partition":            "0",
		"__connect.errors.offset":               fmt.Sprint(offset),
		"__connect.errors.connector.name":       sinkName,
		"__connect.errors.task.id":              "0",
		"__connect.errors.stage":                stage,
		"__connect.errors.class.name":           class,
		"__connect.errors.exception.class.name": excClass,
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("DLQ header %s = %q, want %q (all: %v)", k, h[k], v, h)
		}
	}
	if !strings.Contains(h["__connect.errors.exception.message"], msgPart) {
		t.Errorf("exception message %q lacks %q", h["__connect.errors.exception.message"], msgPart)
	}
	if !strings.HasPrefix(h["__connect.errors.exception.stacktrace"], excClass+": ") {
		t.Errorf("stacktrace %q", h["__connect.errors.exception.stacktrace"])
	}
	if len(r.Headers) != 11 {
		t.Errorf("DLQ record has %d headers, want the original one and 10 context headers", len(r.Headers))
	}
}

func poisonRecord(value string) *kgo.Record {
	return &kgo.Record{Topic: inTopic, Key: []byte("k"), Value: []byte(value),
		Headers: []kgo.RecordHeader{{Key: "original-header", Value: []byte("kept")}}}
}

// TestPoisonJSONToleranceAllGoesToDLQ: an undecodable value is skipped to
// the DLQ with every context header, later records arrive, the skipped
// record's offset is committed and the error metrics move.
func TestPoisonJSONToleranceAllGoesToDLQ(t *testing.T) {
	e := newEnv(t, nil)
	out := e.dir + "/out.txt"
	produceRecords(t, e.broker.Addrs(), poisonRecord(`"good-0"`), poisonRecord(`{not json`), poisonRecord(`"good-2"`))
	e.expect(http.MethodPost, "/connectors", sinkConfig(fileSink, out, dlqAll), http.StatusCreated, "")
	waitLines(t, out, "good-0", "good-2")
	checkDLQ(t, e, `{not json`, 1, "VALUE_CONVERTER", "org.apache.kafka.connect.json.JsonConverter",
		"org.apache.kafka.connect.errors.DataException", "serialization error")
	waitFor(t, "offset 3 committed", func() bool { return committed(t, e.broker.Addrs(), sinkName, inTopic) == 3 })
	fams := e.scrape()
	l := map[string]string{"connector": sinkName, "task": "0"}
	for name, want := range map[string]float64{
		"kafka_connect_task_error_total_records_skipped":            1,
		"kafka_connect_task_error_total_record_errors":              1,
		"kafka_connect_task_error_total_record_failures":            1,
		"kafka_connect_task_error_total_errors_logged":              1,
		"kafka_connect_task_error_deadletterqueue_produce_requests": 1,
		"kafka_connect_task_error_deadletterqueue_produce_failures": 0,
		"kafka_connect_sink_task_sink_record_read_total":            3,
		"kafka_connect_sink_task_sink_record_send_total":            2,
	} {
		if v, ok := metric(fams, name, l); !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	if !running(e.do(http.MethodGet, "/connectors/"+sinkName+"/status", nil).body) {
		t.Fatal("connector not running after a tolerated poison record")
	}
}

// TestPoisonJSONToleranceNoneFailsThenFixLosesNothing: without tolerance
// the task fails naming the stage and the record, its offset is not
// committed, and after switching to tolerance all every good record
// arrives and the poison lands in the DLQ.
func TestPoisonJSONToleranceNoneFailsThenFixLosesNothing(t *testing.T) {
	e := newEnv(t, nil)
	out := e.dir + "/out.txt"
	produceRecords(t, e.broker.Addrs(), poisonRecord(`"good-0"`), poisonRecord(`{not json`), poisonRecord(`"good-2"`))
	e.expect(http.MethodPost, "/connectors", sinkConfig(fileSink, out, nil), http.StatusCreated, "")
	trace := e.waitTask(sinkName, "FAILED")
	for _, part := range []string{"Tolerance exceeded in error handler", "stage VALUE_CONVERTER", "org.apache.kafka.connect.json.JsonConverter", inTopic + "-0@1"} {
		if !strings.Contains(trace, part) {
			t.Fatalf("trace %q lacks %q", trace, part)
		}
	}
	if c := committed(t, e.broker.Addrs(), sinkName, inTopic); c > 1 {
		t.Fatalf("committed offset %d passes the poison record at 1", c)
	}
	if slices.Contains(readLines(out), "good-2") {
		t.Fatal("a record after the poison was written")
	}
	cfg := sinkConfig(fileSink, out, dlqAll)["config"]
	e.expect(http.MethodPut, "/connectors/"+sinkName+"/config", cfg, http.StatusOK, "")
	waitLines(t, out, "good-0", "good-2")
	checkDLQ(t, e, `{not json`, 1, "VALUE_CONVERTER", "org.apache.kafka.connect.json.JsonConverter",
		"org.apache.kafka.connect.errors.DataException", "serialization error")
	e.waitTask(sinkName, "RUNNING")
}

// TestTransformErrorToleranceAll: a Cast of a non-numeric string is
// skipped to the DLQ with stage TRANSFORMATION and the Cast class.
func TestTransformErrorToleranceAll(t *testing.T) {
	e := newEnv(t, nil)
	out := e.dir + "/out.txt"
	extra := map[string]string{"transforms": "cast", "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
		"transforms.cast.spec": "n:int32"}
	for k, v := range dlqAll {
		extra[k] = v
	}
	produceRecords(t, e.broker.Addrs(), poisonRecord(`{"n":"1"}`), poisonRecord(`{"n":"abc"}`), poisonRecord(`{"n":"3"}`))
	e.expect(http.MethodPost, "/connectors", sinkConfig(fileSink, out, extra), http.StatusCreated, "")
	waitLines(t, out, "{n=1}", "{n=3}")
	checkDLQ(t, e, `{"n":"abc"}`, 1, "TRANSFORMATION", "org.apache.kafka.connect.transforms.Cast$Value",
		"org.apache.kafka.connect.errors.DataException", `abc`)
}

// TestTransformErrorToleranceNoneFails: the same Cast failure without
// tolerance fails the task with the stage in the trace.
func TestTransformErrorToleranceNoneFails(t *testing.T) {
	e := newEnv(t, nil)
	out := e.dir + "/out.txt"
	extra := map[string]string{"transforms": "cast", "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
		"transforms.cast.spec": "n:int32"}
	produceRecords(t, e.broker.Addrs(), poisonRecord(`{"n":"abc"}`))
	e.expect(http.MethodPost, "/connectors", sinkConfig(fileSink, out, extra), http.StatusCreated, "")
	trace := e.waitTask(sinkName, "FAILED")
	if !strings.Contains(trace, "stage TRANSFORMATION") || !strings.Contains(trace, inTopic+"-0@0") {
		t.Fatalf("trace %q", trace)
	}
}

// TestErrantRecordReporter: records the task rejects through the errant
// record reporter go to the DLQ under tolerance all, and fail the task
// under tolerance none; a restart with tolerance all loses nothing.
func TestErrantRecordReporter(t *testing.T) {
	e := newEnvLog(t, nil, nil, testSinkDesc())
	out := e.dir + "/out.txt"
	produceRecords(t, e.broker.Addrs(), poisonRecord(`"ok-0"`), poisonRecord(`"poison-1"`), poisonRecord(`"ok-2"`))
	e.expect(http.MethodPost, "/connectors", sinkConfig("test.TestSinkConnector", out, map[string]string{"mode": "reject"}), http.StatusCreated, "")
	trace := e.waitTask(sinkName, "FAILED")
	if !strings.Contains(trace, "stage TASK_PUT") || !strings.Contains(trace, inTopic+"-0@1") || !strings.Contains(trace, "document rejected") {
		t.Fatalf("trace %q", trace)
	}
	if c := committed(t, e.broker.Addrs(), sinkName, inTopic); c > 1 {
		t.Fatalf("committed offset %d passes the rejected record", c)
	}
	extra := map[string]string{"mode": "reject"}
	for k, v := range dlqAll {
		extra[k] = v
	}
	e.expect(http.MethodPut, "/connectors/"+sinkName+"/config", sinkConfig("test.TestSinkConnector", out, extra)["config"], http.StatusOK, "")
	waitLines(t, out, "ok-0", "ok-2")
	checkDLQ(t, e, `"poison-1"`, 1, "TASK_PUT", "org.apache.kafka.connect.sink.SinkTask",
		"org.apache.kafka.connect.errors.ConnectException", "document rejected: poison-1")
	waitFor(t, "offset 3 committed", func() bool { return committed(t, e.broker.Addrs(), sinkName, inTopic) == 3 })
}

// TestRetriablePutWithinTimeout: Put failing with retriable errors for a
// second is retried within errors.retry.timeout; the task stays RUNNING.
func TestRetriablePutWithinTimeout(t *testing.T) {
	e := newEnvLog(t, nil, nil, testSinkDesc())
	out := e.dir + "/out.txt"
	produceRecords(t, e.broker.Addrs(), poisonRecord(`"a"`), poisonRecord(`"b"`))
	e.expect(http.MethodPost, "/connectors", sinkConfig("test.TestSinkConnector", out, map[string]string{
		"mode": "flaky", "fail.ms": "1000", "errors.retry.timeout": "20000", "errors.retry.delay.max.ms": "200"}), http.StatusCreated, "")
	waitLines(t, out, "a", "b")
	if s, tr := e.taskTrace(sinkName); s != "RUNNING" {
		t.Fatalf("task %s %s", s, tr)
	}
	e.eventuallyMetric("kafka_connect_task_error_total_retries", sinkName, 1)
}

// TestRetriablePutBeyondTimeoutFails: beyond errors.retry.timeout the task
// fails with the put stage in its trace and nothing committed.
func TestRetriablePutBeyondTimeoutFails(t *testing.T) {
	e := newEnvLog(t, nil, nil, testSinkDesc())
	out := e.dir + "/out.txt"
	produceRecords(t, e.broker.Addrs(), poisonRecord(`"a"`))
	e.expect(http.MethodPost, "/connectors", sinkConfig("test.TestSinkConnector", out, map[string]string{
		"mode": "flaky", "fail.ms": "600000", "errors.retry.timeout": "500", "errors.retry.delay.max.ms": "100"}), http.StatusCreated, "")
	trace := e.waitTask(sinkName, "FAILED")
	if !strings.Contains(trace, "stage TASK_PUT") || !strings.Contains(trace, "backend unavailable") || !strings.Contains(trace, inTopic+"-0@0") {
		t.Fatalf("trace %q", trace)
	}
	if c := committed(t, e.broker.Addrs(), sinkName, inTopic); c > 0 {
		t.Fatalf("committed %d", c)
	}
}

// TestErrorLogIncludeMessages: with errors.log.include.messages=false the
// log lines do not show the record (its value here appears nowhere
// else); with true they do. As in Connect, the error message is kept as
// the plugin wrote it, so Cast's cause stays readable either way.
func TestErrorLogIncludeMessages(t *testing.T) {
	for _, include := range []bool{false, true} {
		t.Run(fmt.Sprint(include), func(t *testing.T) {
			var buf logBuffer
			e := newEnvLog(t, nil, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
			out := e.dir + "/out.txt"
			extra := map[string]string{"errors.tolerance": "all", "errors.log.enable": "true",
				"errors.log.include.messages": fmt.Sprint(include),
				"transforms":                  "cast", "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value", "transforms.cast.spec": "n:int32"}
			produceRecords(t, e.broker.Addrs(), poisonRecord(`s3cr3t-json`), poisonRecord(`{"n":"s3cr3t-cast"}`), poisonRecord(`{"n":"7"}`))
			e.expect(http.MethodPost, "/connectors", sinkConfig(fileSink, out, extra), http.StatusCreated, "")
			waitLines(t, out, "{n=7}")
			e.eventuallyMetric("kafka_connect_task_error_total_errors_logged", sinkName, 2)
			logs := buf.String()
			if !strings.Contains(logs, "Error encountered in task es-like-0. Executing stage 'VALUE_CONVERTER'") ||
				!strings.Contains(logs, "stage 'TRANSFORMATION'") {
				t.Fatalf("error log lines missing:\n%s", logs)
			}
			if got := strings.Contains(logs, "s3cr3t-json"); got != include {
				t.Errorf("log contains the record value = %v, want %v:\n%s", got, include, logs)
			}
			if !strings.Contains(logs, `For input string: \"s3cr3t-cast\"`) {
				t.Errorf("Cast's cause not in the log:\n%s", logs)
			}
		})
	}
}

// TestRetriablePoll: a source whose Poll fails with retriable errors
// recovers within errors.retry.timeout, and fails with stage TASK_POLL
// beyond it.
func TestRetriablePoll(t *testing.T) {
	for _, tc := range []struct {
		failMS, timeoutMS string
		fails             bool
	}{{"700", "20000", false}, {"600000", "400", true}} {
		t.Run(fmt.Sprint(tc.fails), func(t *testing.T) {
			e := newEnvLog(t, nil, nil, testSourceDesc())
			e.expect(http.MethodPost, "/connectors", `{"name":"flaky","config":{"connector.class":"test.FlakySourceConnector","topic":"flaky-out",`+
				`"value.converter":"org.apache.kafka.connect.storage.StringConverter",`+
				`"fail.ms":"`+tc.failMS+`","errors.retry.timeout":"`+tc.timeoutMS+`","errors.retry.delay.max.ms":"100"}}`, http.StatusCreated, "")
			if tc.fails {
				trace := e.waitTask("flaky", "FAILED")
				if !strings.Contains(trace, "stage TASK_POLL") || !strings.Contains(trace, "source system unavailable") {
					t.Fatalf("trace %q", trace)
				}
				return
			}
			recs := countRecords(t, e.broker, "flaky-out", 3)
			if string(recs[0].Value) != "v1" || string(recs[2].Value) != "v3" {
				t.Fatalf("records %q..%q", recs[0].Value, recs[2].Value)
			}
			if s, tr := e.taskTrace("flaky"); s != "RUNNING" {
				t.Fatalf("task %s %s", s, tr)
			}
		})
	}
}
