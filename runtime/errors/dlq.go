package errors

import (
	"context"
	stderrors "errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/metrics"
)

// DLQ header names, as Connect's DeadLetterQueueReporter writes them.
const (
	HeaderPrefix             = "__connect.errors."
	HeaderTopic              = HeaderPrefix + "topic"
	HeaderPartition          = HeaderPrefix + "partition"
	HeaderOffset             = HeaderPrefix + "offset"
	HeaderConnectorName      = HeaderPrefix + "connector.name"
	HeaderTaskID             = HeaderPrefix + "task.id"
	HeaderStage              = HeaderPrefix + "stage"
	HeaderClassName          = HeaderPrefix + "class.name"
	HeaderExceptionClassName = HeaderPrefix + "exception.class.name"
	HeaderExceptionMessage   = HeaderPrefix + "exception.message"
	HeaderExceptionTrace     = HeaderPrefix + "exception.stacktrace"
)

// DLQ writes failed sink records, with their original bytes, to the dead
// letter queue topic (Connect's DeadLetterQueueReporter). Writes are
// asynchronous; Flush waits for them before the task commits offsets, so
// a committed skipped record is always in the DLQ.
type DLQ struct {
	cl        *kgo.Client
	topic     string
	headers   bool
	connector string
	task      string
	log       *slog.Logger
	metrics   *metrics.TaskErrors
	// failed holds the first write that failed; Flush returns it so the
	// offsets of a record missing from the DLQ are never committed.
	failed atomic.Pointer[error]
}

// OpenDLQ creates the DLQ topic if missing (replication capped to the
// broker count, one partition as Connect) and its producer.
func OpenDLQ(ctx context.Context, cfg Config, connector string, task int, clientOpts []kgo.Opt, log *slog.Logger, m *metrics.TaskErrors) (*DLQ, error) {
	opts := append([]kgo.Opt{kgo.ClientID(fmt.Sprintf("connector-dlq-producer-%s-%d", connector, task)),
		kgo.ProducerBatchCompression(kgo.NoCompression())}, clientOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating DLQ producer: %w", err)
	}
	if err := createTopic(ctx, cl, cfg.DLQTopic, cfg.DLQReplication); err != nil {
		cl.Close()
		return nil, err
	}
	return &DLQ{cl: cl, topic: cfg.DLQTopic, headers: cfg.DLQContextHeaders, connector: connector,
		task: strconv.Itoa(task), log: log, metrics: m}, nil
}

func createTopic(ctx context.Context, cl *kgo.Client, topic string, rf int16) error {
	adm := kadm.NewClient(cl)
	brokers, err := adm.ListBrokers(ctx)
	if err != nil {
		return fmt.Errorf("listing brokers to create DLQ topic %s: %w", topic, err)
	}
	if n := int16(len(brokers)); rf > n || rf < 1 {
		rf = max(n, 1)
	}
	resp, err := adm.CreateTopic(ctx, 1, rf, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !stderrors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("creating DLQ topic %s: %w", topic, err)
	}
	return nil
}

// report sends the consumed record with the context headers.
func (d *DLQ) report(ctx context.Context, f *Failure) {
	c := f.Consumed
	rec := &kgo.Record{Topic: d.topic, Key: c.Key, Value: c.Value, Timestamp: c.Timestamp}
	rec.Headers = append(make([]kgo.RecordHeader, 0, len(c.Headers)+10), c.Headers...)
	if d.headers {
		rec.Headers = append(rec.Headers,
			kgo.RecordHeader{Key: HeaderTopic, Value: []byte(c.Topic)},
			kgo.RecordHeader{Key: HeaderPartition, Value: []byte(strconv.Itoa(int(c.Partition)))},
			kgo.RecordHeader{Key: HeaderOffset, Value: []byte(strconv.FormatInt(c.Offset, 10))},
			kgo.RecordHeader{Key: HeaderConnectorName, Value: []byte(d.connector)},
			kgo.RecordHeader{Key: HeaderTaskID, Value: []byte(d.task)},
			kgo.RecordHeader{Key: HeaderStage, Value: []byte(f.Stage)},
			kgo.RecordHeader{Key: HeaderClassName, Value: []byte(f.Class)},
			kgo.RecordHeader{Key: HeaderExceptionClassName, Value: []byte(f.exceptionClass())},
			kgo.RecordHeader{Key: HeaderExceptionMessage, Value: []byte(f.Err.Error())},
			kgo.RecordHeader{Key: HeaderExceptionTrace, Value: []byte(f.stackTrace(true))},
		)
	}
	d.metrics.DLQRequest()
	d.cl.Produce(context.WithoutCancel(ctx), rec, func(_ *kgo.Record, err error) {
		if err != nil {
			err = fmt.Errorf("writing %s-%d@%d to the dead letter queue %s: %w", c.Topic, c.Partition, c.Offset, d.topic, err)
			d.failed.CompareAndSwap(nil, &err)
			d.metrics.DLQFailure()
			d.log.Error("could not write a failed record to the dead letter queue", "error", err)
		}
	})
}

// Flush waits until every record reported so far is written, and fails
// if any of them could not be.
func (d *DLQ) Flush(ctx context.Context) error {
	if d == nil {
		return nil
	}
	if err := d.cl.Flush(ctx); err != nil {
		return fmt.Errorf("flushing dead letter queue %s: %w", d.topic, err)
	}
	if errp := d.failed.Load(); errp != nil {
		return *errp
	}
	return nil
}

// Close flushes what it can and closes the producer.
func (d *DLQ) Close() {
	if d != nil {
		d.cl.Close()
	}
}
