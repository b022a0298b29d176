package elasticsearch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// Class is the Java class name users configure.
const Class = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"

// Desc registers the sink connector.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{
		Class: Class, Type: connect.TypeSink, Version: Version,
		TaskClass: "io.confluent.connect.elasticsearch.ElasticsearchSinkTask",
		New:       func() any { return &SinkConnector{} },
	}
}

// SinkConnector writes records to Elasticsearch indices named after topics.
type SinkConnector struct{ props map[string]string }

// Version implements connect.Connector.
func (*SinkConnector) Version() string { return Version }

// ConfigDef implements connect.Connector.
func (*SinkConnector) ConfigDef() *config.Def { return def() }

// Validate implements connect.Validator with Confluent's cross-key checks.
func (*SinkConnector) Validate(props map[string]string) map[string][]string {
	v, err := def().Parse(props)
	if err != nil {
		return nil // ConfigDef's own checks report it
	}
	return crossCheck(v)
}

// Start implements connect.Connector.
func (c *SinkConnector) Start(_ context.Context, props map[string]string) error {
	if _, err := parseSettings(props); err != nil {
		return err
	}
	c.props = props
	return nil
}

// TaskConfigs implements connect.Connector: every task gets the same config.
func (c *SinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	return connect.ReplicateTaskConfig(c.props, maxTasks), nil
}

// Stop implements connect.Connector.
func (*SinkConnector) Stop() error { return nil }

// NewTask implements connect.SinkConnector.
func (*SinkConnector) NewTask() connect.SinkTask { return &SinkTask{} }

// malformedMarkers are the bulk item failures Confluent treats as a
// malformed document.
var malformedMarkers = []string{
	"strict_dynamic_mapping_exception",
	"mapper_parsing_exception",
	"illegal_argument_exception",
	"action_request_validation_exception",
}

// SinkTask buffers actions into bulk requests of batch.size, sends up to
// max.in.flight.requests of them concurrently, and makes Flush wait for
// every outstanding request, so the runtime commits offsets only for
// documents Elasticsearch acknowledged.
//
// Raw bulk requests rather than esutil.BulkIndexer: the indexer can only
// wait for outstanding requests by closing itself, retries 429s with its
// own policy, and hides the request an item belonged to; Connect needs a
// reusable flush barrier, Confluent's retry/backoff and per-record DLQ
// reports.
type SinkTask struct {
	s    *settings
	cl   *client
	conv *converter
	log  *slog.Logger
	rep  connect.ErrantRecordReporter
	// ensured holds indices created (and mapped) by this task.
	ensured map[string]bool

	// bg is the lifetime of background bulk requests; Stop cancels it.
	bg     context.Context
	cancel context.CancelFunc

	mu sync.Mutex
	// buf is the batch being filled: one slab of batch.size actions,
	// handed as a whole to the request that sends it.
	buf    []action
	bytes  int64
	linger *time.Timer
	sem    chan struct{}

	// errMu guards fatal, deferred and the outstanding-request count. A
	// WaitGroup does not fit: a Flush that timed out leaves a waiter behind
	// while later Puts start new requests.
	errMu       sync.Mutex
	fatal       error
	outstanding int
	idle        []chan struct{} // closed when outstanding drops to 0
	// deferred holds documents Elasticsearch refused, reported from Put or
	// Flush: the runtime's reporter rebuilds records with the task's
	// converters, which must not run concurrently with the worker loop.
	deferred []deferredReport
}

type deferredReport struct {
	rec   connect.SinkRecord
	cause error
}

// Start implements connect.SinkTask.
func (t *SinkTask) Start(_ context.Context, tc connect.SinkTaskContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	t.s = s
	t.log = slog.New(slog.DiscardHandler)
	if tc != nil {
		t.log = tc.Logger()
	}
	t.log = t.log.With("plugin", "ElasticsearchSinkConnector")
	if t.cl, err = newClient(s, t.log); err != nil {
		return err
	}
	if t.conv, err = newConverter(s); err != nil {
		return err
	}
	// Connect hands Confluent's task no reporter unless a DLQ or error log
	// is configured; goconnect always has one, so the same condition is
	// checked here (otherwise a skipped document would fail the task under
	// errors.tolerance=none where Confluent only logs it).
	if tc != nil && (props["errors.deadletterqueue.topic.name"] != "" || strings.EqualFold(props["errors.log.enable"], "true")) {
		t.rep = tc.ErrantRecordReporter()
	}
	t.ensured = map[string]bool{}
	t.sem = make(chan struct{}, s.maxInFlight)
	// Background sends outlive the Put call that started them.
	t.bg, t.cancel = context.WithCancel(context.Background())
	return nil
}

func (t *SinkTask) failure() error {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	return t.fatal
}

func (t *SinkTask) fail(err error) {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	if t.fatal == nil {
		t.fatal = err
	}
}

// report sends a record to the runtime's error handling; a refusal (errors
// not tolerated) fails the task.
func (t *SinkTask) report(ctx context.Context, rec connect.SinkRecord, cause error) {
	if t.rep == nil {
		return
	}
	if err := t.rep.Report(ctx, rec, cause); err != nil {
		t.fail(fmt.Errorf("reporting record %s-%d@%d: %w", rec.Topic, rec.Partition, rec.KafkaOffset, err))
	}
}

// reportLater queues a report for the worker goroutine (see deferred).
func (t *SinkTask) reportLater(rec connect.SinkRecord, cause error) {
	if t.rep == nil {
		return
	}
	t.errMu.Lock()
	defer t.errMu.Unlock()
	t.deferred = append(t.deferred, deferredReport{rec, cause})
}

// reportDeferred sends the queued reports; it runs in Put and Flush.
func (t *SinkTask) reportDeferred(ctx context.Context) {
	t.errMu.Lock()
	q := t.deferred
	t.deferred = nil
	t.errMu.Unlock()
	for _, r := range q {
		t.report(ctx, r.rec, r.cause)
	}
}

// Put implements connect.SinkTask.
func (t *SinkTask) Put(ctx context.Context, recs []connect.SinkRecord) error {
	t.reportDeferred(ctx)
	if err := t.failure(); err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.Value == nil && t.s.nulls == nullIgnore {
			t.report(ctx, rec, errors.New("Cannot write null valued record."))
			continue
		}
		index := indexName(t.s, rec.Topic)
		if err := t.ensure(ctx, index, rec); err != nil {
			return err
		}
		var a action
		keep, err := t.conv.convertInto(&a, rec, index)
		if err != nil {
			if !isDataError(err) {
				return err
			}
			t.report(ctx, rec, err)
			if !t.s.dropInvalid {
				return fmt.Errorf("converting record %s-%d@%d: %w", rec.Topic, rec.Partition, rec.KafkaOffset, err)
			}
			t.log.Error("dropping invalid record", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.KafkaOffset, "error", err)
			continue
		}
		if !keep {
			continue
		}
		if err := t.add(ctx, &a); err != nil {
			return err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) > 0 && t.linger == nil {
		// linger.ms: a partial batch goes out after this long even when
		// no Flush comes.
		t.linger = time.AfterFunc(t.s.linger, func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.linger = nil
			if err := t.dispatchLocked(t.bg); err != nil {
				t.fail(err)
			}
		})
	}
	return t.failure()
}

// ensure creates the index (and its mapping from the record's value schema)
// on first sight, as Confluent's task does.
func (t *SinkTask) ensure(ctx context.Context, index string, rec connect.SinkRecord) error {
	if t.ensured[index] {
		return nil
	}
	if err := t.cl.ready(ctx); err != nil {
		return err
	}
	if err := t.cl.createIndex(ctx, index, t.s.dataStream()); err != nil {
		return err
	}
	if !t.s.ignoreSchema(rec.Topic) {
		has, err := t.cl.hasMapping(ctx, index)
		if err != nil {
			return err
		}
		if !has {
			m, err := mapping(rec.ValueSchema)
			if err != nil {
				// Not a per-record failure: Confluent fails the task.
				return fmt.Errorf("creating the mapping of index %s from record %s-%d@%d: %w", index, rec.Topic, rec.Partition, rec.KafkaOffset, err)
			}
			if err := t.cl.putMapping(ctx, index, m); err != nil {
				return err
			}
		}
	}
	t.ensured[index] = true
	return nil
}

func (t *SinkTask) add(ctx context.Context, a *action) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buf == nil {
		t.buf = make([]action, 0, t.s.batchSize)
	}
	t.buf = append(t.buf, *a)
	t.bytes += int64(len(a.body)) + 128
	if len(t.buf) >= t.s.batchSize || (t.s.bulkBytes > 0 && t.bytes >= t.s.bulkBytes) {
		return t.dispatchLocked(ctx)
	}
	return nil
}

// dispatchLocked sends the buffer as one bulk request in the background,
// waiting for a free in-flight slot (which is the back-pressure on Put).
func (t *SinkTask) dispatchLocked(ctx context.Context) error {
	if len(t.buf) == 0 {
		return nil
	}
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for a free bulk request slot: %w", ctx.Err())
	}
	batch := t.buf
	t.buf, t.bytes = nil, 0
	t.errMu.Lock()
	t.outstanding++
	t.errMu.Unlock()
	go func() {
		err := t.send(t.bg, batch)
		<-t.sem
		t.errMu.Lock()
		defer t.errMu.Unlock()
		if err != nil && t.fatal == nil {
			t.fatal = err
		}
		if t.outstanding--; t.outstanding == 0 {
			for _, ch := range t.idle {
				close(ch)
			}
			t.idle = nil
		}
	}()
	return nil
}

// drained returns a channel closed once no bulk request is outstanding.
func (t *SinkTask) drained() <-chan struct{} {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	ch := make(chan struct{})
	if t.outstanding == 0 {
		close(ch)
	} else {
		t.idle = append(t.idle, ch)
	}
	return ch
}

// send writes a batch, retrying the whole request on connection errors,
// 429 and 5xx, and the items that failed for other reasons, up to
// max.retries with exponential backoff.
func (t *SinkTask) send(ctx context.Context, batch []action) error {
	pending := make([]*action, len(batch))
	size := 0
	for i := range batch {
		pending[i] = &batch[i]
		size += batch[i].size()
	}
	// One buffer sized for the whole request, so building it (and
	// rebuilding it for a retry) never reallocates.
	body := make([]byte, 0, size)
	for attempt := 0; ; attempt++ {
		body = body[:0]
		for _, a := range pending {
			body = a.appendTo(body)
		}
		items, allOK, err := t.cl.bulk(ctx, body)
		var retry []*action
		var lastErr error
		switch {
		case err != nil && !isTransient(err):
			return err
		case err != nil:
			retry, lastErr = pending, err
		case allOK:
		case len(items) != len(pending):
			return fmt.Errorf("bulk answer has %d items for %d requests", len(items), len(pending))
		default:
			for i, it := range items {
				if len(it.Error) == 0 || string(it.Error) == "null" {
					continue
				}
				if err := t.itemFailed(pending[i], it); err != nil {
					if errors.Is(err, errRetryItem) {
						retry = append(retry, pending[i])
						lastErr = fmt.Errorf("status %d: %s", it.Status, it.Error)
						continue
					}
					return err
				}
			}
		}
		if len(retry) == 0 {
			return nil
		}
		if attempt >= t.s.maxRetries {
			return fmt.Errorf("bulk request of %d documents failed after %d retries: %w", len(retry), attempt, lastErr)
		}
		d := t.cl.backoff(attempt)
		t.log.Warn("bulk request failed, retrying", "documents", len(retry), "attempt", attempt+1, "backoff", d, "error", lastErr)
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("retrying a bulk request: %w", err)
		}
		pending = retry
	}
}

var errRetryItem = errors.New("retry item")

// itemFailed handles one failed bulk item as Confluent does: it returns
// nil when the document is skipped, errRetryItem when it is retried, and
// any other error to fail the task.
func (t *SinkTask) itemFailed(a *action, it bulkItem) error {
	msg := string(it.Error)
	rec := a.rec
	where := fmt.Sprintf("%s-%d@%d (index %s, id %s)", rec.Topic, rec.Partition, rec.KafkaOffset, a.index, a.docID())
	if strings.Contains(msg, "version_conflict_engine_exception") {
		if a.external {
			// A redelivered or older offset: the newer document stays.
			t.log.Debug("ignoring version conflict", "record", where)
			return nil
		}
		t.log.Warn("version conflict", "record", where, "error", msg)
		t.reportLater(rec, fmt.Errorf("Indexing failed: %s", msg))
		return nil
	}
	for _, m := range malformedMarkers {
		if !strings.Contains(msg, m) {
			continue
		}
		switch t.s.malformed {
		case malformedIgnore:
			t.log.Debug("ignoring malformed document", "record", where, "error", msg)
		case malformedWarn:
			t.log.Warn("skipping malformed document", "record", where, "error", msg)
		default:
			return fmt.Errorf("indexing record %s failed: %s (to ignore future records like this change the configuration property '%s' from 'fail' to 'ignore' or 'warn')", where, msg, keyMalformed)
		}
		t.reportLater(rec, fmt.Errorf("Indexing failed: %s", msg))
		return nil
	}
	return errRetryItem
}

// Flush implements connect.SinkTask: it sends the buffer and waits for
// every outstanding bulk request, at most flush.timeout.ms.
func (t *SinkTask) Flush(ctx context.Context, _ map[connect.TopicPartition]int64) error {
	ctx, cancel := context.WithTimeout(ctx, t.s.flushTimeout)
	defer cancel()
	t.mu.Lock()
	if t.linger != nil {
		t.linger.Stop()
		t.linger = nil
	}
	err := t.dispatchLocked(ctx)
	t.mu.Unlock()
	// Running out of time is not a failure: the documents stay buffered or
	// in requests that are still retrying (Elasticsearch is away), so the
	// runtime skips this commit. Exhausted retries fail through t.fatal.
	if err != nil {
		return t.notYet(err)
	}
	select {
	case <-t.drained():
	case <-ctx.Done():
		return t.notYet(fmt.Errorf("waiting for outstanding bulk requests: %w", ctx.Err()))
	}
	// Before the offsets commit: a refused document is in the DLQ first.
	t.reportDeferred(ctx)
	return t.failure()
}

// notYet is Flush's answer when time ran out: retriable unless a request
// has already failed for good.
func (t *SinkTask) notYet(err error) error {
	if fatal := t.failure(); fatal != nil {
		return fatal
	}
	return connect.Retriable(err)
}

// Stop implements connect.SinkTask. Buffered documents are dropped: their
// offsets were not committed, so they are delivered again.
func (t *SinkTask) Stop() error {
	if t.cancel == nil {
		return nil
	}
	t.mu.Lock()
	if t.linger != nil {
		t.linger.Stop()
		t.linger = nil
	}
	t.buf = nil
	t.mu.Unlock()
	t.cancel()
	<-t.drained()
	return nil
}
