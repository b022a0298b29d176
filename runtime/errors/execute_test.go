package errors

import (
	"bytes"
	"context"
	stderrors "errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/metrics"
)

// errorCounts reads the task error counters of connector c, task 0.
func errorCounts(t *testing.T, r *metrics.Registry) map[string]float64 {
	t.Helper()
	fams, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		name, ok := strings.CutPrefix(f.GetName(), "kafka_connect_task_error_")
		if !ok {
			continue
		}
		for _, m := range f.GetMetric() {
			if c := m.GetCounter(); c != nil {
				out[name] += c.GetValue()
			}
		}
	}
	return out
}

func wantCounts(t *testing.T, r *metrics.Registry, want map[string]float64) {
	t.Helper()
	got := errorCounts(t, r)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func metered(t *testing.T, cfg Config, log *slog.Logger) (*Operator, *metrics.Registry) {
	t.Helper()
	reg := metrics.NewRegistry(nil)
	tm := reg.Task("c", 0, false)
	t.Cleanup(tm.Close)
	o, err := NewOperator(context.Background(), cfg, "c", 0, log, tm.Errors(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return o, reg
}

var consumed = &kgo.Record{Topic: "in", Partition: 1, Offset: 5, Key: []byte("k"), Value: []byte("v")}

// TestExecuteRetriableThenSuccess: a converter failing twice with a
// retriable error is run again until it succeeds; its result comes back
// and only failures and retries are counted.
func TestExecuteRetriableThenSuccess(t *testing.T) {
	o, reg := metered(t, Config{RetryTimeout: 10 * time.Second, MaxDelay: time.Millisecond}, slog.New(slog.DiscardHandler))
	calls := 0
	v, ok, err := Execute(context.Background(), o, Failure{Stage: ValueConverter, Class: "X", Err: connect.Retriable(stderrors.New("registry away")), Consumed: consumed},
		func() (string, error) {
			calls++
			if calls < 2 {
				return "", connect.Retriable(stderrors.New("registry away"))
			}
			return "converted", nil
		})
	if err != nil || !ok || v != "converted" || calls != 2 {
		t.Fatalf("got %q %v %v after %d calls", v, ok, err, calls)
	}
	wantCounts(t, reg, map[string]float64{"total_record_failures": 2, "total_retries": 2, "total_record_errors": 0, "total_records_skipped": 0})
}

// TestExecuteRetryTimeout: a retriable failure lasting past
// errors.retry.timeout fails the task with tolerance none, naming the
// stage and the last error, and is skipped with tolerance all.
func TestExecuteRetryTimeout(t *testing.T) {
	for _, all := range []bool{false, true} {
		o, reg := metered(t, Config{RetryTimeout: 60 * time.Millisecond, MaxDelay: 10 * time.Millisecond, TolerateAll: all}, slog.New(slog.DiscardHandler))
		start := time.Now()
		calls := 0
		_, ok, err := Execute(context.Background(), o, Failure{Stage: KeyConverter, Class: "X", Err: connect.Retriable(stderrors.New("busy 0")), Consumed: consumed},
			func() (int, error) {
				calls++
				return 0, connect.Retriable(stderrors.New("still busy"))
			})
		if d := time.Since(start); d < 60*time.Millisecond || d > 5*time.Second {
			t.Fatalf("all=%v: gave up after %v", all, d)
		}
		if ok || calls < 2 {
			t.Fatalf("all=%v: ok %v after %d calls", all, ok, calls)
		}
		var te *ToleranceError
		if all {
			if err != nil {
				t.Fatalf("tolerance all: %v", err)
			}
			wantCounts(t, reg, map[string]float64{"total_record_failures": float64(calls + 1), "total_retries": float64(calls),
				"total_record_errors": 1, "total_records_skipped": 1})
			continue
		}
		if !stderrors.As(err, &te) || te.Stage() != KeyConverter || !strings.Contains(err.Error(), "still busy") || !strings.Contains(err.Error(), "in-1@5") {
			t.Fatalf("tolerance none: %v", err)
		}
		wantCounts(t, reg, map[string]float64{"total_record_errors": 1, "total_records_skipped": 0})
	}
}

// TestExecuteTolerance: a non-retriable transformation failure is not
// retried; tolerance none fails the task without reporting the record,
// tolerance all logs it and skips it.
func TestExecuteTolerance(t *testing.T) {
	retried := func() (*connect.Record, error) { t.Fatal("a non-retriable failure was retried"); return nil, nil }
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	f := Failure{Stage: Transformation, Class: "org.apache.kafka.connect.transforms.Cast$Value", Err: stderrors.New("bad cast"), Consumed: consumed}

	none, reg := metered(t, Config{RetryTimeout: -1, Log: true}, log)
	_, ok, err := Execute(context.Background(), none, f, retried)
	var te *ToleranceError
	if ok || !stderrors.As(err, &te) || te.Stage() != Transformation || logs.Len() != 0 {
		t.Fatalf("tolerance none: %v %v, log %q", ok, err, logs.String())
	}
	wantCounts(t, reg, map[string]float64{"total_record_failures": 1, "total_record_errors": 1, "total_records_skipped": 0, "total_errors_logged": 0})

	all, reg := metered(t, Config{RetryTimeout: -1, TolerateAll: true, Log: true}, log)
	rec, ok, err := Execute(context.Background(), all, f, retried)
	if ok || err != nil || rec != nil {
		t.Fatalf("tolerance all: %v %v %v", rec, ok, err)
	}
	if !strings.Contains(logs.String(), "Executing stage 'TRANSFORMATION' with class 'org.apache.kafka.connect.transforms.Cast$Value', where consumed record is {topic='in', partition=1, offset=5}") {
		t.Fatalf("log %s", logs.String())
	}
	wantCounts(t, reg, map[string]float64{"total_record_failures": 1, "total_record_errors": 1, "total_records_skipped": 1, "total_errors_logged": 1})
}

// TestExecuteStopsWithContext: a retry that would go on for ever ends
// when the task's context does; the record is neither skipped nor
// reported, even with tolerance all.
func TestExecuteStopsWithContext(t *testing.T) {
	var logs bytes.Buffer
	o, reg := metered(t, Config{RetryTimeout: -1, MaxDelay: 5 * time.Millisecond, TolerateAll: true, Log: true}, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	start := time.Now()
	_, ok, err := Execute(ctx, o, Failure{Stage: ValueConverter, Err: connect.Retriable(stderrors.New("away")), Consumed: consumed},
		func() ([]byte, error) {
			if calls++; calls == 3 {
				cancel() // the task is stopped during its third attempt
			}
			return nil, connect.Retriable(stderrors.New("away"))
		})
	if ok || err == nil || calls != 3 || time.Since(start) > 5*time.Second {
		t.Fatalf("ok %v err %v after %d calls", ok, err, calls)
	}
	var te *ToleranceError
	if stderrors.As(err, &te) || !strings.Contains(err.Error(), "stage VALUE_CONVERTER: stopped while retrying") {
		t.Fatalf("err %v", err)
	}
	if logs.Len() != 0 {
		t.Fatalf("a stopped retry was reported: %s", logs.String())
	}
	wantCounts(t, reg, map[string]float64{"total_records_skipped": 0, "total_record_errors": 0, "total_errors_logged": 0})
}

// TestErrantRecordsReported: a record the task reports itself is written
// to the DLQ with Connect's context headers even when errors are not
// tolerated (the task then fails); Flush waits for the write and Close
// ends the producer, both through the operator that opened the DLQ.
func TestErrantRecordsReported(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	opts := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
	ctx := context.Background()
	reg := metrics.NewRegistry(nil)
	tm := reg.Task("c", 0, false)
	defer tm.Close()
	o, err := NewOperator(ctx, Config{DLQTopic: "dlq", DLQReplication: 1, DLQContextHeaders: true}, "c", 0,
		slog.New(slog.DiscardHandler), tm.Errors(), &DLQClients{Producer: opts, Admin: opts})
	if err != nil {
		t.Fatal(err)
	}
	err = o.Handle(ctx, Failure{Stage: TaskPut, Class: "org.apache.kafka.connect.sink.SinkTask", Err: stderrors.New("document rejected"), Consumed: consumed, Errant: true})
	var te *ToleranceError
	if !stderrors.As(err, &te) {
		t.Fatalf("errant record with tolerance none: %v", err)
	}
	// A converter failure that is not tolerated is not reported.
	_, _, err = Execute(ctx, o, Failure{Stage: ValueConverter, Err: stderrors.New("bad json"), Consumed: &kgo.Record{Topic: "in", Offset: 6}}, func() (any, error) { return nil, nil })
	if !stderrors.As(err, &te) {
		t.Fatalf("converter failure with tolerance none: %v", err)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := o.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	o.Close()
	wantCounts(t, reg, map[string]float64{"deadletterqueue_produce_requests": 1, "deadletterqueue_produce_failures": 0})

	cl, err := kgo.NewClient(append(opts, kgo.ConsumeTopics("dlq"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for len(recs) < 1 && fctx.Err() == nil {
		recs = append(recs, cl.PollFetches(fctx).Records()...)
	}
	if len(recs) != 1 || string(recs[0].Value) != "v" || string(recs[0].Key) != "k" {
		t.Fatalf("DLQ records %v", recs)
	}
	h := map[string]string{}
	for _, x := range recs[0].Headers {
		h[x.Key] = string(x.Value)
	}
	if h[HeaderStage] != "TASK_PUT" || h[HeaderOffset] != "5" || h[HeaderTopic] != "in" || h[HeaderExceptionMessage] != "document rejected" ||
		h[HeaderClassName] != "org.apache.kafka.connect.sink.SinkTask" {
		t.Fatalf("DLQ headers %v", h)
	}
}
