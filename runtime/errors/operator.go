package errors

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/metrics"
)

// Operator applies one task's errors.* settings to its record path
// (Connect's RetryWithToleranceOperator) and owns what failed records are
// reported to: the error log and, for a sink, the dead letter queue, which
// it opens, writes, flushes and closes. It is safe for concurrent use.
type Operator struct {
	cfg     Config
	log     *logReporter
	dlq     *dlq
	metrics *metrics.TaskErrors
}

// DLQClients are the Kafka client options of a sink task's dead letter
// queue: its producer's, and the admin client's that creates its topic.
type DLQClients struct {
	Producer, Admin []kgo.Opt
}

// NewOperator returns the operator of one task of connector. With clients
// set (a sink task) and a DLQ topic configured, it opens the dead letter
// queue within ctx, creating its topic when missing.
func NewOperator(ctx context.Context, cfg Config, connector string, task int, log *slog.Logger, m *metrics.TaskErrors, clients *DLQClients) (*Operator, error) {
	o := &Operator{cfg: cfg, metrics: m}
	if cfg.Log {
		o.log = &logReporter{log: log, task: connector + "-" + strconv.Itoa(task), withData: cfg.LogMessages, metrics: m}
	}
	if clients != nil && cfg.DLQTopic != "" {
		d, err := openDLQ(ctx, cfg, connector, task, clients.Producer, clients.Admin, log, m)
		if err != nil {
			return nil, err
		}
		o.dlq = d
	}
	return o, nil
}

// Config returns the settings.
func (o *Operator) Config() Config { return o.cfg }

// Execute runs one stage of a record's processing with retries and
// tolerance (Connect's RetryWithToleranceOperator.execute), once a first
// attempt has failed: callers run the operation themselves and come here
// only with its error in f.Err, so the record path pays nothing while
// records are fine. A retriable failure is retried (retry re-runs the
// operation; nil when it cannot be) under the Backoff of the settings;
// then, if it still fails:
//   - tolerated: the record is reported and skipped: ok is false, err nil;
//   - otherwise err is a *ToleranceError, which fails the task.
//
// ok is true with the operation's result when a retry succeeded. A retry
// stops when ctx ends (the task is stopping): err is then the last
// failure, not tolerated and not reported, and the caller ends without
// committing the record.
func Execute[T any](ctx context.Context, o *Operator, f Failure, retry func() (T, error)) (v T, ok bool, err error) {
	if retry != nil && o.retries(f.Err) {
		err := o.retry(ctx, f.Err, func() error {
			var e error
			v, e = retry()
			return e
		})
		if err == nil {
			return v, true, nil
		}
		var zero T
		if ctx.Err() != nil {
			return zero, false, f.Stage.Fail("stopped while retrying", err)
		}
		f.Err = err
		v = zero
	}
	return v, false, o.Handle(ctx, f)
}

// retries reports whether a failure with err is retried at all.
func (o *Operator) retries(err error) bool {
	return o.cfg.RetryTimeout != 0 && connect.IsRetriable(err)
}

// retry is Execute's retry half: it re-runs op while it fails with a
// retriable error, under the settings' Backoff; err is op's first
// failure. It returns nil once op succeeds, else op's last error (also
// when ctx ended first).
func (o *Operator) retry(ctx context.Context, err error, op func() error) error {
	if !o.retries(err) {
		return err
	}
	r := Retries{Backoff: o.cfg.Backoff()}
	for {
		// Every failed attempt counts as a failure; the last one is
		// counted by Handle when the record finally fails.
		if !r.Wait(ctx) {
			return err
		}
		o.metrics.Failure()
		o.metrics.Retry()
		if err = op(); err == nil || !connect.IsRetriable(err) {
			return err
		}
	}
}

// Handle deals with an operation that failed for good, with no retry
// left (Connect's executeFailed): a failed write to Kafka, a record the
// task reported itself, or Execute's last failure. A tolerated failure is
// reported to the log and the DLQ and nil is returned: the record is
// skipped. Otherwise a *ToleranceError fails the task; as in Connect,
// only records the task reported itself are reported then.
func (o *Operator) Handle(ctx context.Context, f Failure) error {
	o.metrics.Failure()
	o.metrics.Error()
	tolerated := o.cfg.TolerateAll && (f.Errant || f.Stage.tolerable() || f.retriable())
	if tolerated || f.Errant {
		o.report(ctx, &f)
	}
	if !tolerated {
		return &ToleranceError{f: f}
	}
	o.metrics.Skipped()
	return nil
}

func (o *Operator) report(ctx context.Context, f *Failure) {
	if o.log != nil {
		o.log.report(f)
	}
	if o.dlq != nil && f.Consumed != nil {
		o.dlq.report(ctx, f)
	}
}

// Flush waits until every failed record reported so far is in the dead
// letter queue, and fails if any could not be written: a sink commits a
// skipped record's offset only after this.
func (o *Operator) Flush(ctx context.Context) error {
	return o.dlq.flush(ctx)
}

// Close closes the dead letter queue's producer, once the task no longer
// reports records.
func (o *Operator) Close() {
	o.dlq.close()
}
