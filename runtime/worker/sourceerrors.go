package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
)

// stageError tags a source record's conversion failure with its stage.
type stageError struct {
	stage rterrors.Stage
	err   error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// stageOf returns the stage a source record failed in: a converter, or
// the transformation chain.
func stageOf(err error) rterrors.Stage {
	var se *stageError
	if errors.As(err, &se) {
		return se.stage
	}
	return rterrors.Transformation
}

// classOf names the class that failed on a source record.
func (r *sourceRunner) classOf(err error) string {
	switch stageOf(err) {
	case rterrors.KeyConverter:
		return r.conv.keyClass
	case rterrors.ValueConverter:
		return r.conv.valueClass
	case rterrors.HeaderConverter:
		return r.conv.headerClass
	}
	return transformClass(err)
}

// retryConvert retries a converter that failed with a retriable error.
func (r *sourceRunner) retryConvert(c connect.Converter, rec *connect.Record, s *data.Schema, v any, err error) ([]byte, error) {
	var b []byte
	err = r.ops.Retry(r.h.sendCtx, err, func() error {
		var e error
		b, e = c.FromConnectData(rec.Topic, rec.Headers, s, v)
		return e
	})
	return b, err
}

// pollRetry tracks consecutive retriable poll failures. Connect polls again
// after a RetriableException forever; with errors.retry.timeout set, the
// task fails once failures have lasted longer than it.
type pollRetry struct {
	since   time.Time
	attempt int
}

// failed waits before the next poll, or returns the error when it is not
// retriable or retries are exhausted.
func (p *pollRetry) failed(ctx context.Context, cfg rterrors.Config, err error, log *slog.Logger) error {
	if !connect.IsRetriable(err) {
		return err
	}
	if p.attempt == 0 {
		p.since = time.Now()
	}
	p.attempt++
	if cfg.RetryTimeout > 0 && time.Since(p.since) > cfg.RetryTimeout {
		return err
	}
	wait := min(300*time.Millisecond<<min(p.attempt-1, 20), max(cfg.MaxDelay, time.Millisecond))
	log.Warn("source task failed to poll records; will retry", "error", err, "backoff", wait)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return nil
}
