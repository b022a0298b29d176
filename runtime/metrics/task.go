package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceVecs is Connect's source-task-metrics group.
type sourceVecs struct {
	pollTotal, writeTotal *prometheus.CounterVec
	pollTime              *prometheus.HistogramVec
}

func newSourceVecs() sourceVecs {
	const s = "source_task"
	return sourceVecs{
		pollTotal:  counterVec(s, "source_record_poll_total", "Records produced or polled by the task before transformations (source-record-poll-total)."),
		writeTotal: counterVec(s, "source_record_write_total", "Records output from the transformations and written to Kafka (source-record-write-total)."),
		pollTime:   histogramVec(s, "poll_batch_time_seconds", "Time taken by a poll of the task (poll-batch-max-time-ms/-avg-time-ms)."),
	}
}

func (v sourceVecs) collectors() []prometheus.Collector {
	return []prometheus.Collector{v.pollTotal, v.writeTotal, v.pollTime}
}

// sinkVecs is Connect's sink-task-metrics group.
type sinkVecs struct {
	readTotal, sendTotal *prometheus.CounterVec
	putTime              *prometheus.HistogramVec
	lagMax, partitions   *prometheus.GaugeVec
}

func newSinkVecs() sinkVecs {
	const s = "sink_task"
	return sinkVecs{
		readTotal:  counterVec(s, "sink_record_read_total", "Records read from Kafka by the task, before transformations (sink-record-read-total)."),
		sendTotal:  counterVec(s, "sink_record_send_total", "Records output from the transformations and sent to the task (sink-record-send-total)."),
		putTime:    histogramVec(s, "put_batch_time_seconds", "Time taken by the task to put a batch (put-batch-max-time-ms/-avg-time-ms)."),
		lagMax:     gaugeVec(s, "sink_record_lag_max", "Largest lag in records behind the high watermark over the task's partitions at the last fetch (sink-record-lag-max)."),
		partitions: gaugeVec(s, "partition_count", "Topic partitions assigned to the task (partition-count)."),
	}
}

func (v sinkVecs) collectors() []prometheus.Collector {
	return []prometheus.Collector{v.readTotal, v.sendTotal, v.putTime, v.lagMax, v.partitions}
}

// taskVecs is Connect's connector-task-metrics group (offset commits).
type taskVecs struct {
	commitSuccess, commitFailure *prometheus.CounterVec
	commitTime                   *prometheus.HistogramVec
}

func newTaskVecs() taskVecs {
	const s = "connector_task"
	return taskVecs{
		commitSuccess: counterVec(s, "offset_commit_success_total", "Successful offset commits (offset-commit-success-percentage as a count)."),
		commitFailure: counterVec(s, "offset_commit_failure_total", "Failed offset commits (offset-commit-failure-percentage as a count)."),
		commitTime:    histogramVec(s, "offset_commit_time_seconds", "Time taken by an offset commit (offset-commit-max-time-ms/-avg-time-ms)."),
	}
}

func (v taskVecs) collectors() []prometheus.Collector {
	return []prometheus.Collector{v.commitSuccess, v.commitFailure, v.commitTime}
}

// errorVecs is Connect's task-error-metrics group.
type errorVecs struct {
	failures, errors, skipped, retries, logged, dlqRequests, dlqFailures *prometheus.CounterVec
	lastError                                                            *prometheus.GaugeVec
}

func newErrorVecs() errorVecs {
	const s = "task_error"
	return errorVecs{
		failures:    counterVec(s, "total_record_failures", "Record processing failures, retries included (total-record-failures)."),
		errors:      counterVec(s, "total_record_errors", "Records that failed after all retries (total-record-errors)."),
		skipped:     counterVec(s, "total_records_skipped", "Records skipped because of errors (total-records-skipped)."),
		retries:     counterVec(s, "total_retries", "Retried operations (total-retries)."),
		logged:      counterVec(s, "total_errors_logged", "Errors written to the log (total-errors-logged)."),
		dlqRequests: counterVec(s, "deadletterqueue_produce_requests", "Records sent to the dead letter queue (deadletterqueue-produce-requests)."),
		dlqFailures: counterVec(s, "deadletterqueue_produce_failures", "Failed writes to the dead letter queue (deadletterqueue-produce-failures)."),
		lastError:   gaugeVec(s, "last_error_timestamp_seconds", "Unix time of the last error (last-error-timestamp, in seconds)."),
	}
}

func (v errorVecs) collectors() []prometheus.Collector {
	return []prometheus.Collector{v.failures, v.errors, v.skipped, v.retries, v.logged, v.dlqRequests, v.dlqFailures, v.lastError}
}

// Task is one task's bound series. A nil *Task, or nil group, is valid and
// records nothing, so metrics can be switched off without branches at the
// call sites.
type Task struct {
	reg    *Registry
	labels []string

	source *SourceTask
	sink   *SinkTask
	errs   *TaskErrors
	commit struct {
		success, failure prometheus.Counter
		time             prometheus.Observer
	}
}

// SourceTask holds a source task's bound series.
type SourceTask struct {
	poll, write prometheus.Counter
	pollTime    prometheus.Observer
}

// SinkTask holds a sink task's bound series.
type SinkTask struct {
	read, send     prometheus.Counter
	putTime        prometheus.Observer
	lag, partCount prometheus.Gauge
}

// TaskErrors holds a task's error-handling series.
type TaskErrors struct {
	failures, errors, skipped, retries, logged, dlqRequests, dlqFailures prometheus.Counter
	lastError                                                            prometheus.Gauge
}

// Task binds the series of one task; source selects the source or the
// sink group. Call Close when the task stops.
func (r *Registry) Task(connector string, task int, source bool) *Task {
	if r == nil {
		return nil
	}
	l := []string{connector, strconv.Itoa(task)}
	t := &Task{reg: r, labels: l}
	if source {
		t.source = &SourceTask{poll: r.source.pollTotal.WithLabelValues(l...), write: r.source.writeTotal.WithLabelValues(l...),
			pollTime: r.source.pollTime.WithLabelValues(l...)}
	} else {
		t.sink = &SinkTask{read: r.sink.readTotal.WithLabelValues(l...), send: r.sink.sendTotal.WithLabelValues(l...),
			putTime: r.sink.putTime.WithLabelValues(l...), lag: r.sink.lagMax.WithLabelValues(l...),
			partCount: r.sink.partitions.WithLabelValues(l...)}
	}
	t.commit.success = r.task.commitSuccess.WithLabelValues(l...)
	t.commit.failure = r.task.commitFailure.WithLabelValues(l...)
	t.commit.time = r.task.commitTime.WithLabelValues(l...)
	e := r.errs
	t.errs = &TaskErrors{failures: e.failures.WithLabelValues(l...), errors: e.errors.WithLabelValues(l...),
		skipped: e.skipped.WithLabelValues(l...), retries: e.retries.WithLabelValues(l...), logged: e.logged.WithLabelValues(l...),
		dlqRequests: e.dlqRequests.WithLabelValues(l...), dlqFailures: e.dlqFailures.WithLabelValues(l...),
		lastError: e.lastError.WithLabelValues(l...)}
	return t
}

// Close removes the task's series, as Connect removes a stopped task's
// metric group.
func (t *Task) Close() {
	if t == nil {
		return
	}
	r, l := t.reg, t.labels
	for _, v := range []interface{ DeleteLabelValues(...string) bool }{
		r.source.pollTotal, r.source.writeTotal, r.source.pollTime,
		r.sink.readTotal, r.sink.sendTotal, r.sink.putTime, r.sink.lagMax, r.sink.partitions,
		r.task.commitSuccess, r.task.commitFailure, r.task.commitTime,
		r.errs.failures, r.errs.errors, r.errs.skipped, r.errs.retries, r.errs.logged, r.errs.dlqRequests, r.errs.dlqFailures, r.errs.lastError,
	} {
		v.DeleteLabelValues(l...)
	}
	r.snapshot.close(l)
}

// Committed records an offset commit and its duration.
func (t *Task) Committed(d time.Duration, err error) {
	if t == nil {
		return
	}
	if err != nil {
		t.commit.failure.Inc()
	} else {
		t.commit.success.Inc()
	}
	t.commit.time.Observe(d.Seconds())
}

// Polled records one poll: its record count and duration.
func (s *SourceTask) Polled(n int, d time.Duration) {
	if s == nil {
		return
	}
	s.poll.Add(float64(n))
	s.pollTime.Observe(d.Seconds())
}

// Written records n records acknowledged by Kafka.
func (s *SourceTask) Written(n int) {
	if s == nil || n == 0 {
		return
	}
	s.write.Add(float64(n))
}

// Read records n records fetched and the largest lag seen in the fetch.
func (s *SinkTask) Read(n int, lagMax int64) {
	if s == nil {
		return
	}
	s.read.Add(float64(n))
	s.lag.Set(float64(lagMax))
}

// Put records n records handed to the task and the time Put took.
func (s *SinkTask) Put(n int, d time.Duration) {
	if s == nil {
		return
	}
	s.send.Add(float64(n))
	s.putTime.Observe(d.Seconds())
}

// Partitions records how many partitions the task owns.
func (s *SinkTask) Partitions(n int) {
	if s == nil {
		return
	}
	s.partCount.Set(float64(n))
}

// Failure records a failed attempt of an operation.
func (e *TaskErrors) Failure() {
	if e == nil {
		return
	}
	e.failures.Inc()
	e.lastError.SetToCurrentTime()
}

// Retry records a retried operation.
func (e *TaskErrors) Retry() {
	if e != nil {
		e.retries.Inc()
	}
}

// Error records a record that failed for good.
func (e *TaskErrors) Error() {
	if e != nil {
		e.errors.Inc()
	}
}

// Skipped records a record skipped because errors are tolerated.
func (e *TaskErrors) Skipped() {
	if e != nil {
		e.skipped.Inc()
	}
}

// Logged records an error written to the log.
func (e *TaskErrors) Logged() {
	if e != nil {
		e.logged.Inc()
	}
}

// DLQRequest records a record sent to the dead letter queue.
func (e *TaskErrors) DLQRequest() {
	if e != nil {
		e.dlqRequests.Inc()
	}
}

// DLQFailure records a dead letter queue write that failed.
func (e *TaskErrors) DLQFailure() {
	if e != nil {
		e.dlqFailures.Inc()
	}
}

// Errors returns the task's error series; nil when metrics are off.
func (t *Task) Errors() *TaskErrors {
	if t == nil {
		return nil
	}
	return t.errs
}

// Source returns the source task series; nil for a sink or when off.
func (t *Task) Source() *SourceTask {
	if t == nil {
		return nil
	}
	return t.source
}

// Sink returns the sink task series; nil for a source or when off.
func (t *Task) Sink() *SinkTask {
	if t == nil {
		return nil
	}
	return t.sink
}
