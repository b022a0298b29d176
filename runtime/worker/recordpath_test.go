package worker

import (
	"context"
	stderrors "errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
)

// flakyTransform fails with a retriable error; stop, when set, is called
// at its third call (the task being stopped mid-retry).
type flakyTransform struct {
	calls int
	stop  func()
}

func (f *flakyTransform) ConfigDef() *config.Def            { return config.NewDef() }
func (f *flakyTransform) Configure(map[string]string) error { return nil }
func (f *flakyTransform) Close() error                      { return nil }
func (f *flakyTransform) Apply(*connect.Record) (*connect.Record, error) {
	if f.calls++; f.calls == 3 && f.stop != nil {
		f.stop()
	}
	return nil, connect.Retriable(stderrors.New("lookup service away"))
}

// flakyConverter fails like flakyTransform in both directions.
type flakyConverter struct{ flakyTransform }

func (f *flakyConverter) Configure(map[string]string, bool) error { return nil }
func (f *flakyConverter) FromConnectData(string, connect.Headers, *data.Schema, any) ([]byte, error) {
	_, err := f.Apply(nil)
	return nil, err
}
func (f *flakyConverter) ToConnectData(string, connect.Headers, []byte) (*data.Schema, any, error) {
	_, err := f.Apply(nil)
	return nil, nil, err
}

// recordPath returns a task's converters (StringConverter) and an
// operator retrying for ever under tolerance all: only the task's stop
// can end a retry.
func recordPath(t testing.TB, cfg rterrors.Config) (*converters, *rterrors.Operator) {
	t.Helper()
	conv, err := newConverters(builtin.Registry(nil), map[string]string{
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	ops, err := rterrors.NewOperator(context.Background(), cfg, "c", 0, slog.New(slog.DiscardHandler), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return conv, ops
}

var forever = rterrors.Config{RetryTimeout: -1, MaxDelay: 2 * time.Millisecond, TolerateAll: true}

// TestRecordRetriesStopWithTheTask: in both task loops, a transformation
// and a converter retrying for ever stop when the task's context ends
// (the one context of every retry), and the record is neither kept nor
// skipped: the error comes back for the loop to end without committing.
func TestRecordRetriesStopWithTheTask(t *testing.T) {
	for _, where := range []string{"transformation", "key converter", "value converter"} {
		for _, sink := range []bool{true, false} {
			conv, ops := recordPath(t, forever)
			ctx, cancel := context.WithCancel(context.Background())
			flaky := &flakyConverter{flakyTransform{stop: cancel}}
			ch := &chain{}
			switch where {
			case "transformation":
				ch.stages = []stage{{alias: "lookup", class: "com.example.Lookup", transform: &flaky.flakyTransform}}
			case "key converter":
				conv.key = flaky
			default:
				conv.value = flaky
			}
			done := make(chan error, 1)
			go func() {
				if sink {
					r := &sinkRunner{chain: ch, conv: conv, ops: ops}
					_, keep, err := r.convert(ctx, &kgo.Record{Topic: "in", Key: []byte("k"), Value: []byte("v")})
					if keep {
						err = stderrors.New("record kept")
					}
					done <- err
					return
				}
				r := &sourceRunner{chain: ch, conv: conv, ops: ops}
				sr := &connect.SourceRecord{Record: connect.Record{Topic: "out", KeySchema: data.StringSchema, Key: "k",
					ValueSchema: data.StringSchema, Value: "v"}}
				ok, _, err := r.convert(ctx, sr, &kgo.Record{}, nil)
				if ok {
					err = stderrors.New("record kept")
				}
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "stopped while retrying") || ctx.Err() == nil {
					t.Errorf("%s (sink %v): %v", where, sink, err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s (sink %v): the retry outlived the task's stop", where, sink)
			}
			cancel()
		}
	}
}

// BenchmarkSinkConvert measures the sink record path (header, key and
// value converters, then an empty transformation chain) for a record that
// is fine, with errors.tolerance=all and logging on: what the error
// handling costs while records are fine.
//
//	go test ./runtime/worker -run '^$' -bench SinkConvert -benchmem
func BenchmarkSinkConvert(b *testing.B) {
	conv, ops := recordPath(b, rterrors.Config{RetryTimeout: -1, MaxDelay: time.Second, TolerateAll: true, Log: true})
	r := &sinkRunner{chain: &chain{}, conv: conv, ops: ops}
	kr := &kgo.Record{Topic: "in", Key: []byte("key-1"), Value: []byte(`{"id":1,"name":"x"}`),
		Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("abc")}, {Key: "source", Value: []byte("db")}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, keep, err := r.convert(ctx, kr); !keep || err != nil {
			b.Fatal(keep, err)
		}
	}
}

// TestSinkRedeliveryKeepsPolling: while a batch waits for redelivery (Put
// asks for a retry; errors.retry.timeout is 0, so for ever) the task
// still polls with its partitions paused, as Connect's: a pause of the
// connector is reported at once, a new group member gets partitions
// without waiting out the rebalance timeout, and the records of the
// partition it takes leave the waiting batch (its new owner reads them
// from the committed offsets); the rest is put once Put succeeds.
func TestSinkRedeliveryKeepsPolling(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 2)
	var release atomic.Bool
	h.sink.onPut = func(connect.SinkTaskContext, int, []connect.SinkRecord) error {
		if release.Load() {
			return nil
		}
		return connect.Retriable(stderrors.New("store busy"))
	}
	h.produce(rec(0, "a0"), rec(1, "b0"))
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	puts := func() int { p, _ := h.sink.snapshot(); return len(p) }
	eventually(t, 20*time.Second, func() bool { return puts() >= 2 }, func() string { return "the batch was not delivered again" })

	c.setPaused(true)
	c.waitTask(0, status.Paused)
	c.setPaused(false)
	c.waitTask(0, status.Running)

	// A second member joins; its assignment must not wait for the
	// redelivery to end (franz-go's rebalance timeout is 60s).
	var taken atomic.Value
	other, err := kgo.NewClient(kgo.SeedBrokers(h.brokers...), kgo.ConsumerGroup("connect-snk"), kgo.ConsumeTopics("in"),
		kgo.Balancers(kgo.CooperativeStickyBalancer()), kgo.DisableAutoCommit(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			if len(m["in"]) > 0 {
				taken.Store(m["in"])
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	pctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for pctx.Err() == nil {
			other.PollFetches(pctx)
		}
	}()
	eventually(t, 20*time.Second, func() bool { return taken.Load() != nil }, func() string { return "the new member got no partition" })
	parts := taken.Load().([]int32)
	if len(parts) != 1 {
		t.Fatalf("new member took partitions %v, want one of two", parts)
	}
	gone, kept := "a0", "b0"
	if parts[0] == 1 {
		gone, kept = "b0", "a0"
	}
	// The waiting batch now holds only the partition the task kept.
	eventually(t, 20*time.Second, func() bool {
		p, _ := h.sink.snapshot()
		last := p[len(p)-1]
		return len(last) == 1 && fmt.Sprint(last[0].Value) == kept
	}, func() string {
		p, _ := h.sink.snapshot()
		return fmt.Sprintf("last put %v, want only %s", p[len(p)-1], kept)
	})
	release.Store(true)
	h.waitDelivered(kept)
	for _, v := range h.sink.deliveredValues() {
		if v == gone {
			t.Fatalf("%s was put by the task after its partition moved to another member", gone)
		}
	}
	if st, _ := h.board.Task(c.id(0)); st.State != status.Running {
		t.Fatalf("task %s: %s", st.State, st.Trace)
	}
}

// stuckTransform fails with a retriable error on records whose value is
// "stuck", and passes the others.
type stuckTransform struct{}

const stuckTransformClass = "org.goconnect.test.StuckTransform"

func (stuckTransform) ConfigDef() *config.Def            { return config.NewDef() }
func (stuckTransform) Configure(map[string]string) error { return nil }
func (stuckTransform) Close() error                      { return nil }
func (stuckTransform) Apply(rec *connect.Record) (*connect.Record, error) {
	if rec.Value == "stuck" {
		return nil, connect.Retriable(stderrors.New("lookup service away"))
	}
	return rec, nil
}

// TestSourceStopDuringRetry: a source task stopped while a record of a
// batch is being retried (for ever, tolerance all) stops at once, not
// FAILED; the record is not skipped, and none of the batch's offsets is
// committed, though the records before it were written, so a restart
// polls the batch again.
func TestSourceStopDuringRetry(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	reg, err := plugins.NewRegistry(append(builtin.All(), h.src.desc(), h.sink.desc(),
		connect.PluginDesc{Class: stuckTransformClass, Type: connect.TypeTransformation, Version: "test", New: func() any { return stuckTransform{} }})...)
	if err != nil {
		t.Fatal(err)
	}
	h.w.reg = reg
	props := sourceProps("src")
	maps.Copy(props, map[string]string{"transforms": "stuck", "transforms.stuck.type": stuckTransformClass,
		"errors.retry.timeout": "-1", "errors.retry.delay.max.ms": "20", "errors.tolerance": "all"})
	part := map[string]any{"file": "a"}
	stored := func() map[string]any {
		off, err := h.w.Offsets().Get(context.Background(), "src", part)
		if err != nil {
			t.Fatal(err)
		}
		return off
	}
	c := h.start(props)
	c.waitTask(0, status.Running)
	c.feed(0, []connect.SourceRecord{srcRec("out", part, 1, "a")})
	want := map[string]any{"pos": int64(1)}
	eventually(t, 10*time.Second, func() bool { return reflect.DeepEqual(stored(), want) },
		func() string { return fmt.Sprintf("stored offset %v, want %v", stored(), want) })

	c.feed(0, []connect.SourceRecord{srcRec("out", part, 2, "b"), srcRec("out", part, 3, "stuck"), srcRec("out", part, 4, "c")})
	h.waitRecords("out", false, 2) // b was sent before the stuck record
	start := time.Now()
	c.stopTask(0)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the stop waited %v for the retry", d)
	}
	if st, _ := h.board.Task(c.id(0)); st.State == status.Failed {
		t.Fatalf("task FAILED on stop: %s", st.Trace)
	}
	if got := stored(); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored offset %v after the stop, want %v: the interrupted batch was committed", got, want)
	}
	for _, r := range h.readTopic("out", false) {
		if string(r.Value) == "c" || string(r.Value) == "stuck" {
			t.Fatalf("%s was written: the stuck record was skipped", r.Value)
		}
	}
}
