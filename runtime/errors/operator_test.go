package errors

import (
	"bytes"
	"context"
	stderrors "errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
)

func TestRetrySucceedsWithinTimeout(t *testing.T) {
	o := newOperator(t, Config{RetryTimeout: 5 * time.Second, MaxDelay: 5 * time.Millisecond}, slog.New(slog.DiscardHandler))
	calls := 0
	err := o.retry(context.Background(), connect.Retriable(stderrors.New("busy")), func() error {
		calls++
		if calls < 3 {
			return connect.Retriable(stderrors.New("busy"))
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

func TestRetryGivesUpAfterTimeout(t *testing.T) {
	o := newOperator(t, Config{RetryTimeout: 50 * time.Millisecond, MaxDelay: 10 * time.Millisecond}, slog.New(slog.DiscardHandler))
	start := time.Now()
	err := o.retry(context.Background(), connect.Retriable(stderrors.New("busy")), func() error { return connect.Retriable(stderrors.New("still busy")) })
	if err == nil || !strings.Contains(err.Error(), "still busy") {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}

func TestRetrySkipsNonRetriableAndZeroTimeout(t *testing.T) {
	called := false
	op := func() error { called = true; return nil }
	o := newOperator(t, Config{RetryTimeout: time.Second, MaxDelay: time.Millisecond}, slog.New(slog.DiscardHandler))
	if err := o.retry(context.Background(), stderrors.New("bad"), op); err == nil || called {
		t.Fatal("a non-retriable error was retried")
	}
	o = newOperator(t, Config{MaxDelay: time.Millisecond}, slog.New(slog.DiscardHandler))
	if err := o.retry(context.Background(), connect.Retriable(stderrors.New("busy")), op); err == nil || called {
		t.Fatal("retried with errors.retry.timeout=0")
	}
}

func TestHandleTolerance(t *testing.T) {
	rec := &kgo.Record{Topic: "t", Partition: 2, Offset: 7, Value: []byte(`{"card":"4111-1111"}`)}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	none := newOperator(t, Config{Log: true}, log)
	err := none.Handle(context.Background(), Failure{Stage: ValueConverter, Class: "X", Err: stderrors.New(`bad token "4111-1111"`), Consumed: rec})
	var te *ToleranceError
	if !stderrors.As(err, &te) || te.Stage() != ValueConverter || !strings.Contains(err.Error(), "t-2@7") {
		t.Fatalf("tolerance none: %v", err)
	}
	// As in Connect, the cause is kept as the plugin wrote it.
	if !strings.Contains(err.Error(), `bad token "4111-1111"`) || logs.Len() != 0 {
		t.Fatalf("tolerance none: cause not kept, or logged: %v / %s", err, logs.String())
	}
	all := newOperator(t, Config{TolerateAll: true, Log: true}, log)
	if err := all.Handle(context.Background(), Failure{Stage: Transformation, Class: "X", Err: stderrors.New(`For input string: "x"`), Consumed: rec}); err != nil {
		t.Fatalf("tolerance all: %v", err)
	}
	// Without errors.log.include.messages the record itself is not logged.
	if !strings.Contains(logs.String(), "Executing stage 'TRANSFORMATION' with class 'X', where consumed record is {topic='t', partition=2, offset=7}.") ||
		strings.Contains(logs.String(), "4111") {
		t.Fatalf("log %s", logs.String())
	}
	// A task's own non-retriable put failure is never tolerated; the same
	// error reported through the errant record reporter is.
	if err := all.Handle(context.Background(), Failure{Stage: TaskPut, Err: stderrors.New("x"), Consumed: rec}); err == nil {
		t.Fatal("TASK_PUT failure tolerated")
	}
	if err := all.Handle(context.Background(), Failure{Stage: TaskPut, Err: stderrors.New("x"), Consumed: rec, Errant: true}); err != nil {
		t.Fatalf("errant record not tolerated: %v", err)
	}
}

func TestStackTraceNamesChain(t *testing.T) {
	f := Failure{Stage: KeyConverter, Err: connect.Retriable(stderrors.New("registry down"))}
	st := f.stackTrace()
	if !strings.HasPrefix(st, "org.apache.kafka.connect.errors.RetriableException: registry down") {
		t.Fatalf("stacktrace %q", st)
	}
}

// TestMaskingKeepsTheCause: a URL password is masked in the tolerance
// error, the log line and the DLQ stack trace, and a password that is a
// common word ("con") mangles nothing, since nothing is masked by
// searching for a value.
func TestMaskingKeepsTheCause(t *testing.T) {
	rec := &kgo.Record{Topic: "demo.customers", Partition: 0, Offset: 3, Value: []byte(`{"con":"demo customers"}`)}
	cause := stderrors.New(`unable to POST "http://u:secretpw@127.0.0.1:1/subjects/demo.customers-value/versions": connection error`)
	var logs bytes.Buffer
	o := newOperator(t, Config{Log: true}, slog.New(slog.NewTextHandler(&logs, nil)))
	f := Failure{Stage: ValueConverter, Class: "io.confluent.connect.avro.AvroConverter", Err: fmt.Errorf("converting value: %w", cause), Consumed: rec}
	err := o.Handle(context.Background(), f)
	for what, text := range map[string]string{"error": err.Error(), "stack trace": f.stackTrace()} {
		if strings.Contains(text, "secretpw") || !strings.Contains(text, `"http://u:***@127.0.0.1:1/subjects/demo.customers-value/versions": connection error`) ||
			strings.Contains(text, "redacted") {
			t.Errorf("%s: %s", what, text)
		}
	}
	all := newOperator(t, Config{TolerateAll: true, Log: true}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err := all.Handle(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "secretpw") || !strings.Contains(logs.String(), "u:***@127.0.0.1:1") || !strings.Contains(logs.String(), "connection error") {
		t.Errorf("log %s", logs.String())
	}
}

// newOperator returns an operator for task c-0 without a DLQ.
func newOperator(t *testing.T, cfg Config, log *slog.Logger) *Operator {
	t.Helper()
	o, err := NewOperator(context.Background(), cfg, "c", 0, log, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
