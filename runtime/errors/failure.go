package errors

import (
	stderrors "errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
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

// message is the error text. Unless withData, the consumed key and value,
// and every word of them of four characters or more, are blanked out of
// it: converters and transformations quote their input in errors (Cast's
// `For input string: "..."`), and errors.log.include.messages=false must
// keep record data out of logs and traces.
func (f *Failure) message(withData bool) string {
	msg := f.Err.Error()
	if withData {
		return msg
	}
	data := f.data()
	for _, d := range data {
		if len(d) >= minRedacted {
			msg = strings.ReplaceAll(msg, d, redacted)
		}
	}
	for _, d := range data {
		for _, w := range strings.FieldsFunc(d, isSeparator) {
			if len(w) >= minRedacted {
				msg = strings.ReplaceAll(msg, w, redacted)
			}
		}
	}
	return msg
}

// data returns the record's key and value as text, for redaction.
func (f *Failure) data() []string {
	switch {
	case f.Consumed != nil:
		return []string{string(f.Consumed.Value), string(f.Consumed.Key)}
	case f.Source != nil:
		var out []string
		for _, v := range []any{f.Source.Value, f.Source.Key} {
			if v != nil {
				out = append(out, fmt.Sprint(v))
			}
		}
		return out
	case f.Produced != nil:
		return []string{string(f.Produced.Value), string(f.Produced.Key)}
	}
	return nil
}

const (
	redacted    = "<redacted>"
	minRedacted = 4
)

// isSeparator splits record data into the words an error may quote.
func isSeparator(r rune) bool {
	return strings.ContainsRune(" \t\r\n\"'{}[]:,;=()<>", r)
}

// stackTrace renders the error chain as Connect's stacktrace header does:
// the exception line, then one "Caused by" line per wrapped error.
func (f *Failure) stackTrace(withData bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", f.exceptionClass(), f.message(withData))
	prev := f.Err.Error()
	for e := stderrors.Unwrap(f.Err); e != nil; e = stderrors.Unwrap(e) {
		if s := e.Error(); s != prev {
			line := s
			if !withData {
				g := *f
				g.Err = e
				line = g.message(false)
			}
			fmt.Fprintf(&b, "\nCaused by: %T: %s", e, line)
			prev = s
		}
	}
	return b.String()
}

// ToleranceError fails a task whose errors are not tolerated; its text
// names the stage, the class and the record coordinates.
type ToleranceError struct {
	f        Failure
	withData bool
}

func (e *ToleranceError) Error() string {
	return fmt.Sprintf("Tolerance exceeded in error handler: stage %s, class %s, record %s: %s",
		e.f.Stage, e.f.Class, e.f.where(), e.f.message(e.withData))
}

// Unwrap returns the original error.
func (e *ToleranceError) Unwrap() error { return e.f.Err }

// Stage returns the failing stage.
func (e *ToleranceError) Stage() Stage { return e.f.Stage }
