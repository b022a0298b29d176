package worker

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
)

// sinkTaskClass is the class Connect names for records a sink task
// reports itself.
const sinkTaskClass = "org.apache.kafka.connect.sink.SinkTask"

// errantReporter is the ErrantRecordReporter sink tasks get (Connect's
// WorkerErrantRecordReporter). A reported record goes to the DLQ and log;
// when errors are not tolerated the task fails after Put.
type errantReporter struct {
	r *sinkRunner

	mu    sync.Mutex
	batch []*kgo.Record // the consumed records of the batch in Put
	err   error         // first failure that was not tolerated
}

func (e *errantReporter) begin(recs []*kgo.Record) {
	e.mu.Lock()
	e.batch = recs
	e.mu.Unlock()
}

func (e *errantReporter) fatal() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// Report handles one record the task could not write.
func (e *errantReporter) Report(ctx context.Context, rec connect.SinkRecord, cause error) error {
	if cause == nil {
		cause = fmt.Errorf("record reported as failed by the sink task")
	}
	kr, err := e.consumed(rec)
	if err != nil {
		return err
	}
	err = e.r.ops.Handle(ctx, rterrors.Failure{Stage: rterrors.TaskPut, Class: sinkTaskClass, Err: cause, Consumed: kr, Errant: true})
	if err != nil {
		e.mu.Lock()
		if e.err == nil {
			e.err = err
		}
		e.mu.Unlock()
	}
	return err
}

// consumed finds the record as consumed, or rebuilds it with the task's
// converters (as Connect does) when it is not in the current batch.
func (e *errantReporter) consumed(rec connect.SinkRecord) (*kgo.Record, error) {
	e.mu.Lock()
	batch := e.batch
	e.mu.Unlock()
	for _, kr := range batch {
		if kr.Offset == rec.OriginalOffset && kr.Partition == rec.OriginalPartition && kr.Topic == rec.OriginalTopic {
			return kr, nil
		}
	}
	c := e.r.conv
	kr := &kgo.Record{Topic: rec.OriginalTopic, Partition: rec.OriginalPartition, Offset: rec.OriginalOffset, Timestamp: rec.Timestamp}
	var err error
	if kr.Key, err = c.key.FromConnectData(rec.Topic, rec.Headers, rec.KeySchema, rec.Key); err != nil {
		return nil, fmt.Errorf("converting the key of a reported record: %w", err)
	}
	if kr.Value, err = c.value.FromConnectData(rec.Topic, rec.Headers, rec.ValueSchema, rec.Value); err != nil {
		return nil, fmt.Errorf("converting the value of a reported record: %w", err)
	}
	for _, h := range rec.Headers {
		v, err := c.header.FromConnectHeader(rec.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return nil, fmt.Errorf("converting header %s of a reported record: %w", h.Key, err)
		}
		kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: v})
	}
	return kr, nil
}
