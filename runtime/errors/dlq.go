package errors

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/topicadmin"
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

// dlq writes failed sink records, with their original bytes, to the dead
// letter queue topic (Connect's DeadLetterQueueReporter). Writes are
// asynchronous; flush waits for them before the task commits offsets, so
// a committed skipped record is always in the DLQ. The Operator owns it.
type dlq struct {
	cl        *kgo.Client
	topic     string
	headers   bool
	connector string
	task      string
	log       *slog.Logger
	metrics   *metrics.TaskErrors
	// failed holds the first write that failed; flush returns it so the
	// offsets of a record missing from the DLQ are never committed.
	failed atomic.Pointer[error]
}

// openDLQ creates the DLQ topic if missing, through an admin client built
// from adminOpts (one partition as Connect; replication -1 is the broker's
// default, more than the brokers there are is capped to their number with
// a warning), then its producer from producerOpts.
func openDLQ(ctx context.Context, cfg Config, connector string, task int, producerOpts, adminOpts []kgo.Opt, log *slog.Logger, m *metrics.TaskErrors) (*dlq, error) {
	adm, err := kgo.NewClient(append(slices.Clip(adminOpts), kgo.ClientID(fmt.Sprintf("connector-dlq-adminclient-%s-%d", connector, task)))...)
	if err != nil {
		return nil, fmt.Errorf("creating DLQ admin client: %w", err)
	}
	err = createTopic(ctx, adm, cfg.DLQTopic, cfg.DLQReplication, log)
	adm.Close()
	if err != nil {
		return nil, err
	}
	opts := append([]kgo.Opt{kgo.ClientID(fmt.Sprintf("connector-dlq-producer-%s-%d", connector, task)),
		kgo.ProducerBatchCompression(kgo.NoCompression())}, producerOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating DLQ producer: %w", err)
	}
	return &dlq{cl: cl, topic: cfg.DLQTopic, headers: cfg.DLQContextHeaders, connector: connector,
		task: strconv.Itoa(task), log: log, metrics: m}, nil
}

func createTopic(ctx context.Context, adm *kgo.Client, topic string, rf int16, log *slog.Logger) error {
	fail := func(err error) error {
		return fmt.Errorf("Could not initialize dead letter queue with topic=%s: %w", topic, err)
	}
	exists, err := topicadmin.Exists(ctx, adm, topic)
	if err != nil {
		return fail(err)
	}
	if exists {
		return nil
	}
	if rf > 1 {
		brokers, err := kadm.NewClient(adm).ListBrokers(ctx)
		if err != nil {
			return fail(err)
		}
		// Connect would fail here; a single-broker development cluster
		// with the default of 3 is common enough to allow, loudly.
		if n := int16(len(brokers)); rf > n && n > 0 {
			log.Warn("errors.deadletterqueue.topic.replication.factor is larger than the number of brokers; creating the DLQ topic with fewer replicas",
				"topic", topic, "replication.factor", rf, "brokers", n)
			rf = n
		}
	}
	created, err := topicadmin.Ensure(ctx, adm, topic, 1, rf, nil)
	if err != nil {
		return fail(err)
	}
	if created {
		log.Info("created the dead letter queue topic", "topic", topic, "replication.factor", rf)
	}
	return nil
}

// report sends the consumed record with the context headers.
func (d *dlq) report(ctx context.Context, f *Failure) {
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
			kgo.RecordHeader{Key: HeaderExceptionMessage, Value: []byte(f.message())},
			kgo.RecordHeader{Key: HeaderExceptionTrace, Value: []byte(f.stackTrace())},
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

// flush waits until every record reported so far is written, and fails
// if any of them could not be.
func (d *dlq) flush(ctx context.Context) error {
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

// close flushes what it can and closes the producer.
func (d *dlq) close() {
	if d != nil {
		d.cl.Close()
	}
}
