package worker

import (
	"context"

	rterrors "github.com/goconnect/goconnect/runtime/errors"
)

// pollRetries is the schedule of a source task's retriable poll failures.
// Connect's worker polls again at once after a RetriableException, for
// ever, outside its operator; here the poll waits on the operator's
// backoff, and errors.retry.timeout, when set, fails the task once the
// failures have lasted longer (the default of 0 keeps Connect's "for ever").
func (r *sourceRunner) pollRetries() rterrors.Retries {
	b := r.ops.Config().Backoff()
	if b.Timeout == 0 {
		b.Timeout = -1
	}
	return rterrors.Retries{Backoff: b}
}

// pollAgain waits before the next poll after a retriable failure; false
// when retries are exhausted or the task is stopping.
func (r *sourceRunner) pollAgain(ctx context.Context, retry *rterrors.Retries, err error) bool {
	r.log.Warn("source task failed to poll records; will retry", "error", err, "failures", retry.Attempts()+1)
	return retry.Wait(ctx)
}
