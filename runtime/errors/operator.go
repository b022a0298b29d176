package errors

import (
	"context"
	"log/slog"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/metrics"
)

// Operator applies a task's error settings (Connect's
// RetryWithToleranceOperator). Call sites run the operation themselves and
// only reach the operator on failure, so the record path pays nothing when
// records are fine. It is safe for concurrent use.
type Operator struct {
	cfg     Config
	log     *logReporter
	dlq     *DLQ
	metrics *metrics.TaskErrors
}

// NewOperator returns an operator for one task; dlq may be nil.
func NewOperator(cfg Config, taskName string, log *slog.Logger, dlq *DLQ, m *metrics.TaskErrors) *Operator {
	o := &Operator{cfg: cfg, dlq: dlq, metrics: m}
	if cfg.Log {
		o.log = &logReporter{log: log, task: taskName, withData: cfg.LogMessages, metrics: m}
	}
	return o
}

// Config returns the settings.
func (o *Operator) Config() Config { return o.cfg }

// DLQ returns the task's dead letter queue, or nil.
func (o *Operator) DLQ() *DLQ { return o.dlq }

// Retry retries op while it fails with a retriable error, with exponential
// backoff, until errors.retry.timeout; err is op's first failure. It
// returns nil once op succeeds, or op's last error.
func (o *Operator) Retry(ctx context.Context, err error, op func() error) error {
	if o.cfg.RetryTimeout == 0 || !connect.IsRetriable(err) {
		return err
	}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		o.metrics.Failure()
		wait := min(minDelay<<min(attempt-1, 20), o.cfg.MaxDelay)
		if o.cfg.RetryTimeout > 0 {
			left := o.cfg.RetryTimeout - time.Since(start)
			if left <= 0 {
				return err
			}
			wait = min(wait, left)
		}
		o.metrics.Retry()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		if err = op(); err == nil || !connect.IsRetriable(err) {
			return err
		}
	}
}

// Handle deals with an operation that failed for good. A tolerated
// failure is reported to the log and the DLQ and nil is returned: the
// record is skipped. Otherwise a *ToleranceError fails the task; as in
// Connect, only records the task reported itself are reported then.
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
