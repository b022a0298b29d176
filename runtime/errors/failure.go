package errors

import (
	stderrors "errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/internal/mask"
)

// Failure is one failed operation on a record (Connect's ProcessingContext
// once it has an error).
type Failure struct {
	Stage Stage
	// Class is the class executing the stage: the converter, the
	// transformation or the task.
	Class string
	Err   error
	// Consumed is the record as consumed, for sink tasks: the DLQ gets its
	// original bytes.
	Consumed *kgo.Record
	// Source is the polled record, for source tasks.
	Source *connect.SourceRecord
	// Produced is the record a source task failed to write to Kafka.
	Produced *kgo.Record
	// Errant marks a record the task reported itself: it is reported
	// even when not tolerated, and any error may be tolerated.
	Errant bool
}

func (f *Failure) retriable() bool { return connect.IsRetriable(f.Err) }

// exceptionClass is the Java class a Connect tool expects to see.
func (f *Failure) exceptionClass() string { return f.Stage.javaException(f.retriable()) }

// where names the record's coordinates, never its data.
func (f *Failure) where() string {
	switch {
	case f.Consumed != nil:
		return fmt.Sprintf("%s-%d@%d", f.Consumed.Topic, f.Consumed.Partition, f.Consumed.Offset)
	case f.Produced != nil:
		return fmt.Sprintf("%s-%d (producing)", f.Produced.Topic, f.Produced.Partition)
	case f.Source != nil:
		return fmt.Sprintf("topic %s, source partition %v, source offset %v", f.Source.Topic, f.Source.SourcePartition, f.Source.SourceOffset)
	}
	return "unknown"
}

// message is the error text as the plugin wrote it, as Connect logs and
// reports it (errors.log.include.messages only decides whether the
// record itself is logged), with URL passwords and credential key=value
// pairs masked. Nothing is searched for by value: a text search for the
// record's data or a secret would blank out unrelated words and hide the
// cause.
func (f *Failure) message() string { return mask.Text(f.Err.Error()) }

// stackTrace renders the error chain as Connect's stacktrace header does:
// the exception line, then one "Caused by" line per wrapped error.
func (f *Failure) stackTrace() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", f.exceptionClass(), f.message())
	prev := f.Err.Error()
	for e := stderrors.Unwrap(f.Err); e != nil; e = stderrors.Unwrap(e) {
		if s := e.Error(); s != prev {
			fmt.Fprintf(&b, "\nCaused by: %T: %s", e, mask.Text(s))
			prev = s
		}
	}
	return b.String()
}

// ToleranceError fails a task whose errors are not tolerated; its text
// names the stage, the class and the record coordinates.
type ToleranceError struct {
	f Failure
}

func (e *ToleranceError) Error() string {
	return fmt.Sprintf("Tolerance exceeded in error handler: stage %s, class %s, record %s: %s",
		e.f.Stage, e.f.Class, e.f.where(), e.f.message())
}

// Unwrap returns the original error.
func (e *ToleranceError) Unwrap() error { return e.f.Err }

// Stage returns the failing stage.
func (e *ToleranceError) Stage() Stage { return e.f.Stage }
