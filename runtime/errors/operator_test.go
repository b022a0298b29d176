package errors

import (
	"bytes"
	"context"
	stderrors "errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
)

func TestRetrySucceedsWithinTimeout(t *testing.T) {
	o := NewOperator(Config{RetryTimeout: 5 * time.Second, MaxDelay: 5 * time.Millisecond}, "c-0", slog.New(slog.DiscardHandler), nil, nil)
	calls := 0
	err := o.Retry(context.Background(), connect.Retriable(stderrors.New("busy")), func() error {
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
	o := NewOperator(Config{RetryTimeout: 50 * time.Millisecond, MaxDelay: 10 * time.Millisecond}, "c-0", slog.New(slog.DiscardHandler), nil, nil)
	start := time.Now()
	err := o.Retry(context.Background(), connect.Retriable(stderrors.New("busy")), func() error { return connect.Retriable(stderrors.New("still busy")) })
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
	o := NewOperator(Config{RetryTimeout: time.Second, MaxDelay: time.Millisecond}, "c-0", slog.New(slog.DiscardHandler), nil, nil)
	if err := o.Retry(context.Background(), stderrors.New("bad"), op); err == nil || called {
		t.Fatal("a non-retriable error was retried")
	}
	o = NewOperator(Config{MaxDelay: time.Millisecond}, "c-0", slog.New(slog.DiscardHandler), nil, nil)
	if err := o.Retry(context.Background(), connect.Retriable(stderrors.New("busy")), op); err == nil || called {
		t.Fatal("retried with errors.retry.timeout=0")
	}
}

func TestHandleTolerance(t *testing.T) {
	rec := &kgo.Record{Topic: "t", Partition: 2, Offset: 7, Value: []byte(`{"card":"4111-1111"}`)}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	none := NewOperator(Config{Log: true}, "c-0", log, nil, nil)
	err := none.Handle(context.Background(), Failure{Stage: ValueConverter, Class: "X", Err: stderrors.New(`bad token "4111-1111"`), Consumed: rec})
	var te *ToleranceError
	if !stderrors.As(err, &te) || te.Stage() != ValueConverter || !strings.Contains(err.Error(), "t-2@7") {
		t.Fatalf("tolerance none: %v", err)
	}
	if strings.Contains(err.Error(), "4111-1111") || logs.Len() != 0 {
		t.Fatalf("record data in the error or logs under tolerance none: %v / %s", err, logs.String())
	}
	all := NewOperator(Config{TolerateAll: true, Log: true}, "c-0", log, nil, nil)
	if err := all.Handle(context.Background(), Failure{Stage: Transformation, Class: "X", Err: stderrors.New(`For input string: "4111-1111"`), Consumed: rec}); err != nil {
		t.Fatalf("tolerance all: %v", err)
	}
	if !strings.Contains(logs.String(), "Executing stage 'TRANSFORMATION'") || strings.Contains(logs.String(), "4111") {
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
	st := f.stackTrace(true)
	if !strings.HasPrefix(st, "org.apache.kafka.connect.errors.RetriableException: registry down") {
		t.Fatalf("stacktrace %q", st)
	}
}
