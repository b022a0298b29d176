package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/topiccreation"
)

// sourceRunner drives one source task: poll → transforms → converters →
// produce, committing source offsets only once the broker has
// acknowledged the records they cover.
type sourceRunner struct {
	h        *handle
	task     connect.SourceTask
	props    map[string]string
	chain    *chain
	conv     *converters
	producer *kgo.Client
	offsets  offsetstore.Store
	flushInt time.Duration
	flushTO  time.Duration
	log      *slog.Logger
	ops      *rterrors.Operator
	tm       *metrics.Task
	// taskClass names the connector in error reports of the poll stage.
	taskClass string
	// creator creates topics before their first record (KIP-158); nil
	// when the connector does not configure topic creation. admin is its
	// client, closed with the task.
	creator *topiccreation.Creator
	admin   *kgo.Client

	sub *submitted
	// txn, when set, makes source records and their offsets commit in
	// transactions: one per poll, or one per txnInterval when set
	// (transaction.boundary=interval).
	txn         TxnOffsets
	txnInterval time.Duration
	txnOpen     bool
	txnDeadline time.Time
	txnOffsets  map[string]offsetstore.Offset
	// slab is where convertKV writes records' keys and values: each
	// record keeps its part, the rest serves the next (see convertKV).
	slab []byte
}

// Records' keys and values are cut from blocks of slabSize bytes; a new
// block is taken when less than slabMin is left (a record longer than
// what is left grows into its own array, as append does).
const (
	slabSize = 64 << 10
	slabMin  = 4 << 10
)

type sourceContext struct {
	reader   connect.OffsetReader
	props    map[string]string
	log      *slog.Logger
	progress *metrics.Snapshot
}

func (c sourceContext) Offsets() connect.OffsetReader { return c.reader }
func (c sourceContext) TaskConfig() map[string]string { return c.props }
func (c sourceContext) Logger() *slog.Logger          { return c.log }

func (c sourceContext) SnapshotProgress() connect.SnapshotProgress { return c.progress }

// connectorOffsets reads one connector's offsets from the store.
type connectorOffsets struct {
	store     offsetstore.Store
	connector string
}

func (r connectorOffsets) Offset(ctx context.Context, partition map[string]any) (map[string]any, error) {
	return r.store.Get(ctx, r.connector, partition)
}

func (r *sourceRunner) run(ctx context.Context) error {
	defer r.tm.Close()
	defer closeClient(r.admin)
	defer r.producer.Close()
	defer r.chain.close()
	connector := r.h.id.Connector
	if err := r.task.Start(ctx, sourceContext{reader: connectorOffsets{r.offsets, connector}, props: r.props, log: r.log, progress: r.tm.Snapshot()}, r.props); err != nil {
		// As is: Connect's trace starts with the task's own exception.
		return err
	}
	r.h.report(status.Running, "")
	runErr := r.loop(ctx)
	stopErr := r.shutdown()
	if runErr != nil {
		return runErr
	}
	return stopErr
}

func (r *sourceRunner) loop(ctx context.Context) error {
	nextFlush := time.Now().Add(r.flushInt)
	retry := r.pollRetries()
	// A poll that waits for data is interrupted by a pause (so the task
	// reports PAUSED promptly) and at the next offset flush (Connect
	// commits on its own schedule while a poll waits). The contexts that
	// do it serve every poll until they end or the flush time moves: made
	// per poll, they cost a goroutine and a timer each, a tenth of the
	// CPU of a source streaming single-row changes.
	var pc pollContext
	defer pc.close()
	for {
		if !r.h.waitWhilePaused(ctx, func() { _ = r.commitNow(ctx) }) {
			return nil
		}
		if !pc.usable(nextFlush) {
			pc.renew(ctx, r.h, nextFlush)
		}
		pollCtx := pc.poll
		pollStart := time.Now()
		recs, err := r.task.Poll(pollCtx)
		r.tm.Source().Polled(len(recs), time.Since(pollStart))
		interrupted := pollCtx.Err() != nil
		if interrupted && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			err = nil
		}
		if ctx.Err() != nil {
			// Stopping: records from a cancelled poll are dropped, not
			// produced; their offsets are never committed, so nothing is lost.
			return nil
		}
		if err != nil {
			if !connect.IsRetriable(err) || !r.pollAgain(ctx, &retry, err) {
				if ctx.Err() != nil {
					return nil
				}
				return rterrors.TaskPoll.Fail("polling source task "+r.taskClass, err)
			}
			continue
		}
		retry.Reset()
		if len(recs) > 0 {
			if r.txn != nil {
				err = r.sendTxn(ctx, recs)
			} else {
				_, err = r.send(ctx, recs)
			}
			if err != nil {
				if ctx.Err() != nil {
					// Stopped while retrying a record: it is neither
					// skipped nor committed.
					return nil
				}
				return err
			}
		}
		if err := r.sub.firstError(); err != nil {
			return fmt.Errorf("producing records: %w", err)
		}
		if now := time.Now(); !now.Before(nextFlush) {
			if err := r.commit(ctx); err != nil {
				var ce *commitError
				if !errors.As(err, &ce) {
					return err
				}
				// As Connect: a failed offset commit is logged and retried
				// at the next interval; the task keeps running. (A worker
				// whose group membership is unconfirmed during a long
				// rebalance lands here; one really expelled is stopped.)
				r.log.Warn("source offsets not committed, retrying at the next commit", "error", err)
			}
			nextFlush = now.Add(r.flushInt)
		}
	}
}

// pollContext is the context polls run in: it ends when the task is
// paused or at until (the next offset flush).
type pollContext struct {
	pause, poll             context.Context
	cancelPause, cancelPoll context.CancelFunc
	until                   time.Time
}

// usable reports whether the context can serve a poll before a flush at until.
func (p *pollContext) usable(until time.Time) bool {
	return p.poll != nil && p.poll.Err() == nil && p.until.Equal(until)
}

func (p *pollContext) renew(ctx context.Context, h *handle, until time.Time) {
	p.close()
	p.pause, p.cancelPause = h.untilPaused(ctx)
	p.poll, p.cancelPoll = context.WithDeadline(p.pause, until)
	p.until = until
}

func (p *pollContext) close() {
	if p.cancelPause != nil {
		p.cancelPoll()
		p.cancelPause()
	}
}

// send converts and produces one poll's records. A record failing in a
// transformation or converter is retried, skipped or fails the task as
// the operator says; when the task is stopped while retrying one, the
// batch is left unfinished so none of its offsets is committed.
func (r *sourceRunner) send(ctx context.Context, recs []connect.SourceRecord) (*batch, error) {
	b := &batch{offsets: make(map[string]offsetstore.Offset, 1), records: len(recs)}
	b.remaining.Store(int64(len(recs)))
	if src := r.tm.Source(); src != nil {
		b.onWritten = src.Written
	}
	r.sub.add(b)
	promise := func(kr *kgo.Record, err error) {
		if err != nil {
			err = r.ops.Handle(r.h.sendCtx, rterrors.Failure{Stage: rterrors.KafkaProduce, Class: "org.apache.kafka.clients.producer.KafkaProducer",
				Err: produceError(kr.Topic, err), Produced: kr})
			if err == nil { // tolerated: skipped, its offset is committed
				b.done(false)
				return
			}
		}
		b.ack(err)
	}
	// One allocation for the batch's Kafka records and one for their
	// headers, instead of one per record: the producer holds them until
	// acknowledged, and the batch lives that long anyway.
	krs := make([]kgo.Record, len(recs))
	nh := 0
	for i := range recs {
		nh += len(recs[i].Headers)
	}
	hdrs := make([]kgo.RecordHeader, 0, nh)
	for i := range recs {
		sr := &recs[i]
		kr := &krs[i]
		var ok bool
		var err error
		ok, hdrs, err = r.convert(ctx, sr, kr, hdrs)
		if err != nil {
			if ctx.Err() == nil {
				b.ack(err)
			}
			return b, err
		}
		if !ok {
			// Dropped by a transformation or skipped after a tolerated
			// error: as in Connect, its offset is not submitted, so the
			// stored offset stays at the last record produced.
			b.done(false)
			continue
		}
		if sr.SourcePartition != nil {
			b.offsets[r.sub.partitionKey(sr.SourcePartition)] = offsetstore.Offset{Partition: sr.SourcePartition, Offset: sr.SourceOffset}
		}
		if err := r.creator.Ensure(r.h.sendCtx, kr.Topic); err != nil {
			b.ack(err)
			return b, err
		}
		r.h.topics.note(kr.Topic)
		r.producer.Produce(r.h.sendCtx, kr, promise)
	}
	return b, nil
}

// convert transforms and converts one record into kr; headers are
// appended to hdrs (the batch's shared header array). It returns false
// when a transformation dropped the record or a tolerated failure skipped
// it. Each stage tries first and reaches the operator only when it fails.
func (r *sourceRunner) convert(ctx context.Context, sr *connect.SourceRecord, kr *kgo.Record, hdrs []kgo.RecordHeader) (bool, []kgo.RecordHeader, error) {
	at := rterrors.Failure{Source: sr}
	rec, err := r.chain.apply(ctx, r.ops, at, &sr.Record)
	if err != nil || rec == nil {
		return false, hdrs, err
	}
	key, value, kvOK := r.convertKV(rec)
	if !kvOK {
		key, err = r.conv.key.FromConnectData(rec.Topic, rec.Headers, rec.KeySchema, rec.Key)
		if err != nil {
			var ok bool
			if key, ok, err = r.recoverData(ctx, at, rterrors.KeyConverter, rec, err); !ok {
				return false, hdrs, err
			}
		}
		value, err = r.conv.value.FromConnectData(rec.Topic, rec.Headers, rec.ValueSchema, rec.Value)
		if err != nil {
			var ok bool
			if value, ok, err = r.recoverData(ctx, at, rterrors.ValueConverter, rec, err); !ok {
				return false, hdrs, err
			}
		}
	}
	*kr = kgo.Record{Topic: rec.Topic, Key: key, Value: value, Partition: noPartition}
	if rec.Partition != connect.NoPartition {
		kr.Partition = rec.Partition
	}
	if !rec.Timestamp.IsZero() {
		kr.Timestamp = rec.Timestamp
	}
	if len(rec.Headers) > 0 {
		start := len(hdrs)
		if hdrs, err = r.fromConnectHeaders(rec, hdrs); err != nil {
			var ok bool
			if hdrs, ok, err = r.recoverHeaders(ctx, at, rec, hdrs[:start], err); !ok {
				return false, hdrs[:start], err
			}
		}
		// Full slice expression: the record's headers cannot grow into the next record's.
		kr.Headers = hdrs[start:len(hdrs):len(hdrs)]
	}
	return true, hdrs, nil
}

// convertKV converts rec's key and value into one byte slice when both
// converters can append (connect.AppendConverter), cut from the runner's
// current block: one allocation per 64 KiB of records instead of one per
// record (the producer holds a record's bytes until it is acknowledged;
// a block lives until its last record is). ok is false when they
// cannot, or when either failed: the caller converts them apart then,
// and reports.
func (r *sourceRunner) convertKV(rec *connect.Record) (key, value []byte, ok bool) {
	ka, kok := r.conv.key.(connect.AppendConverter)
	va, vok := r.conv.value.(connect.AppendConverter)
	if !kok || !vok {
		return nil, nil, false
	}
	if len(r.slab) < slabMin {
		r.slab = make([]byte, slabSize)
	}
	b, knull, err := ka.AppendConnectData(r.slab[:0], rec.Topic, rec.Headers, rec.KeySchema, rec.Key)
	if err != nil {
		return nil, nil, false
	}
	kl := len(b)
	b, vnull, err := va.AppendConnectData(b, rec.Topic, rec.Headers, rec.ValueSchema, rec.Value)
	if err != nil {
		return nil, nil, false
	}
	// The record's part ends where its bytes do, so that nothing appended
	// to its key or value can reach the next record's; the rest of the
	// array (the block's, or the one append grew into) serves the next.
	msg := b[:len(b):len(b)]
	r.slab = b[len(b):cap(b)]
	// An empty message is nil, as FromConnectData's copy of one is.
	if !knull && kl > 0 {
		key = msg[:kl:kl]
	}
	if !vnull && len(msg) > kl {
		value = msg[kl:]
	}
	return key, value, true
}

// fromConnectHeaders appends rec's converted headers to hdrs.
func (r *sourceRunner) fromConnectHeaders(rec *connect.Record, hdrs []kgo.RecordHeader) ([]kgo.RecordHeader, error) {
	for _, h := range rec.Headers {
		v, err := r.conv.header.FromConnectHeader(rec.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return hdrs, fmt.Errorf("converting header %s of a record for topic %s: %w", h.Key, rec.Topic, err)
		}
		hdrs = append(hdrs, kgo.RecordHeader{Key: h.Key, Value: v})
	}
	return hdrs, nil
}

// recoverHeaders hands a failed header conversion to the operator, which
// may convert the headers again, appended to hdrs.
func (r *sourceRunner) recoverHeaders(ctx context.Context, at rterrors.Failure, rec *connect.Record, hdrs []kgo.RecordHeader, err error) ([]kgo.RecordHeader, bool, error) {
	at.Stage, at.Class, at.Err = rterrors.HeaderConverter, r.conv.headerClass, err
	out, ok, err := rterrors.Execute(ctx, r.ops, at, func() ([]kgo.RecordHeader, error) { return r.fromConnectHeaders(rec, hdrs) })
	if !ok {
		out = hdrs
	}
	return out, ok, err
}

// recoverData hands a failed key or value conversion to the operator,
// which may run the converter again (e.g. a schema registry briefly away).
func (r *sourceRunner) recoverData(ctx context.Context, at rterrors.Failure, st rterrors.Stage, rec *connect.Record, err error) ([]byte, bool, error) {
	c, class := r.conv.forStage(st)
	what, s, v := "value", rec.ValueSchema, rec.Value
	if st == rterrors.KeyConverter {
		what, s, v = "key", rec.KeySchema, rec.Key
	}
	wrap := func(err error) error {
		return fmt.Errorf("converting %s of a record for topic %s: %w", what, rec.Topic, err)
	}
	at.Stage, at.Class, at.Err = st, class, wrap(err)
	return rterrors.Execute(ctx, r.ops, at, func() ([]byte, error) {
		b, err := c.FromConnectData(rec.Topic, rec.Headers, s, v)
		if err != nil {
			return nil, wrap(err)
		}
		return b, nil
	})
}

// commitNow commits at once: an open transaction too (on pause and stop).
func (r *sourceRunner) commitNow(ctx context.Context) error {
	if r.txn != nil {
		return r.commitTxn(ctx)
	}
	return r.commit(ctx)
}

// commit stores the offsets of every acknowledged batch.
func (r *sourceRunner) commit(ctx context.Context) error {
	if r.txn != nil {
		// Offsets commit with the records, in the open transaction.
		if r.txnOpen && !time.Now().Before(r.txnDeadline) {
			return r.commitTxn(ctx)
		}
		return nil
	}
	offs, records, failed := r.sub.committable()
	if failed != nil {
		failed = fmt.Errorf("producing records: %w", failed)
	}
	if len(offs) == 0 {
		return failed
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.flushTO)
	defer cancel()
	start := time.Now()
	err := r.offsets.Put(cctx, r.h.id.Connector, offs)
	r.tm.Committed(time.Since(start), err)
	if err != nil {
		r.sub.restore(offs, records)
		if failed != nil {
			return failed
		}
		return &commitError{err}
	}
	if c, ok := r.task.(connect.SourceCommitter); ok {
		if err := c.Commit(cctx); err != nil {
			r.log.Warn("source task commit hook failed", "error", err)
		}
	}
	r.log.Info("committed source offsets", "records", records, "partitions", len(offs))
	return failed
}

// commitError is a failed offset write: the offsets were put back for the
// next commit, so the task may go on.
type commitError struct{ err error }

func (e *commitError) Error() string { return "committing source offsets: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

// shutdown stops the task, waits for records in flight and commits their
// offsets, so a restart resumes right after the last acknowledged record.
func (r *sourceRunner) shutdown() error {
	var errs []error
	if err := r.task.Stop(); err != nil {
		errs = append(errs, fmt.Errorf("stopping source task: %w", err))
	}
	fctx, cancel := context.WithTimeout(r.h.sendCtx, r.flushTO)
	defer cancel()
	err := r.producer.Flush(fctx)
	if r.h.cancelled.Load() {
		// As Connect: "Skipping final offset commit as task has been
		// cancelled"; the records not committed are produced again.
		r.log.Warn("skipping the final offset commit: the stop gave up waiting for the task")
		return errors.Join(errs...)
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("flushing records in flight: %w", err))
	}
	if err := r.commitNow(fctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// produceError explains the usual cause of a missing topic: a broker
// that does not create topics on first use (managed clusters turn
// auto.create.topics.enable off) and a connector without KIP-158 settings.
func produceError(topic string, err error) error {
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return fmt.Errorf("producing a record to %s: topic %s does not exist and the broker did not create it "+
			"(auto.create.topics.enable=false?): create it, or let the connector create it by setting "+
			"topic.creation.default.replication.factor and topic.creation.default.partitions (KIP-158): %w", topic, topic, err)
	}
	return fmt.Errorf("producing a record to %s: %w", topic, err)
}
