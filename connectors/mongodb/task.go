package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
	// stopGrace is how long a Put goes on writing once the task is asked
	// to stop (Connect lets put return before it stops a task, within
	// task.shutdown.graceful.timeout.ms, 5 s by default); what is not
	// written by then is abandoned and redelivered after a restart.
	stopGrace = 3 * time.Second
	// disconnectTimeout bounds Stop, which must fit the same budget.
	disconnectTimeout = time.Second
	// pingTimeout bounds the check whether the server still answers after
	// it closed a write's connection.
	pingTimeout = 5 * time.Second
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
	// grace overrides stopGrace (tests).
	grace time.Duration
}

// Start implements connect.SinkTask.
func (t *SinkTask) Start(_ context.Context, tc connect.SinkTaskContext, props map[string]string) error {
	if t.now == nil {
		t.now = time.Now
	}
	t.log = slog.New(slog.DiscardHandler)
	if tc != nil {
		t.log = tc.Logger()
	}
	t.log = t.log.With("plugin", "MongoSinkConnector")
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
	opts.SetLoggerOptions(options.Logger().SetSink(driverLog{t.log.With("logger", "mongo-driver")}))
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
	wctx, cancel := t.graceContext(ctx)
	defer cancel()
	return t.writePending(ctx, wctx)
}

// graceContext returns the context writes run under: it ends stopGrace
// after ctx (the task's stop), so a write in flight can finish and be
// committed instead of being cut off and redelivered.
func (t *SinkTask) graceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	grace := t.grace
	if grace <= 0 {
		grace = stopGrace
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var timer *time.Timer
	var mu sync.Mutex
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(grace, cancel)
	})
	return wctx, func() {
		stop()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

// Flush implements connect.SinkTask. Put writes synchronously, so
// everything it took is written; writes a failed Put left pending are
// not covered by the offsets being committed (the runtime redelivers
// their batch), so a stop neither waits for nor fails on them, as
// MongoDB's connector, whose flush does nothing.
func (t *SinkTask) Flush(context.Context, map[connect.TopicPartition]int64) error { return nil }

// Open implements connect.PartitionAware.
func (t *SinkTask) Open(context.Context, []connect.TopicPartition) error { return nil }

// Close implements connect.PartitionAware: a partition coming back later
// may be redelivered from its committed offset, which must not be skipped,
// and writes a failed Put left for it are dropped: its next owner gets
// those records again.
func (t *SinkTask) Close(_ context.Context, tps []connect.TopicPartition) error {
	closed := map[connect.TopicPartition]bool{}
	for _, tp := range tps {
		delete(t.accepted, tp)
		closed[tp] = true
	}
	t.pending = slices.DeleteFunc(t.pending, func(w pendingWrite) bool {
		return closed[connect.TopicPartition{Topic: w.rec.OriginalTopic, Partition: w.rec.OriginalPartition}]
	})
	return nil
}

// Stop implements connect.SinkTask. Closing the client cannot lose
// anything Put acknowledged, so a slow or failed disconnect is logged and
// does not fail the task.
func (t *SinkTask) Stop() error {
	if t.client == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
	defer cancel()
	if err := t.client.Disconnect(ctx); err != nil {
		t.log.Warn("disconnecting from MongoDB", "error", err)
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
// acknowledged. Writes run under wctx, which outlives ctx (the task's
// stop) by the stop grace; waits end with ctx. A transient failure that
// outlasts the retries is returned as retriable with the rest still
// pending.
func (t *SinkTask) writePending(ctx, wctx context.Context) error {
	for len(t.pending) > 0 {
		if err := wctx.Err(); err != nil {
			return fmt.Errorf("%d writes abandoned: the task is stopping: %w", len(t.pending), context.Cause(ctx))
		}
		n := 1
		tc := t.pending[0].tc
		for n < len(t.pending) && t.pending[n].tc == tc && t.pending[n].rec.Topic == t.pending[0].rec.Topic &&
			(tc.maxBatch == 0 || n < tc.maxBatch) {
			n++
		}
		if err := t.writeRun(ctx, wctx, t.pending[:n]); err != nil {
			return err
		}
		t.pending = t.pending[n:]
		t.batches++
		if tc.rateEvery > 0 && tc.rateTimeout > 0 && t.batches%tc.rateEvery == 0 {
			// A stopping task skips the pause and writes on within its grace.
			select {
			case <-ctx.Done():
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
//
// What the server refuses fails the task (or is tolerated per
// mongo.errors.tolerance), as MongoDB's connector, which retries nothing
// itself: write errors, write concern errors not labelled retryable, and
// a connection the server closes on every attempt while it answers pings
// (FerretDB does so for values it cannot store, e.g. Decimal128). Network
// and server selection failures, not-primary and shutdown codes are
// retried, then handed to the runtime for redelivery.
func (t *SinkTask) writeRun(ctx, wctx context.Context, run []pendingWrite) error {
	tc := run[0].tc
	ns := tc.database + "." + tc.collection
	coll := t.client.Database(tc.database).Collection(tc.collection)
	models := make([]mongo.WriteModel, len(run))
	for i := range run {
		models[i] = run[i].model
	}
	start := 0 // first model not known to be written
	backoff := firstBackoff
	retrying := false
	refusals := 0 // attempts whose connection was closed while the server answered pings
	for attempt := 1; ; attempt++ {
		_, err := coll.BulkWrite(wctx, models[start:], options.BulkWrite().SetOrdered(tc.ordered))
		if err == nil {
			return nil
		}
		if wctx.Err() != nil {
			// Abandoned at the end of the stop grace; the records are
			// redelivered after a restart (their offsets are not committed).
			return fmt.Errorf("bulk write of %d documents to %s abandoned: the task is stopping: %w", len(models)-start, ns, err)
		}
		var bwe mongo.BulkWriteException
		if errors.As(err, &bwe) && (len(bwe.WriteErrors) > 0 || bwe.WriteConcernError != nil) && !isTransient(err) {
			if retrying && bwe.WriteConcernError == nil {
				if next, onlyDup := skipRetriedInserts(bwe, models[start:], tc.ordered); onlyDup {
					if next < 0 {
						return nil
					}
					start += next
					continue
				}
			}
			return t.writeErrors(wctx, tc, run[start:], bwe)
		}
		if tlsErr := tlsFailure(err); tlsErr != nil {
			// Not the records' fault: no tolerance, no DLQ.
			return fmt.Errorf("bulk write to %s: %w", ns, tlsErr)
		}
		transient := isTransient(err)
		if transient && mongo.IsNetworkError(err) && t.serverAnswers(ctx) {
			if refusals++; refusals >= writeAttempts {
				err = fmt.Errorf("MongoDB closed the connection on each of %d attempts while answering pings: it refuses a value of this write: %w", refusals, err)
				transient = false
			}
		}
		if !transient {
			return t.failedRun(wctx, tc, run[start:], fmt.Errorf("bulk write of %d documents to %s: %w", len(models)-start, ns, err))
		}
		if attempt >= writeAttempts {
			return connect.Retriable(fmt.Errorf("bulk write of %d documents to %s after %d attempts: %w", len(models)-start, ns, attempt, err))
		}
		t.log.Warn("transient MongoDB error; retrying the bulk write", "namespace", ns, "attempt", attempt, "error", err)
		retrying = true
		select {
		case <-ctx.Done():
			return fmt.Errorf("bulk write of %d documents to %s abandoned: the task is stopping: %w", len(models)-start, ns, err)
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// serverAnswers says whether the server answers a ping.
func (t *SinkTask) serverAnswers(ctx context.Context) bool {
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return t.client.Ping(pctx, nil) == nil
}

// failedRun handles a run that failed as a whole: it fails the task, or
// with errors.tolerance=all every record goes to the DLQ (MongoDB's
// connector: with "data" only write errors are tolerated).
func (t *SinkTask) failedRun(ctx context.Context, tc *topicConfig, run []pendingWrite, cause error) error {
	if tc.tolerance != "all" {
		t.log.Error("failed to put into the sink", "records", runRange(run), "error", cause)
		return cause
	}
	for _, w := range run {
		if err := t.tolerate(ctx, tc, w.rec, cause); err != nil {
			return err
		}
	}
	return nil
}

// runRange names a run's records for logs and traces.
func runRange(run []pendingWrite) string {
	if len(run) == 0 {
		return ""
	}
	first, last := run[0].rec, run[len(run)-1].rec
	if len(run) == 1 {
		return fmt.Sprintf("%s-%d@%d", first.Topic, first.Partition, first.KafkaOffset)
	}
	return fmt.Sprintf("%s-%d@%d … %s-%d@%d", first.Topic, first.Partition, first.KafkaOffset, last.Topic, last.Partition, last.KafkaOffset)
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

// writeError is a write error as MongoDB's connector reports it to the
// DLQ (its WriteException message, format version 1).
type writeError struct{ mongo.WriteError }

func (e writeError) Error() string {
	return fmt.Sprintf("v=1, code=%d, message=%s, details=%s", e.Code, e.Message, detailsJSON(e.Details))
}

func (e writeError) Unwrap() error { return e.WriteError }

// writeConcernError is MongoDB's connector's WriteConcernException message.
type writeConcernError struct{ mongo.WriteConcernError }

func (e writeConcernError) Error() string {
	return fmt.Sprintf("v=1, code=%d, codeName=%s, message=%s, details=%s", e.Code, e.Name, e.Message, detailsJSON(e.Details))
}

func (e writeConcernError) Unwrap() error { return e.WriteConcernError }

// detailsJSON renders error details as the Java connector (relaxed JSON).
func detailsJSON(d bson.Raw) string {
	if len(d) == 0 {
		return "{}"
	}
	b, err := bson.MarshalExtJSON(d, false, false)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// writeErrors handles a bulk write's write errors and write concern error
// per tolerance, as MongoDB's connector: a record gets its write error;
// with ordered writes the records after the failed one were not attempted;
// the others get the write concern error, if any. Not tolerated, they fail
// the task with each failed record named.
func (t *SinkTask) writeErrors(ctx context.Context, tc *topicConfig, run []pendingWrite, bwe mongo.BulkWriteException) error {
	failed := map[int]error{}
	first := len(run)
	var msgs []string
	for _, we := range bwe.WriteErrors {
		cause := writeError{we.WriteError}
		failed[we.Index] = cause
		first = min(first, we.Index)
		rec := "record ?"
		if we.Index >= 0 && we.Index < len(run) {
			r := run[we.Index].rec
			rec = fmt.Sprintf("record %s-%d@%d", r.Topic, r.Partition, r.KafkaOffset)
		}
		msgs = append(msgs, rec+": "+cause.Error())
	}
	var wce error
	if bwe.WriteConcernError != nil {
		wce = writeConcernError{*bwe.WriteConcernError}
		msgs = append(msgs, "write concern error: "+wce.Error())
	}
	if tc.tolerance == "none" {
		err := fmt.Errorf("bulk write to %s.%s refused: %s: %w", tc.database, tc.collection, strings.Join(msgs, "; "), bwe)
		t.log.Error("failed to put into the sink", "records", runRange(run), "error", err)
		return err
	}
	for i, w := range run {
		cause, ok := failed[i]
		switch {
		case ok:
		case tc.ordered && i > first:
			cause = fmt.Errorf("not written to %s.%s: an earlier write of the ordered bulk write failed", tc.database, tc.collection)
		case wce != nil:
			cause = wce
		default:
			continue
		}
		if err := t.tolerate(ctx, tc, w.rec, cause); err != nil {
			return err
		}
	}
	return nil
}

// retryableCodes are the server error codes the drivers retry writes on
// (network, not-primary, shutdown, step-down, ExceededTimeLimit).
var retryableCodes = []int{6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436}

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
		for _, code := range retryableCodes {
			if se.HasErrorCode(code) {
				return true
			}
		}
	}
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError != nil && len(bwe.WriteErrors) == 0 {
		// MongoDB's connector fails on a write concern error; only those
		// the driver would retry are transient.
		return bwe.HasErrorLabel("RetryableWriteError") || slices.Contains(retryableCodes, bwe.WriteConcernError.Code)
	}
	return false
}
