package errors

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/goconnect/goconnect/runtime/metrics"
)

// logReporter is Connect's LogReporter: one ERROR line per failed record.
// Record data (key, value, headers) appears only with
// errors.log.include.messages=true.
type logReporter struct {
	log      *slog.Logger
	task     string
	withData bool
	metrics  *metrics.TaskErrors
}

func (l *logReporter) report(f *Failure) {
	l.log.Error(fmt.Sprintf("Error encountered in task %s. Executing stage '%s' with class '%s'%s.", l.task, f.Stage, f.Class, l.record(f)),
		"stage", string(f.Stage), "error", f.message())
	l.metrics.Logged()
}

func (l *logReporter) record(f *Failure) string {
	switch {
	case f.Consumed != nil:
		r := f.Consumed
		if !l.withData {
			return fmt.Sprintf(", where consumed record is {topic='%s', partition=%d, offset=%d}", r.Topic, r.Partition, r.Offset)
		}
		var h strings.Builder
		for i, x := range r.Headers {
			if i > 0 {
				h.WriteString(", ")
			}
			fmt.Fprintf(&h, "%s=%q", x.Key, x.Value)
		}
		return fmt.Sprintf(", where consumed record is {topic='%s', partition=%d, offset=%d, timestamp=%d, headers=[%s], key=%q, value=%q}",
			r.Topic, r.Partition, r.Offset, r.Timestamp.UnixMilli(), h.String(), r.Key, r.Value)
	case f.Produced != nil:
		return fmt.Sprintf(", where produced record is {topic='%s', partition=%d}", f.Produced.Topic, f.Produced.Partition)
	case f.Source != nil:
		r := f.Source
		if !l.withData {
			return fmt.Sprintf(", where source record is {topic='%s', sourcePartition=%v, sourceOffset=%v}", r.Topic, r.SourcePartition, r.SourceOffset)
		}
		return fmt.Sprintf(", where source record is {topic='%s', sourcePartition=%v, sourceOffset=%v, key=%v, value=%v, headers=%v}",
			r.Topic, r.SourcePartition, r.SourceOffset, r.Key, r.Value, r.Headers)
	}
	return ""
}
