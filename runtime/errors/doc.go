// Package errors owns the error handling of a task's record path, as
// Connect's RetryWithToleranceOperator and its reporters: retrying
// retriable failures, tolerating or failing on the rest, and reporting
// failed records to the log and the dead letter queue.
//
// One entry point: Execute runs a stage (a converter, a transformation,
// the header converter) that failed on a record through retries and
// tolerance; Handle takes failures with nothing to retry (a write to Kafka
// that failed, a record a sink task reported). Stages are the Stage
// constants, named as Connect's. The Operator owns the reporters,
// including the DLQ it opens, flushes and closes.
//
// One backoff: every retry of the record path waits as Backoff says
// (Connect's: 300ms doubling up to errors.retry.delay.max.ms, within
// errors.retry.timeout). Sites where Connect retries outside its operator
// (a source poll failing with a retriable error; a sink Put asking for a
// retry, redelivered with consumption paused) keep Connect's rule, written
// where they are, and wait on the same Backoff type.
//
// One context rule: a retry waits on the task's run context, which ends
// when the task is stopped, so a stop is never held up by a backoff and a
// record whose retry was cut short is neither skipped nor committed.
// Records already handed to the producer are not retries: they are sent
// on the task's send context, which outlives a graceful stop so they can
// still be delivered. DLQ writes are likewise not cancelled by the stop;
// the sink flushes the DLQ before committing and closes it last.
package errors
