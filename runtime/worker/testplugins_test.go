package worker

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// Test plugins: a source whose tasks return the batches a test feeds
// them, and a sink whose tasks record what they are handed. Their
// descriptors close over one script per harness, so tests share nothing.
const (
	scriptedSourceClass = "org.goconnect.test.ScriptedSourceConnector"
	recordingSinkClass  = "org.goconnect.test.RecordingSinkConnector"
)

// testConnector is the connector side of both test plugins: every task
// gets the connector's config.
type testConnector struct{ props map[string]string }

func (c *testConnector) Version() string        { return "test" }
func (c *testConnector) ConfigDef() *config.Def { return config.NewDef() }
func (c *testConnector) Stop() error            { return nil }
func (c *testConnector) Start(_ context.Context, props map[string]string) error {
	c.props = props
	return nil
}
func (c *testConnector) TaskConfigs(n int) ([]map[string]string, error) {
	return connect.ReplicateTaskConfig(c.props, n), nil
}

// sourceScript drives the scripted source's tasks: each value sent on
// polls is what one Poll returns (from whichever task polls first).
type sourceScript struct {
	polls chan []connect.SourceRecord
	// pollErrs: each value sent is what one Poll returns as its error.
	pollErrs chan error
	// started receives each task's context as it starts.
	started chan connect.SourceTaskContext
	// commits counts calls of the task's Commit hook; onCommit, if set
	// before the connector starts, runs in each.
	commits  atomic.Int32
	onCommit func()
	// stopGate, if set before the task stops, holds its Stop until closed.
	stopGate chan struct{}
}

func newSourceScript() *sourceScript {
	return &sourceScript{polls: make(chan []connect.SourceRecord), pollErrs: make(chan error),
		started: make(chan connect.SourceTaskContext, 16)}
}

func (s *sourceScript) desc() connect.PluginDesc {
	return connect.PluginDesc{Class: scriptedSourceClass, Type: connect.TypeSource, Version: "test",
		New: func() any { return &scriptedSource{s: s} }}
}

type scriptedSource struct {
	testConnector
	s *sourceScript
}

func (c *scriptedSource) NewTask() connect.SourceTask { return &scriptedSourceTask{s: c.s} }

type scriptedSourceTask struct{ s *sourceScript }

func (t *scriptedSourceTask) Start(_ context.Context, tc connect.SourceTaskContext, _ map[string]string) error {
	t.s.started <- tc
	return nil
}

func (t *scriptedSourceTask) Poll(ctx context.Context) ([]connect.SourceRecord, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case b := <-t.s.polls:
		return b, nil
	case err := <-t.s.pollErrs:
		return nil, err
	}
}

func (t *scriptedSourceTask) Commit(context.Context) error {
	t.s.commits.Add(1)
	if t.s.onCommit != nil {
		t.s.onCommit()
	}
	return nil
}

func (t *scriptedSourceTask) Stop() error {
	if t.s.stopGate != nil {
		<-t.s.stopGate
	}
	return nil
}

// sinkScript records what the recording sink's tasks are handed; onPut,
// if set before the connector starts, decides each Put's answer.
type sinkScript struct {
	mu sync.Mutex
	// puts holds every batch handed to Put, failed attempts included.
	puts [][]connect.SinkRecord
	// delivered holds the records of Puts that succeeded.
	delivered []connect.SinkRecord
	// flushed holds the offsets of the last Flush per partition.
	flushed map[connect.TopicPartition]int64
	// open holds the partitions opened and not closed since (PartitionAware);
	// closed counts the partitions closed.
	open   map[connect.TopicPartition]bool
	closed int
	tc     connect.SinkTaskContext
	onPut  func(tc connect.SinkTaskContext, call int, recs []connect.SinkRecord) error
}

func newSinkScript() *sinkScript {
	return &sinkScript{flushed: map[connect.TopicPartition]int64{}, open: map[connect.TopicPartition]bool{}}
}

func (s *sinkScript) desc() connect.PluginDesc {
	return connect.PluginDesc{Class: recordingSinkClass, Type: connect.TypeSink, Version: "test",
		New: func() any { return &recordingSink{s: s} }}
}

// snapshot returns copies of the batches put and the records delivered.
func (s *sinkScript) snapshot() (puts [][]connect.SinkRecord, delivered []connect.SinkRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]connect.SinkRecord(nil), s.puts...), append([]connect.SinkRecord(nil), s.delivered...)
}

type recordingSink struct {
	testConnector
	s *sinkScript
}

func (c *recordingSink) NewTask() connect.SinkTask { return &recordingSinkTask{s: c.s} }

type recordingSinkTask struct{ s *sinkScript }

func (t *recordingSinkTask) Start(_ context.Context, tc connect.SinkTaskContext, _ map[string]string) error {
	t.s.mu.Lock()
	t.s.tc = tc
	t.s.mu.Unlock()
	return nil
}

func (t *recordingSinkTask) Put(_ context.Context, recs []connect.SinkRecord) error {
	if len(recs) == 0 {
		return nil
	}
	t.s.mu.Lock()
	t.s.puts = append(t.s.puts, recs)
	call, onPut, tc := len(t.s.puts), t.s.onPut, t.s.tc
	t.s.mu.Unlock()
	var err error
	if onPut != nil {
		err = onPut(tc, call, recs)
	}
	if err == nil {
		t.s.mu.Lock()
		t.s.delivered = append(t.s.delivered, recs...)
		t.s.mu.Unlock()
	}
	return err
}

func (t *recordingSinkTask) Flush(_ context.Context, offsets map[connect.TopicPartition]int64) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for tp, o := range offsets {
		t.s.flushed[tp] = o
	}
	return nil
}

func (t *recordingSinkTask) Open(_ context.Context, tps []connect.TopicPartition) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for _, tp := range tps {
		t.s.open[tp] = true
	}
	return nil
}

func (t *recordingSinkTask) Close(_ context.Context, tps []connect.TopicPartition) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for _, tp := range tps {
		delete(t.s.open, tp)
		t.s.closed++
	}
	return nil
}

func (t *recordingSinkTask) Stop() error { return nil }
