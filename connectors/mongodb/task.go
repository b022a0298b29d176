package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/goconnect/goconnect/connect"
)

// Retry policy inside one Put; after it the task asks the runtime to
// redeliver the batch (which backs off up to 10 s, without limit).
const (
	writeAttempts = 3
	firstBackoff  = 250 * time.Millisecond
)

// pendingWrite is a write not yet acknowledged by MongoDB.
type pendingWrite struct {
	rec   connect.SinkRecord
	tc    *topicConfig
	model mongo.WriteModel
}

// SinkTask converts records to writes and bulk-writes them in Put; Flush
// writes whatever a failed Put left, so offsets are committed only for
// acknowledged writes.
type SinkTask struct {
	now      clock
	log      *slog.Logger
	props    map[string]string
	client   *mongo.Client
	reporter connect.ErrantRecordReporter
	topics   map[string]*topicConfig
	pending  []pendingWrite
	// accepted is the last offset per partition already turned into a
	// pending or written write: a batch redelivered after a retriable
	// failure is not converted twice (BsonOid ids would differ).
	accepted map[connect.TopicPartition]int64
	batches  int // for rate limiting
}

// Start implements connect.SinkTask.
func (t *SinkTask) Start(_ context.Context, tc connect.SinkTaskContext, props map[string]string) error {
	if t.now == nil {
		t.now = time.Now
	}
	t.log = slog.Default().With("connector", props["name"], "plugin", "MongoSinkConnector")
	t.props = props
	t.topics = map[string]*topicConfig{}
	t.accepted = map[connect.TopicPartition]int64{}
	if tc != nil {
		t.reporter = tc.ErrantRecordReporter()
	}
	opts, err := clientOptions(props)
	if err != nil {
		return err
	}
	cl, err := mongo.Connect(opts.SetAppName("goconnect-mongo-sink"))
	if err != nil {
		return fmt.Errorf("connecting to MongoDB: %w", err)
	}
	t.client = cl
	return nil
}

func (t *SinkTask) topicConfig(topic string) (*topicConfig, error) {
	if tc, ok := t.topics[topic]; ok {
		return tc, nil
	}
	tc, err := newTopicConfig(t.props, topic, t.now)
	if err != nil {
		return nil, fmt.Errorf("config of topic %s: %w", topic, err)
	}
	t.topics[topic] = tc
	return tc, nil
}

// Put implements connect.SinkTask.
func (t *SinkTask) Put(ctx context.Context, recs []connect.SinkRecord) error {
	for i := range recs {
		r := &recs[i]
		tp := connect.TopicPartition{Topic: r.OriginalTopic, Partition: r.OriginalPartition}
		if last, ok := t.accepted[tp]; ok && r.OriginalOffset <= last {
			continue
		}
		tc, err := t.topicConfig(r.Topic)
		if err != nil {
			return err
		}
		m, err := t.buildModel(tc, r)
		if err != nil {
			// Building a write does no I/O: every failure is about the record.
			if err := t.tolerate(ctx, tc, *r, fmt.Errorf("processing record %s-%d@%d: %w", r.Topic, r.Partition, r.KafkaOffset, err)); err != nil {
				return err
			}
		} else if m != nil {
			t.pending = append(t.pending, pendingWrite{rec: *r, tc: tc, model: m})
		}
		t.accepted[tp] = r.OriginalOffset
	}
	return t.writePending(ctx)
}

// Flush implements connect.SinkTask: everything Put received is written.
func (t *SinkTask) Flush(ctx context.Context, _ map[connect.TopicPartition]int64) error {
	for len(t.pending) > 0 {
		err := t.writePending(ctx)
		if err == nil {
			return nil
		}
		if !connect.IsRetriable(err) || ctx.Err() != nil {
			return fmt.Errorf("flushing %d pending writes: %w", len(t.pending), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("flushing %d pending writes: %w", len(t.pending), err)
		case <-time.After(firstBackoff):
		}
	}
	return nil
}

// Open implements connect.PartitionAware.
func (t *SinkTask) Open(context.Context, []connect.TopicPartition) error { return nil }

// Close implements connect.PartitionAware: a partition coming back later
// may be redelivered from its committed offset, which must not be skipped.
func (t *SinkTask) Close(_ context.Context, tps []connect.TopicPartition) error {
	for _, tp := range tps {
		delete(t.accepted, tp)
	}
	return nil
}

// Stop implements connect.SinkTask.
func (t *SinkTask) Stop() error {
	if t.client == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("disconnecting from MongoDB: %w", err)
	}
	return nil
}

// buildModel converts a record and derives its write; nil means skip.
func (t *SinkTask) buildModel(tc *topicConfig, r *connect.SinkRecord) (mongo.WriteModel, error) {
	d := &sinkDoc{rec: r}
	var err error
	if d.value, err = toDocument(r.ValueSchema, r.Value); err != nil {
		return nil, fmt.Errorf("converting the value: %w", err)
	}
	if tc.cdc != nil {
		return tc.cdc.handle(d)
	}
	if d.value == nil {
		if r.Key == nil || tc.tombstone == nil {
			return nil, dataErr("could not create write model: record with a null value (set delete.on.null.values=true with a key id strategy to delete)")
		}
		return tc.tombstone.tombstone(d)
	}
	for _, p := range tc.processors {
		if err := p.process(d); err != nil {
			return nil, err
		}
	}
	return tc.model.model(d)
}

// tolerate applies the error tolerance to a record that cannot be written.
func (t *SinkTask) tolerate(ctx context.Context, tc *topicConfig, r connect.SinkRecord, cause error) error {
	if tc.tolerance == "none" {
		return cause
	}
	if tc.logErrors {
		t.log.Error("skipping a record that cannot be written", "topic", r.Topic, "partition", r.Partition, "offset", r.KafkaOffset, "error", cause)
	}
	if t.reporter == nil {
		return nil
	}
	if err := t.reporter.Report(ctx, r, cause); err != nil {
		return fmt.Errorf("reporting record %s-%d@%d: %w", r.Topic, r.Partition, r.KafkaOffset, err)
	}
	return nil
}

// writePending bulk-writes pending writes in runs of the same namespace and
// topic config, at most max.batch.size each, dropping each run once it is
// acknowledged. A transient failure that outlasts the retries is returned
// as retriable with the rest still pending.
func (t *SinkTask) writePending(ctx context.Context) error {
	for len(t.pending) > 0 {
		n := 1
		tc := t.pending[0].tc
		for n < len(t.pending) && t.pending[n].tc == tc && t.pending[n].rec.Topic == t.pending[0].rec.Topic &&
			(tc.maxBatch == 0 || n < tc.maxBatch) {
			n++
		}
		if err := t.writeRun(ctx, t.pending[:n]); err != nil {
			return err
		}
		t.pending = t.pending[n:]
		t.batches++
		if tc.rateEvery > 0 && tc.rateTimeout > 0 && t.batches%tc.rateEvery == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(tc.rateTimeout):
			}
		}
	}
	t.pending = nil
	return nil
}

// writeRun writes one run with retries. After a transient failure the
// outcome of the failed attempt is unknown, so the retry re-sends the whole
// run: replaces, updates and deletes are idempotent, and an insert whose
// _id already exists on a retry was written by the earlier attempt.
func (t *SinkTask) writeRun(ctx context.Context, run []pendingWrite) error {
	tc := run[0].tc
	coll := t.client.Database(tc.database).Collection(tc.collection)
	models := make([]mongo.WriteModel, len(run))
	for i := range run {
		models[i] = run[i].model
	}
	start := 0 // first model not known to be written
	backoff := firstBackoff
	retrying := false
	for attempt := 1; ; attempt++ {
		_, err := coll.BulkWrite(ctx, models[start:], options.BulkWrite().SetOrdered(tc.ordered))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return connect.Retriable(fmt.Errorf("bulk write to %s.%s interrupted: %w", tc.database, tc.collection, err))
		}
		var bwe mongo.BulkWriteException
		if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 && !isTransient(err) {
			if retrying {
				if next, onlyDup := skipRetriedInserts(bwe, models[start:], tc.ordered); onlyDup {
					if next < 0 {
						return nil
					}
					start += next
					continue
				}
			}
			return t.writeErrors(ctx, tc, run[start:], bwe)
		}
		if tlsErr := tlsFailure(err); tlsErr != nil {
			// Not the records' fault: no tolerance, no DLQ.
			return fmt.Errorf("bulk write to %s.%s: %w", tc.database, tc.collection, tlsErr)
		}
		if !isTransient(err) {
			if tc.tolerance != "all" {
				return fmt.Errorf("bulk write of %d documents to %s.%s: %w", len(models)-start, tc.database, tc.collection, err)
			}
			for _, w := range run[start:] {
				if rerr := t.tolerate(ctx, tc, w.rec, fmt.Errorf("bulk write to %s.%s: %w", tc.database, tc.collection, err)); rerr != nil {
					return rerr
				}
			}
			return nil
		}
		if attempt >= writeAttempts {
			return connect.Retriable(fmt.Errorf("bulk write of %d documents to %s.%s after %d attempts: %w", len(models)-start, tc.database, tc.collection, attempt, err))
		}
		t.log.Warn("transient MongoDB error; retrying the bulk write", "namespace", tc.database+"."+tc.collection, "attempt", attempt, "error", err)
		retrying = true
		select {
		case <-ctx.Done():
			return connect.Retriable(fmt.Errorf("bulk write to %s.%s: %w", tc.database, tc.collection, err))
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// skipRetriedInserts checks whether every write error of a retried run is
// a duplicate-key insert (written by the earlier attempt). For ordered runs
// it returns where to resume (-1: nothing left).
func skipRetriedInserts(bwe mongo.BulkWriteException, models []mongo.WriteModel, ordered bool) (int, bool) {
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= len(models) {
			return 0, false
		}
		if _, ins := models[we.Index].(*mongo.InsertOneModel); !ins || !mongo.IsDuplicateKeyError(we.WriteError) {
			return 0, false
		}
	}
	if !ordered {
		return -1, true
	}
	next := bwe.WriteErrors[0].Index + 1
	if next >= len(models) {
		return -1, true
	}
	return next, true
}

// writeErrors handles write errors per tolerance; with ordered writes the
// records after the first failure were not attempted and are reported too.
func (t *SinkTask) writeErrors(ctx context.Context, tc *topicConfig, run []pendingWrite, bwe mongo.BulkWriteException) error {
	if tc.tolerance == "none" {
		return fmt.Errorf("bulk write to %s.%s: %w", tc.database, tc.collection, bwe)
	}
	failed := map[int]error{}
	first := len(run)
	for _, we := range bwe.WriteErrors {
		failed[we.Index] = fmt.Errorf("write error on %s.%s: %w", tc.database, tc.collection, we.WriteError)
		first = min(first, we.Index)
	}
	for i, w := range run {
		cause, ok := failed[i]
		if !ok {
			if !tc.ordered || i < first {
				continue
			}
			cause = fmt.Errorf("not written to %s.%s: an earlier write of the ordered bulk write failed", tc.database, tc.collection)
		}
		if err := t.tolerate(ctx, tc, w.rec, cause); err != nil {
			return err
		}
	}
	return nil
}

// isTransient says whether a write may succeed when tried again:
// network and timeout errors, server selection failures, retryable
// write errors and shutdown/step-down codes.
func isTransient(err error) bool {
	if tlsFailure(err) != nil {
		return false
	}
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, mongo.ErrClientDisconnected) {
		return true
	}
	var sse topology.ServerSelectionError
	var ce topology.ConnectionError
	if errors.As(err, &sse) || errors.As(err, &ce) {
		return true
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		if se.HasErrorLabel("RetryableWriteError") || se.HasErrorLabel("NetworkError") {
			return true
		}
		for _, code := range []int{6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436} {
			if se.HasErrorCode(code) {
				return true
			}
		}
	}
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError != nil && len(bwe.WriteErrors) == 0 {
		return true
	}
	return false
}
