package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/status"
)

// sinkRunner drives one sink task: consume (group connect-<name>) →
// converters → transforms → put, and commits consumer offsets only after
// the task flushed everything put before them.
type sinkRunner struct {
	h        *handle
	task     connect.SinkTask
	props    map[string]string
	chain    *chain
	conv     *converters
	consumer *kgo.Client
	flushInt time.Duration
	flushTO  time.Duration
	log      *slog.Logger
	maxPoll  int
	ops      *rterrors.Operator
	errant   *errantReporter
	tm       *metrics.Task

	mu sync.Mutex
	// consumed holds, per partition, the next offset after the last
	// record handed to Put.
	consumed     map[connect.TopicPartition]int64
	assigned     map[connect.TopicPartition]bool
	commitAsked  bool
	pausedByTask map[connect.TopicPartition]bool
	// redo is the batch waiting to be put again, nil when none.
	redo *redelivery
}

// sinkContext is what the sink task sees of the runtime.
type sinkContext struct{ r *sinkRunner }

func (c sinkContext) TaskConfig() map[string]string { return c.r.props }
func (c sinkContext) Logger() *slog.Logger          { return c.r.log }

func (c sinkContext) Assignment() []connect.TopicPartition {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	out := make([]connect.TopicPartition, 0, len(c.r.assigned))
	for tp := range c.r.assigned {
		out = append(out, tp)
	}
	return out
}

func (c sinkContext) Pause(tps ...connect.TopicPartition) {
	c.r.consumer.PauseFetchPartitions(toTopicMap(tps))
	c.r.mu.Lock()
	for _, tp := range tps {
		c.r.pausedByTask[tp] = true
	}
	c.r.mu.Unlock()
}

func (c sinkContext) Resume(tps ...connect.TopicPartition) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	for _, tp := range tps {
		delete(c.r.pausedByTask, tp)
	}
	// While a batch waits for redelivery every partition stays paused;
	// these resume with the others once it is put.
	if c.r.redo == nil {
		c.r.consumer.ResumeFetchPartitions(toTopicMap(tps))
	}
}

func (c sinkContext) RequestCommit() {
	c.r.mu.Lock()
	c.r.commitAsked = true
	c.r.mu.Unlock()
}

// ErrantRecordReporter reports records the task cannot write to the
// connector's DLQ and log, under its tolerance (KIP-610).
func (c sinkContext) ErrantRecordReporter() connect.ErrantRecordReporter { return c.r.errant }

func toTopicMap(tps []connect.TopicPartition) map[string][]int32 {
	m := map[string][]int32{}
	for _, tp := range tps {
		m[tp.Topic] = append(m[tp.Topic], tp.Partition)
	}
	return m
}

// sinkConsumerOpts returns the group options of a sink task's consumer; the
// callbacks need the runner, so it is built before the client.
func (r *sinkRunner) consumerOpts(connector string, topics []string, regex string) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.ConsumerGroup("connect-" + connector),
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.BlockRebalanceOnPoll(),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		kgo.OnPartitionsAssigned(r.onAssigned),
		kgo.OnPartitionsRevoked(r.onRevoked),
		kgo.OnPartitionsLost(r.onLost),
	}
	if regex != "" {
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(anchored(regex)))
	} else {
		opts = append(opts, kgo.ConsumeTopics(topics...))
	}
	return opts
}

// anchored makes a Java-style full-match regex out of topics.regex.
func anchored(re string) string {
	if _, err := regexp.Compile(re); err != nil {
		return re
	}
	return "^(?:" + re + ")$"
}

func (r *sinkRunner) onAssigned(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	tps := fromTopicMap(m)
	r.mu.Lock()
	for _, tp := range tps {
		r.assigned[tp] = true
	}
	r.tm.Sink().Partitions(len(r.assigned))
	if r.redo != nil {
		// As Connect: new partitions stay paused until the batch is put.
		r.consumer.PauseFetchPartitions(m)
	}
	r.mu.Unlock()
	if pa, ok := r.task.(connect.PartitionAware); ok {
		if err := pa.Open(ctx, tps); err != nil {
			r.log.Error("sink task failed to open partitions", "error", err)
		}
	}
}

// onRevoked commits what was flushed for partitions leaving this task, so
// their next owner starts where this one stopped.
func (r *sinkRunner) onRevoked(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	tps := fromTopicMap(m)
	if err := r.flushAndCommit(ctx, tps); err != nil {
		r.log.Warn("commit on partition revocation failed; records will be redelivered", "error", err)
	}
	r.forget(ctx, tps)
}

func (r *sinkRunner) onLost(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	r.forget(ctx, fromTopicMap(m))
}

func (r *sinkRunner) forget(ctx context.Context, tps []connect.TopicPartition) {
	r.mu.Lock()
	for _, tp := range tps {
		delete(r.assigned, tp)
		delete(r.consumed, tp)
	}
	r.tm.Sink().Partitions(len(r.assigned))
	r.dropRedeliveryLocked(tps)
	r.mu.Unlock()
	if pa, ok := r.task.(connect.PartitionAware); ok {
		if err := pa.Close(ctx, tps); err != nil {
			r.log.Warn("sink task failed to close partitions", "error", err)
		}
	}
}

func fromTopicMap(m map[string][]int32) []connect.TopicPartition {
	var out []connect.TopicPartition
	for t, ps := range m {
		for _, p := range ps {
			out = append(out, connect.TopicPartition{Topic: t, Partition: p})
		}
	}
	return out
}

func (r *sinkRunner) run(ctx context.Context) error {
	closed := false
	closeConsumer := func() {
		if !closed {
			closed = true
			// Leaving the group waits for an allowed rebalance; the
			// revocation it triggers flushes and commits once more.
			r.consumer.AllowRebalance()
			r.consumer.Close()
		}
	}
	defer r.tm.Close()
	defer r.ops.Close()
	defer closeConsumer()
	defer r.chain.close()
	if err := r.task.Start(ctx, sinkContext{r}, r.props); err != nil {
		// As is: Connect's trace starts with the task's own exception.
		return err
	}
	r.h.report(status.Running, "")
	runErr := r.loop(ctx)
	var errs []error
	if runErr == nil {
		// A clean stop: make everything put durable and commit it.
		if err := r.flushAndCommit(context.Background(), nil); isConsumerCommitError(err) {
			// The flush made the records durable: the next owner of the
			// partitions gets some of them again, as after Connect's
			// failed commit on close.
			r.log.Warn("offsets not committed at the task's stop; records will be redelivered", "error", err)
		} else if err != nil {
			errs = append(errs, err)
		}
	}
	// The task stops after the consumer so no callback reaches a stopped task.
	closeConsumer()
	if err := r.task.Stop(); err != nil {
		errs = append(errs, fmt.Errorf("stopping sink task: %w", err))
	}
	if runErr != nil {
		return runErr
	}
	return errors.Join(errs...)
}

func (r *sinkRunner) loop(ctx context.Context) error {
	nextFlush := time.Now().Add(r.flushInt)
	for {
		r.consumer.AllowRebalance()
		if !r.h.waitWhilePaused(ctx, r.pauseAll) {
			return nil
		}
		wait := time.Until(nextFlush)
		redoAt, redo := r.redeliveryDue()
		if redo {
			wait = min(wait, time.Until(redoAt))
		}
		pauseCtx, cancelPause := r.h.untilPaused(ctx)
		pollCtx, cancel := context.WithTimeout(pauseCtx, wait)
		fetches := r.consumer.PollRecords(pollCtx, r.maxPoll)
		cancel()
		cancelPause()
		if ctx.Err() != nil {
			return nil
		}
		if err := fatalFetchError(fetches); err != nil {
			return err
		}
		var err error
		if recs := fetches.Records(); len(recs) > 0 {
			r.tm.Sink().Read(len(recs), lagMax(fetches))
			err = r.deliver(ctx, recs)
		} else if at, ok := r.redeliveryDue(); ok && !time.Now().Before(at) {
			err = r.redeliver(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		r.mu.Lock()
		asked := r.commitAsked
		r.commitAsked = false
		r.mu.Unlock()
		if now := time.Now(); asked || !now.Before(nextFlush) {
			if err := r.flushAndCommit(ctx, nil); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if !connect.IsRetriable(err) && !isConsumerCommitError(err) {
					return err
				}
				// The task still holds the records and cannot make them
				// durable yet (e.g. its store is down and it is retrying),
				// or the commit itself failed: skip this commit, as
				// Connect does when a flush throws or a commit fails.
				r.log.Warn("offsets not committed this time", "error", err)
			}
			nextFlush = now.Add(r.flushInt)
		}
	}
}

// pauseAll stops fetching while the connector is paused; resuming resumes
// only partitions the task itself did not pause.
func (r *sinkRunner) pauseAll() {
	r.consumer.PauseFetchTopics(r.consumer.GetConsumeTopics()...)
	go func() {
		paused, wake := r.h.state()
		for paused {
			<-wake
			paused, wake = r.h.state()
		}
		r.consumer.ResumeFetchTopics(r.consumer.GetConsumeTopics()...)
		r.mu.Lock()
		var tps []connect.TopicPartition
		for tp := range r.pausedByTask {
			tps = append(tps, tp)
		}
		r.mu.Unlock()
		r.consumer.PauseFetchPartitions(toTopicMap(tps))
	}()
}

func fatalFetchError(f kgo.Fetches) error {
	var errs []error
	f.EachError(func(t string, p int32, err error) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return
		}
		errs = append(errs, fmt.Errorf("fetching %s-%d: %w", t, p, err))
	})
	if len(errs) == 0 {
		return nil
	}
	// Only unrecoverable client errors surface here; franz-go retries the rest.
	return errors.Join(errs...)
}

// deliver converts a fetched batch and hands it to Put. Records failing
// in a converter or transformation are skipped or fail the task as the
// connector's errors.* settings say; offsets advance over skipped records.
func (r *sinkRunner) deliver(ctx context.Context, recs []*kgo.Record) error {
	if r.hasRedelivery() {
		// Cannot happen while every partition is paused; if it does, the
		// records are fetched again after the waiting batch.
		r.rewind(recs)
		return nil
	}
	batch := make([]connect.SinkRecord, 0, len(recs))
	for _, kr := range recs {
		r.h.topics.note(kr.Topic)
		sr, keep, err := r.convert(ctx, kr)
		if err != nil {
			return err
		}
		if keep {
			batch = append(batch, sr)
		}
	}
	rd := &redelivery{batch: batch, recs: recs, retries: rterrors.Retries{Backoff: redeliveryBackoff}}
	if cfg := r.ops.Config(); cfg.RetryTimeout != 0 {
		rd.retries.Backoff = cfg.Backoff()
	}
	return r.put(ctx, rd)
}

// put hands a batch to the task and, once it took it, moves the offsets
// over its consumed records. A retriable failure pauses consumption and
// keeps the batch for redelivery.
func (r *sinkRunner) put(ctx context.Context, rd *redelivery) error {
	r.errant.begin(rd.recs)
	start := time.Now()
	err := r.task.Put(ctx, rd.batch)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if connect.IsRetriable(err) {
			return r.awaitRedelivery(rd, err)
		}
		return rterrors.TaskPut.Fail("sink task put of records "+batchRange(rd.batch), err)
	}
	r.tm.Sink().Put(len(rd.batch), time.Since(start))
	// A record reported through the errant record reporter that is not
	// tolerated fails the task even if Put swallowed the error.
	if err := r.errant.fatal(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, kr := range rd.recs {
		tp := connect.TopicPartition{Topic: kr.Topic, Partition: kr.Partition}
		if r.assigned[tp] {
			r.consumed[tp] = kr.Offset + 1
		}
	}
	if r.redo != nil {
		r.redo = nil
		r.resumeAfterRedeliveryLocked()
	}
	return nil
}

// convert turns a consumed record into a sink record; keep is false when
// a transformation dropped it or a tolerated failure skipped it. Each
// stage tries first and reaches the operator only when it fails.
func (r *sinkRunner) convert(ctx context.Context, kr *kgo.Record) (connect.SinkRecord, bool, error) {
	at := rterrors.Failure{Consumed: kr}
	var hdrs connect.Headers
	if len(kr.Headers) > 0 {
		var err error
		if hdrs, err = r.toConnectHeaders(kr); err != nil {
			var ok bool
			if hdrs, ok, err = r.recoverHeaders(ctx, at, kr, err); !ok {
				return connect.SinkRecord{}, false, err
			}
		}
	}
	ks, k, err := r.conv.key.ToConnectData(kr.Topic, hdrs, kr.Key)
	if err != nil {
		var ok bool
		if ks, k, ok, err = r.recoverData(ctx, at, rterrors.KeyConverter, kr, hdrs, kr.Key, err); !ok {
			return connect.SinkRecord{}, false, err
		}
	}
	vs, v, err := r.conv.value.ToConnectData(kr.Topic, hdrs, kr.Value)
	if err != nil {
		var ok bool
		if vs, v, ok, err = r.recoverData(ctx, at, rterrors.ValueConverter, kr, hdrs, kr.Value, err); !ok {
			return connect.SinkRecord{}, false, err
		}
	}
	sr := connect.SinkRecord{
		Record: connect.Record{
			Topic: kr.Topic, Partition: kr.Partition, KeySchema: ks, Key: k, ValueSchema: vs, Value: v,
			Timestamp: kr.Timestamp, Headers: hdrs, KafkaOffset: kr.Offset,
		},
		TimestampType:     connect.CreateTime,
		OriginalTopic:     kr.Topic,
		OriginalPartition: kr.Partition,
		OriginalOffset:    kr.Offset,
	}
	if kr.Attrs.TimestampType() == 1 {
		sr.TimestampType = connect.LogAppendTime
	}
	out, err := r.chain.apply(ctx, r.ops, at, &sr.Record)
	if err != nil || out == nil {
		return connect.SinkRecord{}, false, err
	}
	sr.Record = *out
	return sr, true, nil
}

// toConnectHeaders converts a consumed record's headers.
func (r *sinkRunner) toConnectHeaders(kr *kgo.Record) (connect.Headers, error) {
	hdrs := make(connect.Headers, 0, len(kr.Headers))
	for _, h := range kr.Headers {
		s, v, err := r.conv.header.ToConnectHeader(kr.Topic, h.Key, h.Value)
		if err != nil {
			return nil, fmt.Errorf("converting header %s: %w", h.Key, err)
		}
		hdrs = append(hdrs, connect.Header{Key: h.Key, Schema: s, Value: v})
	}
	return hdrs, nil
}

// recoverHeaders hands a failed header conversion to the operator, which
// may convert the headers again; ok is false when the record is skipped
// or the task fails (err).
func (r *sinkRunner) recoverHeaders(ctx context.Context, at rterrors.Failure, kr *kgo.Record, err error) (connect.Headers, bool, error) {
	at.Stage, at.Class, at.Err = rterrors.HeaderConverter, r.conv.headerClass, err
	return rterrors.Execute(ctx, r.ops, at, func() (connect.Headers, error) { return r.toConnectHeaders(kr) })
}

// schemaValue is a converter's result.
type schemaValue struct {
	schema *data.Schema
	value  any
}

// recoverData hands a failed key or value conversion to the operator,
// which may run the converter again (e.g. a schema registry briefly away).
func (r *sinkRunner) recoverData(ctx context.Context, at rterrors.Failure, st rterrors.Stage, kr *kgo.Record, hdrs connect.Headers, b []byte, err error) (*data.Schema, any, bool, error) {
	c, class := r.conv.forStage(st)
	what := "converting value"
	if st == rterrors.KeyConverter {
		what = "converting key"
	}
	at.Stage, at.Class, at.Err = st, class, fmt.Errorf("%s: %w", what, err)
	sv, ok, err := rterrors.Execute(ctx, r.ops, at, func() (schemaValue, error) {
		s, v, err := c.ToConnectData(kr.Topic, hdrs, b)
		if err != nil {
			return schemaValue{}, fmt.Errorf("%s: %w", what, err)
		}
		return schemaValue{s, v}, nil
	})
	return sv.schema, sv.value, ok, err
}

// redelivery is a batch whose Put asked for a retry, as Connect's
// WorkerSinkTask keeps its messageBatch while paused for redelivery: every
// assigned partition is paused, so the loop goes on polling (group
// membership, rebalances, pause and stop all work) without new records,
// and the same batch is put again after a backoff, until Put takes it.
// Connect redelivers at its next poll, after the task's
// SinkTaskContext.timeout or else the time left to the next offset commit;
// this API has no such timeout, so redeliveryBackoff stands in for it.
// With errors.retry.timeout set (ours: Connect never bounds it), the
// operator's backoff is used and the task fails when it runs out.
type redelivery struct {
	batch []connect.SinkRecord
	// recs are the consumed records, skipped ones included, whose
	// offsets the batch covers.
	recs    []*kgo.Record
	retries rterrors.Retries
	at      time.Time // when to put again
}

var redeliveryBackoff = rterrors.Backoff{Initial: 100 * time.Millisecond, Max: 10 * time.Second, Timeout: -1}

// awaitRedelivery schedules the batch's next Put and pauses consumption,
// or fails the task when errors.retry.timeout ran out.
func (r *sinkRunner) awaitRedelivery(rd *redelivery, err error) error {
	bounded := r.ops.Config().RetryTimeout != 0
	if bounded {
		r.tm.Errors().Failure()
	}
	wait, ok := rd.retries.Next()
	if !ok {
		return rterrors.TaskPut.Fail("sink task put of records "+batchRange(rd.batch), err)
	}
	if bounded {
		r.tm.Errors().Retry()
	}
	r.log.Warn("sink task asked for a retry; the batch will be delivered again", "error", err, "backoff", wait, "redeliveries", rd.retries.Attempts())
	rd.at = time.Now().Add(wait)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.redo == nil {
		r.redo = rd
		tps := make([]connect.TopicPartition, 0, len(r.assigned))
		for tp := range r.assigned {
			tps = append(tps, tp)
		}
		r.consumer.PauseFetchPartitions(toTopicMap(tps))
	}
	return nil
}

// redeliveryDue returns when the waiting batch is to be put again.
func (r *sinkRunner) redeliveryDue() (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.redo == nil {
		return time.Time{}, false
	}
	return r.redo.at, true
}

func (r *sinkRunner) hasRedelivery() bool {
	_, ok := r.redeliveryDue()
	return ok
}

// redeliver puts the waiting batch again.
func (r *sinkRunner) redeliver(ctx context.Context) error {
	r.mu.Lock()
	rd := r.redo
	r.mu.Unlock()
	if rd == nil {
		return nil
	}
	return r.put(ctx, rd)
}

// dropRedeliveryLocked removes the records of partitions leaving the task
// from the waiting batch (their next owner starts from the committed
// offsets, as Connect); with nothing left, consumption resumes.
func (r *sinkRunner) dropRedeliveryLocked(tps []connect.TopicPartition) {
	if r.redo == nil {
		return
	}
	gone := make(map[connect.TopicPartition]bool, len(tps))
	for _, tp := range tps {
		gone[tp] = true
	}
	// New slices: the task may still hold the batch it was handed.
	rd := r.redo
	rd.batch = slices.DeleteFunc(slices.Clone(rd.batch), func(sr connect.SinkRecord) bool {
		return gone[connect.TopicPartition{Topic: sr.OriginalTopic, Partition: sr.OriginalPartition}]
	})
	rd.recs = slices.DeleteFunc(slices.Clone(rd.recs), func(kr *kgo.Record) bool {
		return gone[connect.TopicPartition{Topic: kr.Topic, Partition: kr.Partition}]
	})
	if len(rd.recs) == 0 {
		r.redo = nil
		r.resumeAfterRedeliveryLocked()
	}
}

// resumeAfterRedeliveryLocked resumes the partitions paused for a
// redelivery, except those the task paused itself.
func (r *sinkRunner) resumeAfterRedeliveryLocked() {
	tps := make([]connect.TopicPartition, 0, len(r.assigned))
	for tp := range r.assigned {
		if !r.pausedByTask[tp] {
			tps = append(tps, tp)
		}
	}
	r.consumer.ResumeFetchPartitions(toTopicMap(tps))
}

// rewind sets the consumer back to the first of recs in each partition.
func (r *sinkRunner) rewind(recs []*kgo.Record) {
	to := map[string]map[int32]kgo.EpochOffset{}
	for _, kr := range recs {
		if to[kr.Topic] == nil {
			to[kr.Topic] = map[int32]kgo.EpochOffset{}
		}
		if _, ok := to[kr.Topic][kr.Partition]; !ok {
			to[kr.Topic][kr.Partition] = kgo.EpochOffset{Epoch: -1, Offset: kr.Offset}
		}
	}
	r.consumer.SetOffsets(to)
}

// batchRange names the first and last record coordinates of a batch, for
// the trace of a failed Put.
func batchRange(batch []connect.SinkRecord) string {
	if len(batch) == 0 {
		return "(none)"
	}
	f, l := &batch[0], &batch[len(batch)-1]
	return fmt.Sprintf("%s-%d@%d .. %s-%d@%d", f.OriginalTopic, f.OriginalPartition, f.OriginalOffset, l.OriginalTopic, l.OriginalPartition, l.OriginalOffset)
}

// flushAndCommit flushes the task and commits the offsets it covered; only
// the given partitions when tps is not nil.
func (r *sinkRunner) flushAndCommit(ctx context.Context, tps []connect.TopicPartition) error {
	r.mu.Lock()
	offsets := make(map[connect.TopicPartition]int64, len(r.consumed))
	for tp, off := range r.consumed {
		offsets[tp] = off
	}
	r.mu.Unlock()
	if tps != nil {
		only := make(map[connect.TopicPartition]int64, len(tps))
		for _, tp := range tps {
			if off, ok := offsets[tp]; ok {
				only[tp] = off
			}
		}
		offsets = only
	}
	if len(offsets) == 0 {
		return nil
	}
	start := time.Now()
	err := r.commitFlushed(context.WithoutCancel(ctx), offsets)
	r.tm.Committed(time.Since(start), err)
	return err
}

// consumerCommitError is a failed consumer offset commit. Connect logs
// it and commits again at the next interval (the offsets only move
// forward), so it fails no task.
type consumerCommitError struct{ err error }

func (e consumerCommitError) Error() string { return "committing consumer offsets: " + e.err.Error() }
func (e consumerCommitError) Unwrap() error { return e.err }

// isConsumerCommitError reports whether err is only a failed commit.
func isConsumerCommitError(err error) bool {
	var ce consumerCommitError
	return errors.As(err, &ce)
}

// commitFlushed flushes the task and the DLQ, then commits offsets: a
// skipped record's offset is committed only once it is in the DLQ. The
// flush and the commit each get the flush timeout: a flush that took
// most of it (a sink store recovering) left the commit none, and the
// task failed on a commit Connect would have made.
func (r *sinkRunner) commitFlushed(ctx context.Context, offsets map[connect.TopicPartition]int64) error {
	fctx, cancel := context.WithTimeout(ctx, r.flushTO)
	defer cancel()
	if err := r.task.Flush(fctx, offsets); err != nil {
		return fmt.Errorf("sink task flush: %w", err)
	}
	if err := r.errant.fatal(); err != nil {
		return err
	}
	if err := r.ops.Flush(fctx); err != nil {
		return err
	}
	commit := map[string]map[int32]kgo.EpochOffset{}
	for tp, off := range offsets {
		if commit[tp.Topic] == nil {
			commit[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		commit[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
	}
	cctx, cancelCommit := context.WithTimeout(ctx, r.flushTO)
	defer cancelCommit()
	var commitErr error
	r.consumer.CommitOffsetsSync(cctx, commit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			commitErr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if e := kerr.ErrorForCode(p.ErrorCode); e != nil && commitErr == nil {
					commitErr = fmt.Errorf("committing %s-%d: %w", t.Topic, p.Partition, e)
				}
			}
		}
	})
	if commitErr != nil {
		return consumerCommitError{commitErr}
	}
	r.log.Debug("committed sink offsets", "partitions", len(offsets))
	return nil
}

// lagMax is the largest number of records between a fetched partition's
// last record and its high watermark.
func lagMax(f kgo.Fetches) int64 {
	var lag int64
	f.EachPartition(func(p kgo.FetchTopicPartition) {
		if n := len(p.Records); n > 0 {
			lag = max(lag, p.HighWatermark-p.Records[n-1].Offset-1)
		}
	})
	return lag
}
